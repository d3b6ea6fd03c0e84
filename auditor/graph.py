"""The derivation graph around one model: a networkx DiGraph, edge base → derivative with its `relation`.

Up: the audited model's ancestors as `trace_ancestors` walked them (each read once through the shared
`AncestorCache`). Down: its derivatives through the Hub's `base_model:` tags, `limit` per node, `depth` levels,
asking for a child's own children only when the Hub counts some. Node attributes: `license`, `classification`,
`gated`, `downloads` (and `role`, `depth`, `declared`, `missing`, `children_count`, `relation_counts`,
`truncated`); edge attributes: `relation`, `found_in`, `conflict`.

Classification of nodes: the audited model gets its full audit's; an ancestor is judged on what was read of it
(model info: enough for its license, not for code or data, so never `open-source`) with its own ancestors' terms;
a listed derivative is `restricted` when its declared license or the terms it inherits fail an OSD criterion, else
None (not audited)."""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

import networkx as nx

from auditor.bases import FOUND_IN_CARD
from auditor.evidence import RepoEvidence
from auditor.hub.base import ChildModel, Hub
from auditor.licenses.identify import BindingTerms
from auditor.licenses.knowledge import LicenseInfo, load_knowledge
from auditor.lineage import (
    DEFAULT_MAX_DEPTH,
    AncestorCache,
    Lineage,
    license_conflict,
    own_terms,
    restrictive_fact_kinds,
    trace_ancestors,
    with_policies,
)
from auditor.repoid import validate_repo_id

DEFAULT_CHILD_LIMIT = 50  # derivatives listed per node: a popular base has tens of thousands
DEFAULT_DOWN_DEPTH = 1
ROLE_AUDITED, ROLE_ANCESTOR, ROLE_DESCENDANT = "audited", "ancestor", "descendant"


def build_tree(hub: Hub, repo_id: str, *, up: bool = True, down: bool = True, depth: int | None = None,
               limit: int = DEFAULT_CHILD_LIMIT, cache: AncestorCache | None = None,
               revision: str | None = None) -> nx.DiGraph:
    """Audit `repo_id`, then draw its ancestors (`up`) and derivatives (`down`) around it."""
    from auditor.audit import score

    validate_repo_id(repo_id)
    cache = cache or AncestorCache()
    up_depth = DEFAULT_MAX_DEPTH if depth is None else depth
    down_depth = DEFAULT_DOWN_DEPTH if depth is None else depth
    evidence = hub.repo(repo_id, revision)
    repo_id = evidence.repo_id  # ids are case-insensitive: draw the model under its own spelling, as `audit` does
    # The ancestors' terms bind the model and its derivatives, so they are walked even when only `down` is drawn.
    lineage = trace_ancestors(hub, evidence, up_depth, cache)
    report = score(evidence, lineage)
    graph = nx.DiGraph(root=repo_id, effective_license=report["lineage"]["effective_license"],
                       findings=report["lineage"]["findings"], up=up, down=down)
    graph.add_node(repo_id, role=ROLE_AUDITED, depth=0, license=_license_of(report), declared=_declared(report),
                   classification=report["classification"], gated=evidence.gated, downloads=evidence.downloads,
                   missing=False)
    if up:
        _add_ancestors(graph, hub, evidence, lineage, cache, up_depth)
    if down:
        binding = [t.license for t in _binding_terms(evidence, lineage)]
        _add_descendants(graph, hub, repo_id, binding, down_depth, limit)
    return graph


def _license_of(report: dict[str, Any]) -> str | None:
    lic = report["license"]
    declared = lic["declared"]
    return lic["identified"] or (declared if isinstance(declared, str) else None)


def _declared(report: dict[str, Any]) -> str | None:
    declared = report["license"]["declared"]
    return ", ".join(declared) if isinstance(declared, list) else declared


def _binding_terms(evidence: RepoEvidence, lineage: Lineage) -> tuple[BindingTerms, ...]:
    from auditor.licenses.identify import resolve_license

    return resolve_license(evidence).with_inherited(list(lineage.inherited), []).terms


# -- up -----------------------------------------------------------------------------------------------------------------
def _add_ancestors(graph: nx.DiGraph, hub: Hub, evidence: RepoEvidence, lineage: Lineage,
                   cache: AncestorCache, max_depth: int) -> None:
    found_in = {a.id: a.found_in for a in lineage.ancestors}
    for a in lineage.ancestors:
        entry = cache.entry(hub, a.id)
        ev = entry.evidence
        graph.add_node(a.id, role=ROLE_ANCESTOR, depth=a.depth, license=a.license, declared=a.declared,
                       classification=None, gated=ev.gated if ev else None, downloads=ev.downloads if ev else None,
                       missing=ev is None)
    for base, derivative, relation in lineage.edges:
        if base not in graph or derivative not in graph:
            continue
        graph.add_edge(base, derivative, relation=relation, found_in=found_in.get(base, FOUND_IN_CARD),
                       conflict=_edge_conflict(hub, cache, evidence, base, derivative))
    for a in lineage.ancestors:
        if not graph.nodes[a.id]["missing"]:
            graph.nodes[a.id]["classification"] = _ancestor_classification(hub, cache, a.id, max_depth - a.depth)


