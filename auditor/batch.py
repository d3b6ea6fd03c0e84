"""Audit many models: bounded concurrency over one shared Hub client and ancestor cache, atomic writes, resume.

The output directory is a reports directory (auditor.store.ReportStore owns its layout): one report per model,
the evidence each report was scored from, index.json and errors.json. Every file is written to a temporary name
and renamed into place, so an interrupted or crashed run leaves each file either complete or as it was. A re-run
skips models whose report and evidence are complete and current. Two batches cannot write one directory at once.

A run is three steps: `plan_batch` (which ids to audit, which to keep), `_run_pool` (the audits, a bounded number
in flight) and `_index` (index.json and errors.json, in input order)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.criteria import criteria_version
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
from auditor.evidence import DatasetEvidence, RepoEvidence
from auditor.fsutil import StorageError, atomic_write_bytes
from auditor.hub.base import ChildModel, Hub
from auditor.hub.budget import DEFAULT_AUDIT_BUDGET, audit_budget
from auditor.hub.cached import CachingHub, EvidenceStore
from auditor.lineage import DEFAULT_MAX_DEPTH, AncestorCache
from auditor.progress import NullProgress, ProgressSink
from auditor.report import index_row
from auditor.reportschema import InvalidReport, check_report
from auditor.store import ReportStore, ReservedName, same_repo

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 64
QUEUE_DEPTH = 2  # audits submitted ahead of the workers, per worker: the pool never holds the whole list
# Reasons for ids that were never attempted (they say nothing about the Hub).
NOT_ATTEMPTED = ("invalid-id", "reserved-name")
KEPT = "kept: unchanged since the last run"


@dataclass(frozen=True)
class BatchError:
    """A model the batch could not audit, with the exit code a single `audit REPO_ID` would have given."""

    id: str
    exit_code: int
    reason: str  # invalid-id | reserved-name | not-found | unreachable | usage | identity-mismatch | invalid-report |
    #              internal
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
    def hub_unreachable_throughout(self) -> bool:
        attempted_errors = [e for e in self.errors if e.reason not in NOT_ATTEMPTED]
        return not self.audited and bool(attempted_errors) and all(e.reason == "unreachable"
                                                                  for e in attempted_errors)

    @property
    def exit_code(self) -> int:
        if not self.errors:
            return 0
        return EXIT_UNREACHABLE if self.hub_unreachable_throughout else EXIT_GATE_FAILED


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


# -- planning ------------------------------------------------------------------------------------------------------
def is_current(store: ReportStore, repo_id: str, report: dict[str, Any], current: dict[str, str] | None) -> bool:
    """Whether a finished report still holds: same criteria, and (when the Hub told us the current commits) the
    model and every ancestor still at the commit its evidence was read at. Without current shas (a snapshot
    Hub), a finished report counts as current: that is plain resume."""
    if report.get("criteria_version") != criteria_version() or report["tool"]["version"] != __version__:
        return False  # new criteria or a new release of the judge: score again (from stored evidence)
    if report.get("problems"):
        return False  # some evidence could not be read last time: try again
    if current is None:
        return True
    if current.get(repo_id) != report["model"]["revision"]:
        return False
    evidence = EvidenceStore(store.evidence_dir)
    for ancestor in report["lineage"]["ancestors"]:
        stored = evidence.latest(ancestor["id"])
        if stored is None or current.get(stored.repo_id) != stored.revision:
            return False
    return True


class IdentityMismatch(RepoNotFound):
    """The Hub answered for another repository than the one asked for."""


def _reason(exc: AuditError) -> str:
    """The errors.json reason of an error, by its type."""
    for kind, reason in ((ReservedName, "reserved-name"), (InvalidRepoId, "invalid-id"),
                         (HubUnreachable, "unreachable"), (IdentityMismatch, "identity-mismatch"),
                         (RepoNotFound, "not-found"),
                         (InvalidReport, "invalid-report")):
        if isinstance(exc, kind):
            return reason
    return "usage" if exc.exit_code == EXIT_USAGE else "error"


@dataclass
class BatchPlan:
    """What a run will do: the ids in input order, which to audit, which earlier reports to keep, which ids are
    refused before any request. (A shard of a big list is a slice of `ids` taken before planning.)"""

    ids: list[str]
    todo: list[str] = field(default_factory=list)
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    refused: dict[str, BatchError] = field(default_factory=dict)
    previous: dict[str, dict[str, Any]] = field(default_factory=dict)  # finished reports of earlier runs


def plan_batch(ids: list[str], store: ReportStore, caching: CachingHub, *, force: bool = False,
               incremental: bool = True) -> BatchPlan:
    """One pass over the ids (O(n)): refuse invalid and reserved ids, read earlier reports, learn current commit
    shas in bulk when there are earlier reports to check, and keep the reports that still hold."""
    plan = BatchPlan(ids=list(dict.fromkeys(ids)))
    valid: list[str] = []
    for repo_id in plan.ids:
        try:
            store.report_path(repo_id)  # validates the id and refuses the directory's own names
        except InvalidRepoId as exc:
            plan.refused[repo_id] = BatchError(repo_id, exc.exit_code, _reason(exc), exc.message)
            continue
        valid.append(repo_id)
        previous = store.finished_report(repo_id)
        if previous is not None:
            plan.previous[repo_id] = previous
    current = _current_shas(plan, caching) if incremental and plan.previous else None
    for repo_id in valid:
        previous = None if force else plan.previous.get(repo_id)
        if previous is not None and is_current(store, repo_id, previous, current):
            plan.kept[repo_id] = previous
        else:
            plan.todo.append(repo_id)
    return plan


def _current_shas(plan: BatchPlan, caching: CachingHub) -> dict[str, str]:
    """Current commits of the models with earlier reports and of the ancestors those reports name, in bulk."""
    wanted = dict.fromkeys(plan.ids)
    for report in plan.previous.values():
        for ancestor in report["lineage"]["ancestors"]:
            wanted.setdefault(ancestor["id"])
    try:
        caching.prefetch_shas(list(wanted))
    except HubUnreachable:
        pass  # no current commit known: each model is read again (and fails, or answers, on its own)
    return caching.current


class RecordingHub(Hub):
    """Passes every call to `inner` and keeps the evidence it returns, so the batch can store what it scored.

    Full reads (a model's own audit) and light reads (`texts=False`, for ancestors) are kept apart: a model's
    stored evidence must be the full read its report was scored from."""

    def __init__(self, inner: Hub):
        self.inner = inner
        self._evidence: dict[tuple[str, bool], RepoEvidence] = {}
        self._lock = threading.Lock()

    def repo(self, repo_id: str, revision: str | None = None, *, texts: bool = True) -> RepoEvidence:
        evidence = self.inner.repo(repo_id, revision, texts=texts)
        with self._lock:
            self._evidence[(repo_id, texts)] = evidence
        return evidence

    @property  # type: ignore[override]  # answers come from wherever the inner Hub's do
    def source(self) -> str:
        return self.inner.source

    def dataset(self, dataset_id: str) -> DatasetEvidence:
        return self.inner.dataset(dataset_id)

    def children(self, repo_id: str, relation: str | None = None, limit: int | None = None) -> list[ChildModel]:
        return self.inner.children(repo_id, relation, limit)

    def current_shas(self, repo_ids: list[str]) -> dict[str, str]:
        return self.inner.current_shas(repo_ids)

    def suggestions(self, repo_id: str, limit: int = 3) -> list[str]:
        return self.inner.suggestions(repo_id, limit)

    def recorded(self, repo_id: str, full: bool = True) -> RepoEvidence | None:
        """The full read of `repo_id`; with full=False, the full read or else the light one."""
        with self._lock:
            got = self._evidence.get((repo_id, True))
            return got if got is not None or full else self._evidence.get((repo_id, False))

    def forget(self, repo_id: str) -> None:
        with self._lock:
            self._evidence.pop((repo_id, True), None)


class _Run:
    """The state one batch shares between its worker threads."""

    def __init__(self, store: ReportStore, hub: RecordingHub, cache: AncestorCache, follow_lineage: bool,
                 max_depth: int, unreachable_limit: int, audit_timeout: float | None = DEFAULT_AUDIT_BUDGET):
        self.reports = store
        self.audit_timeout = audit_timeout  # each model's wall-clock budget on the Hub
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
            with audit_budget(self.audit_timeout):
                report = audit(repo_id, hub=self.hub, follow_lineage=self.follow_lineage, max_depth=self.max_depth,
                               cache=self.cache)
            self.store(repo_id, report)
        except StorageError:
            self.stop.set()
            raise  # the disk refuses writes: every later model would fail the same way; the run stops
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

        The report is filed under the id that was asked for, and only when it is that model's and valid.
        Evidence files are written under one lock, so an ancestor's light read never lands on top of the full
        read of a model the batch audits itself."""
        check_identity(repo_id, report)
        check_report(report, f"The report of {repo_id}")
        own = self.hub.recorded(repo_id)
        if own is None:
            raise RuntimeError(f"the evidence of {repo_id} was not recorded")
        with self.lock:
            self.reports.write_evidence(repo_id, own.to_dict())
            self.own_evidence.add(repo_id)
        for ancestor in report["lineage"]["ancestors"]:
            self.store_ancestor(ancestor["id"])
        self.reports.write_report(repo_id, report)
        from auditor.history import append_history  # DIR/history/<id>.jsonl: a row when the outcome changed

        append_history(self.reports.root, report)
        # Its evidence is on disk now. Ancestors stay recorded for the other models that share them.
        self.hub.forget(repo_id)

    def store_ancestor(self, ancestor_id: str) -> None:
        with self.lock:
            if ancestor_id in self.own_evidence or ancestor_id in self.ancestor_evidence:
                return
            if self.reports.has_report(ancestor_id):
                return  # audited itself in an earlier run: keep its full read
            evidence = self.hub.recorded(ancestor_id, full=False) or self.cached(ancestor_id)
            if evidence is None:
                return
            try:
                self.reports.write_evidence(ancestor_id, evidence.to_dict())
            except InvalidRepoId:
                return  # an ancestor id no file may be named after: rescoring reports it missing
            self.ancestor_evidence.add(ancestor_id)

    def cached(self, repo_id: str) -> RepoEvidence | None:
        """An ancestor read before this run started (a cache handed in by the caller)."""
        try:
            stored = self.cache.evidence
        except AttributeError:
            return None
        got = stored.get(repo_id) if isinstance(stored, dict) else None
        return got if isinstance(got, RepoEvidence) else None


def check_identity(repo_id: str, report: dict[str, Any]) -> None:
    """The audited model is the one asked for (Hub ids are case-insensitive); anything else is an error for that
    model, and its id never becomes a path."""
    answered = (report.get("model") or {}).get("id")
    if not isinstance(answered, str) or not same_repo(answered, repo_id):
        shown = str(answered)[:100].encode("unicode_escape").decode("ascii")
        raise IdentityMismatch(f"The Hub answered for '{shown}' when asked for {repo_id}; nothing was stored.")


def run_batch(ids: list[str], out_dir: Path, *, hub: Hub | None = None, token: str | None = None,
              concurrency: int = DEFAULT_CONCURRENCY, force: bool = False, follow_lineage: bool = True,
              max_depth: int = DEFAULT_MAX_DEPTH, cache: AncestorCache | None = None,
              progress: ProgressSink | None = None, unreachable_limit: int | None = None,
              audit_timeout: float | None = DEFAULT_AUDIT_BUDGET) -> BatchResult:
    """Audit `ids` into `out_dir` (a ReportStore) and write index.json and errors.json.

    One model's failure never stops the others. After `unreachable_limit` models in a row (default: twice the
    concurrency, at least 8) found the Hub unreachable, the rest are listed as not attempted rather than each
    waiting out its own retries. A KeyboardInterrupt stops scheduling, keeps every finished report, writes the
    index of what is done and returns with `interrupted` set. A full disk stops the run with one sentence.
    Each model's audit gets `audit_timeout` seconds on the Hub (None: no limit); what it could not read in time is
    reported unknown."""
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}, got {concurrency}.")
    store = ReportStore(Path(out_dir))
    progress = progress or NullProgress()
    with store.lock():
        if hub is None:
            from auditor.hub.live import LiveHub

            hub = LiveHub(token=token)
        store.sweep_temp_files()  # left by a run that was killed mid-write
        # Incremental: learn current commits in bulk, then serve unchanged models and ancestors from stored evidence.
        caching = CachingHub(hub, EvidenceStore(store.evidence_dir), write_through=False)
        plan = plan_batch(ids, store, caching, force=force)
        result = BatchResult(out_dir=store.root, skipped=list(plan.kept))
        progress.start(len(plan.ids), "Auditing")
        for repo_id, error in plan.refused.items():
            progress.advance(repo_id, ok=False, detail=error.message)
        for repo_id in plan.kept:
            progress.advance(repo_id, ok=True, detail=KEPT)
        run = _Run(store, RecordingHub(caching), cache if cache is not None else AncestorCache(), follow_lineage,
                   max_depth, unreachable_limit if unreachable_limit is not None else max(2 * concurrency, 8),
                   audit_timeout)
        outcomes: dict[str, dict[str, Any] | BatchError] = {}
        try:
            result.interrupted = _run_pool(run, plan.todo, concurrency, outcomes, progress)
        finally:
            progress.finish()
            _index(store, plan, outcomes, result)
    return result


