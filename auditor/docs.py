"""Documentation generated from criteria/ (docs/criteria.md and `audit criteria`)."""

from __future__ import annotations

from auditor.criteria import criteria_version, load_criteria


def criteria_markdown() -> str:
    out = ["# Criteria", "",
           "Generated from `criteria/*.yaml` by `audit criteria --format markdown`; do not edit by hand.", "",
           f"Criteria version: `{criteria_version().split('+')[0]}`", ""]
    for c in load_criteria():
        out += [f"## `{c.id}` — {c.title}", "", f"*Implements:* {c.implements}  ", f"*Asks:* {c.question}  ",
                f"*Version:* {c.version}", ""]
        if c.reads:
            out += ["**Reads:** " + "; ".join(c.reads), ""]
        if c.fails_on or c.partial_on or c.notes_on:
            facts = [f"fails on `{', '.join(c.fails_on)}`" if c.fails_on else "",
                     f"partial on `{', '.join(c.partial_on)}`" if c.partial_on else "",
                     f"notes `{', '.join(c.notes_on)}`" if c.notes_on else ""]
            out += ["**License facts:** " + "; ".join(f for f in facts if f), ""]
        out += ["**How it is decided:**", ""]
        out += [f"- `{status}`: {rule}" for status, rule in c.decision.items()]
        out += ["", f"**Why:** {c.rationale}", "", f"**Remediation:** {c.remediation}", ""]
    return "\n".join(out)
