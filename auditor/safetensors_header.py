"""Read and validate a safetensors header from the first bytes of a file, without the tensor data."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

# Bytes per element of every dtype the safetensors format defines.
DTYPE_BYTES: dict[str, float] = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "F4": 0.5, "F6_E2M3": 0.75,
    "F6_E3M2": 0.75, "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8,
    "U64": 8, "F64": 8, "C64": 8,
}
MAX_HEADER_BYTES = 25_000_000  # the same bound huggingface_hub applies
MAX_FILE_BYTES = 2**53  # no offset or dimension can exceed a file size; 8 PiB is beyond any real one


class SafetensorsHeaderError(ValueError):
    """The header is not a valid safetensors header; the message says why in one sentence."""


@dataclass(frozen=True)
class SafetensorsHeader:
    header_length: int
    parameters: dict[str, int]  # dtype -> element count
    metadata: dict[str, str]

    @property
    def total(self) -> int:
        return sum(self.parameters.values())


def _natural(value: object) -> bool:
    """A JSON non-negative integer no larger than any real file (true and false are ints to Python, not to the
    format). The bound keeps a hostile shape from yielding a parameter count of 2^1088 when the file size is
    not known to check the offsets against."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_FILE_BYTES


def header_length(prefix: bytes) -> int:
    if len(prefix) < 8:
        raise SafetensorsHeaderError("the file is shorter than the 8-byte header length")
    (length,) = struct.unpack("<Q", prefix[:8])
    if length > MAX_HEADER_BYTES:
        raise SafetensorsHeaderError(f"the header claims {length} bytes, more than the {MAX_HEADER_BYTES} allowed")
    return length


def _header_object(raw: bytes, length: int) -> dict:
    body = raw[8 : 8 + length]
    if len(body) < length:
        raise SafetensorsHeaderError("the header is truncated")
    try:
        header = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: hostile nesting
        raise SafetensorsHeaderError(f"the header is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(header, dict):
        raise SafetensorsHeaderError("the header is not a JSON object")
    return header


def _metadata(header: dict) -> dict[str, str]:
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise SafetensorsHeaderError("__metadata__ is not an object")
    return {str(k): str(v) for k, v in metadata.items()}


def _tensor(name: str, info: object, data_size: int | None) -> tuple[str, int, tuple[int, int]]:
    """(dtype, element count, data offsets) of one tensor entry, checked against its shape and the file."""
    if not isinstance(info, dict):
        raise SafetensorsHeaderError(f"tensor {name[:60]!r} is not described by an object")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in DTYPE_BYTES:  # a list or mapping here is hostile, not a dtype
        raise SafetensorsHeaderError(f"tensor {name[:60]!r} has unknown dtype {str(dtype)[:20]!r}")
    if not isinstance(shape, list) or not all(_natural(d) for d in shape):
        raise SafetensorsHeaderError(f"tensor {name[:60]!r} has an invalid shape")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_natural(o) for o in offsets) \
            or offsets[0] > offsets[1]:
        raise SafetensorsHeaderError(f"tensor {name[:60]!r} has invalid data offsets")
    count = _elements(shape)
    if count is None:
        raise SafetensorsHeaderError(f"tensor {name[:60]!r} has more elements than any file could hold")
    # Integer arithmetic: a float product overflows on hostile shapes (and loses precision on large ones).
    if offsets[1] - offsets[0] != count * int(DTYPE_BYTES[dtype] * 8) // 8:
        raise SafetensorsHeaderError(f"tensor {name[:60]!r} has offsets that do not match its shape and dtype")
    if data_size is not None and offsets[1] > data_size:
        raise SafetensorsHeaderError(f"tensor {name[:60]!r} points beyond the end of the file")
    return dtype, count, (offsets[0], offsets[1])


def _elements(shape: list[int]) -> int | None:
    """The product of the dimensions; None once it exceeds what a file can hold (stopping early keeps a hostile
    list of huge dimensions from costing a long big-integer product)."""
    if 0 in shape:
        return 0
    count = 1
    for dim in shape:
        count *= dim
        if count > MAX_FILE_BYTES * 8:  # more elements than bits in the largest file
            return None
    return count


def _check_no_overlap(spans: list[tuple[int, int, str]]) -> None:
    spans.sort()
    for (_s1, e1, n1), (s2, _e2, n2) in zip(spans, spans[1:], strict=False):
        if s2 < e1:
            raise SafetensorsHeaderError(f"tensors {n1[:40]!r} and {n2[:40]!r} overlap")


def parse_header(raw: bytes, file_size: int | None = None) -> SafetensorsHeader:
    """Parse `raw` = the file's first 8 + N bytes. Checks JSON, dtypes, shapes and offsets.

    With `file_size`, offsets must also fit inside the file."""
    length = header_length(raw)
    if file_size is not None and 8 + length > file_size:
        raise SafetensorsHeaderError(f"the header claims {length} bytes but the file has only {file_size}")
    header = _header_object(raw, length)
    metadata = _metadata(header)
    data_size = None if file_size is None else file_size - 8 - length
    parameters: dict[str, int] = {}
    spans: list[tuple[int, int, str]] = []
    for name, info in header.items():
        dtype, count, (start, end) = _tensor(name, info, data_size)
        spans.append((start, end, name))
        parameters[dtype] = parameters.get(dtype, 0) + count
    _check_no_overlap(spans)
    return SafetensorsHeader(header_length=length, parameters=parameters, metadata=metadata)
