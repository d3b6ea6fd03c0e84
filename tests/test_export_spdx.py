"""SPDX 3.0.1 JSON-LD (AI and Dataset profiles): checked by the SPDX project's own bindings (spdx-python-model,
generated from the 3.0.1 SHACL model) and by shape checks of our own."""

from __future__ import annotations

import io
import json

import pytest
from spdx_python_model import v3_0_1 as spdx3

from auditor.export.spdx import CONTEXT, NO_ASSERTION_LICENSE, NONE_LICENSE, document, render
from tests.export_reports import FINETUNE, FIXTURES, LLAMA, MINILM, TINY, check_golden, normalised_report, report_for, slug

NAMED_INDIVIDUALS = {NO_ASSERTION_LICENSE, NONE_LICENSE}


def spdx_validate(text: str) -> spdx3.SHACLObjectSet:
    """Deserialize (types, enums, datetimes), link references, and serialize again (required properties)."""
    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().read(io.StringIO(text), objects)
    unresolved = objects.link()
    assert not unresolved, f"references to elements not in the document: {unresolved}"
    spdx3.JSONLDSerializer().write(objects, io.BytesIO())
    return objects


def _graph(report: dict) -> list[dict]:
    return document(report)["@graph"]


def _by_type(graph: list[dict], kind: str) -> list[dict]:
    return [e for e in graph if e.get("type") == kind]


def _relationships(graph: list[dict], kind: str) -> list[dict]:
    return [r for r in _by_type(graph, "Relationship") if r["relationshipType"] == kind]


def _element(graph: list[dict], spdx_id: str) -> dict:
    return next(e for e in graph if e.get("spdxId") == spdx_id)


def _model(graph: list[dict], repo_id: str) -> dict:
    return next(e for e in _by_type(graph, "ai_AIPackage") if e["name"] == repo_id)


@pytest.mark.parametrize("repo_id", FIXTURES)
def test_fixture_documents_pass_the_spdx_bindings(repo_id: str) -> None:
    objects = spdx_validate(render(report_for(repo_id)))
    assert any(isinstance(o, spdx3.ai_AIPackage) for o in objects.objects)


def test_the_bindings_do_reject_broken_documents() -> None:
    graph = document(report_for(TINY))
    next(e for e in graph["@graph"] if e.get("type") == "dataset_DatasetPackage").pop("dataset_datasetType")
    with pytest.raises(ValueError, match="dataset_datasetType"):
        spdx_validate(json.dumps(graph))
    graph = document(report_for(TINY))
    _relationships(graph["@graph"], "trainedOn")[0]["relationshipType"] = "trainedWith"
    with pytest.raises(ValueError, match="trainedWith"):
        spdx_validate(json.dumps(graph))
    graph = document(report_for(TINY))
    _relationships(graph["@graph"], "trainedOn")[0]["to"] = ["https://example.org/nowhere#x"]
    with pytest.raises(AssertionError, match="not in the document"):
        spdx_validate(json.dumps(graph))


@pytest.mark.parametrize("repo_id", FIXTURES)
def test_shape_ids_references_and_document(repo_id: str) -> None:
    doc = document(report_for(repo_id))
    assert doc["@context"] == CONTEXT
    graph = doc["@graph"]
    infos = _by_type(graph, "CreationInfo")
    assert len(infos) == 1 and infos[0]["specVersion"] == "3.0.1"
    ids = [e["spdxId"] for e in graph if "spdxId" in e]
    assert len(ids) == len(set(ids))
    for e in graph:
        if "spdxId" in e:
            assert e["creationInfo"] == infos[0]["@id"]
    for rel in _by_type(graph, "Relationship"):
        assert rel["from"] in ids
        assert rel["to"] and all(t in ids or t in NAMED_INDIVIDUALS for t in rel["to"])
    (spdx_doc,) = _by_type(graph, "SpdxDocument")
    assert set(spdx_doc["element"]) == set(ids) - {spdx_doc["spdxId"]}
    assert spdx_doc["rootElement"] == [_model(graph, repo_id)["spdxId"]]
    assert {"ai", "dataset", "simpleLicensing"} <= set(spdx_doc["profileConformance"])
    assert set(infos[0]["createdBy"]) <= set(ids) and set(infos[0]["createdUsing"]) <= set(ids)


def test_ai_package_core_fields() -> None:
    report = report_for(LLAMA)
    graph = _graph(report)
    package = _model(graph, LLAMA)
    revision = report["model"]["revision"]
    assert package["software_packageVersion"] == revision
    assert package["software_downloadLocation"] == f"https://huggingface.co/{LLAMA}/tree/{revision}"
    assert package["software_packageUrl"] == f"pkg:huggingface/{LLAMA}@{revision}"
    assert package["software_primaryPurpose"] == "model"
    assert package["releaseTime"] == "2023-01-01T00:00:00Z"
    supplier = _element(graph, package["suppliedBy"])
    assert (supplier["type"], supplier["name"]) == ("Organization", "meta-llama")
    assert package["ai_typeOfModel"] == ["llama", "LlamaForCausalLM"]
    assert package["ai_domain"] == ["text-generation"]
    assert "fields-of-endeavor" in package["ai_limitation"]
    assert package["ai_informationAboutTraining"].startswith("Data transparency: ")


