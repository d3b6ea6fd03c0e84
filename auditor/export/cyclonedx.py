"""CycloneDX 1.6 ML-BOM (JSON): the model as a `machine-learning-model` component with a model card, its training
datasets as `data` components, its lineage as pedigree ancestors, and our verdicts as properties.

Declared and concluded licenses stay apart through `acknowledgement`: declared = what the card says, concluded =
the effective terms we established (every binding license along the lineage)."""

from __future__ import annotations

import json

from auditor.export.common import (
    card,
    concluded_license,
    dataset_license_id,
    declared_licenses,
    document_uuid,
    expression_symbols,
    file_url,
    is_spdx_id,
    limitations,
    purl,
    split_id,
    tree_url,
)
from auditor.vocabulary import Source, Status

SPEC_VERSION = "1.6"
PROPERTY_PREFIX = "auditor"
_APPROACH_TAGS = {  # Hub tags that state the learning approach outright
    "reinforcement-learning": "reinforcement-learning",
}


def _license_object(license_id: str | None, name: str | None, acknowledgement: str) -> dict:
    """One CycloneDX license: `id` only for SPDX List ids (the schema's enum), else `name`."""
    if license_id and is_spdx_id(license_id):
        return {"license": {"id": license_id, "acknowledgement": acknowledgement}}
    return {"license": {"name": name or license_id or "unknown", "acknowledgement": acknowledgement}}


def _licenses(report: dict) -> list[dict]:
    out = []
    for declared in declared_licenses(report):
        if declared["id"] or declared["verbatim"]:
            out.append(_license_object(declared["id"], declared["name"] or declared["verbatim"], "declared"))
    concluded = concluded_license(report)
    if concluded:
        # licenseChoice cannot mix an expression with license objects; the effective license only ever ANDs
        # its terms, so one concluded object per term says the same (the full expression is a property too).
        names = _license_names(report)
        out += [_license_object(key, names.get(key) or key, "concluded") for key in expression_symbols(concluded)]
    return out


def _prop(name: str, value: object) -> dict:
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = "" if value is None else str(value)
    return {"name": f"{PROPERTY_PREFIX}:{name}", "value": text}


def _properties(report: dict) -> list[dict]:
    props = [
        _prop("classification", report["classification"]),
        _prop("criteria_version", report.get("criteria_version")),
        _prop("report_schema", report.get("schema")),
        _prop("source", report.get("source")),
        _prop("gated", report["model"].get("gated")),
    ]
    if report.get("source") == Source.SNAPSHOT:
        props.append(_prop("snapshot_date", report.get("snapshot_date")))
    props += [_prop(f"criterion:{c['id']}", c["status"]) for c in report["criteria"]]
    props += [_prop(f"osaid:{key}", value["status"]) for key, value in (report.get("osaid") or {}).items()]
    mof = report.get("mof") or {}
    if mof:
        props.append(_prop("mof:class", mof.get("class") or "none"))
        props.append(_prop("mof:status", mof.get("status")))
    if concluded_license(report):
        props.append(_prop("effective_license", concluded_license(report)))
    if report["license"].get("declared") is not None:
        declared = report["license"]["declared"]
        props.append(_prop("declared_license", ", ".join(declared) if isinstance(declared, list) else declared))
    weights = report.get("weights") or {}
    if weights.get("parameters"):
        props.append(_prop("parameters", weights["parameters"]))
    if weights.get("formats"):
        props.append(_prop("weight_formats", ",".join(weights["formats"])))
    return props


def _dataset_ref(dataset_id: str) -> str:
    return f"dataset:{dataset_id}"


def _dataset_component(dataset: dict) -> dict:
    component: dict = {
        "type": "data",
        "bom-ref": _dataset_ref(dataset["id"]),
        "name": dataset["id"],
        "externalReferences": [{"type": "website", "url": dataset["url"]}],
        "data": [{"type": "dataset", "name": dataset["id"], "contents": {"url": dataset["url"]}}],
        "properties": [_prop("dataset:exists", "unknown" if dataset.get("exists") is None else dataset["exists"])],
    }
    namespace, _ = split_id(dataset["id"])
    if namespace:
        component["group"] = namespace
    if dataset.get("license"):
        spdx = dataset_license_id(dataset)
        component["licenses"] = [_license_object(spdx, dataset["license"], "declared")]
    if dataset.get("gated"):
        component["properties"].append(_prop("dataset:gated", dataset["gated"]))
    return component


def _license_names(report: dict) -> dict[str, str]:
    return {s["license"]: s["name"] for s in report["license"].get("sources") or [] if s.get("license") and s.get("name")}


