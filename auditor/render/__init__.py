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


def source_note(report: dict) -> str | None:
    if report.get("source") == "snapshot":
        return f"Answered from the bundled snapshot of {report.get('snapshot_date') or 'unknown date'}, not the live Hub."
    return None


# C0 and C1 control characters except tab and newline: card text must not drive the reader's terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: Any) -> Any:
    """A copy of a report with control characters (terminal escape sequences) removed from every string."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value
