"""The lineage as a layered drawing, computed at build time: roots at the top, the audited model at the bottom.

Only coordinates and strings come out of here; the template draws them (and escapes every string)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.site.links import LinkContext

NODE_W = 236
NODE_H = 46
H_GAP = 24
V_GAP = 46
PAD = 12
MAX_NODES = 60
MAX_LABEL = 33


@dataclass(frozen=True)
class Node:
    label: str
    title: str  # the full id and license, for the tooltip and screen readers
    sub: str
    x: int
    y: int
    href: str | None
    current: bool


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    relation: str
    certain: bool  # False: the report does not say which node of the layer below derives from it


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    omitted: int
    node_w: int = NODE_W
    node_h: int = NODE_H


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _depth(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def layout(model_id: str, model_license: str | None, ancestors: list[Any], ctx: LinkContext) -> Drawing | None:
    """Place the model and its ancestors in layers by depth; None when there is nothing to draw."""
    usable = [a for a in ancestors if isinstance(a, dict) and isinstance(a.get("id"), str) and _depth(a.get("depth"))]
    if not usable:
        return None
    shown = usable[:MAX_NODES]
    layers: dict[int, list[dict[str, Any]]] = {0: [{"id": model_id, "license": model_license, "depth": 0}]}
    for ancestor in shown:
        layers.setdefault(ancestor["depth"], []).append(ancestor)
    depths = sorted(layers)
    row_of = {depth: n for n, depth in enumerate(reversed(depths))}  # deepest layer on the first row
    widest = max(len(layer) for layer in layers.values())
    width = 2 * PAD + widest * NODE_W + (widest - 1) * H_GAP
    height = 2 * PAD + len(depths) * NODE_H + (len(depths) - 1) * V_GAP
    positions: dict[tuple[int, int], tuple[int, int]] = {}
    nodes: list[Node] = []
    for depth in depths:
        layer = layers[depth]
        span = len(layer) * NODE_W + (len(layer) - 1) * H_GAP
        x0 = PAD + (width - 2 * PAD - span) // 2
        y = PAD + row_of[depth] * (NODE_H + V_GAP)
        for n, item in enumerate(layer):
            x = x0 + n * (NODE_W + H_GAP)
            positions[(depth, n)] = (x, y)
            lic = item.get("license")
            lic_text = lic if isinstance(lic, str) and lic else "license not established"
            current = depth == 0
            nodes.append(Node(label=_short(item["id"]), title=f"{item['id']} — {lic_text}", sub=_short(lic_text, 38),
                              x=x, y=y, href=None if current else ctx.model_href(item["id"]), current=current))
    edges: list[Edge] = []
    for depth in depths[1:]:
        below = layers.get(depth - 1, [])
        for n, item in enumerate(layers[depth]):
            x, y = positions[(depth, n)]
            child = item.get("named_by", item.get("child"))  # the model whose card names this base
            targets = [m for m, other in enumerate(below) if other["id"] == child] if isinstance(child, str) else []
            certain = bool(targets) or len(below) == 1
            if not targets:
                targets = list(range(len(below)))
            relation = item.get("relation") if isinstance(item.get("relation"), str) else "unknown"
            for m in targets:
                cx, cy = positions[(depth - 1, m)]
                edges.append(Edge(x + NODE_W // 2, y + NODE_H, cx + NODE_W // 2, cy, _short(relation, 16), certain))
    return Drawing(width, height, tuple(nodes), tuple(edges), omitted=len(usable) - len(shown))
