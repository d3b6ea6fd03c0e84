"""Who derives from whom across the audited models: derivatives for each model page, and one family per root.

A model's ancestors come from its own report (`lineage.ancestors`, each with the child that names it). A **root**
is an ancestor that no other ancestor of the same report names as its child's base — the top of the chain. A
**family** is a root with every audited model that has it as a root. A descendant **relabels** when its report
has a license-conflict finding: its declared license drops terms an ancestor's license keeps."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

LICENSE_CONFLICT = "license-conflict"


@dataclass(frozen=True)
class Link:
    """One ancestor as a report lists it."""

    id: str
    relation: str
    depth: int
    named_by: str | None
    license: str | None


@dataclass(frozen=True)
class Lineage:
    """What the site needs from one report's lineage."""

    ancestors: tuple[Link, ...]
    conflicts: frozenset[str]  # ancestors whose terms the model's own license drops
    effective: str | None


@dataclass(frozen=True)
class Derivative:
    """An audited model seen from one of its ancestors."""

    id: str
    relation: str  # how it derives from its parent in the chain
    parent: str  # the model it is built on directly
    depth: int  # 1: built directly on the ancestor
    classification: str
    declared: str
    license: str | None  # its effective license
    relabels: bool


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def read_lineage(report: dict[str, Any]) -> Lineage:
    lineage = report.get("lineage") if isinstance(report.get("lineage"), dict) else {}
    links = []
    for item in lineage.get("ancestors") if isinstance(lineage.get("ancestors"), list) else []:
        if not isinstance(item, dict) or not _text(item.get("id")):
            continue
        depth = item.get("depth")
        if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
            continue
        links.append(Link(item["id"], _text(item.get("relation")) or "unknown", depth, _text(item.get("named_by")),
                          _text(item.get("license"))))
    conflicts = frozenset(
        f["ancestor"] for f in (lineage.get("findings") if isinstance(lineage.get("findings"), list) else [])
        if isinstance(f, dict) and f.get("kind") == LICENSE_CONFLICT and _text(f.get("ancestor")))
    return Lineage(tuple(links), conflicts, _text(lineage.get("effective_license")))


def roots_of(links: tuple[Link, ...]) -> list[str]:
    """The ancestors nothing above them was found for (the deepest when the report does not say who names whom)."""
    if not links:
        return []
    named = {link.named_by for link in links}
    if all(link.named_by for link in links):
        return sorted(dict.fromkeys(link.id for link in links if link.id not in named))
    deepest = max(link.depth for link in links)
    return sorted(dict.fromkeys(link.id for link in links if link.depth == deepest))


def _parent_relation(model_id: str, links: tuple[Link, ...]) -> tuple[str, str] | None:
    """The model's direct base and how it derives from it (the first depth-1 ancestor)."""
    first = next((link for link in links if link.depth == 1 and link.named_by in (None, model_id)), None)
    return (first.id, first.relation) if first else None


@dataclass
class LineageIndex:
    """Descendants of every model named as an ancestor, and the families by root."""

    derivatives: dict[str, list[Derivative]]
    families: dict[str, list[Derivative]]  # root id -> its audited descendants

    def of(self, model_id: str) -> tuple[Derivative, ...]:
        return tuple(self.derivatives.get(model_id, ()))


@dataclass(frozen=True)
class Member:
    """One audited model, as the lineage index reads it."""

    id: str
    classification: str
    declared: str
    lineage: Lineage


def build_index(members: list[Member]) -> LineageIndex:
    derivatives: dict[str, list[Derivative]] = defaultdict(list)
    families: dict[str, list[Derivative]] = defaultdict(list)
    for m in members:
        parent = _parent_relation(m.id, m.lineage.ancestors)
        relabels = bool(m.lineage.conflicts)
        for link in {link.id: link for link in m.lineage.ancestors}.values():
            derivative = Derivative(m.id, parent[1] if parent else link.relation, parent[0] if parent else link.id,
                                    link.depth, m.classification, m.declared, m.lineage.effective, relabels)
            derivatives[link.id].append(derivative)
        for root in roots_of(m.lineage.ancestors):
            depth = max((link.depth for link in m.lineage.ancestors if link.id == root), default=1)
            families[root].append(Derivative(m.id, parent[1] if parent else "unknown",
                                             parent[0] if parent else root, depth, m.classification, m.declared,
                                             m.lineage.effective, relabels))
    for table in (derivatives, families):
        for rows in table.values():
            rows.sort(key=lambda d: (d.depth, d.id.lower(), d.id))
    return LineageIndex(dict(derivatives), dict(families))


def derivation_summary(model_id: str, lineage: Lineage, derivatives: tuple[Derivative, ...],
                       declared: str = "") -> str:
    """"fine-tune of meta-llama/Llama-2-7b-hf; 12 derivatives audited here, 3 relabelled (MIT, Apache-2.0)"."""
    parts = []
    parent = _parent_relation(model_id, lineage.ancestors)
    if parent:
        bases = sorted({link.id for link in lineage.ancestors if link.depth == 1})
        parts.append(f"{RELATION_WORDS.get(parent[1], parent[1])} of {', '.join(bases)}")
        if lineage.conflicts:
            parts.append(f"relabelled {declared or 'under another license'}, which drops terms of "
                         f"{', '.join(sorted(lineage.conflicts))} that still bind it")
    else:
        parts.append("a root: no base model declared")
    if derivatives:
        relabelled = [d for d in derivatives if d.relabels]
        text = f"{len(derivatives)} derivative{'s' if len(derivatives) != 1 else ''} audited here"
        if relabelled:
            labels = sorted({d.declared for d in relabelled if d.declared})
            text += f", {len(relabelled)} relabelled" + (f" ({', '.join(labels[:4])})" if labels else "")
        parts.append(text)
    return "; ".join(parts)


RELATION_WORDS = {"finetune": "fine-tune", "adapter": "adapter", "quantized": "quantisation", "merge": "merge",
                  "unknown": "derivative"}
