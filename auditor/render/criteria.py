"""Every criterion as Markdown: `audit criteria` and docs/criteria.md."""

from __future__ import annotations

from auditor.criteria import criteria_version, load_criteria
from auditor.probes.registry import PROBES, probe


def criteria_markdown(generated_note: bool = True) -> str:
    """Every criterion as Markdown. `generated_note`: say the file is generated (docs/criteria.md), not the
    terminal view."""
    out = ["# Criteria", ""]
    if generated_note:
        out += ["Generated from `criteria/*.yaml` by `python -m auditor.docs criteria`; do not edit by hand.", ""]
    out += [f"Criteria version: `{criteria_version().split('+')[0]}`", ""]
    for c in load_criteria():
        out += [f"## `{c.id}` — {c.title}", "", f"*Implements:* {c.implements}  ", f"*Asks:* {c.question}  ",
                f"*Version:* {c.version}", ""]
        if c.reads:
            out += ["**Reads** (a pass needs every one of these probes to answer; not-available means unknown):", ""]
            out += [f"- `{pid}`: {probe(pid).question}" for pid in c.reads]
            out += [""]
        if c.builds_on:
            out += ["**Builds on:** " + ", ".join(f"`{b}`" for b in c.builds_on), ""]
        if c.fails_on or c.notes_on:
            facts = [f"fails on `{', '.join(c.fails_on)}`" if c.fails_on else "",
                     f"notes `{', '.join(c.notes_on)}`" if c.notes_on else ""]
            out += ["**License facts:** " + "; ".join(f for f in facts if f), ""]
        out += ["**How it is decided:**", ""]
        out += [f"- `{status}`: {rule}" for status, rule in c.decision.items()]
        out += ["", f"**Why:** {c.rationale}", "", f"**Remediation:** {c.remediation}", ""]
    return "\n".join(out + _probes_table())


def _probes_table() -> list[str]:
    """Every probe (auditor/probes/registry.py), what it asks and which criteria read it."""
    readers = {p.id: [c.id for c in load_criteria() if p.id in c.reads] for p in PROBES}
    out = ["## Probes", "", "Each probe answers one question once per audit: `true`, `false`, or `not-available` when the "
           "evidence it needs could not be read.", "", "| Probe | Asks | Read by |", "| --- | --- | --- |"]
    out += [f"| `{p.id}` | {p.question} | {', '.join(f'`{c}`' for c in readers[p.id])} |" for p in PROBES]
    return [*out, ""]
