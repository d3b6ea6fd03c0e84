"""CycloneDX 1.6 ML-BOM: valid against the official schema, declared vs concluded licenses, lineage, verdicts."""

from __future__ import annotations

import json
import re

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from auditor.export.cyclonedx import bom, render
from tests.export_reports import FINETUNE, FIXTURES, LLAMA, MINILM, TINY, check_golden, normalised_report, report_for, slug

VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)


def _component(report: dict) -> dict:
    return bom(report)["metadata"]["component"]


def _props(component: dict) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component["properties"]}


def _all_bom_refs(value: object) -> list[str]:
    refs: list[str] = []
    if isinstance(value, dict):
        if "bom-ref" in value:
            refs.append(value["bom-ref"])
        for v in value.values():
            refs += _all_bom_refs(v)
    elif isinstance(value, list):
        for v in value:
            refs += _all_bom_refs(v)
    return refs


@pytest.mark.parametrize("repo_id", FIXTURES)
def test_fixture_boms_validate_against_the_official_1_6_schema(repo_id: str) -> None:
    assert VALIDATOR.validate_str(render(report_for(repo_id))) is None


def test_the_validator_does_reject_a_broken_bom() -> None:
    document = bom(report_for(TINY))
    document["metadata"]["component"]["type"] = "ml-model"
    assert VALIDATOR.validate_str(json.dumps(document)) is not None
    document = bom(report_for(TINY))
    document["metadata"]["component"]["licenses"][0]["license"]["acknowledgement"] = "assumed"
    assert VALIDATOR.validate_str(json.dumps(document)) is not None


@pytest.mark.parametrize("repo_id", FIXTURES)
def test_bom_refs_are_unique_and_every_reference_resolves(repo_id: str) -> None:
    document = bom(report_for(repo_id))
    refs = _all_bom_refs(document)
    assert len(refs) == len(set(refs))
    used = [d["ref"] for d in document["metadata"]["component"]["modelCard"].get("modelParameters", {})
            .get("datasets", [])]
    for dep in document.get("dependencies", []):
        used += [dep["ref"], *dep["dependsOn"]]
    assert set(used) <= set(refs)


def test_identity_purl_version_and_stable_serial_number() -> None:
    report = report_for(LLAMA)
    revision = report["model"]["revision"]
    component = _component(report)
    assert component["type"] == "machine-learning-model"
    assert component["purl"] == f"pkg:huggingface/meta-llama/Llama-2-13b-hf@{revision}"
    assert (component["group"], component["name"], component["version"]) == ("meta-llama", "Llama-2-13b-hf", revision)
    assert component["supplier"]["name"] == "meta-llama"
    serial = bom(report)["serialNumber"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", serial)
    assert bom(report_for(LLAMA))["serialNumber"] == serial  # same model and commit, same BOM identity
    report["model"]["revision"] = "f" * 40
    assert bom(report)["serialNumber"] != serial
    assert bom(report)["metadata"]["timestamp"] == report["audited_at"]
    assert bom(report)["metadata"]["tools"]["components"][0]["name"] == report["tool"]["name"]


def test_declared_and_concluded_licenses_stay_apart_for_a_finetune_of_llama() -> None:
    licenses = [entry["license"] for entry in _component(report_for(FINETUNE))["licenses"]]
    declared = [lic for lic in licenses if lic["acknowledgement"] == "declared"]
    concluded = [lic for lic in licenses if lic["acknowledgement"] == "concluded"]
    assert declared == [{"id": "Apache-2.0", "acknowledgement": "declared"}]
    assert {"name": "Llama 2 Community License Agreement", "acknowledgement": "concluded"} in concluded
    assert {"id": "Apache-2.0", "acknowledgement": "concluded"} in concluded
    props = _props(_component(report_for(FINETUNE)))
    assert props["auditor:effective_license"] == "LicenseRef-scancode-llama-2-license-2023 AND Apache-2.0"


def test_non_spdx_license_is_named_not_given_a_made_up_id() -> None:
    licenses = [entry["license"] for entry in _component(report_for(LLAMA))["licenses"]]
    assert all("id" not in lic for lic in licenses)
    assert {"name": "Llama 2 Community License Agreement", "acknowledgement": "declared"} in licenses


def test_verdicts_travel_as_properties() -> None:
    report = report_for(LLAMA)
    props = _props(_component(report))
    assert props["auditor:classification"] == report["classification"] == "restricted"
    assert props["auditor:criteria_version"] == report["criteria_version"]
    assert props["auditor:gated"] == "manual"
    for c in report["criteria"]:
        assert props[f"auditor:criterion:{c['id']}"] == c["status"]
    assert props["auditor:source"] == "hub"


def test_pedigree_lists_the_lineage() -> None:
    ancestors = _component(report_for(FINETUNE))["pedigree"]["ancestors"]
    assert [(a["group"], a["name"], a["purl"]) for a in ancestors] == [
        ("meta-llama", "Llama-2-13b-hf", "pkg:huggingface/meta-llama/Llama-2-13b-hf")]
    assert {"name": "auditor:lineage:relation", "value": "finetune"} in ancestors[0]["properties"]
    assert "pedigree" not in _component(report_for(TINY))


def test_datasets_are_data_components_with_their_own_licenses() -> None:
    document = bom(report_for(FINETUNE))
    data = {c["name"]: c for c in document["components"]}
    assert set(data) == {"acme/open-corpus", "acme/vanished-corpus"}
    assert data["acme/open-corpus"]["type"] == "data"
    assert data["acme/open-corpus"]["licenses"] == [{"license": {"id": "CC-BY-4.0", "acknowledgement": "declared"}}]
    assert "licenses" not in data["acme/vanished-corpus"]
    assert {"name": "auditor:dataset:exists", "value": "false"} in data["acme/vanished-corpus"]["properties"]
    refs = [d["ref"] for d in document["metadata"]["component"]["modelCard"]["modelParameters"]["datasets"]]
    assert refs == [data["acme/open-corpus"]["bom-ref"], data["acme/vanished-corpus"]["bom-ref"]]


def test_model_card_parameters_and_considerations() -> None:
    model_card = _component(report_for(FINETUNE))["modelCard"]
    assert model_card["modelParameters"]["task"] == "text-generation"
    assert model_card["modelParameters"]["architectureFamily"] == "llama"
    assert model_card["modelParameters"]["modelArchitecture"] == "LlamaForCausalLM"
    limitations = model_card["considerations"]["technicalLimitations"]
    assert any("license-conflict" in line for line in limitations)
    assert any("'fields-of-endeavor' fails" in line for line in limitations)
    # An open model with nothing failing carries no invented limitation.
    tiny = _component(report_for(TINY))["modelCard"]
    assert "technicalLimitations" not in tiny.get("considerations", {})


def test_snapshot_source_is_said() -> None:
    report = report_for(MINILM)
    report["source"], report["snapshot_date"] = "snapshot", "2026-01-01"
    props = _props(_component(report))
    assert props["auditor:source"] == "snapshot" and props["auditor:snapshot_date"] == "2026-01-01"


@pytest.mark.parametrize("repo_id", FIXTURES)
def test_golden_shape(repo_id: str) -> None:
    text = render(normalised_report(repo_id))
    assert VALIDATOR.validate_str(text) is None
    check_golden(f"{slug(repo_id)}.cdx.json", text, json.loads)
