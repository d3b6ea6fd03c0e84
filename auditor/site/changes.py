"""The "Recent changes" page and its Atom feed, from the reports' history (DIR/history/<id>.jsonl).

A change is what one history row concluded differently from the row before it for the same model — its
license (declared, identified or effective) or its classification — grouped into one entry per model and date.
First audits and criterion-only changes are left out: the page answers "whose terms or class changed, when"."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

from auditor.history import ATOM_NS, Change, atom_feed, changes_between, load_all_histories
from auditor.site.links import HUB, valid_repo_id

SHOWN_KINDS = ("license", "identified-license", "effective-license", "classification")
HEADLINE_KINDS = ("license", "classification")  # the feed title names these; the page lists every part
PAGE_LIMIT = 200
FEED_LIMIT = 100
FEED_PATH = "changes.xml"
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Entry:
    change: Change  # the grouped change (its sentence lists every part)
    parts: tuple[str, ...]
    revision: str | None  # the audited commit after the change, when the history has a real one
    before_revision: str | None

    @property
    def commit_url(self) -> str | None:
        if self.revision is None:
            return None
        return f"{HUB}/{self.change.model}/commit/{self.revision}"


def real_sha(value: Any) -> str | None:
    return value if isinstance(value, str) and _SHA.match(value) else None


def _event_date(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """When the change happened: the new commit's date when the model itself changed (a relicensing in 2023 is not
    dated by the day we compiled it); the audit's date when only our judgement of the same commit changed."""
    commit = after.get("commit_date")
    if isinstance(commit, str) and commit and commit != before.get("commit_date"):
        return commit
    return after.get("date") if isinstance(after.get("date"), str) else None


def _entries_for(model: str, rows: list[dict[str, Any]]) -> list[Entry]:
    rows = sorted((r for r in rows if isinstance(r, dict)), key=lambda r: str(r.get("date") or ""))
    out = []
    for before, after in zip(rows, rows[1:], strict=False):
        changes = [c for c in changes_between(before, after, model=model) if c.kind in SHOWN_KINDS]
        if not changes:
            continue
        parts = tuple(c.sentence for c in changes)
        headline = [c.sentence for c in changes if c.kind in HEADLINE_KINDS] or list(parts)
        first = changes[0]
        grouped = Change(model, _event_date(before, after),
                         first.kind, first.field, first.before, first.after, "; ".join(headline))
        out.append(Entry(grouped, parts, real_sha(after.get("revision")), real_sha(before.get("revision"))))
    return out


def recent_entries(reports_dir: Path, known: frozenset[str] | None = None) -> list[Entry]:
    """Every change, newest first (then by model id); models with an invalid id are skipped."""
    if not (reports_dir / "history").is_dir():
        return []
    entries = []
    for model, rows in load_all_histories(reports_dir).items():
        if valid_repo_id(model) is None or (known is not None and model not in known):
            continue
        entries.extend(_entries_for(model, rows))
    entries.sort(key=lambda e: e.change.model)
    entries.sort(key=lambda e: str(e.change.date or ""), reverse=True)
    return entries


def feed(entries: list[Entry], base_url: str | None) -> str:
    """Atom 1.0. With --base-url every link is absolute; without it links are relative to the feed's address and
    the feed id is a URN derived from the entries, since Atom ids must be absolute IRIs."""
    changes = [e.change for e in entries[:FEED_LIMIT]]
    if base_url:
        return atom_feed(changes, base_url, feed_path=FEED_PATH,
                         model_url=lambda base, model: f"{base}/models/{quote(model)}.html")
    xml = atom_feed(changes, "https://relative.invalid", feed_path=FEED_PATH,
                    model_url=lambda base, model: f"{base}/models/{quote(model)}.html")
    return _relative(xml)


def _relative(xml: str) -> str:
    """The feed with the stand-in origin removed from every link and a URN as its id."""
    ElementTree.register_namespace("", ATOM_NS)
    root = ElementTree.fromstring(xml)
    ns = {"a": ATOM_NS}
    for link in root.iter(f"{{{ATOM_NS}}}link"):
        href = link.get("href", "")
        link.set("href", href.removeprefix("https://relative.invalid/") or "index.html")
    feed_id = root.find("a:id", ns)
    if feed_id is not None:
        ids = "".join(e.text or "" for e in root.findall("a:entry/a:id", ns))
        feed_id.text = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'auditor-site-feed:' + ids)}"
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
