"""Lineage: bases from card / adapter config / prose, the memoised walk, inheritance and findings along the chain."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from auditor.audit import audit
from auditor.errors import HubUnreachable
from auditor.evidence import READ_OK, RepoEvidence, RepoFile, TextFile
from auditor.hub.live import LiveHub
from auditor.hub.snapshot import SnapshotHub
from auditor.licenses.knowledge import load_knowledge
from auditor.lineage import AncestorCache, license_conflict, trace_ancestors
from tests import hubdata_lineage as fx
from tests.contract import assert_contract

LLAMA2 = "LicenseRef-scancode-llama-2-license-2023"


def ev(card: dict | None = None, files: tuple[str, ...] = (), texts: dict[str, str] | None = None,
       repo_id: str = "acme/model") -> RepoEvidence:
    return RepoEvidence(repo_id=repo_id, revision="0" * 40, source="hub", fetched_at="2024-01-01T00:00:00Z",
                        card_data=card or {}, files=tuple(RepoFile(p) for p in files),
                        texts=tuple(TextFile(p, READ_OK, c) for p, c in (texts or {}).items()))


def kinds(report_or_lineage) -> list[str]:
    findings = report_or_lineage["lineage"]["findings"] if isinstance(report_or_lineage, dict) \
        else [f.__dict__ for f in report_or_lineage.findings]
    return [f["kind"] for f in findings]


def finding(report: dict, kind: str) -> dict:
    found = [f for f in report["lineage"]["findings"] if f["kind"] == kind]
    assert found, (kind, report["lineage"]["findings"])
    return found[0]


def statuses(report: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["criteria"]}


def model_info_requests(log: list[dict], repo_id: str) -> int:
    return sum(1 for r in log if r["path"] == f"/api/models/{repo_id}")


# -- license comparisons ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("derivative", "ancestor", "severity"), [
    (["mit"], ["llama-2"], "critical"),
    (["apache-2.0"], ["gemma-tou-2025-03-24"], "critical"),
    (["apache-2.0"], ["cc-by-nc-4.0"], "critical"),
    (["mit"], ["bigscience-openrail-m"], "critical"),
    (["llama-2"], ["llama-2"], None),
    (["llama-3.1"], ["llama-2"], None),  # same family: the derivative keeps Meta's terms
    (["openrail"], ["bigscience-openrail-m"], None),  # RAIL stays RAIL
    (["mit"], ["apache-2.0"], None),
    ([], ["llama-2"], None),  # nothing declared: the ancestor's terms simply apply
    (["mit"], ["cc-by-sa-4.0"], "warning"),  # copyleft dropped
    (["cc-by-nc-4.0"], ["llama-2"], "warning"),  # restrictive, but not Llama's restrictions
])
def test_license_conflict_when_a_derivative_claims_more_than_its_base(derivative, ancestor, severity):
    kb = load_knowledge()
    conflict = license_conflict([kb.by_key(k) for k in derivative], [kb.by_key(k) for k in ancestor])
    assert (conflict.severity if conflict else None) == severity
    if conflict:
        assert conflict.clause.startswith(kb.by_key(ancestor[0]).name)


# -- the fixture families through the real pipeline ------------------------------------------------------------------
def test_mit_finetune_of_llama2_is_restricted_with_lineage_evidence_and_a_conflict():
    report = audit(fx.MIT_FINETUNE, hub=LiveHub())
    assert_contract(report)
    assert report["classification"] == "restricted"
    for criterion in ("persons-groups", "fields-of-endeavor"):
        verdict = next(c for c in report["criteria"] if c["id"] == criterion)
        assert verdict["status"] == "fail"
        assert verdict["evidence"][0]["kind"] == "lineage", verdict
        assert fx.LLAMA2_BASE in verdict["evidence"][0]["detail"]
    ancestors = report["lineage"]["ancestors"]
    assert [(a["id"], a["relation"], a["depth"], a["license"]) for a in ancestors] == [
        (fx.LLAMA2_BASE, "finetune", 1, LLAMA2)]
    assert report["lineage"]["effective_license"] == f"{LLAMA2} AND MIT"  # most restrictive first
    conflict = finding(report, "license-conflict")
    assert conflict["severity"] == "critical" and conflict["ancestor"] == fx.LLAMA2_BASE
    assert conflict["clause"].startswith("Llama 2 Community License Agreement §")
    assert "MIT" in conflict["detail"] and conflict["location"]


def test_quantisation_keeping_llama2_has_no_conflict():
    report = audit(fx.GGUF_KEEPS_LICENSE, hub=LiveHub())
    assert report["lineage"]["ancestors"][0]["relation"] == "quantized"
    assert not {"license-conflict", "relicensed-quantization"} & set(kinds(report))
    assert report["lineage"]["effective_license"] == LLAMA2
    assert report["classification"] == "restricted"


def test_gptq_quantisation_relabelled_mit_is_a_relicensed_quantisation():
    report = audit(fx.GPTQ_RELICENSED, hub=LiveHub())
    assert report["lineage"]["ancestors"][0]["relation"] == "quantized"  # from config.json quantization_config
    relicensed = finding(report, "relicensed-quantization")
    assert relicensed["ancestor"] == fx.LLAMA2_BASE and "MIT" in relicensed["detail"]
    assert finding(report, "license-conflict")["severity"] == "critical"


def test_apache_adapter_with_base_only_in_adapter_config(hub_log):
    report = audit(fx.APACHE_ADAPTER, hub=LiveHub())
    ancestor = report["lineage"]["ancestors"][0]
    assert (ancestor["id"], ancestor["relation"], ancestor["found_in"]) == (fx.LLAMA2_BASE, "adapter",
                                                                              "adapter-config")
    undeclared = finding(report, "undeclared-base")
    assert undeclared["severity"] == "warning" and undeclared["location"].startswith("adapter_config.json")
    assert finding(report, "license-conflict")["severity"] == "critical"
    assert report["classification"] == "restricted"
    assert any(r["path"].endswith("/adapter_config.json") for r in hub_log)


def test_card_naming_its_base_only_in_prose():
    report = audit(fx.PROSE_FINETUNE, hub=LiveHub())
    ancestor = report["lineage"]["ancestors"][0]
    assert (ancestor["id"], ancestor["relation"], ancestor["found_in"]) == (fx.APACHE_BASE, "finetune", "card-prose")
    undeclared = finding(report, "undeclared-base")
    assert undeclared["location"].startswith("README.md#L")
    assert "license-conflict" not in kinds(report)


def test_merge_of_two_bases_inherits_both():
    report = audit(fx.MERGE, hub=LiveHub())
    ancestors = {a["id"]: a for a in report["lineage"]["ancestors"]}
    assert set(ancestors) == {fx.LLAMA2_BASE, fx.APACHE_BASE}
    assert {a["relation"] for a in ancestors.values()} == {"merge"} and {a["depth"] for a in ancestors.values()} == {1}
    assert report["lineage"]["effective_license"] == f"{LLAMA2} AND Apache-2.0"
    assert "license-conflict" not in kinds(report)


def test_two_repo_cycle_ends_the_walk_with_a_finding():
    report = audit(fx.CYCLE_A, hub=LiveHub())
    assert [a["id"] for a in report["lineage"]["ancestors"]] == [fx.CYCLE_B]
    cycle = finding(report, "cycle")
    assert cycle["ancestor"] == fx.CYCLE_A
    assert kinds(report).count("cycle") == 1


@pytest.mark.parametrize("child, parent", [(fx.ORPHAN, fx.DELETED_PARENT), (fx.PRIVATE_CHILD, fx.PRIVATE_PARENT)])
def test_missing_or_private_parent_is_a_missing_base(child, parent):
    report = audit(child, hub=LiveHub())
    assert_contract(report)
    assert report["lineage"]["ancestors"] == [{"id": parent, "relation": "finetune", "depth": 1, "license": None,
                                               "declared": None, "named_by": child, "found_in": "card"}]
    missing = finding(report, "missing-base")
    assert missing["severity"] == "warning" and missing["ancestor"] == parent


def test_forty_deep_chain_stops_at_depth_32_with_one_model_info_per_ancestor(hub_log):
    focal = fx.chain_id(fx.CHAIN_LENGTH - 1)
    report = audit(focal, hub=LiveHub())
    ancestors = report["lineage"]["ancestors"]
    assert len(ancestors) == 32 and ancestors[-1] == {**ancestors[-1], "id": fx.chain_id(39 - 32), "depth": 32}
    limit = finding(report, "depth-limit")
    assert limit["ancestor"] == fx.chain_id(39 - 33) and "32" in limit["detail"]
    # Each ancestor costs exactly one request: its model info (the card names a license and a base).
    ancestor_requests = [r for r in hub_log if r["path"] != f"/api/models/{focal}" and f"/{focal}/" not in r["path"]]
    assert len(ancestor_requests) == 32
    assert all(r["path"].startswith("/api/models/lineage/chain-") for r in ancestor_requests)


def test_max_depth_is_configurable():
    lineage = trace_ancestors(LiveHub(), LiveHub().repo(fx.chain_id(5)), max_depth=2)
    assert [a.id for a in lineage.ancestors] == [fx.chain_id(4), fx.chain_id(3)]
    assert [f.kind for f in lineage.findings] == ["depth-limit"]


def test_ancestor_card_naming_no_license_has_its_license_file_read(hub_log):
    report = audit(fx.OTHER_LICENSE_CHILD, hub=LiveHub())
    assert report["lineage"]["ancestors"][0]["license"] == LLAMA2  # identified from the base's LICENSE text
    assert finding(report, "license-conflict")["severity"] == "critical"
    base_reads = [r["path"] for r in hub_log if fx.OTHER_LICENSE_BASE in r["path"]]
    assert sorted(p.rsplit("/", 1)[-1] for p in base_reads) == ["LICENSE", "other-license-base"]


# -- obligations along the chain ----------------------------------------------------------------------------------------
def test_llama31_derivative_must_start_with_llama_and_say_built_with_llama():
    report = audit(fx.LLAMA31_BAD_NAME, hub=LiveHub())
    naming = finding(report, "derivative-naming")
    assert naming["ancestor"] == fx.LLAMA31_BASE and naming["clause"].endswith("§1.b.i")
    assert "my-chat-model" in naming["detail"]
    notice = finding(report, "attribution-notice")
    assert notice["severity"] == "warning" and "Built with Llama" in notice["detail"]
    assert "license-conflict" not in kinds(report)


def test_llama31_derivative_meeting_both_obligations_has_neither_finding():
    report = audit(fx.LLAMA31_GOOD, hub=LiveHub())
    assert not {"derivative-naming", "attribution-notice"} & set(kinds(report))


def test_rail_restrictions_must_be_passed_on():
    relabelled = audit(fx.RAIL_MIT_CHILD, hub=LiveHub())
    passthrough = finding(relabelled, "pass-through-restrictions")
    assert passthrough["ancestor"] == fx.RAIL_BASE and passthrough["clause"].startswith("BigScience OpenRAIL-M §4")
    assert finding(relabelled, "license-conflict")["severity"] == "critical"
    kept = audit(fx.RAIL_RAIL_CHILD, hub=LiveHub())
    assert not {"pass-through-restrictions", "license-conflict"} & set(kinds(kept))


@pytest.mark.parametrize("child, base, also", [
    (fx.NC_APACHE_CHILD, fx.NC_BASE, set()),
    (fx.GEMMA_APACHE_CHILD, fx.GEMMA_BASE, {"pass-through-restrictions"}),
])
def test_apache_over_non_commercial_or_gemma_base_is_a_critical_conflict(child, base, also):
    report = audit(child, hub=LiveHub())
    conflict = finding(report, "license-conflict")
    assert (conflict["severity"], conflict["ancestor"]) == ("critical", base)
    assert also <= set(kinds(report))
    assert report["classification"] == "restricted"


# -- shared work --------------------------------------------------------------------------------------------------------
def test_ancestors_are_read_once_across_audits_sharing_a_cache(hub_log):
    cache = AncestorCache()
    hub = LiveHub()
    first = audit(fx.MIT_FINETUNE, hub=hub, cache=cache)
    second = audit(fx.GGUF_KEEPS_LICENSE, hub=hub, cache=cache)
    assert first["lineage"]["ancestors"][0]["id"] == second["lineage"]["ancestors"][0]["id"] == fx.LLAMA2_BASE
    assert model_info_requests(hub_log, fx.LLAMA2_BASE) == 1
    assert cache.fetches == 1
    # The light read: model info only, no README or license text of the ancestor.
    assert not [r for r in hub_log if r["path"].startswith(f"/{fx.LLAMA2_BASE}/")]


def test_concurrent_audits_fetch_a_shared_base_once(hub_log, fake_hub):
    cache = AncestorCache()
    hub = LiveHub()
    fake_hub.latency_s = 0.05  # widen the window in which two threads could both miss the cache
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            reports = list(pool.map(lambda rid: audit(rid, hub=hub, cache=cache), fx.LLAMA2_FAMILY))
    finally:
        fake_hub.latency_s = 0.0
    assert all(fx.LLAMA2_BASE in [a["id"] for a in r["lineage"]["ancestors"]] for r in reports)
    assert model_info_requests(hub_log, fx.LLAMA2_BASE) == 1
    assert model_info_requests(hub_log, fx.APACHE_BASE) == 1


def test_cache_lock_is_per_repo(monkeypatch):
    """A slow read of one base does not hold up the read of another."""
    cache = AncestorCache()
    started, release = threading.Event(), threading.Event()

    class SlowHub:
        source = "hub"

        def repo(self, repo_id: str, revision: str | None = None, *, texts: bool = True) -> RepoEvidence:
            if repo_id == "acme/slow":
                started.set()
                assert release.wait(5)
            return ev({"license": "mit"}, repo_id=repo_id)

    hub = SlowHub()
    slow = threading.Thread(target=cache.entry, args=(hub, "acme/slow"))
    slow.start()
    assert started.wait(5)
    assert cache.entry(hub, "acme/fast").evidence is not None  # would deadlock with one global lock
    release.set()
    slow.join(5)
    assert cache.fetches == 2


def test_unreachable_ancestor_fails_the_audit_and_is_not_cached(fake_hub):
    cache = AncestorCache()
    fake_hub.inject_failure(f"/api/models/{fx.LLAMA2_BASE}", 503, count=20)
    try:
        with pytest.raises(HubUnreachable):
            audit(fx.MIT_FINETUNE, hub=LiveHub(), cache=cache)
    finally:
        fake_hub.failures.clear()
    report = audit(fx.MIT_FINETUNE, hub=LiveHub(), cache=cache)  # the Hub is back: read again, not a stale error
    assert report["lineage"]["ancestors"][0]["license"] == LLAMA2


def test_snapshot_without_the_ancestor_reports_a_missing_base(tmp_path):
    evidence = LiveHub().repo(fx.MIT_FINETUNE)
    target = tmp_path / f"{fx.MIT_FINETUNE}.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(evidence.to_dict()))
    snapshot = SnapshotHub(tmp_path)
    lineage = trace_ancestors(snapshot, snapshot.repo(fx.MIT_FINETUNE))
    assert [f.kind for f in lineage.findings if f.kind == "missing-base"] == ["missing-base"]
    assert "snapshot" in lineage.findings[0].detail


def test_inherited_terms_name_the_ancestor_they_come_from():
    hub = LiveHub()
    lineage = trace_ancestors(hub, hub.repo(fx.MIT_FINETUNE_GGUF))
    assert [(a.id, a.depth) for a in lineage.ancestors] == [(fx.MIT_FINETUNE, 1), (fx.LLAMA2_BASE, 2)]
    assert {t.via for t in lineage.inherited if t.license.key == "llama-2"} == {fx.LLAMA2_BASE}
    assert all(t.source == "inherited" for t in lineage.inherited)
    assert (fx.LLAMA2_BASE, fx.MIT_FINETUNE, "finetune") in lineage.edges


def test_self_reference_is_a_cycle():
    evidence = replace(ev({"license": "mit", "base_model": "acme/model"}), repo_id="acme/model")
    lineage = trace_ancestors(LiveHub(), evidence)
    assert [f.kind for f in lineage.findings] == ["cycle"] and lineage.ancestors == ()
