"""The human view in the terminal (Rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

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

STYLES = {"pass": "green", "partial": "yellow", "fail": "red", "unknown": "bright_black"}
CLASS_STYLES = {"open-source": "bold green", "open-weights": "bold cyan", "restricted": "bold red",
                "closed": "bold red", "unknown": "bold bright_black"}


def render(report: dict, console: Console) -> None:
    report = printable(report)
    model = report["model"]
    declared, identified = license_line(report)
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("Model", f"{model['id']}  {model['url']}")
    head.add_row("Revision", revision_label(model))
    head.add_row("Gated", gated_word(model["gated"]))
    head.add_row("License declared", declared)
    head.add_row("License identified", identified)
    effective = report["lineage"]["effective_license"]
    if effective:
        head.add_row("Effective terms", effective)
    if report["weights"]["parameters"]:
        head.add_row("Parameters", f"{report['weights']['parameters']:,} ({', '.join(report['weights']['formats'])})")
    cls = report["classification"]
    head.add_row("Classification", Text(classification_words(report), style=CLASS_STYLES.get(cls, "")))
    note = source_note(report)
    if note:
        head.add_row("Source", Text(note, style="yellow"))
    console.print(Panel(head, title="Model openness audit", expand=False))

    table = Table(show_lines=False, expand=False)
    table.add_column("Criterion", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Why")
    for c in report["criteria"]:
        mark = Text(f"{MARKS[c['status']]} {c['status']}", style=STYLES[c["status"]])
        table.add_row(c["id"], mark, c["summary"])
    console.print(table)

    lines = [Text.assemble((f"{cid}: ", "bold"), e["detail"], (f"  [{e['location']}]", "dim"))
             for cid, e in strongest_evidence(report)]
    if lines:
        console.print(Panel(Group(*lines), title="Strongest evidence", expand=False))
    extra = []
    for a in report["lineage"]["ancestors"][:8]:
        extra.append(Text(f"  ↑ {a['relation']} of {a['id']} (depth {a['depth']}, license {a['license'] or 'not known'})"))
    for f in report["lineage"]["findings"] + report["weights"]["findings"] + report["license"]["findings"]:
        style = {"critical": "bold red", "warning": "yellow"}.get(f["severity"], "dim")
        extra.append(Text(f"  {f['severity']}: {f['kind']} — {f['detail']}", style=style))
    for p in report.get("problems", []):
        extra.append(Text(f"  could not read {p['what']}: {p['detail']} (treated as unknown)", style="yellow"))
    if extra:
        console.print(Panel(Group(*extra), title="Lineage and findings", expand=False))
