"""What a pickle would import when loaded, found by a symbolic stack machine that never executes anything.

A pickle calls only what it imports (GLOBAL, INST, STACK_GLOBAL, the copyreg extension opcodes). Import names can be
assembled at load time: STACK_GLOBAL takes its module and name from the stack, and those strings can arrive through
the memo (PUT/MEMOIZE then GET) after any number of unrelated values. So this module models the whole stack and the
whole memo — every value, not only strings — and resolves each import operand exactly as the real unpickler would.
An operand it cannot resolve to a literal string (built by a call, for example) is reported as *unresolvable*: it
blocks a "clean" verdict, it is never silently dropped.

The walk streams opcodes (`pickletools.genops`), keeps no opcode list, and runs under one `ScanBudget` per file:
a byte budget charged on every read (zip members are decompressed lazily through it) and an opcode budget."""

from __future__ import annotations

import io
import pickletools
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

MAX_OPCODES = 500_000  # a real 10 MB checkpoint has tens of thousands; far more is a denial-of-service attempt
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # bytes decompressed from all members of one archive, together
MAX_ZIP_MEMBERS = 20_000
UNRESOLVED = "?"  # an import operand computed at load time

_PICKLE_MAGIC = tuple(b"\x80" + bytes([v]) for v in range(2, 6))
_STRING_OPS = {"SHORT_BINUNICODE", "UNICODE", "BINUNICODE", "BINUNICODE8", "STRING", "BINSTRING", "SHORT_BINSTRING"}
_MEMO_PUT_OPS = {"PUT", "BINPUT", "LONG_BINPUT"}
_MEMO_GET_OPS = {"GET", "BINGET", "LONG_BINGET"}
_EXTENSION_OPS = {"EXT1", "EXT2", "EXT4"}  # imports looked up in copyreg's extension registry at load time


class BudgetExceeded(Exception):
    """The file needs more bytes or opcodes than one scan may spend."""


class MalformedPickle(Exception):
    """The opcodes do not form a pickle a real unpickler would accept (stack underflow, missing mark...)."""


@dataclass
class ScanBudget:
    opcodes_left: int = MAX_OPCODES
    bytes_left: int = MAX_UNZIPPED_BYTES

    def spend_opcode(self) -> None:
        self.opcodes_left -= 1
        if self.opcodes_left < 0:
            raise BudgetExceeded(f"it holds more than {MAX_OPCODES} pickle opcodes")

    def spend_bytes(self, count: int) -> None:
        self.bytes_left -= count
        if self.bytes_left < 0:
            raise BudgetExceeded(f"it decompresses to more than {MAX_UNZIPPED_BYTES} bytes")


class _BudgetedReader:
    """A forward-only stream charging every byte it returns to the scan budget, and refusing any single read larger
    than what is left: a hostile length prefix (a 4 GB string) must not make a decompressor allocate it first."""

    def __init__(self, raw: BinaryIO, budget: ScanBudget) -> None:
        self._raw, self._budget, self._pos = raw, budget, 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = max(self._budget.bytes_left, 0)
        if size > self._budget.bytes_left:
            raise BudgetExceeded(f"it asks to read more than the {MAX_UNZIPPED_BYTES} bytes one scan reads")
        data = self._raw.read(size)
        self._budget.spend_bytes(len(data))
        self._pos += len(data)
        return data

    def readline(self) -> bytes:
        out = bytearray()
        while len(out) < 1 << 16:  # text opcodes carry short lines
            ch = self.read(1)
            out += ch
            if not ch or ch == b"\n":
                break
        return bytes(out)

    def tell(self) -> int:
        return self._pos

    def at_end(self) -> bool:
        return not self._raw.peek(1)  # type: ignore[attr-defined]  # BufferedReader and ZipExtFile both peek


# Stack values: only what can become an import operand needs a value; everything else is an opaque marker.
class _Mark:
    pass


class _Opaque:
    pass


_MARK, _OPAQUE = _Mark(), _Opaque()


