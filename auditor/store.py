"""The reports directory, owned in one place. Every reader and writer of it goes through `ReportStore`.

    DIR/<namespace>/<name>.json        one report per model (legacy ids without a namespace: DIR/<name>.json)
    DIR/evidence/<id>.json             the evidence each report was scored from, and its ancestors' (SnapshotHub)
    DIR/index.json                     one summary row per model (auditor.report.index_row)
    DIR/errors.json                    the models that could not be audited (or rescored), with a reason
    DIR/history/<id>.jsonl             each model's compact history (auditor.history)
    DIR/snapshots/<date>/<id>.json     dated historical report sets (not reports of this set)
    DIR/evidence-history/, exports/    dated evidence, batch exports
    (DIR itself is flock-ed by the one batch or rescore writing it)

File names come only from validated repository ids, through `id_path`: the id follows the Hub's rules (so no
`..`, no escape codes), its namespace is not one of the directory's own names (`index.json/x` cannot turn
DIR/index.json into a folder), and the resolved path stays under its root."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.criteria import CONTRACT_IDS
from auditor.errors import InvalidRepoId, UsageError
from auditor.fsutil import StorageError, atomic_write_json, is_orphan_temp_file, remove_stale_temp_files, storage_error
from auditor.repoid import validate_repo_id
from auditor.reportschema import SCHEMA, is_valid_report, loads_strict

INDEX_FILE = "index.json"
ERRORS_FILE = "errors.json"
EVIDENCE_DIR = "evidence"
HISTORY_DIR = "history"
SNAPSHOTS_DIR = "snapshots"
EVIDENCE_HISTORY_DIR = "evidence-history"
EXPORTS_DIR = "exports"
INDEX_SCHEMA = "auditor.index/1"
ERRORS_SCHEMA = "auditor.errors/1"
REPORT_SUFFIX = ".json"
HISTORY_SUFFIX = ".jsonl"
# Folders of the directory that hold no reports of this set (the site's `api` too, should one be built here).
OWN_FOLDERS = (EVIDENCE_DIR, HISTORY_DIR, SNAPSHOTS_DIR, EVIDENCE_HISTORY_DIR, EXPORTS_DIR, "api")
# Names no namespace may take (compared without case: some file systems ignore it), and legacy names that would
# land on the directory's own files.
RESERVED_NAMESPACES = frozenset({*OWN_FOLDERS, INDEX_FILE, ERRORS_FILE})
RESERVED_LEGACY_NAMES = frozenset({INDEX_FILE.removesuffix(".json"), ERRORS_FILE.removesuffix(".json")})
# Where the tool writes, and so where its temp files may be swept: never anywhere else (.git, a user's folders).
_SWEPT_FOLDERS = (EVIDENCE_DIR, HISTORY_DIR, EXPORTS_DIR)


class ReservedName(InvalidRepoId):
    """A valid repository id whose file would land on one of the reports directory's own files or folders."""


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_not_reserved(repo_id: str) -> None:
    parts = repo_id.lower().split("/")
    if (len(parts) == 1 and parts[0] in RESERVED_LEGACY_NAMES) or (len(parts) == 2 and parts[0] in
                                                                    RESERVED_NAMESPACES):
        raise ReservedName(f"'{repo_id}' would overwrite the reports directory's own {repo_id.split('/')[0]} "
                           "files; audit it on its own.")


def id_path(root: Path, repo_id: str, suffix: str, *, reserved: bool = True,
            resolved: dict[str, str] | None = None) -> Path:
    """The one way a repository id becomes a file path: `root/<id><suffix>`, from a validated id (InvalidRepoId
    otherwise), not on a reserved name (when `reserved`), and resolved to a place under `root` (a symlinked folder
    or file pointing elsewhere is refused). `resolved` caches the folders already resolved (one run's store)."""
    validate_repo_id(repo_id)
    if reserved:
        check_not_reserved(repo_id)
    cache = resolved if resolved is not None else {}
    root_text = os.fspath(root)
    path = os.path.join(root_text, repo_id + suffix)
    parent = os.path.dirname(path)
    base = cache.get(root_text) or cache.setdefault(root_text, os.path.realpath(root_text))
    real_parent = cache.get(parent) or cache.setdefault(parent, os.path.realpath(parent))
    real = os.path.realpath(path) if os.path.islink(path) else os.path.join(real_parent, os.path.basename(path))
    if real != base and not real.startswith(base.rstrip(os.sep) + os.sep):
        raise InvalidRepoId(f"The file for '{repo_id}' would be written outside {root}.")
    return Path(path)


