"""The compact history of every model's audits, the timeline read from it, and the Atom feed of recent changes.

Layout: REPORTS_DIR/history/<namespace>/<name>.jsonl (legacy ids without a namespace: history/<name>.jsonl), one
JSON object per line, oldest first. A row is appended when a run's outcome differs from the last row (license,
classification, a criterion status, the revision): a weekly re-audit that finds nothing new adds nothing, so the
history stays small and its diffs in git mean something.

`timeline(rows)` turns one model's rows into human sentences ("license changed from tii-falcon-llm to apache-2.0");
`recent_changes(reports_dir)` collects them across models for the site's "recent changes" page, and
`atom_feed(changes, site_url)` renders them as an Atom 1.0 feed."""

from __future__ import annotations

import difflib
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from auditor.render import clean
from auditor.store import ReportStore
from auditor.vocabulary import Source

HISTORY_SCHEMA = "auditor.history/1"
ATOM_NS = "http://www.w3.org/2005/Atom"

# Fields whose change is worth a history row. Dates, the data source and the criteria version are recorded in the
# row but do not by themselves make a new one.
TRACKED_FIELDS = ("revision", "declared", "identified", "effective", "classification", "criteria")

_append_lock = threading.Lock()  # the batch appends from worker threads


# -- rows ----------------------------------------------------------------------------------------------------------
def as_of(report: dict[str, Any]) -> str | None:
    """The date the report describes: the snapshot's date for stored snapshots, else when it was audited."""
    if report.get("source") == Source.SNAPSHOT and isinstance(report.get("snapshot_date"), str):
        return report["snapshot_date"]
    audited = report.get("audited_at")
    return audited if isinstance(audited, str) else None


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def day(value: Any) -> str | None:
    """The YYYY-MM-DD part of an ISO date or timestamp; None for anything else."""
    return value[:10] if isinstance(value, str) and _DATE.match(value) else None


def report_commit_date(report: dict[str, Any]) -> str | None:
    """The date of the audited commit as the report shows it (the Hub's lastModified of that revision); None when
    the evidence gave none. Never the audit date or the snapshot's compile date."""
    model = report.get("model") if isinstance(report.get("model"), dict) else {}
    card = report.get("card") if isinstance(report.get("card"), dict) else {}
    return day(model.get("commit_date")) or day(card.get("last_modified"))


def evidence_commit_date(evidence: dict[str, Any]) -> str | None:
    """The commit date stored evidence shows for its state: the Hub's lastModified; for snapshot facts the date of
    the provenance entry that names the audited commit, else the newest entry dated by a commit (`date_basis:
    commit`) — never one dated by when a page was consulted, never the compile date."""
    if day(evidence.get("last_modified")):
        return day(evidence.get("last_modified"))
    revision = str(evidence.get("revision") or "")
    dated = [(entry, day(entry.get("date"))) for entry in evidence.get("provenance") or ()
             if isinstance(entry, dict) and entry.get("date_basis") == "commit" and day(entry.get("date"))]
    naming = [date for entry, date in dated if revision and revision[:7] in str(entry.get("url") or "")]
    if naming:
        return max(naming)
    return max((date for _, date in dated), default=None)


def compact(report: dict[str, Any]) -> dict[str, Any]:
    """One history row: what a report concluded, without its evidence."""
    model = report.get("model") or {}
    lic = report.get("license") or {}
    lineage = report.get("lineage") or {}
    return {
        "schema": HISTORY_SCHEMA,
        "model": model.get("id"),
        "date": as_of(report),
        "commit_date": report_commit_date(report),
        "audited_at": report.get("audited_at"),
        "source": report.get("source"),
        "snapshot_date": report.get("snapshot_date"),
        "revision": model.get("revision"),
        "declared": lic.get("declared"),
        "license_key": lic.get("key"),
        "identified": lic.get("identified"),
        "effective": lineage.get("effective_license"),
        "classification": report.get("classification"),
        "criteria": {c.get("id"): c.get("status") for c in report.get("criteria") or [] if isinstance(c, dict)},
        "criteria_version": report.get("criteria_version"),
    }