@dataclass
class _Machine:
    """The unpickler's stack and memo, with literal strings kept and every other value opaque."""

    imports: set[tuple[str, str]]
    stack: list[object] = field(default_factory=list)
    memo: dict[object, object] = field(default_factory=dict)

    def pop(self) -> object:
        if not self.stack:
            raise MalformedPickle("stack underflow")
        return self.stack.pop()

    def pop_to_mark(self) -> list[object]:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index] is _MARK:
                items = self.stack[index + 1:]
                del self.stack[index:]
                return items
        raise MalformedPickle("no mark on the stack")

    def top(self) -> object:
        if not self.stack:
            raise MalformedPickle("memo store from an empty stack")
        return self.stack[-1]

    def generic(self, opcode: pickletools.OpcodeInfo) -> None:
        """Any opcode without a special rule: consume its declared inputs, push opaque outputs."""
        for item in reversed(opcode.stack_before):
            if item is pickletools.stackslice:
                self.pop_to_mark()
            elif item is pickletools.markobject:
                pass  # popped together with its stackslice
            else:
                self.pop()
        for item in opcode.stack_after:
            self.stack.append(_MARK if item is pickletools.markobject else _OPAQUE)

    def step(self, opcode: pickletools.OpcodeInfo, arg: object) -> None:
        name = opcode.name
        if name in _STRING_OPS:
            self.stack.append(arg if isinstance(arg, str) else _OPAQUE)
        elif name in ("GLOBAL", "INST"):
            module, _, attr = str(arg).partition(" ")
            self.imports.add((module, attr))
            if name == "INST":
                self.pop_to_mark()
            self.stack.append(_OPAQUE)
        elif name == "STACK_GLOBAL":
            attr, module = self.pop(), self.pop()
            self.imports.add((module if isinstance(module, str) else UNRESOLVED,
                              attr if isinstance(attr, str) else UNRESOLVED))
            self.stack.append(_OPAQUE)
        elif name in _EXTENSION_OPS:
            self.imports.add((UNRESOLVED, f"copyreg extension {arg}"))
            self.stack.append(_OPAQUE)
        elif name == "MEMOIZE":
            self.memo[len(self.memo)] = self.top()
        elif name in _MEMO_PUT_OPS:
            self.memo[arg] = self.top()
        elif name in _MEMO_GET_OPS:
            # A slot never stored makes a real unpickler fail; we stay on the safe side and treat it as unreadable.
            self.stack.append(self.memo.get(arg, _OPAQUE))
        elif name == "DUP":
            self.stack.append(self.top())
        else:
            self.generic(opcode)


def walk_pickle(stream: BinaryIO, budget: ScanBudget, imports: set[tuple[str, str]]) -> None:
    """Record the imports of one pickle, up to its STOP. Raises MalformedPickle, BudgetExceeded, or the parse errors
    of `pickletools.genops` (ValueError and friends) on bytes that are no pickle."""
    machine = _Machine(imports)
    for opcode, arg, _pos in pickletools.genops(stream):
        budget.spend_opcode()
        machine.step(opcode, arg)


@dataclass
class PickleScan:
    imports: frozenset[tuple[str, str]]
    unscannable: str = ""  # why the scan could not finish ("" when it did)
    not_pickle: str = ""  # the parse error of a file that is no pickle at all ("" otherwise)


def _walk_consecutive(stream: _BudgetedReader, budget: ScanBudget, imports: set[tuple[str, str]]) -> str:
    """Walk consecutive pickles (legacy PyTorch files hold several, then raw tensor bytes) until the data ends or
    stops parsing. Returns the parse error of the first pickle when even that one is no pickle ("" otherwise)."""
    first = True
    while not stream.at_end():
        start = stream.tell()
        try:
            walk_pickle(stream, budget, imports)  # type: ignore[arg-type]
        except BudgetExceeded:
            raise
        except Exception as exc:  # hostile bytes: any parse failure ends the walk of this stream
            return f"{type(exc).__name__}: {str(exc)[:80]}" if first else ""
        first = False
        if stream.tell() <= start:
            break
    return ""


def _scan_archive(data: bytes, budget: ScanBudget, imports: set[tuple[str, str]]) -> PickleScan:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            return PickleScan(frozenset(), f"the archive has more than {MAX_ZIP_MEMBERS} members")
        declared = sum(info.file_size for info in members)
        if declared > MAX_UNZIPPED_BYTES:
            return PickleScan(frozenset(), f"its members declare {declared} bytes uncompressed, more than the "
                                           f"{MAX_UNZIPPED_BYTES} one scan reads")
        parse_errors = []
        # Every member, whatever its name: a loader may unpickle any of them (data.pkl, .dat, .joblib, .npy...).
        for info in members:
            with archive.open(info) as member:
                error = _walk_consecutive(_BudgetedReader(member, budget), budget, imports)
                if error:
                    parse_errors.append(error)
        if len(parse_errors) == len(members) and not imports:
            return PickleScan(frozenset(), "", "a zip archive without a pickle inside" if members else "an empty archive")
    return PickleScan(frozenset(imports))


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or (data[:2] not in _PICKLE_MAGIC and zipfile.is_zipfile(io.BytesIO(data)))


def scan_imports(data: bytes) -> PickleScan:
    """Every import a pickle-based file (plain, legacy PyTorch, or zip-wrapped PyTorch) would perform. Never raises
    for hostile input: what cannot be finished is `unscannable`, with the reason."""
    budget = ScanBudget()
    imports: set[tuple[str, str]] = set()
    try:
        if is_zip(data):
            return _scan_archive(data, budget, imports)
        error = _walk_consecutive(_BudgetedReader(io.BufferedReader(io.BytesIO(data)), budget), budget, imports)
    except BudgetExceeded as exc:
        return PickleScan(frozenset(imports), str(exc))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
            ValueError) as exc:
        # RuntimeError: encrypted member; NotImplementedError: unknown compression. PyTorch's own reader is more
        # lenient than zipfile, so an archive we cannot open is not known to be harmless.
        return PickleScan(frozenset(imports), f"the archive could not be read ({type(exc).__name__})")
    return PickleScan(frozenset(imports), "", error if not imports else "")


