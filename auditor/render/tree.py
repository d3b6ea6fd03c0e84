"""Renderers of the derivation graph. They read node-link data (auditor.graph.node_link) and nothing else.

text: a Rich tree around the audited model (bases above, derivatives below); mermaid and dot for docs."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from auditor.render import printable

CLASS_STYLES = {"open-source": "green", "open-weights": "cyan", "restricted": "red", "closed": "red",
                "unknown": "bright_black"}
# How a derivative relates to the base drawn under it ("fine-tune of X").
RELATION_PHRASES = {"finetune": "fine-tune of", "quantized": "quantisation of", "adapter": "adapter on",
                    "merge": "merge of", "unknown": "derived from"}
SEVERITY_STYLES = {"critical": "bold red", "warning": "yellow", "info": "dim"}


class _View:
    """Index of node-link data: attributes by id, bases and derivatives of each node."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.root: str = data["graph"]["root"]
        self.nodes = {n["id"]: n for n in data["nodes"]}
        self.bases: dict[str, list[dict[str, Any]]] = {}
        self.derivatives: dict[str, list[dict[str, Any]]] = {}
        for link in data["links"]:
            self.bases.setdefault(link["target"], []).append(link)
            self.derivatives.setdefault(link["source"], []).append(link)


def _facts(node: dict[str, Any]) -> str:
    parts = [node.get("license") or "license not known"]
    parts.append(node.get("classification") or "not audited")
    if node.get("gated"):
        parts.append(f"gated ({node['gated']})" if isinstance(node["gated"], str) else "gated")
    if isinstance(node.get("downloads"), int):
        parts.append(f"{node['downloads']:,} downloads")
    if node.get("missing"):
        parts = ["cannot be read"]
    return " · ".join(parts)


def _label(node: dict[str, Any], lead: str = "") -> Text:
    text = Text(lead)
    text.append(node["id"], style="bold")
    text.append("  ")
    text.append(_facts(node), style=CLASS_STYLES.get(node.get("classification") or "", "dim"))
    return text


def _counts(node: dict[str, Any]) -> str:
    counts = node.get("relation_counts") or {}
    listed = sum(counts.values())
    detail = ", ".join(f"{n} {rel}" for rel, n in counts.items())
    more = ""
    if node.get("truncated"):
        total = node.get("children_count")
        more = f"; limit reached, the Hub counts {total:,}" if isinstance(total, int) else "; limit reached"
    return f"{listed} listed" + (f": {detail}" if detail else "") + more


def render_text(data: dict[str, Any], console: Console) -> None:
    data = printable(data)
    view = _View(data)
    root = view.nodes[view.root]
    tree = Tree(_label(root))
    if data["graph"].get("effective_license"):
        tree.add(Text(f"effective terms: {data['graph']['effective_license']}", style="dim"))
    if data["graph"].get("up"):
        branch = tree.add(Text("bases ↑ (each line the base of the one above)", style="bold"))
        _add_bases(view, view.root, branch, {view.root})
        if not branch.children:
            branch.add(Text("none declared", style="dim"))
    if data["graph"].get("down"):
        branch = tree.add(Text(f"derivatives ↓ ({_counts(root)})", style="bold"))
        _add_derivatives(view, view.root, branch, {view.root})
    console.print(tree)
    findings = data["graph"].get("findings") or []
    for f in findings:
        where = f" [{f['clause']}]" if f.get("clause") else ""
        console.print(Text(f"{f['severity']}: {f['kind']} — {f['detail']}{where}",
                           style=SEVERITY_STYLES.get(f["severity"], "")))


def _add_bases(view: _View, node: str, branch: Tree, path: set[str]) -> None:
    """Bases of `node`. A straight chain stays flat (each line the base of the line above); merges branch."""
    while True:
        links = [link for link in view.bases.get(node, []) if view.nodes[link["source"]].get("role") == "ancestor"]
        if not links:
            return
        if len(links) == 1:
            label, base = _base_label(view, links[0], path)
            branch.add(label)
            if base in path:
                return
            node, path = base, path | {base}
            continue
        relations = sorted({link["relation"] for link in links})
        merged = branch.add(Text(f"{' / '.join(RELATION_PHRASES.get(r, 'derived from') for r in relations)} "
                                 f"{len(links)} bases:"))
        for link in links:
            label, base = _base_label(view, link, path, with_relation=False)
            sub = merged.add(label)
            if base not in path:
                _add_bases(view, base, sub, path | {base})
        return


