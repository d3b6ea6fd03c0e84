"""Derivation graphs as layered drawings, computed at build time: roots on the top row, derivatives below.

The same layout draws a model page's lineage (its ancestors, the model, its audited derivatives) and a family page
(a root and every audited descendant). Labels are wrapped, never truncated: a node grows to fit its id. Only
coordinates and strings come out of here; the template draws them and escapes every string."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from auditor.site.links import LinkContext

NODE_W = 228
LINE_H = 16
H_GAP = 28
V_GAP = 56  # room for the relation label between rows
PAD = 12
MAX_NODES = 60
LABEL_CHARS = 24  # characters per line at the label's size within NODE_W
SUB_CHARS = 30
CLASS_WORDS = {"open-source": "★ open source", "open-weights": "◆ open weights", "restricted": "▲ restricted",
               "closed": "■ closed", "unknown": "? unknown"}


@dataclass(frozen=True)
class NodeSpec:
    id: str
    layer: int  # 0 is the top row
    license: str | None = None
    classification: str | None = None  # None: not audited here, so drawn without a class
    href: str | None = None
    current: bool = False


@dataclass(frozen=True)
class EdgeSpec:
    parent: str
    child: str
    relation: str
    certain: bool = True  # False: the report does not say which node of the row below derives from the parent
    conflict: bool = False  # the child's declared license drops the parent's terms


@dataclass(frozen=True)
class Node:
    id: str
    label: tuple[str, ...]  # the id, wrapped
    sub: tuple[str, ...]  # the license, wrapped
    status: str  # "▲ restricted", or "" when not audited here
    classification: str  # a CSS key: open-source … unknown, or "none"
    title: str  # the full id and license, for the tooltip and screen readers
    x: int
    y: int
    h: int
    href: str | None
    current: bool


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    relation: str
    certain: bool
    conflict: bool

    @property
    def label_x(self) -> int:  # 60% of the way down, so labels of edges leaving one node do not collide
        return self.x1 + (self.x2 - self.x1) * 3 // 5

    @property
    def label_y(self) -> int:
        return self.y1 + (self.y2 - self.y1) * 3 // 5


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    omitted: int
    node_w: int = NODE_W

    @property
    def has_guesses(self) -> bool:
        return any(not e.certain for e in self.edges)

    @property
    def has_conflicts(self) -> bool:
        return any(e.conflict for e in self.edges)


def wrap(text: str, width: int) -> tuple[str, ...]:
    """Lines of at most `width` characters, broken after / - _ . or a space where possible, never dropping any."""
    lines: list[str] = []
    rest = text
    while len(rest) > width:
        cut = max(rest.rfind(ch, 0, width) for ch in "/-_. ")
        cut = cut + 1 if cut >= width // 3 else width
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not lines:
        lines.append(rest)
    return tuple(lines)


def _node_height(label: tuple[str, ...], sub: tuple[str, ...], status: str) -> int:
    return 10 + LINE_H * (len(label) + len(sub) + (1 if status else 0))


def _order_layers(specs: list[NodeSpec], edges: list[EdgeSpec]) -> dict[int, list[NodeSpec]]:
    """Nodes per row; each row ordered by the mean position of its parents (one barycentre sweep), then by id."""
    layers: dict[int, list[NodeSpec]] = defaultdict(list)
    for spec in specs:
        layers[spec.layer].append(spec)
    parents: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if edge.certain:
            parents[edge.child].append(edge.parent)
    slot: dict[str, float] = {}
    for layer in sorted(layers):
        def centre(spec: NodeSpec) -> float:
            placed = [slot[p] for p in parents.get(spec.id, []) if p in slot]
            return sum(placed) / len(placed) if placed else float("inf")

        layers[layer].sort(key=lambda s: (centre(s), s.id.lower(), s.id))
        for n, spec in enumerate(layers[layer]):
            slot[spec.id] = n - (len(layers[layer]) - 1) / 2
    return layers


def _place(layers: dict[int, list[NodeSpec]]) -> tuple[list[Node], int, int]:
    widest = max(len(row) for row in layers.values())
    width = 2 * PAD + widest * NODE_W + (widest - 1) * H_GAP
    y = PAD
    nodes: list[Node] = []
    for layer in sorted(layers):
        row = layers[layer]
        shaped = []
        for spec in row:
            lic = spec.license or "license not established"
            status = CLASS_WORDS.get(spec.classification or "", "")
            label, sub = wrap(spec.id, LABEL_CHARS), wrap(lic, SUB_CHARS)
            shaped.append((spec, label, sub, status, _node_height(label, sub, status)))
        row_h = max(s[4] for s in shaped)
        span = len(row) * NODE_W + (len(row) - 1) * H_GAP
        x0 = PAD + (width - 2 * PAD - span) // 2
        for n, (spec, label, sub, status, _) in enumerate(shaped):
            nodes.append(Node(spec.id, label, sub, status, spec.classification or "none", f"{spec.id} — {lic_of(spec)}",
                              x0 + n * (NODE_W + H_GAP), y, row_h, spec.href, spec.current))
        y += row_h + V_GAP
    return nodes, width, y - V_GAP + PAD


def lic_of(spec: NodeSpec) -> str:
    return spec.license or "license not established"


def draw(specs: list[NodeSpec], edges: list[EdgeSpec], omitted: int = 0) -> Drawing | None:
    """Lay out the nodes in their rows and route each edge from the parent's bottom to the child's top."""
    if not specs:
        return None
    nodes, width, height = _place(_order_layers(specs, edges))
    at = {n.id: n for n in nodes}
    lines = []
    for e in edges:
        parent, child = at.get(e.parent), at.get(e.child)
        if parent is None or child is None:
            continue
        lines.append(Edge(parent.x + NODE_W // 2, parent.y + parent.h, child.x + NODE_W // 2, child.y,
                          e.relation, e.certain, e.conflict))
    return Drawing(width, height, tuple(nodes), tuple(lines), omitted)


# -- a model page's lineage --------------------------------------------------------------------------------------
def _depth(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def _ancestor_edges(by_depth: dict[int, list[dict[str, Any]]], model_id: str, conflicts: frozenset[str]
                    ) -> list[EdgeSpec]:
    """Each ancestor to the model of the row below that names it; to every node of that row when none is named."""
    edges = []
    for depth, row in by_depth.items():
        below = [model_id] if depth == 1 else [a["id"] for a in by_depth.get(depth - 1, [])]
        for item in row:
            relation = item.get("relation") if isinstance(item.get("relation"), str) else "unknown"
            child = item.get("named_by", item.get("child"))
            targets = [child] if isinstance(child, str) and child in below else []
            certain = bool(targets) or len(below) == 1
            for target in targets or below:
                edges.append(EdgeSpec(item["id"], target, relation, certain,
                                      target == model_id and item["id"] in conflicts))
    return edges


def layout(model_id: str, model_license: str | None, ancestors: list[Any], ctx: LinkContext,
           classification: str | None = None, derivatives: tuple[Any, ...] = (),
           conflicts: frozenset[str] = frozenset()) -> Drawing | None:
    """The model with its ancestors above it (by depth) and its direct audited derivatives below it.

    `derivatives` are `auditor.site.families.Derivative`s; `conflicts` the ancestors whose terms the model's own
    license drops (its license-conflict findings). None when there is nothing but the model to draw."""
    usable = [a for a in ancestors if isinstance(a, dict) and isinstance(a.get("id"), str) and _depth(a.get("depth"))
              and a["id"] != model_id]
    direct = [d for d in derivatives if d.depth == 1]
    if not usable and not direct:
        return None
    shown = usable[:MAX_NODES]
    children = direct[: max(0, MAX_NODES - len(shown))]
    by_depth: dict[int, list[dict[str, Any]]] = defaultdict(list)
    seen: set[str] = set()
    for item in shown:
        if item["id"] not in seen:
            seen.add(item["id"])
            by_depth[item["depth"]].append(item)
    top = max(by_depth, default=0)
    specs = [NodeSpec(model_id, top, model_license, classification, None, True)]
    specs += [NodeSpec(a["id"], top - depth, a.get("license") if isinstance(a.get("license"), str) else None,
                       None, ctx.model_href(a["id"])) for depth, row in by_depth.items() for a in row]
    specs += [NodeSpec(d.id, top + 1, d.license, d.classification, ctx.model_href(d.id)) for d in children
              if d.id not in seen]
    edges = _ancestor_edges(by_depth, model_id, conflicts)
    edges += [EdgeSpec(model_id, d.id, d.relation, True, d.relabels) for d in children if d.id not in seen]
    return draw(specs, edges, omitted=len(usable) - len(shown) + len(direct) - len(children))