def test_declared_and_concluded_licenses_for_a_finetune_of_llama() -> None:
    graph = _graph(report_for(FINETUNE))
    package_id = _model(graph, FINETUNE)["spdxId"]
    (declared,) = [r for r in _relationships(graph, "hasDeclaredLicense") if r["from"] == package_id]
    (concluded,) = [r for r in _relationships(graph, "hasConcludedLicense") if r["from"] == package_id]
    assert _element(graph, declared["to"][0])["simplelicensing_licenseExpression"] == "Apache-2.0"
    assert _element(graph, concluded["to"][0])["simplelicensing_licenseExpression"] == \
        "LicenseRef-scancode-llama-2-license-2023 AND Apache-2.0"


def test_lineage_relationships_both_ways() -> None:
    graph = _graph(report_for(FINETUNE))
    model_id = _model(graph, FINETUNE)["spdxId"]
    base_id = _model(graph, LLAMA)["spdxId"]
    assert [(r["from"], r["to"]) for r in _relationships(graph, "descendantOf")] == [(model_id, [base_id])]
    assert [(r["from"], r["to"]) for r in _relationships(graph, "ancestorOf")] == [(base_id, [model_id])]
    (base_license,) = [r for r in _relationships(graph, "hasConcludedLicense") if r["from"] == base_id]
    assert _element(graph, base_license["to"][0])["simplelicensing_licenseExpression"] == \
        "LicenseRef-scancode-llama-2-license-2023"
    assert not _relationships(_graph(report_for(TINY)), "descendantOf")


def test_training_datasets_with_their_licenses_and_availability() -> None:
    graph = _graph(report_for(FINETUNE))
    datasets = {d["name"]: d for d in _by_type(graph, "dataset_DatasetPackage")}
    assert set(datasets) == {"acme/open-corpus", "acme/vanished-corpus"}
    (trained,) = _relationships(graph, "trainedOn")
    assert trained["from"] == _model(graph, FINETUNE)["spdxId"]
    assert set(trained["to"]) == {d["spdxId"] for d in datasets.values()}
    assert datasets["acme/open-corpus"]["dataset_datasetAvailability"] == "directDownload"
    assert "dataset_datasetAvailability" not in datasets["acme/vanished-corpus"]
    licenses = {r["from"]: r["to"][0] for r in _relationships(graph, "hasDeclaredLicense")}
    assert _element(graph, licenses[datasets["acme/open-corpus"]["spdxId"]])["simplelicensing_licenseExpression"] \
        == "CC-BY-4.0"
    assert licenses[datasets["acme/vanished-corpus"]["spdxId"]] == NO_ASSERTION_LICENSE


def test_unidentified_and_missing_declarations() -> None:
    report = report_for(TINY)
    report["license"]["sources"] = [s for s in report["license"]["sources"] if s["source"] != "card"]
    report["license"]["declared"] = "other"
    graph = _graph(report)
    (declared,) = [r for r in _relationships(graph, "hasDeclaredLicense") if r["from"] == _model(graph, TINY)["spdxId"]]
    assert declared["to"] == [NO_ASSERTION_LICENSE] and "other" in declared["comment"]
    report["license"]["declared"] = None
    graph = _graph(report)
    (declared,) = [r for r in _relationships(graph, "hasDeclaredLicense") if r["from"] == _model(graph, TINY)["spdxId"]]
    assert declared["to"] == [NONE_LICENSE]
    report["lineage"]["effective_license"] = None
    graph = _graph(report)
    (concluded,) = _relationships(graph, "hasConcludedLicense")
    assert concluded["to"] == [NO_ASSERTION_LICENSE]
    spdx_validate(json.dumps(document(report)))


def test_verdicts_are_review_annotations() -> None:
    report = report_for(MINILM)
    graph = _graph(report)
    package_id = _model(graph, MINILM)["spdxId"]
    annotations = _by_type(graph, "Annotation")
    assert all(a["annotationType"] == "review" and a["subject"] == package_id for a in annotations)
    statements = [a["statement"] for a in annotations]
    for c in report["criteria"]:
        assert any(s.startswith(f"{c['id']}: {c['status']}.") for s in statements)
    assert f"classification: {report['classification']}." in statements


@pytest.mark.parametrize("repo_id", FIXTURES)
def test_golden_shape(repo_id: str) -> None:
    text = render(normalised_report(repo_id))
    spdx_validate(text)
    check_golden(f"{slug(repo_id)}.spdx.json", text, json.loads)