def _base_label(view: _View, link: dict[str, Any], path: set[str], with_relation: bool = True) -> tuple[Text, str]:
    base = view.nodes[link["source"]]
    lead = RELATION_PHRASES.get(link["relation"], "derived from") + " " if with_relation else ""
    if link.get("found_in") not in (None, "card"):
        lead = f"{lead.rstrip()} (named in {link['found_in']}) ".lstrip()
    label = _label(base, lead)
    if link.get("conflict"):
        label.append("  ⚠ license conflict", style="bold red")
    if base["id"] in path:
        label.append("  ↺ cycle", style="yellow")
    return label, base["id"]


def _add_derivatives(view: _View, node: str, branch: Tree, path: set[str]) -> None:
    for link in view.derivatives.get(node, []):
        child = view.nodes[link["target"]]
        if child.get("role") != "descendant":
            if child["id"] in path or child.get("role") == "ancestor":
                branch.add(Text(f"{link['relation']}: {child['id']}  ↺ also an ancestor (cycle)", style="yellow"))
            continue
        label = _label(child, f"{link['relation']}: ")
        if link.get("conflict"):
            label.append("  ⚠ license conflict", style="bold red")
        if child.get("relation_counts"):
            label.append(f"  ({_counts(child)})", style="dim")
        if child["id"] in path:
            continue
        _add_derivatives(view, child["id"], branch.add(label), path | {child["id"]})


def _mermaid_text(value: str) -> str:
    return value.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def render_mermaid(data: dict[str, Any]) -> str:
    """A mermaid flowchart, bases on top; conflicting edges dashed."""
    data = printable(data)
    ids = {n["id"]: f"n{i}" for i, n in enumerate(data["nodes"])}
    lines = ["flowchart TD"]
    for node in data["nodes"]:
        label = f"{_mermaid_text(node['id'])}<br/>{_mermaid_text(_facts(node))}"  # the break itself stays markup
        shape = ('(["', '"])') if node["id"] == data["graph"]["root"] else ('["', '"]')
        lines.append(f"  {ids[node['id']]}{shape[0]}{label}{shape[1]}")
    for link in data["links"]:
        arrow = "-.->" if link.get("conflict") else "-->"
        label = link["relation"] + (" · license conflict" if link.get("conflict") else "")
        lines.append(f"  {ids[link['source']]} {arrow}|{_mermaid_text(label)}| {ids[link['target']]}")
    for cls, colour in (("restricted", "#f8d7da"), ("open-weights", "#d1ecf1"), ("open-source", "#d4edda")):
        members = [ids[n["id"]] for n in data["nodes"] if n.get("classification") == cls]
        if members:
            lines.append(f"  classDef {cls.replace('-', '_')} fill:{colour}")
            lines.append(f"  class {','.join(members)} {cls.replace('-', '_')}")
    return "\n".join(lines) + "\n"


def _dot_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render_dot(data: dict[str, Any]) -> str:
    """Graphviz DOT, bases on top; conflicting edges dashed red."""
    data = printable(data)
    lines = ["digraph lineage {", "  rankdir=TB;", '  node [shape=box, fontname="Helvetica"];']
    for node in data["nodes"]:
        extra = ", penwidth=2" if node["id"] == data["graph"]["root"] else ""
        lines.append(f'  "{_dot_text(node["id"])}" [label="{_dot_text(node["id"] + chr(10) + _facts(node))}"{extra}];')
    for link in data["links"]:
        style = ', style=dashed, color=red' if link.get("conflict") else ""
        lines.append(f'  "{_dot_text(link["source"])}" -> "{_dot_text(link["target"])}" '
                     f'[label="{_dot_text(link["relation"])}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(printable(data), indent=2, ensure_ascii=False, default=str) + "\n"
