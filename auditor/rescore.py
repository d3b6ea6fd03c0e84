"""`audit rescore [REPORTS_DIR]`: judge every stored report again from its stored evidence, with no network.

After the criteria or the license knowledge change, the verdicts of every report may change while the evidence
has not. Rescoring reads DIR/evidence (the model's and its ancestors' evidence, as the batch stored it) through a
SnapshotHub, runs the same pipeline as a live audit, and rewrites only the reports whose content changed; an
unchanged report keeps its file and its `audited_at`. Every outcome is recorded in DIR/history."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor import callable_module
from auditor.errors import EXIT_GATE_FAILED, AuditError, HubUnreachable, UsageError
from auditor.history import Change, append_history, changes_between, compact
from auditor.lineage import AncestorCache
from auditor.paths import data_dir
from auditor.progress import NullProgress, ProgressSink
from auditor.report import index_row
from auditor.reportschema import InvalidReport, check_report, is_valid_report
from auditor.store import ReportStore

# Fields that differ on every run and say nothing about the outcome.
VOLATILE_FIELDS = ("audited_at",)
RESCORE_REASON = "rescore"


@dataclass(frozen=True)
class RescoreFailure:
    model: str
    message: str

    def to_error(self) -> dict[str, Any]:
        """Its errors.json entry (the batch's layout: the report on disk is left as it was)."""
        return {"id": self.model, "exit_code": EXIT_GATE_FAILED, "reason": RESCORE_REASON, "message": self.message}


@dataclass
class RescoreResult:
    reports_dir: Path
    unchanged: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    failed: list[RescoreFailure] = field(default_factory=list)
    changes: dict[str, list[Change]] = field(default_factory=dict)  # the readable part of each changed report
    history_rows: int = 0
    written: bool = True  # False for --check: nothing was written

    @property
    def rescored(self) -> int:
        return len(self.unchanged) + len(self.changed)


def default_reports_dir() -> Path:
    """The bundled reports, when this installation may write them (a checkout, a user-owned venv)."""
    bundled = data_dir("reports")
    if not bundled.is_dir():
        raise UsageError(f"There is no bundled reports directory at {bundled}; pass the reports directory to rescore.")
    if not os.access(bundled, os.W_OK):
        raise UsageError(f"The bundled reports in {bundled} are read-only; pass a reports directory you can write.")
    return bundled


def find_reports(reports_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """(path, report) for every report of `reports_dir` (DIR/<id>.json): evidence, history and index files are not.
    A report that breaks the contract is included: rescoring it from its evidence is how it gets repaired."""
    return list(ReportStore(reports_dir).iter_reports(include_invalid=True))


def without_volatile(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in VOLATILE_FIELDS}


def _refresh_index(store: ReportStore, new_reports: dict[str, dict[str, Any]]) -> None:
    """Replace the index.json rows of rescored models, when the directory has a usable index (a batch wrote it)."""
    index = store.read_index()
    if index is None:
        return
    store.write_index([index_row(new_reports[row["id"]]) if row["id"] in new_reports else row
                       for row in index["models"]])


def _record_failures(store: ReportStore, result: RescoreResult, rescored: list[str]) -> None:
    """errors.json lists this run's failures; earlier entries of models this run did not touch are kept."""
    touched = set(rescored)
    earlier = store.read_errors()
    kept = [e for e in earlier if e["id"] not in touched]
    if not result.failed and len(kept) == len(earlier):
        return  # nothing to add or clear: errors.json (if any) keeps its bytes
    store.write_errors([*kept, *(f.to_error() for f in result.failed)])


def missing_ancestors(report: dict[str, Any], hub: Any) -> list[str]:
    """Ancestors the report read whose evidence is not stored. An ancestor the original audit could not read
    either (a `missing-base` finding) needs no evidence: rescoring reproduces that finding."""
    unreadable = _missing_bases(report)
    return [a for a in _ancestor_ids(report) if a not in unreadable and not hub.has(a)]


def _lineage_items(report: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """lineage[key] as a list of objects, also from a report that breaks the contract (it is being repaired)."""
    lineage = report.get("lineage")
    items = lineage.get(key) if isinstance(lineage, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _ancestor_ids(report: dict[str, Any]) -> list[str]:
    return [a["id"] for a in _lineage_items(report, "ancestors") if isinstance(a.get("id"), str)]


def _missing_bases(report: dict[str, Any]) -> set[str]:
    return {f["ancestor"] for f in _lineage_items(report, "findings")
            if f.get("kind") == "missing-base" and isinstance(f.get("ancestor"), str)}


def damaged_ancestors(report: dict[str, Any], hub: Any) -> list[str]:
    """Ancestors the report read whose stored evidence no longer reads (torn, foreign, truncated)."""
    damaged = []
    for ancestor_id in _ancestor_ids(report):
        if ancestor_id in _missing_bases(report):
            continue
        try:
            hub.repo(ancestor_id)
        except AuditError:
            damaged.append(ancestor_id)
    return damaged


def _incomplete(old: dict[str, Any], hub: Any, evidence_dir: Path) -> str | None:
    """Why the stored evidence cannot give a complete report, or None when it can."""
    model_id = old["model"]["id"]
    if not hub.has(model_id):
        return f"no stored evidence for {model_id} in {evidence_dir}."
    lacking = missing_ancestors(old, hub)
    if lacking:  # scoring without them would turn a read ancestor into a "missing base"
        return f"the stored evidence is incomplete: no evidence for ancestor {', '.join(lacking)} in {evidence_dir}."
    damaged = damaged_ancestors(old, hub)
    if damaged:
        return (f"the stored evidence is damaged: the evidence of ancestor {', '.join(damaged)} in {evidence_dir} "
                "cannot be read; the report was left as it was.")
    return None


def _rescore_one(old: dict[str, Any], hub: Any, cache: AncestorCache, evidence_dir: Path) -> dict[str, Any] | str:
    """The report the stored evidence gives today, or why none may replace the stored one."""
    from auditor.audit import audit

    why = _incomplete(old, hub, evidence_dir)
    if why:
        return why
    model_id = old["model"]["id"]
    try:
        new = audit(model_id, hub=hub, cache=cache)
        check_report(new, f"The rescored report of {model_id}")
    except HubUnreachable as exc:  # from the SnapshotHub: stored evidence is unreadable
        return f"the stored evidence is incomplete: {exc.message}"
    except (AuditError, InvalidReport) as exc:
        return exc.message
    lost = sorted(_missing_bases(new) - _missing_bases(old))
    if lost:  # an ancestor read before is unreadable now: keep the report built when it was read
        return f"the stored evidence is incomplete: ancestor {', '.join(lost)} could not be read again."
    return new


def rescore(reports_dir: Path, *, check: bool = False, progress: ProgressSink | None = None) -> RescoreResult:
    """Rescore every report under `reports_dir` from its stored evidence. `check`: compute, write nothing.
    `progress` hears of each model as it is rescored (the CLI's bar or JSON lines).

    A report is replaced only by one built from complete, readable evidence; otherwise the model is listed as
    failed (and in errors.json) and its report is left untouched."""
    from auditor.hub.snapshot import SnapshotHub

    store = ReportStore(Path(reports_dir))
    if not store.root.is_dir():
        raise UsageError(f"{store.root} is not a directory of reports.")
    if not store.evidence_dir.is_dir():
        raise UsageError(f"{store.root} has no stored evidence ({store.evidence_dir} is missing); nothing can be "
                         "rescored.")
    found = find_reports(store.root)
    if not found:
        raise UsageError(f"{store.root} holds no audit reports to rescore.")
    progress = progress or NullProgress()
    progress.start(len(found), "Rescoring")
    try:
        if check:
            return _rescore_all(store, found, SnapshotHub(root=store.evidence_dir, keep_source=True), check=True,
                                progress=progress)
        with store.lock():
            return _rescore_all(store, found, SnapshotHub(root=store.evidence_dir, keep_source=True), check=False,
                                progress=progress)
    finally:
        progress.finish()


def _rescore_all(store: ReportStore, found: list[tuple[Path, dict[str, Any]]], hub: Any, *,
                 check: bool, progress: ProgressSink) -> RescoreResult:
    cache = AncestorCache()  # ancestors shared by many reports are parsed once
    result = RescoreResult(store.root, written=not check)
    rewritten: dict[str, dict[str, Any]] = {}
    for _, old in found:
        model_id = old["model"]["id"]
        new = _rescore_one(old, hub, cache, store.evidence_dir)
        progress.advance(model_id, ok=not isinstance(new, str), detail=new if isinstance(new, str) else None)
        if isinstance(new, str):
            result.failed.append(RescoreFailure(model_id, new))
            continue
        if without_volatile(new) == without_volatile(old):
            result.unchanged.append(model_id)
            current = old
        else:
            result.changed.append(model_id)
            result.changes[model_id] = changes_between(compact(old), compact(new), model=model_id) \
                if is_valid_report(old) else []
            current = rewritten[model_id] = new
            if not check:
                store.write_report(model_id, new)
        if not check and append_history(store.root, current):
            result.history_rows += 1
    if not check:
        if rewritten:
            _refresh_index(store, rewritten)
        _record_failures(store, result, [old["model"]["id"] for _, old in found])
    return result


def summary_lines(result: RescoreResult) -> list[str]:
    verb = "would change" if not result.written else "changed"
    lines = [f"Rescored {result.rescored} report(s) in {result.reports_dir} from stored evidence, with no network: "
             f"{len(result.changed)} {verb}, {len(result.unchanged)} unchanged, {len(result.failed)} failed."]
    for model_id in result.changed:
        sentences = [c.sentence for c in result.changes.get(model_id, [])]
        lines.append(f"  {model_id}: " + ("; ".join(sentences) if sentences else
                                         "details changed (evidence, findings or wording), not the verdicts"))
    lines.extend(f"  failed: {f.model}: {f.message}" for f in result.failed)
    if result.written and result.history_rows:
        lines.append(f"History: {result.history_rows} row(s) appended under {result.reports_dir / 'history'}.")
    return lines


callable_module(__name__, rescore)  # `auditor.rescore(...)` calls rescore(): the public API, see auditor/__init__.py
