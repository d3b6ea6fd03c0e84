"""`audit rescore [REPORTS_DIR]`: judge every stored report again from its stored evidence, with no network.

After the criteria or the license knowledge change, the verdicts of every report may change while the evidence
has not. Rescoring reads DIR/evidence (the model's and its ancestors' evidence, as the batch stored it) through a
SnapshotHub, runs the same pipeline as a live audit, and rewrites only the reports whose content changed; an
unchanged report keeps its file and its `audited_at`. Every outcome is recorded in DIR/history."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import callable_module
from auditor.diff import iter_report_files
from auditor.errors import AuditError, HubUnreachable, UsageError
from auditor.history import Change, append_history, changes_between, compact
from auditor.lineage import AncestorCache
from auditor.paths import data_dir

EVIDENCE_DIR = "evidence"
# Fields that differ on every run and say nothing about the outcome.
VOLATILE_FIELDS = ("audited_at",)


@dataclass(frozen=True)
class RescoreFailure:
    model: str
    message: str


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
    """(path, report) for every report of `reports_dir` (DIR/<id>.json): evidence, history and index files are not."""
    return list(iter_report_files(reports_dir))


def without_volatile(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in VOLATILE_FIELDS}


def _write_json(path: Path, data: Any) -> None:
    from auditor.fsutil import atomic_write_json  # one writer for every report file: temp file, then rename

    atomic_write_json(path, data)


def _refresh_index(reports_dir: Path, new_reports: dict[str, dict[str, Any]]) -> None:
    """Replace the index.json rows of rescored models, when the directory has an index (a batch wrote it)."""
    path = reports_dir / "index.json"
    try:
        index = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return
    rows = index.get("models") if isinstance(index, dict) else None
    if not isinstance(rows, list):
        return
    from auditor.batch import index_row

    index["models"] = [index_row(new_reports[row["id"]]) if isinstance(row, dict) and row.get("id") in new_reports
                       else row for row in rows]
    index["generated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _write_json(path, index)


def missing_ancestors(report: dict[str, Any], hub: Any) -> list[str]:
    """Ancestors the report read whose evidence is not stored. An ancestor the original audit could not read
    either (a `missing-base` finding) needs no evidence: rescoring reproduces that finding."""
    lineage = report.get("lineage") or {}
    unreadable = {f.get("ancestor") for f in lineage.get("findings") or []
                  if isinstance(f, dict) and f.get("kind") == "missing-base"}
    return [a["id"] for a in lineage.get("ancestors") or []
            if isinstance(a, dict) and isinstance(a.get("id"), str) and a["id"] not in unreadable
            and not hub.has(a["id"])]


def rescore(reports_dir: Path, *, check: bool = False) -> RescoreResult:
    """Rescore every report under `reports_dir` from `reports_dir/evidence`. `check`: compute, write nothing."""
    from auditor.audit import audit
    from auditor.hub.snapshot import SnapshotHub

    reports_dir = Path(reports_dir)
    if not reports_dir.is_dir():
        raise UsageError(f"{reports_dir} is not a directory of reports.")
    evidence_dir = reports_dir / EVIDENCE_DIR
    if not evidence_dir.is_dir():
        raise UsageError(f"{reports_dir} has no stored evidence ({evidence_dir} is missing); nothing can be rescored.")
    found = find_reports(reports_dir)
    if not found:
        raise UsageError(f"{reports_dir} holds no audit reports to rescore.")

    hub = SnapshotHub(root=evidence_dir, keep_source=True)
    cache = AncestorCache()  # ancestors shared by many reports are parsed once
    result = RescoreResult(reports_dir, written=not check)
    rewritten: dict[str, dict[str, Any]] = {}
    for path, old in found:
        model_id = old["model"]["id"]
        if not hub.has(model_id):
            result.failed.append(RescoreFailure(model_id, f"no stored evidence for {model_id} in {evidence_dir}."))
            continue
        lacking = missing_ancestors(old, hub)
        if lacking:  # scoring without them would turn a read ancestor into a "missing base"
            result.failed.append(RescoreFailure(model_id, "the stored evidence is incomplete: no evidence for "
                                                          f"ancestor {', '.join(lacking)} in {evidence_dir}."))
            continue
        try:
            new = audit(model_id, hub=hub, cache=cache)
        except HubUnreachable as exc:  # from the SnapshotHub: stored evidence is unreadable
            result.failed.append(RescoreFailure(model_id, f"the stored evidence is incomplete: {exc.message}"))
            continue
        except AuditError as exc:
            result.failed.append(RescoreFailure(model_id, exc.message))
            continue
        if without_volatile(new) == without_volatile(old):
            result.unchanged.append(model_id)
            current = old
        else:
            result.changed.append(model_id)
            result.changes[model_id] = changes_between(compact(old), compact(new), model=model_id)
            current = new
            rewritten[model_id] = new
            if not check:
                _write_json(path, new)
        if not check and append_history(reports_dir, current):
            result.history_rows += 1
    if rewritten and not check:
        _refresh_index(reports_dir, rewritten)
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
