"""Audit many models: bounded concurrency over one shared Hub client and ancestor cache, atomic writes, resume.

The output directory is the layout the site, `audit rescore` and the bundled snapshot share:

    DIR/<namespace>/<name>.json   one report per model (legacy ids without a namespace: DIR/<name>.json)
    DIR/evidence/<id>.json        the evidence each report was scored from, and its ancestors' (SnapshotHub layout)
    DIR/index.json                one summary row per model of the batch (`index_row`)
    DIR/errors.json               the models that could not be audited, with an exit-code-style reason

Every file is written to a temporary name and renamed into place, so an interrupted or crashed run leaves
each file either complete or as it was. A re-run skips models whose report and evidence are complete."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor import __version__
from auditor.criteria import CONTRACT_IDS, criteria_version
from auditor.errors import (
    EXIT_GATE_FAILED,
    EXIT_INTERNAL,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    AuditError,
    HubUnreachable,
    InvalidRepoId,
    RepoNotFound,
    UsageError,
    redact,
)
from auditor.evidence import RepoEvidence
from auditor.fsutil import atomic_write_bytes, atomic_write_json, remove_stale_temp_files
from auditor.hub.base import ChildModel, Hub
from auditor.hub.cached import CachingHub, EvidenceStore
from auditor.lineage import DEFAULT_MAX_DEPTH, AncestorCache
from auditor.repoid import validate_repo_id

if TYPE_CHECKING:
    from rich.console import Console
from auditor.report import SCHEMA

INDEX_SCHEMA = "auditor.index/1"
ERRORS_SCHEMA = "auditor.errors/1"
INDEX_FILE = "index.json"
ERRORS_FILE = "errors.json"
EVIDENCE_DIR = "evidence"
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 64
# Ids whose report path would land on one of the batch's own files or folders.
RESERVED_LEGACY_NAMES = frozenset({INDEX_FILE.removesuffix(".json"), ERRORS_FILE.removesuffix(".json")})
RESERVED_NAMESPACES = frozenset({EVIDENCE_DIR, "exports", "history", "snapshots", "evidence-history"})
OUTCOME_AUDITED = "audited"
OUTCOME_SKIPPED = "skipped"
OUTCOME_FAILED = "failed"


@dataclass(frozen=True)
class BatchError:
    """A model the batch could not audit, with the exit code a single `audit REPO_ID` would have given."""

    id: str
    exit_code: int
    reason: str  # invalid-id | reserved-name | not-found | unreachable | usage | internal
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "exit_code": self.exit_code, "reason": self.reason, "message": self.message}


@dataclass
class BatchResult:
    out_dir: Path
    audited: list[str] = field(default_factory=list)  # audited in this run
    skipped: list[str] = field(default_factory=list)  # complete reports kept from an earlier run
    errors: list[BatchError] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # index.json rows, in input order
    interrupted: bool = False

    @property
    def attempted(self) -> int:
        return len(self.audited) + sum(1 for e in self.errors if e.reason not in ("invalid-id", "reserved-name"))

    @property
    def hub_unreachable_throughout(self) -> bool:
        attempted_errors = [e for e in self.errors if e.reason not in ("invalid-id", "reserved-name")]
        return not self.audited and bool(attempted_errors) and all(e.reason == "unreachable"
                                                                  for e in attempted_errors)

    @property
    def exit_code(self) -> int:
        if not self.errors:
            return 0
        return EXIT_UNREACHABLE if self.hub_unreachable_throughout else EXIT_GATE_FAILED


ProgressCallback = Callable[[str, str], None]  # (repo id, outcome) after each model


# -- input ---------------------------------------------------------------------------------------------------------
def parse_ids(lines: Iterable[str]) -> list[str]:
    """One id per line; `#` starts a comment; blank lines and repeats are dropped. Ids are not validated here."""
    out: dict[str, None] = {}
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if text:
            out.setdefault(text, None)
    return list(out)


def read_ids(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"The model list {path} does not exist.") from None
    except IsADirectoryError:
        raise UsageError(f"The model list {path} is a directory; expected a file with one repo id per line.") \
            from None
    except UnicodeDecodeError:
        raise UsageError(f"The model list {path} is not UTF-8 text.") from None
    except OSError as exc:
        raise UsageError(f"The model list {path} could not be read: {exc.strerror or exc}.") from None
    ids = parse_ids(text.splitlines())
    if not ids:
        raise UsageError(f"The model list {path} names no model (one repo id per line, '#' starts a comment).")
    return ids


# -- layout --------------------------------------------------------------------------------------------------------
def report_path(out_dir: Path, repo_id: str) -> Path:
    return out_dir / f"{repo_id}.json"


def evidence_path(out_dir: Path, repo_id: str) -> Path:
    """Where SnapshotHub(root=out_dir / 'evidence') finds the evidence of `repo_id`."""
    return out_dir / EVIDENCE_DIR / f"{repo_id}.json"


def check_layout_name(repo_id: str) -> None:
    parts = repo_id.split("/")
    if (len(parts) == 1 and parts[0] in RESERVED_LEGACY_NAMES) or (len(parts) == 2 and parts[0] in
                                                                    RESERVED_NAMESPACES):
        raise InvalidRepoId(f"'{repo_id}' would overwrite the batch's own {parts[0]} files; audit it on its own.")


def is_complete_report(data: Any, repo_id: str | None = None) -> bool:
    """A report object of this schema, for `repo_id`, with every contract criterion and a classification."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return False
    model = data.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("id"), str):
        return False
    if repo_id is not None and model["id"] != repo_id:
        return False
    criteria = data.get("criteria")
    if not isinstance(criteria, list) or not isinstance(data.get("classification"), str):
        return False
    present = {c.get("id") for c in criteria if isinstance(c, dict)}
    return set(CONTRACT_IDS) <= present