def same_outcome(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(a.get(name) == b.get(name) for name in TRACKED_FIELDS)


def history_path(reports_dir: Path, model_id: str) -> Path:
    """REPORTS_DIR/history/<id>.jsonl, from a validated id (InvalidRepoId otherwise): never outside the folder."""
    return ReportStore(reports_dir).history_path(model_id)


# The row fields other code indexes into, with the types it expects (a hand-edited or foreign row may differ).
_ROW_TYPES: dict[str, type | tuple[type, ...]] = {
    "model": str, "criteria": (dict, type(None)), "date": (str, type(None)), "revision": (str, type(None)),
    "classification": (str, type(None)), "identified": (str, type(None)), "effective": (str, type(None)),
    "declared": (str, list, type(None)), "license_key": (str, type(None)), "commit_date": (str, type(None)),
}


def is_history_row(row: Any) -> bool:
    """A JSON object with the row fields, each of the type `compact` writes (missing optional fields are fine)."""
    return (isinstance(row, dict) and isinstance(row.get("model"), str)
            and all(isinstance(row.get(name), kinds) for name, kinds in _ROW_TYPES.items() if name in row))


def read_history(path: Path) -> list[dict[str, Any]]:
    """The rows of one history file. A line that is not a history row (a torn write, a merge artefact, a field of
    the wrong type such as a list of criteria) is skipped, as a torn line is."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, UnicodeDecodeError):
        return []
    rows = []
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if is_history_row(row):
            rows.append(row)
    return rows


def load_history(reports_dir: Path, model_id: str) -> list[dict[str, Any]]:
    return read_history(history_path(reports_dir, model_id))


def load_all_histories(reports_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every model's rows, keyed by model id (read from the rows, not guessed from file names)."""
    root = ReportStore(reports_dir).history_dir
    out: dict[str, list[dict[str, Any]]] = {}
    if not root.is_dir():
        return out
    for path in sorted(root.rglob("*.jsonl")):
        rows = read_history(path)
        if rows:
            out.setdefault(rows[-1]["model"], []).extend(rows)
    return out


def find_history(reports_dir: Path, model_id: str) -> tuple[str, list[dict[str, Any]], list[str]]:
    """One model's rows, its id as recorded (ids are case-insensitive, as on the Hub) and, when none is recorded,
    the closest recorded ids ("did you mean")."""
    rows = load_history(reports_dir, model_id)
    if rows:
        return model_id, rows, []
    histories = load_all_histories(reports_dir)
    by_lower = {recorded.lower(): recorded for recorded in histories}
    recorded = by_lower.get(model_id.lower())
    if recorded is not None:
        return recorded, histories[recorded], []
    close = difflib.get_close_matches(model_id.lower(), list(by_lower), n=3, cutoff=0.75)
    return model_id, [], [by_lower[c] for c in close]


def append_history(reports_dir: Path, report: dict[str, Any]) -> bool:
    """Record `report` in its model's history unless it concluded the same as the row before it. True when appended.

    "Before" is by date, not by file position: a historical snapshot recorded after today's audit (a backfill) is
    compared with what preceded it in time, and `timeline` sorts rows by date."""
    row = compact(report)
    if not isinstance(row["model"], str) or not row["model"]:
        return False
    path = history_path(reports_dir, row["model"])
    date = str(row.get("date") or "")
    with _append_lock:
        rows = read_history(path)
        earlier = sorted((r for r in rows if str(r.get("date") or "") <= date), key=lambda r: str(r.get("date") or ""))
        if earlier and same_outcome(earlier[-1], row):
            return False
        if any(str(r.get("date") or "") == date and same_outcome(r, row) for r in rows):
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        needs_newline = path.is_file() and path.stat().st_size > 0 and not path.read_bytes().endswith(b"\n")
        with path.open("a", encoding="utf-8") as handle:
            # One line per row, written with a single call: a crash leaves at most one torn line, which
            # read_history skips.
            handle.write(("\n" if needs_newline else "") + json.dumps(row, ensure_ascii=False)
                         + "\n")
    return True


# -- changes -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One thing that changed for one model, with the sentence a reader sees."""

    model: str
    date: str | None
    kind: str  # first-audit | license | identified-license | effective-license | classification | criterion | revision
    field: str  # which license/criterion, e.g. "declared" or "persons-groups"
    before: Any
    after: Any
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def show(value: Any) -> str:
    """A license or status value as a reader sees it: lists joined, nothing as 'none'."""
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, list | tuple):
        return ", ".join(show(v) for v in value)
    return str(value)


def license_label(row: dict[str, Any]) -> str:
    """The declared license; a bare `other` (or nothing) is named by the license the auditor recognised."""
    declared = row.get("declared")
    key = row.get("license_key") or row.get("identified")
    if declared in (None, "", [], "other", "unknown") and key:
        return f"{show(declared)} ({key})"
    return show(declared)


def first_audit(row: dict[str, Any]) -> Change:
    sentence = f"first audited: classified {show(row.get('classification'))}, license {license_label(row)}"
    return Change(str(row.get("model")), row.get("date"), "first-audit", "", None, row.get("classification"),
                  sentence)


