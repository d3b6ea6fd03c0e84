"""The human view as Markdown, to paste into an issue or pull request."""

from __future__ import annotations

from auditor.render import (
    MARKS,
    classification_words,
    gated_word,
    license_line,
    printable,
    revision_label,
    source_note,
    strongest_evidence,
)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _license(value: str | None) -> str:
    return f"`{value}`" if value else "not known"


def render(report: dict) -> str:
    report = printable(report)
    model = report["model"]
    declared, identified = license_line(report)
    out = [f"## Openness audit: [{model['id']}]({model['url']})", ""]
    note = source_note(report)
    if note:
        out += [f"> {note}", ""]
    out += [
        f"- **Revision:** `{model['revision']}`" if model["revision"] else f"- **Revision:** {revision_label(model)}",
        f"- **Gated:** {gated_word(model['gated'])}",
        f"- **License declared:** {_cell(declared)}",
        f"- **License identified:** {_cell(identified)}",
    ]
    if report["lineage"]["effective_license"]:
        out.append(f"- **Effective terms:** `{report['lineage']['effective_license']}`")
    if report["weights"]["parameters"]:
        out.append(f"- **Parameters:** {report['weights']['parameters']:,}")
    out += [f"- **Classification:** **{report['classification']}** — {classification_words(report)}",
            "", "| Criterion | Status | Why |", "| --- | --- | --- |"]
    for c in report["criteria"]:
        out.append(f"| `{c['id']}` | {MARKS[c['status']]} {c['status']} | {_cell(c['summary'])} |")
    evidence = strongest_evidence(report)
    if evidence:
        out += ["", "**Strongest evidence**", ""]
        out += [f"- `{cid}`: {_cell(e['detail'])} (`{_cell(e['location'])}`)" for cid, e in evidence]
    findings = report["lineage"]["findings"] + report["weights"]["findings"] + report["license"]["findings"]
    if report["lineage"]["ancestors"] or findings:
        out += ["", "**Lineage and findings**", ""]
        out += [f"- {a['relation']} of `{a['id']}` (depth {a['depth']}, license {_license(a['license'])})"
                for a in report["lineage"]["ancestors"][:8]]
        out += [f"- {f['severity']}: `{f['kind']}` — {_cell(f['detail'])}" for f in findings]
    out += ["", f"<sub>{report['tool']['name']} {report['tool']['version']}, criteria {report['criteria_version']}, "
            f"audited {report['audited_at']}</sub>", ""]
    return "\n".join(out)