def read_report(path: Path, repo_id: str | None = None) -> dict[str, Any] | None:
    """The report at `path` when it is complete, else None (missing, truncated, foreign or another model's)."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if is_complete_report(data, repo_id) else None


def finished_report(out_dir: Path, repo_id: str) -> dict[str, Any] | None:
    """A previous run's report, when both it and the evidence it was scored from are in place."""
    if not evidence_path(out_dir, repo_id).is_file():
        return None
    return read_report(report_path(out_dir, repo_id), repo_id)


def is_current(out_dir: Path, report: dict[str, Any], current: dict[str, str] | None) -> bool:
    """Whether a finished report still holds: same criteria, and (when the Hub told us the current commits) the
    model and every ancestor still at the commit its evidence was read at. Without current shas (a snapshot
    Hub), a finished report counts as current: that is plain resume."""
    if report.get("criteria_version") != criteria_version() or (report.get("tool") or {}).get("version") != __version__:
        return False  # new criteria or a new release of the judge: score again (from stored evidence)
    if report.get("problems"):
        return False  # some evidence could not be read last time: try again
    if current is None:
        return True
    if current.get(report["model"]["id"]) != report["model"].get("revision"):
        return False
    store = EvidenceStore(out_dir / EVIDENCE_DIR)
    for ancestor in (report.get("lineage") or {}).get("ancestors") or []:
        stored = store.latest(ancestor.get("id", ""))
        if stored is None or current.get(stored.repo_id) != stored.revision:
            return False
    return True


def _is_valid(repo_id: str) -> bool:
    try:
        validate_repo_id(repo_id)
        check_layout_name(repo_id)
    except InvalidRepoId:
        return False
    return True


def _ids_to_check(out_dir: Path, ids: list[str]) -> list[str]:
    """The batch's models and the ancestors their previous reports name: one bulk sha lookup covers them all."""
    wanted = dict.fromkeys(ids)
    for repo_id in ids:
        previous = finished_report(out_dir, repo_id)
        for ancestor in ((previous or {}).get("lineage") or {}).get("ancestors") or []:
            if isinstance(ancestor.get("id"), str):
                wanted.setdefault(ancestor["id"])
    return list(wanted)