def _short_revision(value: Any) -> str:
    """A commit as a reader sees it: its first 12 characters; a revision no page showed is 'not known', not 'none'."""
    return str(value)[:12] if value else "not known"


def changes_between(old: dict[str, Any], new: dict[str, Any], model: str | None = None,
                    date: str | None = None) -> list[Change]:
    """What differs between two rows (from `compact`): license first, then classification, criteria, revision."""
    model = model or str(new.get("model") or old.get("model"))
    date = date if date is not None else new.get("date")
    out: list[Change] = []

    def add(kind: str, field: str, before: Any, after: Any, sentence: str) -> None:
        out.append(Change(model, date, kind, field, before, after, sentence))

    if old.get("declared") != new.get("declared"):
        add("license", "declared", old.get("declared"), new.get("declared"),
            f"license changed from {license_label(old)} to {license_label(new)}")
    if old.get("identified") != new.get("identified"):
        add("identified-license", "identified", old.get("identified"), new.get("identified"),
            f"identified license changed from {show(old.get('identified'))} to {show(new.get('identified'))}")
    if old.get("effective") != new.get("effective"):
        add("effective-license", "effective", old.get("effective"), new.get("effective"),
            f"effective license (through the lineage) changed from {show(old.get('effective'))} "
            f"to {show(new.get('effective'))}")
    if old.get("classification") != new.get("classification"):
        add("classification", "classification", old.get("classification"), new.get("classification"),
            f"classification changed from {show(old.get('classification'))} to {show(new.get('classification'))}")
    old_criteria = old.get("criteria") or {}
    new_criteria = new.get("criteria") or {}
    for criterion_id in list(dict.fromkeys([*new_criteria, *old_criteria])):
        before, after = old_criteria.get(criterion_id), new_criteria.get(criterion_id)
        if before != after:
            add("criterion", str(criterion_id), before, after,
                f"{criterion_id} changed from {show(before)} to {show(after)}")
    if old.get("revision") != new.get("revision"):
        add("revision", "revision", old.get("revision"), new.get("revision"),
            f"new revision {_short_revision(new.get('revision'))} (was {_short_revision(old.get('revision'))})")
    return out


def timeline(history_rows: Iterable[dict[str, Any]]) -> list[Change]:
    """One model's rows → its changes, oldest first: the first audit, then what each later row changed."""
    rows = sorted((r for r in history_rows if isinstance(r, dict)), key=lambda r: str(r.get("date") or ""))
    if not rows:
        return []
    out = [first_audit(rows[0])]
    for previous, current in zip(rows, rows[1:], strict=False):
        out.extend(changes_between(previous, current))
    return out


@dataclass(frozen=True)
class Event:
    """One thing that happened to a model as a reader tells it: a headline (a license change, say) and what came
    with it (the classification and the criteria it moved), dated by the commit the evidence shows (None: no date
    was read — never the date of the audit or of the snapshot's compilation)."""

    model: str
    date: str | None
    headline: Change
    with_it: tuple[Change, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "date": self.date, "kind": self.headline.kind,
                "sentence": self.headline.sentence, "field": self.headline.field, "before": self.headline.before,
                "after": self.headline.after,
                "with_it": [{"kind": c.kind, "field": c.field, "before": c.before, "after": c.after,
                             "sentence": c.sentence} for c in self.with_it]}


# What heads an event, in order: a license change explains everything else that changed with it.
HEADLINE_KINDS = ("license", "identified-license", "effective-license", "classification", "revision")


def grouped(changes: list[Change], model: str, date: str | None) -> list[Event]:
    """The changes between two rows as events: the most telling change heads one event, the rest listed under it;
    without a headline (only criteria moved, e.g. after a criteria release) each change is its own event."""
    headline = next((c for kind in HEADLINE_KINDS for c in changes if c.kind == kind), None)
    if headline is None:
        return [Event(model, date, change) for change in changes]
    return [Event(model, date, headline, tuple(c for c in changes if c is not headline))]


def events(history_rows: Iterable[dict[str, Any]]) -> list[Event]:
    """One model's rows as dated events, oldest first: what it was first recorded as, then each change."""
    rows = sorted((r for r in history_rows if isinstance(r, dict)), key=lambda r: str(r.get("date") or ""))
    if not rows:
        return []
    first = rows[0]
    model = str(first.get("model"))
    opening = Change(model, day(first.get("commit_date")), "first-audit", "", None, first.get("classification"),
                     f"first recorded: classified {show(first.get('classification'))}, "
                     f"license {license_label(first)}")
    out = [Event(model, opening.date, opening)]
    for previous, current in zip(rows, rows[1:], strict=False):
        date = day(current.get("commit_date"))
        out.extend(grouped(changes_between(previous, current, model=model, date=date or ""), model, date))
    return out


