"""Renderers read a report (the contract dict) and nothing else."""

from __future__ import annotations

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