def _ancestor_component(ancestor: dict, names: dict[str, str]) -> dict:
    namespace, name = split_id(ancestor["id"])
    component: dict = {
        "type": "machine-learning-model",
        "bom-ref": f"ancestor:{ancestor['id']}",
        "name": name,
        "purl": purl(ancestor["id"]),  # no version: lineage names the base model, not a commit of it
        "externalReferences": [{"type": "website", "url": f"https://huggingface.co/{ancestor['id']}"}],
        "properties": [_prop("lineage:relation", ancestor.get("relation")), _prop("lineage:depth", ancestor.get("depth"))],
    }
    if namespace:
        component["group"] = namespace
    if ancestor.get("license"):
        component["licenses"] = [_license_object(ancestor["license"], names.get(ancestor["license"]) or
                                                 ancestor["license"], "concluded")]
    return component


def _model_card(report: dict, datasets: list[dict]) -> dict:
    meta = card(report)
    parameters: dict = {}
    approach = next((_APPROACH_TAGS[t] for t in meta.get("tags") or [] if t in _APPROACH_TAGS), None)
    if approach:
        parameters["approach"] = {"type": approach}
    if meta.get("pipeline_tag"):
        parameters["task"] = meta["pipeline_tag"]
    if meta.get("model_type"):
        parameters["architectureFamily"] = meta["model_type"]
    if meta.get("architectures"):
        parameters["modelArchitecture"] = ", ".join(meta["architectures"])
    if datasets:
        parameters["datasets"] = [{"ref": _dataset_ref(d["id"])} for d in datasets]
    model_card: dict = {"bom-ref": f"{purl(report['model']['id'], report['model'].get('revision'))}#model-card"}
    if parameters:
        model_card["modelParameters"] = parameters
    considerations: dict = {}
    limits = limitations(report)
    if limits:
        considerations["technicalLimitations"] = limits
    data = next((c for c in report["criteria"] if c["id"] == "data-transparency"), None)
    if data and data["status"] != Status.PASS:
        considerations["performanceTradeoffs"] = [f"Training data transparency is '{data['status']}': "
                                                  f"{data['summary']}"]
    if considerations:
        model_card["considerations"] = considerations
    model_card["properties"] = [_prop("classification", report["classification"])]
    return model_card


def bom(report: dict) -> dict:
    """The CycloneDX 1.6 document as a dict."""
    model = report["model"]
    meta = card(report)
    namespace, name = split_id(model["id"])
    model_purl = purl(model["id"], model.get("revision"))
    datasets = [d for d in meta.get("datasets") or [] if isinstance(d, dict) and d.get("id")]
    component: dict = {
        "type": "machine-learning-model",
        "bom-ref": model_purl,
        "name": name,
        "version": model.get("revision") or "",
        "purl": model_purl,
        "description": f"Hugging Face model {model['id']} at commit {model.get('revision')}; openness "
                       f"classification '{report['classification']}'.",
    }
    if namespace:
        component["group"] = namespace
    supplier = meta.get("author") or namespace
    if supplier:
        component["supplier"] = {"name": supplier, "url": [f"https://huggingface.co/{supplier}"]}
    licenses = _licenses(report)
    if licenses:
        component["licenses"] = licenses
    component["externalReferences"] = [
        {"type": "website", "url": model.get("url") or f"https://huggingface.co/{model['id']}"},
        {"type": "distribution", "url": tree_url(report)},
        {"type": "model-card", "url": file_url(report, "README.md")},
    ]
    if report["lineage"].get("ancestors"):
        component["pedigree"] = {"ancestors": [_ancestor_component(a, _license_names(report))
                                             for a in report["lineage"]["ancestors"]]}
    component["modelCard"] = _model_card(report, datasets)
    if meta.get("tags"):
        component["tags"] = list(dict.fromkeys(str(t) for t in meta["tags"]))
    component["properties"] = _properties(report)
    document: dict = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{document_uuid(report)}",
        "version": 1,
        "metadata": {
            "timestamp": report["audited_at"],
            "tools": {"components": [{"type": "application", "name": report["tool"]["name"],
                                      "version": report["tool"]["version"]}]},
            "component": component,
        },
        "components": [_dataset_component(d) for d in datasets],
    }
    if datasets:
        document["dependencies"] = [{"ref": model_purl, "dependsOn": [_dataset_ref(d["id"]) for d in datasets]}]
    return document


def render(report: dict) -> str:
    return json.dumps(bom(report), indent=2, ensure_ascii=False) + "\n"
