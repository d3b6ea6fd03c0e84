"""The derivation graph: building it up and down, node-link JSON, the renderers, `audit tree`, request counts."""

from __future__ import annotations

import io
import json

import networkx as nx
import pytest
from rich.console import Console

from auditor.audit import audit
from auditor.cli import main
from auditor.graph import build_tree, node_link
from auditor.hub.live import LiveHub
from auditor.hub.snapshot import SnapshotHub
from auditor.lineage import AncestorCache
from auditor.render.tree import render_dot, render_mermaid, render_text
from tests import hubdata_lineage as fx

LLAMA2 = "LicenseRef-scancode-llama-2-license-2023"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """The real command line, in process (a subprocess per case would cost seconds of imports)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def text_of(data: dict) -> str:
    buffer = io.StringIO()
    render_text(data, Console(file=buffer, width=200, no_color=True, highlight=False))
    return buffer.getvalue()


def test_down_tree_of_a_base_lists_children_with_relations_and_counts():
    graph = build_tree(LiveHub(), fx.LLAMA2_BASE, up=False, down=True)
    relations = {child: graph.edges[fx.LLAMA2_BASE, child]["relation"] for child in graph.successors(fx.LLAMA2_BASE)}
    assert relations == {fx.MIT_FINETUNE: "finetune", fx.GGUF_KEEPS_LICENSE: "quantized",
                         fx.GPTQ_RELICENSED: "quantized", fx.DECLARED_LORA: "adapter", fx.MERGE: "merge"}
    assert graph.nodes[fx.LLAMA2_BASE]["relation_counts"] == {"quantized": 2, "finetune": 1, "adapter": 1, "merge": 1}
    assert graph.nodes[fx.LLAMA2_BASE]["truncated"] is False
    # Every derivative inherits Llama 2's terms, whatever it declares.
    assert {graph.nodes[c]["classification"] for c in relations} == {"restricted"}
    assert graph.nodes[fx.MIT_FINETUNE]["license"] == "MIT"
    assert graph.nodes[fx.GGUF_KEEPS_LICENSE]["license"] == LLAMA2
    # The MIT relabelling is drawn as a conflicting edge; keeping llama2 is not.
    assert graph.edges[fx.LLAMA2_BASE, fx.MIT_FINETUNE]["conflict"] is True
    assert graph.edges[fx.LLAMA2_BASE, fx.GGUF_KEEPS_LICENSE]["conflict"] is False
    # The adapter that names its base only in adapter_config.json has no base_model tag: the Hub cannot list it.
    assert fx.APACHE_ADAPTER not in graph


def test_down_depth_two_follows_only_children_that_have_children(hub_log):
    graph = build_tree(LiveHub(), fx.LLAMA2_BASE, up=False, down=True, depth=2)
    assert graph.edges[fx.MIT_FINETUNE, fx.MIT_FINETUNE_GGUF]["relation"] == "quantized"
    assert graph.nodes[fx.MIT_FINETUNE_GGUF]["depth"] == 2
    listings = [r for r in hub_log if r["path"] == "/api/models"]
    # The base, then only the one child the Hub counts children for; the other four cost nothing.
    assert len(listings) == 2
    # One tree walk: the base's model info, README and LICENSE.txt, and the two listings.
    assert len(hub_log) == 5, [r["path"] for r in hub_log]


def test_limit_truncates_a_popular_base_and_says_so():
    graph = build_tree(LiveHub(), fx.LLAMA2_BASE, up=False, down=True, limit=2)
    assert len(list(graph.successors(fx.LLAMA2_BASE))) == 2
    assert graph.nodes[fx.LLAMA2_BASE]["truncated"] is True
    assert "limit reached" in text_of(node_link(graph))


def test_children_are_paged(fake_hub, hub_log):
    fake_hub.page_size = 2
    try:
        children = LiveHub().children(fx.LLAMA2_BASE)
    finally:
        fake_hub.page_size = 1000
    assert len(children) == 5
    assert len([r for r in hub_log if r["path"] == "/api/models"]) == 3  # 2 + 2 + 1, following Link headers
    assert {c.relation for c in children} == {"finetune", "quantized", "adapter", "merge"}
    assert next(c for c in children if c.id == fx.MIT_FINETUNE).children_count == 1


def test_children_filtered_by_relation():
    children = LiveHub().children(fx.LLAMA2_BASE, relation="quantized")
    assert {c.id for c in children} == {fx.GGUF_KEEPS_LICENSE, fx.GPTQ_RELICENSED}


def test_up_tree_has_edges_from_base_to_derivative_and_ancestor_classifications():
    graph = build_tree(LiveHub(), fx.MIT_FINETUNE_GGUF, up=True, down=False)
    assert list(nx.topological_sort(graph)) == [fx.LLAMA2_BASE, fx.MIT_FINETUNE, fx.MIT_FINETUNE_GGUF]
    assert graph.edges[fx.LLAMA2_BASE, fx.MIT_FINETUNE] == {"relation": "finetune", "found_in": "card",
                                                           "conflict": True}
    assert graph.edges[fx.MIT_FINETUNE, fx.MIT_FINETUNE_GGUF]["relation"] == "quantized"
    nodes = graph.nodes
    assert nodes[fx.LLAMA2_BASE]["classification"] == "restricted"
    assert nodes[fx.MIT_FINETUNE]["classification"] == "restricted"  # judged with its own ancestor's terms
    assert nodes[fx.MIT_FINETUNE_GGUF]["role"] == "audited" and nodes[fx.MIT_FINETUNE_GGUF]["classification"] == \
        "restricted"
    assert graph.graph["effective_license"] == f"{LLAMA2} AND MIT"
    assert any(f["kind"] == "license-conflict" for f in graph.graph["findings"])


def test_open_ancestor_is_not_called_restricted():
    graph = build_tree(LiveHub(), fx.PROSE_FINETUNE, up=True, down=False)
    assert graph.nodes[fx.APACHE_BASE]["classification"] == "open-weights"
    assert graph.edges[fx.APACHE_BASE, fx.PROSE_FINETUNE]["found_in"] == "card-prose"


def test_node_link_json_round_trips_through_networkx():
    graph = build_tree(LiveHub(), fx.MERGE, up=True, down=True)
    data = json.loads(json.dumps(node_link(graph)))
    assert "links" in data and "edges" not in data
    assert {"id", "license", "classification", "gated", "downloads"} <= set(data["nodes"][0])
    back = nx.node_link_graph(data, edges="links")
    assert isinstance(back, nx.DiGraph) and back.is_directed()
    assert set(back.edges) == set(graph.edges) == {(fx.LLAMA2_BASE, fx.MERGE), (fx.APACHE_BASE, fx.MERGE)}
    assert back.edges[fx.APACHE_BASE, fx.MERGE]["relation"] == "merge"
    assert back.nodes[fx.MERGE]["license"] == LLAMA2
    assert back.graph["root"] == fx.MERGE


def test_cycle_renders_once_without_looping():
    graph = build_tree(LiveHub(), fx.CYCLE_A, up=True, down=True)
    assert set(graph.edges) == {(fx.CYCLE_B, fx.CYCLE_A), (fx.CYCLE_A, fx.CYCLE_B)}
    text = text_of(node_link(graph))
    tree, findings = text.split("warning: cycle", 1)
    assert tree.count(fx.CYCLE_B) == 2  # once as a base, once as a derivative marked as the loop
    assert f"finetune: {fx.CYCLE_B}  ↺ also an ancestor (cycle)" in tree
    assert "the chain loops" in findings


def test_ancestors_are_shared_between_tree_walks(hub_log):
    cache = AncestorCache()
    hub = LiveHub()
    build_tree(hub, fx.MIT_FINETUNE, up=True, down=False, cache=cache)
    build_tree(hub, fx.GPTQ_RELICENSED, up=True, down=False, cache=cache)
    assert sum(1 for r in hub_log if r["path"] == f"/api/models/{fx.LLAMA2_BASE}") == 1


def test_mermaid_and_dot_draw_every_edge_with_its_relation():
    data = node_link(build_tree(LiveHub(), fx.LLAMA2_BASE, up=False, down=True))
    mermaid = render_mermaid(data)
    assert mermaid.startswith("flowchart TD\n")
    assert mermaid.count("-->|") + mermaid.count("-.->|") == len(data["links"]) == 5
    assert "-.->|finetune · license conflict|" in mermaid
    assert '"' not in mermaid.replace('["', "").replace('"]', "").replace('(["', "").replace('"])', "")
    dot = render_dot(data)
    assert dot.startswith("digraph lineage {") and dot.rstrip().endswith("}")
    assert f'"{fx.LLAMA2_BASE}" -> "{fx.GGUF_KEEPS_LICENSE}" [label="quantized"];' in dot


def test_dot_and_mermaid_escape_hostile_labels():
    data = {"graph": {"root": "a/b"}, "links": [{"source": "a/b", "target": "c/d", "relation": 'x"y'}],
            "nodes": [{"id": "a/b", "license": 'evil" ] ; rankdir=LR', "classification": None},
                      {"id": "c/d", "license": "<script>", "classification": None}]}
    dot = render_dot(data)
    assert 'evil\\" ] ; rankdir=LR' in dot and 'label="x\\"y"' in dot
    mermaid = render_mermaid(data)
    assert "<script>" not in mermaid and "evil#quot;" in mermaid


def test_mermaid_node_labels_break_the_line_between_id_and_facts():
    data = {"graph": {"root": "a/b"}, "links": [],
            "nodes": [{"id": "a/b", "license": "MIT", "classification": "open-weights"}]}
    mermaid = render_mermaid(data)
    assert '"a/b<br/>MIT' in mermaid  # a real line break, not the escaped text "<br/>" shown in the chart
    assert "#lt;br/#gt;" not in mermaid


# -- the command ----------------------------------------------------------------------------------------------------------
def test_a_wrong_case_id_is_drawn_under_the_models_own_spelling():
    hub = SnapshotHub()  # the bundled snapshot answers any case, as the Hub does
    held = next(i for i in hub.all_ids() if i.lower() != i)
    graph = build_tree(hub, held.lower(), down=False)
    assert graph.graph["root"] == held and held in graph.nodes and held.lower() not in graph.nodes


def test_cli_tree_down_text_lists_children_with_relations(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = run_cli(capsys, "tree", fx.LLAMA2_BASE, "--down")
    assert code == 0, err
    assert "derivatives ↓ (5 listed: 2 quantized, 1 finetune, 1 merge, 1 adapter)" in out
    for line in (f"finetune: {fx.MIT_FINETUNE}", f"quantized: {fx.GGUF_KEEPS_LICENSE}", f"adapter: {fx.DECLARED_LORA}",
                 f"merge: {fx.MERGE}"):
        assert line in out
    assert "bases ↑" not in out


def test_cli_tree_json_is_node_link_data(capsys):
    code, out, err = run_cli(capsys, "tree", fx.MIT_FINETUNE, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    back = nx.node_link_graph(data, edges="links")
    assert (fx.LLAMA2_BASE, fx.MIT_FINETUNE) in back.edges and (fx.MIT_FINETUNE, fx.MIT_FINETUNE_GGUF) in back.edges
    link = next(x for x in data["links"] if x["target"] == fx.MIT_FINETUNE)
    assert (link["source"], link["relation"]) == (fx.LLAMA2_BASE, "finetune")
    node = next(n for n in data["nodes"] if n["id"] == fx.MIT_FINETUNE)
    assert (node["license"], node["classification"]) == ("MIT", "restricted")


@pytest.mark.parametrize("fmt, start", [("mermaid", "flowchart TD"), ("dot", "digraph lineage {")])
def test_cli_tree_docs_formats(capsys, fmt, start):
    code, out, err = run_cli(capsys, "tree", fx.CYCLE_A, "--up", "--format", fmt)
    assert code == 0, err
    assert out.startswith(start)


def test_cli_tree_up_depth_limit_is_reported(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = run_cli(capsys, "tree", fx.chain_id(10), "--up", "--depth", "3")
    assert code == 0, err
    tree = out.split("warning:")[0]
    assert fx.chain_id(7) in tree and fx.chain_id(6) not in tree
    assert "depth-limit" in out


@pytest.mark.parametrize("args, code", [
    (("tree", "bad//id"), 2),
    (("tree", "lineage/does-not-exist"), 3),
    (("tree", fx.LLAMA2_BASE, "--depth", "-1"), 2),
    (("tree", fx.LLAMA2_BASE, "--limit", "0"), 2),
])
def test_cli_tree_errors_are_one_sentence(capsys, args, code):
    got, out, err = run_cli(capsys, *args)
    assert got == code, (out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_tree_classifies_an_ancestor_as_audit_does_when_its_own_base_is_missing(hub_log):
    # ORPHAN names a base that does not exist, so inherited terms are unknown: `audit` says so, and the tree,
    # which judges the ancestor through the same pipeline (`assess`), must not call it open.
    alone = audit(fx.ORPHAN, hub=LiveHub())["classification"]
    hub_log.clear()
    graph = build_tree(LiveHub(), fx.ORPHAN_CHILD, up=True, down=False)
    # Judging the ancestor on its own lineage walks the shared cache: no repo is read twice.
    infos = [r["path"] for r in hub_log if r["path"].startswith("/api/models/")]
    assert len(infos) == len(set(infos)) == 3, infos
    assert alone == "unknown"
    assert graph.nodes[fx.ORPHAN]["classification"] == alone
    assert graph.nodes[fx.ORPHAN_CHILD]["classification"] == audit(fx.ORPHAN_CHILD, hub=LiveHub())["classification"]