def same_repo(a: str, b: str) -> bool:
    """Hub ids are case-insensitive: `GPT2` and `gpt2` are one repository."""
    return a.lower() == b.lower()


def read_json(path: Path) -> Any:
    """A JSON file, or None when it is missing, unreadable, not JSON, or holds NaN/Infinity."""
    try:
        return loads_strict(path.read_bytes())
    except (OSError, ValueError):
        return None


def is_complete_report(data: Any, repo_id: str | None = None) -> bool:
    """A valid report (see reportschema), and when `repo_id` is given, a report of that repository."""
    if not is_valid_report(data):
        return False
    return repo_id is None or same_repo(data["model"]["id"], repo_id)


def _names_its_model(data: Any) -> bool:
    """A report object of this schema whose model id is a string (whatever else it breaks)."""
    return isinstance(data, dict) and data.get("schema") == SCHEMA and isinstance(data.get("model"), dict) \
        and isinstance(data["model"].get("id"), str)


def index_document(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema": INDEX_SCHEMA, "generated_at": now(), "criteria": list(CONTRACT_IDS), "count": len(rows),
            "models": rows}


class ReportStore:
    """A reports directory: its layout, and validated reading and atomic writing of each of its files."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._resolved: dict[str, str] = {}  # folders resolved once per store (a run), see id_path

    # -- layout ------------------------------------------------------------------------------------------------------
    @property
    def evidence_dir(self) -> Path:
        return self.root / EVIDENCE_DIR

    @property
    def history_dir(self) -> Path:
        return self.root / HISTORY_DIR

    @property
    def snapshots_dir(self) -> Path:
        return self.root / SNAPSHOTS_DIR

    @property
    def index_path(self) -> Path:
        return self.root / INDEX_FILE

    @property
    def errors_path(self) -> Path:
        return self.root / ERRORS_FILE

    def report_path(self, repo_id: str) -> Path:
        return id_path(self.root, repo_id, REPORT_SUFFIX, resolved=self._resolved)

    def evidence_path(self, repo_id: str) -> Path:
        return id_path(self.evidence_dir, repo_id, REPORT_SUFFIX, reserved=False, resolved=self._resolved)

    def history_path(self, repo_id: str) -> Path:
        return id_path(self.history_dir, repo_id, HISTORY_SUFFIX, reserved=False, resolved=self._resolved)

    def export_path(self, repo_id: str, fmt: str, suffix: str) -> Path:
        return id_path(self.root / EXPORTS_DIR / fmt, repo_id, suffix, reserved=False, resolved=self._resolved)

    # -- reports -----------------------------------------------------------------------------------------------------
    def read_report(self, repo_id: str) -> dict[str, Any] | None:
        """The report of `repo_id` when it is valid and is that model's (missing, torn, foreign: None)."""
        try:
            path = self.report_path(repo_id)
        except InvalidRepoId:
            return None
        data = read_json(path)
        return data if is_complete_report(data, repo_id) else None

    def finished_report(self, repo_id: str) -> dict[str, Any] | None:
        """A previous run's report, when both it and the evidence it was scored from are in place."""
        try:
            if not self.evidence_path(repo_id).is_file():
                return None
        except InvalidRepoId:
            return None
        return self.read_report(repo_id)

    def has_report(self, repo_id: str) -> bool:
        try:
            return self.report_path(repo_id).is_file() and self.evidence_path(repo_id).is_file()
        except InvalidRepoId:
            return False

    def write_report(self, repo_id: str, report: dict[str, Any]) -> Path:
        """Store `report` as the report of the requested `repo_id` (the path never comes from the report)."""
        path = self.report_path(repo_id)
        atomic_write_json(path, report)
        return path

    def write_evidence(self, repo_id: str, evidence: dict[str, Any]) -> None:
        atomic_write_json(self.evidence_path(repo_id), evidence)

    def iter_reports(self, *, include_invalid: bool = False) -> Iterator[tuple[Path, dict[str, Any]]]:
        """(path, report) for each valid report filed where the batch puts it, DIR/<model id>.json. The directory's
        own files and folders, hidden folders, and reports filed under another name (a historical set in a
        sub-folder) are not reports of this set. `include_invalid`: also reports that break the contract but name
        their model (rescoring replaces them)."""
        for dirpath, dirnames, filenames in os.walk(self.root):
            here = Path(dirpath)
            top = here == self.root
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and not (top and d.lower() in RESERVED_NAMESPACES))
            if len(here.relative_to(self.root).parts) > 1:
                dirnames[:] = []
            for name in sorted(filenames):
                if not name.endswith(REPORT_SUFFIX) or name.startswith(".") or (top and name in (INDEX_FILE,
                                                                                                  ERRORS_FILE)):
                    continue
                path = here / name
                data = read_json(path)
                if (is_valid_report(data) or (include_invalid and _names_its_model(data))) and \
                        path.relative_to(self.root).as_posix() == f"{data['model']['id']}{REPORT_SUFFIX}":
                    yield path, data

    # -- index and errors ----------------------------------------------------------------------------------------------
    def read_index(self) -> dict[str, Any] | None:
        """index.json when it is an index whose rows each name a model by a string id; else None."""
        data = read_json(self.index_path)
        if not isinstance(data, dict) or not isinstance(data.get("models"), list):
            return None
        if not all(isinstance(row, dict) and isinstance(row.get("id"), str) for row in data["models"]):
            return None
        return data

    def write_index(self, rows: list[dict[str, Any]]) -> None:
        atomic_write_json(self.index_path, index_document(rows))

    def read_errors(self) -> list[dict[str, Any]]:
        data = read_json(self.errors_path)
        errors = data.get("errors") if isinstance(data, dict) else None
        return [e for e in errors if isinstance(e, dict) and isinstance(e.get("id"), str)] \
            if isinstance(errors, list) else []

    def write_errors(self, errors: list[dict[str, Any]], *, interrupted: bool = False) -> None:
        """errors.json; when it cannot be written, the old one is removed rather than left describing another run."""
        try:
            atomic_write_json(self.errors_path, {"schema": ERRORS_SCHEMA, "generated_at": now(),
                                                 "interrupted": interrupted, "count": len(errors), "errors": errors})
        except StorageError:
            self.errors_path.unlink(missing_ok=True)
            raise

    # -- concurrency and crash leftovers -----------------------------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the directory's advisory lock (flock on the directory itself: no file is left behind); a second
        writer refuses with one sentence instead of interleaving its writes."""
        import fcntl

        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise UsageError(f"The output directory {self.root} could not be created: {exc.strerror or exc}.") \
                from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise UsageError(f"Another batch or rescore is writing to {self.root}; wait for it to finish or "
                                     "choose another directory.") from None
                raise storage_error(self.root, exc) from None
            yield
        finally:
            os.close(fd)

    def sweep_temp_files(self) -> int:
        """Temp files of writers that were killed, in the directory's own files and folders and its report folders
        only: hidden folders (.git, ...) and folders the tool does not write are never entered."""
        if not self.root.is_dir():
            return 0
        removed = 0
        for entry in os.scandir(self.root):
            path = Path(entry.path)
            if entry.is_file(follow_symlinks=False):
                if is_orphan_temp_file(path):
                    path.unlink(missing_ok=True)
                    removed += 1
            elif entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".") and (
                    entry.name in _SWEPT_FOLDERS or entry.name.lower() not in RESERVED_NAMESPACES):
                removed += remove_stale_temp_files(path)
        return removed