# -- the index row (shared with the site) --------------------------------------------------------------------------
def index_row(report: dict[str, Any]) -> dict[str, Any]:
    """One summary row of a report: what the comparison table and /api/index.json show."""
    from auditor.licenses.knowledge import load_knowledge

    model = report.get("model") or {}
    lic = report.get("license") or {}
    lineage = report.get("lineage") or {}
    weights = report.get("weights") or {}
    key = lic.get("key")
    info = load_knowledge().by_key(key) if isinstance(key, str) else None
    statuses = {c.get("id"): c.get("status") for c in report.get("criteria") or [] if isinstance(c, dict)}
    declared = lic.get("declared")
    return {
        "id": model.get("id"),
        "revision": model.get("revision"),
        "classification": report.get("classification"),
        "license_declared": ", ".join(map(str, declared)) if isinstance(declared, list) else declared,
        "license_identified": lic.get("identified"),
        "license_effective": lineage.get("effective_license"),
        "license_key": key,
        "license_family": info.family if info else None,
        "criteria": statuses,
        "data_transparency": statuses.get("data-transparency"),
        "lineage_findings": len(lineage.get("findings") or []),
        "parameters": weights.get("parameters"),
        "gated": model.get("gated"),
        "audited_at": report.get("audited_at"),
        "source": report.get("source"),
    }


def index_document(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema": INDEX_SCHEMA, "generated_at": _now(), "criteria": list(CONTRACT_IDS), "count": len(rows),
            "models": rows}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the run -------------------------------------------------------------------------------------------------------
class RecordingHub:
    """Passes every call to `inner` and keeps the evidence it returns, so the batch can store what it scored.

    Full reads (a model's own audit) and light reads (`texts=False`, for ancestors) are kept apart: a model's
    stored evidence must be the full read its report was scored from."""

    def __init__(self, inner: Hub):
        self.inner = inner
        self.source = inner.source
        self._evidence: dict[tuple[str, bool], RepoEvidence] = {}
        self._lock = threading.Lock()

    def repo(self, repo_id: str, revision: str | None = None, *, texts: bool = True) -> RepoEvidence:
        evidence = self.inner.repo(repo_id, revision, texts=texts)
        with self._lock:
            self._evidence[(repo_id, texts)] = evidence
        return evidence

    def dataset(self, dataset_id: str):  # noqa: ANN201 - same type as the inner Hub's
        return self.inner.dataset(dataset_id)

    def children(self, repo_id: str, relation: str | None = None, limit: int | None = None) -> list[ChildModel]:
        return self.inner.children(repo_id, relation, limit)

    def recorded(self, repo_id: str, full: bool = True) -> RepoEvidence | None:
        """The full read of `repo_id`; with full=False, the full read or else the light one."""
        with self._lock:
            got = self._evidence.get((repo_id, True))
            return got if got is not None or full else self._evidence.get((repo_id, False))

    def forget(self, repo_id: str) -> None:
        with self._lock:
            self._evidence.pop((repo_id, True), None)

    def __getattr__(self, name: str) -> Any:  # e.g. LiveHub.requests, SnapshotHub.has
        return getattr(self.inner, name)


def _reason(exc: AuditError) -> str:
    if isinstance(exc, HubUnreachable):
        return "unreachable"
    if isinstance(exc, RepoNotFound):
        return "not-found"
    if isinstance(exc, InvalidRepoId):
        return "invalid-id"
    return "usage" if exc.exit_code == EXIT_USAGE else "error"


