"""Deep audits at scale: a deterministic slice of a model list per shard, and the merge of the shards' reports.

A model's shard depends only on its id (a hash), so it keeps its shard when the list grows or shrinks, and every
shard job computes its slice alone. The merge publishes only when at least `min_success` of the shards finished;
otherwise it changes nothing, so the previous publication stays, and it says so."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.errors import AuditError, UsageError
from auditor.fsutil import atomic_write_json

MAX_SHARDS = 256  # GitHub Actions runs at most 256 jobs per matrix
MIN_SUCCESS = 0.99
SHARD_MARKER = "shard.json"  # written by a shard job that ran to the end (batch exit 0 or 1)
INDEX_FILE = "index.json"
ERRORS_FILE = "errors.json"


class MergeRefused(AuditError):
    exit_code = 1


def parse_shard(text: str) -> tuple[int, int]:
    """'I/N' (0 <= I < N <= 256) -> (I, N)."""
    try:
        index_text, count_text = text.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise UsageError(f"--shard takes I/N with whole numbers (e.g. 0/8), not {text[:40]!r}.") from None
    if not 1 <= count <= MAX_SHARDS or not 0 <= index < count:
        raise UsageError(f"--shard {text[:40]} is out of range: N is 1 to {MAX_SHARDS} and I is 0 to N-1.")
    return index, count


def shard_of(repo_id: str, count: int) -> int:
    digest = hashlib.sha256(repo_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def select_shard(ids: list[str], shard: tuple[int, int] | None) -> list[str]:
    """The ids of shard I of N, in input order (all ids when `shard` is None)."""
    if shard is None:
        return ids
    index, count = shard
    return [repo_id for repo_id in ids if shard_of(repo_id, count) == index]


def shard_matrix(count: int) -> list[int]:
    if not 1 <= count <= MAX_SHARDS:
        raise UsageError(f"The number of shards must be 1 to {MAX_SHARDS} (a GitHub Actions matrix limit).")
    return list(range(count))


def write_marker(shard_dir: Path, index: int, count: int, exit_code: int) -> None:
    atomic_write_json(shard_dir / SHARD_MARKER, {"shard": index, "of": count, "exit_code": exit_code})


@dataclass(frozen=True)
class MergeResult:
    expected: int
    succeeded: list[int]
    failed: list[int]
    models: int

    @property
    def share(self) -> float:
        return len(self.succeeded) / self.expected if self.expected else 0.0


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _finished_shards(artifacts: Path, count: int) -> dict[int, Path]:
    """Shard directories (any depth below `artifacts`) whose marker says they ran to the end of N shards."""
    found: dict[int, Path] = {}
    for marker in sorted(artifacts.rglob(SHARD_MARKER)):
        data = _read_json(marker)
        if not isinstance(data, dict) or data.get("of") != count or data.get("exit_code") not in (0, 1):
            continue
        index = data.get("shard")
        if isinstance(index, int) and 0 <= index < count and isinstance(_read_json(marker.parent / INDEX_FILE), dict):
            found.setdefault(index, marker.parent)
    return found


def merge_shards(artifacts: Path, count: int, out: Path, min_success: float = MIN_SUCCESS) -> MergeResult:
    """Merge the reports of every finished shard into `out` (replaced as a whole), or refuse and leave `out`
    untouched when fewer than `min_success` of the `count` shards finished."""
    shard_matrix(count)
    finished = _finished_shards(artifacts, count) if artifacts.is_dir() else {}
    failed = [i for i in range(count) if i not in finished]
    result = MergeResult(count, sorted(finished), failed, 0)
    if result.share < min_success:
        raise MergeRefused(
            f"Only {len(finished)} of {count} shards finished ({result.share:.1%}, below {min_success:.0%}; "
            f"missing: {', '.join(map(str, failed[:20]))}{' …' if len(failed) > 20 else ''}): nothing was merged "
            f"and the previous publication in {out} is kept.")
    staging = out.with_name(f".{out.name}.merging")
    shutil.rmtree(staging, ignore_errors=True)
    rows: dict[str, dict[str, Any]] = {}
    errors: list[dict[str, Any]] = []
    head: dict[str, Any] = {}
    for index in sorted(finished):
        shard_dir = finished[index]
        shutil.copytree(shard_dir, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns(SHARD_MARKER))
        index_doc = _read_json(shard_dir / INDEX_FILE)
        head = head or {k: v for k, v in index_doc.items() if k not in ("models", "count", "generated_at")}
        rows.update({row["id"]: row for row in index_doc.get("models") or [] if isinstance(row, dict)
                     and isinstance(row.get("id"), str)})
        errors_doc = _read_json(shard_dir / ERRORS_FILE)
        if isinstance(errors_doc, dict):
            errors.extend(e for e in errors_doc.get("errors") or [] if isinstance(e, dict))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ordered = [rows[k] for k in sorted(rows)]
    atomic_write_json(staging / INDEX_FILE, {**head, "generated_at": now, "count": len(ordered), "models": ordered})
    atomic_write_json(staging / ERRORS_FILE, {"generated_at": now, "count": len(errors), "errors": errors,
                                              "shards": {"expected": count, "finished": sorted(finished),
                                                         "missing": failed}})
    previous = out.with_name(f".{out.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if out.exists():
        os.replace(out, previous)
    os.replace(staging, out)
    shutil.rmtree(previous, ignore_errors=True)
    return MergeResult(count, sorted(finished), failed, len(ordered))
