"""Crash-safe file writes shared by batches, caches and rescoring."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

TEMP_SUFFIX = ".tmp"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename over it: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, data: Any, indent: int | None = 2) -> None:
    text = json.dumps(data, indent=indent, ensure_ascii=False) + ("\n" if indent else "")
    atomic_write_bytes(path, text.encode("utf-8"))


def remove_stale_temp_files(directory: Path) -> int:
    """Temporary files a killed writer left behind (".<name>.<random>.tmp"); returns how many were removed."""
    removed = 0
    if directory.is_dir():
        for path in directory.rglob(f".*{TEMP_SUFFIX}"):
            if path.is_file():
                path.unlink(missing_ok=True)
                removed += 1
    return removed