def _run_pool(run: _Run, todo: list[str], concurrency: int, outcomes: dict[str, dict[str, Any] | BatchError],
              progress: ProgressSink) -> bool:
    """Audit `todo` with `concurrency` workers, at most QUEUE_DEPTH x concurrency submitted at a time (each model
    costs O(1) to schedule). Returns True when interrupted (Ctrl-C)."""
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="audit")
    queue = iter(todo)
    pending: dict[Future, str] = {}
    interrupted = False
    try:
        for repo_id in islice(queue, QUEUE_DEPTH * concurrency):
            pending[pool.submit(run.audit_one, repo_id)] = repo_id
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                repo_id = pending.pop(future)
                outcome = outcomes[repo_id] = future.result()
                failed = isinstance(outcome, BatchError)
                progress.advance(repo_id, ok=not failed, detail=outcome.message if failed else None)
                following = next(queue, None)
                if following is not None:
                    pending[pool.submit(run.audit_one, following)] = following
    except KeyboardInterrupt:
        interrupted = True
        run.stop.set()
    finally:
        for future in pending:
            future.cancel()
        # On interrupt, do not wait: audits already running finish and write atomically on their own.
        pool.shutdown(wait=not interrupted, cancel_futures=True)
    return interrupted


def _index(store: ReportStore, plan: BatchPlan, outcomes: dict[str, dict[str, Any] | BatchError],
           result: BatchResult) -> None:
    """index.json and errors.json in input order. A failed re-audit keeps the earlier report on disk: it stays in
    the index, and the error is listed."""
    reports: dict[str, dict[str, Any]] = dict(plan.kept)
    errors: dict[str, BatchError] = dict(plan.refused)
    for repo_id, outcome in outcomes.items():
        if isinstance(outcome, BatchError):
            errors[repo_id] = outcome
            if repo_id in plan.previous:
                reports[repo_id] = plan.previous[repo_id]
        else:
            reports[repo_id] = outcome
    result.audited = [i for i in plan.ids if isinstance(outcomes.get(i), dict)]
    result.rows = [index_row(reports[i]) for i in plan.ids if i in reports]
    result.errors = [errors[i] for i in plan.ids if i in errors]
    write_summary(store, result)


def write_summary(store: ReportStore, result: BatchResult) -> None:
    """errors.json, then index.json. When either cannot be written (a full disk), no errors.json is left behind
    describing an earlier run."""
    try:
        store.write_errors([e.to_dict() for e in result.errors], interrupted=result.interrupted)
        store.write_index(result.rows)
    except StorageError:
        store.errors_path.unlink(missing_ok=True)
        raise


def write_exports(out_dir: Path, result: BatchResult, fmt: str) -> int:
    """Every indexed report exported as `fmt` into DIR/exports/<fmt>/<id><suffix>; returns how many were written."""
    from auditor.export import SUFFIXES, export

    store = ReportStore(out_dir)
    written = 0
    for row in result.rows:
        report = store.read_report(row["id"])
        if report is None:
            continue
        atomic_write_bytes(store.export_path(row["id"], fmt, SUFFIXES[fmt]), export(report, fmt).encode("utf-8"))
        written += 1
    return written
