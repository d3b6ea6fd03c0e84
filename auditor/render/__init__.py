"""Renderers read a report (the contract dict) and nothing else."""

from __future__ import annotations

import re
from typing import Any

MARKS = {"pass": "✓", "partial": "◐", "fail": "✗", "unknown": "?"}
CLASS_WORDS = {
    "open-source": "Open source (meets the OSAID bar)",
    "open-weights": "Open weights (license passes the OSD; code or data information missing)",
    "restricted": "Restricted (the license fails at least one OSD criterion)",
    "closed": "Closed (no weights published)",
    "unknown": "Unknown (the license could not be established)",
}
_LICENSE_CRITERIA = ("free-redistribution", "derived-works", "integrity", "persons-groups", "fields-of-endeavor",
                     "license-distribution", "not-product-specific", "no-restriction-other-software",
                     "technology-neutral")


def classification_words(report: dict) -> str:
    """The classification in words, with the true reason when it is unknown: the first license criterion that
    could not be established, or, when every license criterion passed, the evidence that is missing."""
    cls = report.get("classification", "")
    if cls != "unknown":
        return CLASS_WORDS.get(cls, cls)
    by_id = {c["id"]: c for c in report.get("criteria", [])}
    unknown = [by_id[i] for i in _LICENSE_CRITERIA if by_id.get(i, {}).get("status") == "unknown"]
    if unknown:
        return f"Unknown ({unknown[0]['summary'].rstrip('.')})"
    source = by_id.get("source")
    if source and source.get("status") == "unknown":
        return f"Unknown (the license is established, but {source['summary'][0].lower()}{source['summary'][1:].rstrip('.')})"
    return CLASS_WORDS["unknown"]


def strongest_evidence(report: dict, limit: int = 5) -> list[tuple[str, dict]]:
    """Evidence that decides the outcome: failing criteria first, then partial, then the license basis."""
    out: list[tuple[str, dict]] = []
    for status in ("fail", "partial", "pass"):
        for c in report["criteria"]:
            if c["status"] != status:
                continue
            for e in c["evidence"][:2]:
                if all(e["location"] != seen["location"] or e["detail"] != seen["detail"] for _, seen in out):
                    out.append((c["id"], e))
            if len(out) >= limit:
                return out[:limit]
    return out[:limit]


def license_line(report: dict) -> tuple[str, str]:
    lic = report["license"]
    declared = lic["declared"]
    declared_s = ", ".join(declared) if isinstance(declared, list) else (declared or "none")
    identified = lic["name"] or lic["identified"] or "not identified"
    if lic["identified"] and lic["name"]:
        identified = f"{lic['name']} ({lic['identified']})"
    return declared_s, f"{identified} — from {lic['source']}"


def revision_label(model: dict) -> str:
    """The commit audited; a snapshot model whose full sha no page showed says so (with the short id if one was)."""
    if model.get("revision"):
        return str(model["revision"])
    short = model.get("revision_short")
    return f"not known (pages show the short id {short})" if short else "not known"


def source_note(report: dict) -> str | None:
    if report.get("source") == "snapshot":
        return f"Answered from the bundled snapshot of {report.get('snapshot_date') or 'unknown date'}, not the live Hub."
    return None


# C0 and C1 control characters except tab and newline, and the Unicode bidirectional overrides: text from a model
# card or the Hub must not drive the reader's terminal (escape sequences) or reorder what it shows.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """One string with control characters removed: the one sanitiser every human-facing view goes through."""
    return _CONTROL.sub("", text)


def printable(value: Any) -> Any:
    """A copy of a value (a report, node-link data, a diff) with control characters removed from every string."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


def human(value: Any) -> str:
    """A report value as a reader says it: False/None -> "no"/"none", True -> "yes", lists joined, never Python."""
    if value is False:
        return "no"
    if value is True:
        return "yes"
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, list | tuple):
        return ", ".join(human(v) for v in value)
    return clean(str(value))


def gated_word(value: Any) -> str:
    """The gate as a reader says it: "no", "auto" (approved automatically) or "manual" (the author approves)."""
    if value in (False, None, "", "false", "False"):
        return "no"
    if value is True:
        return "yes"
    return clean(str(value))