def consequence_lines(with_it: tuple[Change, ...]) -> list[str]:
    """What came with a headline, one line each; criteria that moved the same way share a line."""
    lines = [c.sentence for c in with_it if c.kind != "criterion"]
    moves: dict[tuple[str, str], list[str]] = {}
    for c in with_it:
        if c.kind == "criterion":
            moves.setdefault((show(c.before), show(c.after)), []).append(c.field)
    criteria_lines = [f"{', '.join(ids)}: {before} → {after}" for (before, after), ids in moves.items()]
    revision = [line for line in lines if line.startswith("new revision")]
    return [line for line in lines if line not in revision] + criteria_lines + revision


def render_events(model: str, timeline_events: list[Event], markdown: bool = False) -> str:
    """The history as a reader sees it: one line per event, what came with it indented under it."""
    if markdown:
        lines = [f"## History of {model}", "", "Dates are those of the commits the evidence shows.", ""]
    else:
        lines = [f"History of {model} (dates are those of the commits the evidence shows):"]
    for event in timeline_events:
        when = event.date or "undated"
        lines.append(f"- {when}: {event.headline.sentence}" if markdown else f"  {when:<10}  {event.headline.sentence}")
        lines.extend(f"  - {line}" if markdown else f"{'':14}- {line}" for line in consequence_lines(event.with_it))
    return clean("\n".join(lines) + "\n")


def recent_changes(histories: dict[str, list[dict[str, Any]]] | Path, limit: int | None = 100,
                   include_first_audits: bool = True) -> list[Change]:
    """Changes across models, newest first (then by model id). `histories` is load_all_histories() or its dir."""
    if isinstance(histories, Path | str):
        histories = load_all_histories(Path(histories))
    changes = [c for rows in histories.values() for c in timeline(rows)
               if include_first_audits or c.kind != "first-audit"]
    changes.sort(key=lambda c: c.model)
    changes.sort(key=lambda c: str(c.date or ""), reverse=True)
    return changes[:limit] if limit is not None else changes


# -- Atom ----------------------------------------------------------------------------------------------------------
# XML 1.0 forbids most control characters even when escaped; card-derived values could carry them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def rfc3339(date: str | None) -> str:
    """A report date (2024-05-01 or 2024-05-01T12:00:00Z) as the RFC 3339 timestamp Atom requires."""
    if date:
        try:
            parsed = datetime.fromisoformat(date.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "1970-01-01T00:00:00Z"


def default_model_url(site_url: str, model_id: str) -> str:
    return f"{site_url.rstrip('/')}/models/{model_id}.html"


def change_id(change: Change) -> str:
    """A stable, unique entry id: the same change gets the same id on every build."""
    key = json.dumps([change.model, change.date, change.kind, change.field, change.before, change.after],
                     sort_keys=True, default=str)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'auditor-change:' + key)}"


def atom_feed(changes: Iterable[Change], site_url: str, *, title: str = "Model openness audit: recent changes",
              feed_path: str = "changes.xml",
              model_url: Callable[[str, str], str] = default_model_url) -> str:
    """The changes as an Atom 1.0 document (RFC 4287). Text is escaped by the XML writer, never pasted in."""
    changes = list(changes)
    base = site_url.rstrip("/")
    self_url = f"{base}/{feed_path.lstrip('/')}"
    ElementTree.register_namespace("", ATOM_NS)

    def sub(parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _clean(v) for k, v in attrs.items()})
        if text is not None:
            element.text = _clean(text)
        return element

    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", self_url)
    sub(feed, "title", title)
    updated = max((rfc3339(c.date) for c in changes), default=rfc3339(None))
    sub(feed, "updated", updated)
    author = sub(feed, "author")
    sub(author, "name", "Model openness auditor")
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/")
    for change in changes:
        entry = sub(feed, "entry")
        sub(entry, "id", change_id(change))
        sub(entry, "title", f"{change.model}: {change.sentence}")
        sub(entry, "updated", rfc3339(change.date))
        sub(entry, "link", rel="alternate", type="text/html", href=model_url(base, change.model))
        sub(entry, "summary", f"{change.model}: {change.sentence} (as of {show(change.date)}).")
    ElementTree.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="unicode") + "\n"
