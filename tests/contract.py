"""A checker for the report contract (schema auditor.report/1), shared by the tests."""

from __future__ import annotations

import re

CONTRACT_IDS = [
    "source", "free-redistribution", "derived-works", "integrity", "persons-groups", "fields-of-endeavor",
    "license-distribution", "not-product-specific", "no-restriction-other-software", "technology-neutral",
    "data-transparency",
]
STATUSES = {"pass", "partial", "fail", "unknown"}
CLASSIFICATIONS = {"open-source", "open-weights", "restricted", "closed", "unknown"}
EVIDENCE_KINDS = {"license-clause", "card-field", "file", "hub-field", "lineage"}
LICENSE_SOURCES = {"card", "license-file", "gate-text", "inherited", "none"}
RELATIONS = {"finetune", "adapter", "quantized", "merge", "unknown"}
SEVERITIES = {"info", "warning", "critical"}


def assert_contract(report: dict) -> None:
    assert report["schema"] == "auditor.report/1"
    assert set(report["tool"]) >= {"name", "version"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report["audited_at"])
    assert isinstance(report["criteria_version"], str) and report["criteria_version"]
    assert report["source"] in {"hub", "snapshot"}
    model = report["model"]
    # A snapshot model whose full commit no page showed has no revision: never a stand-in.
    if not (model["revision"] is None and report["source"] == "snapshot"):
        assert re.fullmatch(r"[0-9a-f]{40}", model["revision"]), model["revision"]
    assert model["gated"] in (False, "auto", "manual")
    assert model["url"] == f"https://huggingface.co/{model['id']}"
    lic = report["license"]
    assert set(lic) >= {"declared", "identified", "name", "osi_approved", "source"}
    assert lic["osi_approved"] in (True, False, None)
    assert lic["source"] in LICENSE_SOURCES
    assert [c["id"] for c in report["criteria"]] == CONTRACT_IDS
    for c in report["criteria"]:
        assert c["status"] in STATUSES
        assert isinstance(c["summary"], str) and c["summary"]
        for e in c["evidence"]:
            assert e["kind"] in EVIDENCE_KINDS, e
            assert isinstance(e["detail"], str) and isinstance(e["location"], str)
    assert report["classification"] in CLASSIFICATIONS
    lineage = report["lineage"]
    for a in lineage["ancestors"]:
        assert a["relation"] in RELATIONS and isinstance(a["depth"], int) and a["depth"] >= 1
        assert "license" in a and "id" in a
    assert "effective_license" in lineage
    for f in lineage["findings"]:
        assert f["severity"] in SEVERITIES and f["kind"] and f["detail"]
    weights = report["weights"]
    assert isinstance(weights["formats"], list)
    assert weights["parameters"] is None or isinstance(weights["parameters"], int)
    for f in weights["files"]:
        assert set(f) >= {"path", "format", "size"}
    for f in weights["findings"]:
        assert f["severity"] in SEVERITIES and set(f) >= {"kind", "file", "detail"}