class _Run:
    """The state one batch shares between its worker threads."""

    def __init__(self, out_dir: Path, hub: RecordingHub, cache: AncestorCache, follow_lineage: bool,
                 max_depth: int, unreachable_limit: int):
        self.out_dir = out_dir
        self.hub = hub
        self.cache = cache
        self.follow_lineage = follow_lineage
        self.max_depth = max_depth
        self.unreachable_limit = unreachable_limit
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.unreachable_streak = 0
        self.own_evidence: set[str] = set()  # full reads written in this run
        self.ancestor_evidence: set[str] = set()  # light reads of ancestors written in this run

    def audit_one(self, repo_id: str) -> dict[str, Any] | BatchError:
        from auditor.audit import audit

        if self.stop.is_set():
            return BatchError(repo_id, EXIT_UNREACHABLE, "unreachable",
                              f"Not attempted: the Hub could not be reached for the previous {self.unreachable_limit} "
                              "models in a row.")
        try:
            report = audit(repo_id, hub=self.hub, follow_lineage=self.follow_lineage, max_depth=self.max_depth,
                           cache=self.cache)
            self.store(repo_id, report)
        except AuditError as exc:
            self.note_outcome(unreachable=isinstance(exc, HubUnreachable))
            return BatchError(repo_id, exc.exit_code, _reason(exc), redact(exc.message))
        except Exception as exc:  # one model's bug must not stop the others; say what broke in one line
            self.note_outcome(unreachable=False)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            return BatchError(repo_id, EXIT_INTERNAL, "internal",
                              redact(f"Internal error: {type(exc).__name__}" + (f": {first}" if first else ""))[:500])
        self.note_outcome(unreachable=False)
        return report

    def note_outcome(self, unreachable: bool) -> None:
        with self.lock:
            self.unreachable_streak = self.unreachable_streak + 1 if unreachable else 0
            if self.unreachable_limit and self.unreachable_streak >= self.unreachable_limit:
                self.stop.set()

    def store(self, repo_id: str, report: dict[str, Any]) -> None:
        """Evidence first, then the report: a report on disk always has its evidence beside it.

        Evidence files are written under one lock, so an ancestor's light read never lands on top of the full
        read of a model the batch audits itself."""
        own = self.hub.recorded(repo_id)
        if own is None:
            raise RuntimeError(f"the evidence of {repo_id} was not recorded")
        with self.lock:
            atomic_write_json(evidence_path(self.out_dir, repo_id), own.to_dict())
            self.own_evidence.add(repo_id)
        for ancestor in (report.get("lineage") or {}).get("ancestors") or []:
            ancestor_id = ancestor.get("id")
            if isinstance(ancestor_id, str):
                self.store_ancestor(ancestor_id)
        atomic_write_json(report_path(self.out_dir, repo_id), report)
        from auditor.history import append_history  # DIR/history/<id>.jsonl: a row when the outcome changed

        append_history(self.out_dir, report)
        # Its evidence is on disk now. Ancestors stay recorded for the other models that share them.
        self.hub.forget(repo_id)

    def store_ancestor(self, ancestor_id: str) -> None:
        with self.lock:
            if ancestor_id in self.own_evidence or ancestor_id in self.ancestor_evidence:
                return
            if report_path(self.out_dir, ancestor_id).is_file() and evidence_path(self.out_dir, ancestor_id).is_file():
                return  # audited itself in an earlier run: keep its full read
            evidence = self.hub.recorded(ancestor_id, full=False) or self.cached(ancestor_id)
            if evidence is None:
                return
            atomic_write_json(evidence_path(self.out_dir, ancestor_id), evidence.to_dict())
            self.ancestor_evidence.add(ancestor_id)

    def cached(self, repo_id: str) -> RepoEvidence | None:
        """An ancestor read before this run started (a cache handed in by the caller)."""
        try:
            stored = self.cache.evidence
        except AttributeError:
            return None
        got = stored.get(repo_id) if isinstance(stored, dict) else None
        return got if isinstance(got, RepoEvidence) else None


