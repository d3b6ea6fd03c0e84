"""`audit diff OLD NEW`: what changed between two reports, or between two directories of reports.

Reports are compared through their compact history rows (auditor.history.compact), so `audit diff`, the history
files and the site's timeline all describe a change with the same sentence."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import UsageError
from auditor.history import Change, changes_between, compact, license_label, show
from auditor.render import clean
from auditor.store import ReportStore

DIFF_SCHEMA = "auditor.diff/1"


@dataclass(frozen=True)
class ModelDiff:
    model: str
    status: str  # changed | added | removed | unchanged
    old: dict[str, Any] | None  # compact rows
    new: dict[str, Any] | None
    changes: tuple[Change, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "status": self.status,
                "old": _summary(self.old), "new": _summary(self.new),
                "changes": [c.to_dict() for c in self.changes]}


@dataclass
class DiffResult:
    old_label: str
    new_label: str
    models: list[ModelDiff] = field(default_factory=list)
    different_models: tuple[str, str] | None = None  # two report files of two different models (old id, new id)

    def with_status(self, status: str) -> list[ModelDiff]:
        return [m for m in self.models if m.status == status]

    @property
    def has_changes(self) -> bool:
        return any(m.status != "unchanged" for m in self.models)

    def counts(self) -> dict[str, int]:
        return {s: len(self.with_status(s)) for s in ("changed", "added", "removed", "unchanged")}


def _summary(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: row.get(k) for k in ("date", "revision", "declared", "identified", "effective", "classification")}


def load_report(path: Path) -> dict[str, Any]:
    """A report file given on the command line: a valid report, or one sentence saying why not."""
    from auditor.reportschema import check_report, loads_strict

    try:
        data = loads_strict(path.read_bytes())
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist.") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path} is not a readable JSON report ({type(exc).__name__}).") from None
    return check_report(data, str(path))


def iter_report_files(directory: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, report) for each report of a reports directory (see ReportStore.iter_reports)."""
    return ReportStore(directory).iter_reports()


def load_report_dir(directory: Path) -> dict[str, dict[str, Any]]:
    """Every report of a reports directory (see iter_report_files), keyed by model id."""
    return {data["model"]["id"]: data for _, data in iter_report_files(directory)}


def diff_rows(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], old_label: str,
              new_label: str) -> DiffResult:
    """Reports keyed by model id → per-model changes, in model id order."""
    result = DiffResult(old_label, new_label)
    for model in sorted(set(old) | set(new)):
        before = compact(old[model]) if model in old else None
        after = compact(new[model]) if model in new else None
        if before is None:
            result.models.append(ModelDiff(model, "added", None, after))
        elif after is None:
            result.models.append(ModelDiff(model, "removed", before, None))
        else:
            changes = tuple(changes_between(before, after, model=model))
            result.models.append(ModelDiff(model, "changed" if changes else "unchanged", before, after, changes))
    return result


def diff_paths(old: Path, new: Path) -> DiffResult:
    """Two report files (compared whatever their model ids) or two report directories (matched by model id)."""
    for path in (old, new):
        if not path.exists():
            raise UsageError(f"{path} does not exist.")
    if old.is_dir() != new.is_dir():
        raise UsageError("Give two report files or two report directories, not one of each.")
    if old.is_dir():
        old_reports, new_reports = load_report_dir(old), load_report_dir(new)
        if not old_reports and not new_reports:
            raise UsageError(f"Neither {old} nor {new} holds any audit report.")
        return diff_rows(old_reports, new_reports, str(old), str(new))
    return diff_reports(load_report(old), load_report(new), str(old), str(new))


def diff_reports(old_report: dict[str, Any], new_report: dict[str, Any], old_label: str,
                 new_label: str) -> DiffResult:
    """Two reports (from files, or audited just now), compared whatever their model ids."""
    old_id, new_id = old_report["model"]["id"], new_report["model"]["id"]
    if old_id == new_id:
        return diff_rows({old_id: old_report}, {new_id: new_report}, old_label, new_label)
    # Two different models (e.g. a fine-tune against its base): compare them side by side under one label.
    label = f"{old_id} → {new_id}"
    before, after = compact(old_report), compact(new_report)
    changes = tuple(changes_between(before, after, model=label))
    return DiffResult(old_label, new_label, [ModelDiff(label, "changed" if changes else "unchanged", before, after,
                                                       changes)], different_models=(old_id, new_id))


def different_models_warning(result: DiffResult) -> str | None:
    """One sentence when the two reports are of two different models (their differences are not a change)."""
    if result.different_models is None:
        return None
    old_id, new_id = result.different_models
    return clean(f"Warning: comparing two different models ({old_id} and {new_id}); the differences below are "
                 "between the models, not changes over time.")


# -- rendering -----------------------------------------------------------------------------------------------------
def _dates(m: ModelDiff) -> str:
    old_date = (m.old or {}).get("date")
    new_date = (m.new or {}).get("date")
    return f" ({show(old_date)} → {show(new_date)})" if old_date or new_date else ""


def _brief(row: dict[str, Any] | None) -> str:
    row = row or {}
    return f"{show(row.get('classification'))}, license {license_label(row)}"


def _summary_line(result: DiffResult) -> str:
    n = result.counts()
    return (f"{n['changed']} changed, {n['added']} added, {n['removed']} removed, "
            f"{n['unchanged']} unchanged.")


def render_text(result: DiffResult) -> str:
    lines = [f"Comparing {result.old_label} (old) with {result.new_label} (new)."]
    for m in result.with_status("changed"):
        lines.append("")
        lines.append(f"{m.model}{_dates(m)}")
        lines.extend(f"  - {c.sentence}" for c in m.changes)
    added, removed = result.with_status("added"), result.with_status("removed")
    if added:
        lines.append("")
        lines.append("Added:")
        lines.extend(f"  + {m.model} ({_brief(m.new)})" for m in added)
    if removed:
        lines.append("")
        lines.append("Removed:")
        lines.extend(f"  - {m.model} (was {_brief(m.old)})" for m in removed)
    lines.append("")
    lines.append(_summary_line(result) if result.has_changes else "No changes. " + _summary_line(result))
    return clean("\n".join(lines) + "\n")


def _md(text: str) -> str:
    """Escape what Markdown would interpret in a value that came from a model card."""
    out = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "\\`*_[]|":
        out = out.replace(ch, "\\" + ch)
    return out


def render_markdown(result: DiffResult) -> str:
    lines = ["## Audit changes", "",
             f"Old: `{result.old_label}` · New: `{result.new_label}`", "", _summary_line(result)]
    changed = result.with_status("changed")
    if changed:
        lines += ["", "| Model | What changed |", "| --- | --- |"]
        for m in changed:
            lines.append(f"| {_md(m.model)}{_md(_dates(m))} | " + "<br>".join(_md(c.sentence) for c in m.changes)
                         + " |")
    for status, title, key in (("added", "Added", "new"), ("removed", "Removed", "old")):
        models = result.with_status(status)
        if models:
            lines += ["", f"### {title}", ""]
            lines.extend(f"- {_md(m.model)} ({_md(_brief(getattr(m, key)))})" for m in models)
    return clean("\n".join(lines) + "\n")


def render_json(result: DiffResult) -> str:
    document = {"schema": DIFF_SCHEMA, "old": result.old_label, "new": result.new_label, "counts": result.counts(),
                "models": [m.to_dict() for m in result.models if m.status != "unchanged"]}
    if result.different_models is not None:
        document["different_models"] = list(result.different_models)
    return clean(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