def _own_licenses(hub: Hub, cache: AncestorCache, evidence: RepoEvidence, repo_id: str) -> list[LicenseInfo]:
    from auditor.licenses.identify import resolve_license

    if repo_id == evidence.repo_id:
        resolution = resolve_license(evidence)
    else:
        resolution = cache.entry(hub, repo_id).resolution
    return list(dict.fromkeys(t.license for t in own_terms(resolution))) if resolution else []


def _edge_conflict(hub: Hub, cache: AncestorCache, evidence: RepoEvidence, base: str, derivative: str) -> bool:
    return license_conflict(_own_licenses(hub, cache, evidence, derivative),
                            _own_licenses(hub, cache, evidence, base)) is not None


def _ancestor_classification(hub: Hub, cache: AncestorCache, repo_id: str, max_depth: int) -> str | None:
    """The pipeline's classification of an ancestor (`assess`, as `audit` runs it), on its light read and its own
    lineage, walked through the cache up to where the audited model's walk stopped (no further reads)."""
    from auditor.audit import assess

    def compute() -> str | None:
        entry = cache.entry(hub, repo_id)
        if entry.evidence is None:
            return None
        return assess(entry.evidence, trace_ancestors(hub, entry.evidence, max_depth, cache)).classification

    return cache.memo(("classification", getattr(hub, "source", "hub"), repo_id, str(max_depth)), compute)  # type: ignore[no-any-return]


# -- down ---------------------------------------------------------------------------------------------------------------
def _child_license(child: ChildModel) -> tuple[str | None, LicenseInfo | None]:
    if not child.license:
        return None, None
    kb = load_knowledge()
    info = kb.by_hub_id(child.license) or kb.by_spdx(child.license)
    return (info.spdx if info else child.license), info


def terms_classification(licenses: list[LicenseInfo]) -> str | None:
    """`restricted` when any of these terms fails an OSD criterion; None when the terms alone cannot tell."""
    restrictive = restrictive_fact_kinds()
    if any(fact.kind in restrictive for lic in with_policies(licenses) for fact in lic.facts):
        return "restricted"
    return None


def _add_descendants(graph: nx.DiGraph, hub: Hub, root: str, binding: list[LicenseInfo], depth: int,
                     limit: int) -> None:
    queue: deque[tuple[str, int, list[LicenseInfo]]] = deque([(root, 0, binding)])
    while queue:
        node, level, terms = queue.popleft()
        if level >= depth or graph.nodes[node].get("children_count") == 0:
            continue  # the Hub counts no children: no request
        children = hub.children(node, limit=limit)
        graph.nodes[node]["relation_counts"] = dict(Counter(c.relation for c in children).most_common())
        graph.nodes[node]["truncated"] = len(children) >= limit
        parent_own = [lic for lic in [_node_license_info(graph, node)] if lic]
        for child in children:
            spdx, info = _child_license(child)
            child_terms = list(dict.fromkeys([*terms, *([info] if info else [])]))
            if child.id not in graph:
                graph.add_node(child.id, role=ROLE_DESCENDANT, depth=level + 1, license=spdx, declared=child.license,
                               classification=terms_classification(child_terms), gated=child.gated,
                               downloads=child.downloads, missing=False, children_count=child.children_count)
                queue.append((child.id, level + 1, child_terms))
            conflict = bool(info and parent_own and license_conflict([info], parent_own) is not None)
            graph.add_edge(node, child.id, relation=child.relation, found_in="hub-tags", conflict=conflict)


def _node_license_info(graph: nx.DiGraph, node: str) -> LicenseInfo | None:
    kb = load_knowledge()
    value = graph.nodes[node].get("license")
    declared = graph.nodes[node].get("declared")
    for candidate in (value, declared):
        if isinstance(candidate, str):
            info = kb.by_spdx(candidate) or kb.by_hub_id(candidate)
            if info:
                return info
    return None


# -- serialisation ------------------------------------------------------------------------------------------------------
def node_link(graph: nx.DiGraph) -> dict[str, Any]:
    """networkx node-link data with the edge list under `links`, the key the report contract names.

    Load it back with `networkx.node_link_graph(data, edges="links")` (networkx 3.6 defaults to "edges")."""
    return {
        "directed": True,
        "multigraph": False,
        "graph": dict(graph.graph),
        "nodes": [{"id": node, **attrs} for node, attrs in graph.nodes(data=True)],
        "links": [{"source": base, "target": derivative, **attrs} for base, derivative, attrs in graph.edges(data=True)],
    }
