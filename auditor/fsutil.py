"""Crash-safe file writes shared by batches, caches and rescoring, and the sweeping of what a killed writer left.

A temporary file is named `.<target>.<TAG>-<pid>-<run>.<random>.tmp`: the writing process's id is in its name, so a
later run removes only the temp files whose owner process is gone, never a live writer's (a concurrent run, the
evidence cache of another command) and never a file that merely ends in `.tmp`."""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from auditor.errors import AuditError

TEMP_SUFFIX = ".tmp"
TEMP_TAG = "auditor"
RUN_ID = secrets.token_hex(4)  # tells apart two runs whose pids were reused
_TEMP_NAME = re.compile(rf"^\..+\.{TEMP_TAG}-(?P<pid>\d+)-[0-9a-f]+\.[^.]*{re.escape(TEMP_SUFFIX)}$")


class StorageError(AuditError):
    """A write the file system refused (disk full, read-only, no permission): the run stops with one sentence."""

    exit_code = 1


def _current_umask() -> int:
    try:  # Linux reports it without changing it (thread-safe)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def temp_prefix(target: Path) -> str:
    return f".{target.name}.{TEMP_TAG}-{os.getpid()}-{RUN_ID}."


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename over it: readers see the old or the new file.

    The file gets the mode an ordinary `open()` would give (0666 less the umask), not mkstemp's 0600."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path), suffix=TEMP_SUFFIX)
    except OSError as exc:
        raise storage_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~_UMASK)
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise storage_error(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def storage_error(path: Path, exc: OSError) -> StorageError:
    if exc.errno == errno.ENOSPC:
        return StorageError(f"The disk is full: {path} could not be written.")
    return StorageError(f"{path} could not be written: {exc.strerror or exc}.")


def dumps_json(data: Any, indent: int | None = 2) -> str:
    """JSON text; NaN and Infinity are refused (ValueError): they are not JSON and break every reader."""
    return json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False) + ("\n" if indent else "")


def atomic_write_json(path: Path, data: Any, indent: int | None = 2) -> None:
    atomic_write_bytes(path, dumps_json(data, indent).encode("utf-8"))


def _owner_gone(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def is_orphan_temp_file(path: Path) -> bool:
    """One of our temp files whose writing process no longer exists."""
    match = _TEMP_NAME.match(path.name)
    return bool(match) and _owner_gone(int(match["pid"]))


def remove_stale_temp_files(directory: Path) -> int:
    """Remove the temp files killed writers left in `directory` and below; hidden folders (.git, ...) are never
    entered, and only our own temp files whose owner process is gone are touched. Returns how many were removed."""
    removed = 0
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = Path(dirpath) / name
            if name.endswith(TEMP_SUFFIX) and is_orphan_temp_file(path) and path.is_file():
                path.unlink(missing_ok=True)
                removed += 1
    return removed