def run_batch(ids: list[str], out_dir: Path, *, hub: Hub | None = None, token: str | None = None,
              concurrency: int = DEFAULT_CONCURRENCY, force: bool = False, follow_lineage: bool = True,
              max_depth: int = DEFAULT_MAX_DEPTH, cache: AncestorCache | None = None,
              progress: ProgressCallback | None = None, unreachable_limit: int | None = None) -> BatchResult:
    """Audit `ids` into `out_dir` (see the module docstring for the layout) and write index.json and errors.json.

    One model's failure never stops the others. After `unreachable_limit` models in a row (default: twice the
    concurrency, at least 8) found the Hub unreachable, the rest are listed as not attempted rather than each
    waiting out its own retries. A KeyboardInterrupt stops scheduling, keeps every finished report, writes the
    index of what is done and returns with `interrupted` set."""
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}, got {concurrency}.")
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"The output directory {out_dir} could not be created: {exc.strerror or exc}.") from None
    if hub is None:
        from auditor.hub.live import LiveHub

        hub = LiveHub(token=token)
    remove_stale_temp_files(out_dir)  # left by a run that was killed mid-write
    result = BatchResult(out_dir=out_dir)
    reports: dict[str, dict[str, Any]] = {}
    errors: dict[str, BatchError] = {}
    todo: list[str] = []
    # Incremental: learn current commits in bulk, then serve unchanged models and ancestors from stored evidence.
    caching = CachingHub(hub, EvidenceStore(out_dir / EVIDENCE_DIR), write_through=False)
    valid_ids = [i for i in dict.fromkeys(ids) if _is_valid(i)]
    current: dict[str, str] | None = None
    if hasattr(hub, "current_shas") and any(finished_report(out_dir, i) for i in valid_ids):
        caching.prefetch_shas(_ids_to_check(out_dir, valid_ids))
        current = caching.current
    for repo_id in dict.fromkeys(ids):
        try:
            validate_repo_id(repo_id)
            check_layout_name(repo_id)
        except InvalidRepoId as exc:
            reason = "reserved-name" if "overwrite" in exc.message else "invalid-id"
            errors[repo_id] = BatchError(repo_id, exc.exit_code, reason, exc.message)
            _tell(progress, repo_id, OUTCOME_FAILED)
            continue
        previous = None if force else finished_report(out_dir, repo_id)
        if previous is not None and is_current(out_dir, previous, current):
            reports[repo_id] = previous
            result.skipped.append(repo_id)
            _tell(progress, repo_id, OUTCOME_SKIPPED)
        else:
            todo.append(repo_id)

    run = _Run(out_dir, RecordingHub(caching), cache if cache is not None else AncestorCache(), follow_lineage,
               max_depth, unreachable_limit if unreachable_limit is not None else max(2 * concurrency, 8))
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="audit")
    pending: dict[Future, str] = {}
    try:
        pending = {pool.submit(run.audit_one, repo_id): repo_id for repo_id in todo}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                repo_id = pending.pop(future)
                outcome = future.result()
                if isinstance(outcome, BatchError):
                    errors[repo_id] = outcome
                    _tell(progress, repo_id, OUTCOME_FAILED)
                else:
                    reports[repo_id] = outcome
                    result.audited.append(repo_id)
                    _tell(progress, repo_id, OUTCOME_AUDITED)
    except KeyboardInterrupt:
        result.interrupted = True
        run.stop.set()
        for future in pending:
            future.cancel()
    finally:
        # On interrupt, do not wait: audits already running finish and write atomically on their own.
        pool.shutdown(wait=not result.interrupted, cancel_futures=True)

    ordered = list(dict.fromkeys(ids))
    position = {repo_id: n for n, repo_id in enumerate(ordered)}
    for repo_id in ordered:  # a failed re-audit keeps the earlier report on disk: index it, and list the error
        if repo_id in errors and repo_id not in reports and errors[repo_id].reason not in ("invalid-id",
                                                                                           "reserved-name"):
            earlier = finished_report(out_dir, repo_id)
            if earlier is not None:
                reports[repo_id] = earlier
    result.rows = [index_row(reports[i]) for i in ordered if i in reports]
    result.errors = [errors[i] for i in ordered if i in errors]
    result.audited.sort(key=position.__getitem__)
    write_summary(out_dir, result)
    return result


def write_summary(out_dir: Path, result: BatchResult) -> None:
    atomic_write_json(out_dir / INDEX_FILE, index_document(result.rows))
    atomic_write_json(out_dir / ERRORS_FILE, {
        "schema": ERRORS_SCHEMA, "generated_at": _now(), "interrupted": result.interrupted,
        "count": len(result.errors), "errors": [e.to_dict() for e in result.errors]})


def _tell(progress: ProgressCallback | None, repo_id: str, outcome: str) -> None:
    if progress is not None:
        progress(repo_id, outcome)


@contextmanager
def progress_bar(console: Console, total: int) -> Iterator[ProgressCallback]:
    """A Rich progress bar on `console` (stderr in the CLI); yields the callback `run_batch` reports to."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    counts = {OUTCOME_AUDITED: 0, OUTCOME_SKIPPED: 0, OUTCOME_FAILED: 0}
    columns = (TextColumn("Auditing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("", total=total)

        def on_model(repo_id: str, outcome: str) -> None:
            counts[outcome] += 1
            bar.update(task, advance=1, description=f"{counts[OUTCOME_AUDITED]} audited, {counts[OUTCOME_SKIPPED]} "
                                                     f"kept, {counts[OUTCOME_FAILED]} failed · {repo_id}")

        yield on_model


def write_exports(out_dir: Path, result: BatchResult, fmt: str) -> int:
    """Every indexed report exported as `fmt` into DIR/exports/<fmt>/<id><suffix>; returns how many were written."""
    from auditor.export import SUFFIXES, export

    written = 0
    for row in result.rows:
        report = read_report(report_path(out_dir, row["id"]), row["id"])
        if report is None:
            continue
        target = out_dir / "exports" / fmt / f"{row['id']}{SUFFIXES[fmt]}"
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, export(report, fmt).encode("utf-8"))
        written += 1
    return written
