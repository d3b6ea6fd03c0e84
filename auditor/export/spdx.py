"""SPDX 3.0.1 JSON-LD with the AI and Dataset profiles.

The model is an `ai_AIPackage`, each training dataset a `dataset_DatasetPackage` linked by `trainedOn`, each
ancestor an `ai_AIPackage` linked by `descendantOf` (and the reverse `ancestorOf`). Declared and concluded licenses
are separate `simplelicensing_LicenseExpression` elements reached through `hasDeclaredLicense` and
`hasConcludedLicense`; what we could not establish points at NoAssertionLicense, a card without a license at
NoneLicense. Our verdicts travel as review annotations on the package."""

from __future__ import annotations

import json
import re

from auditor.export.common import (
    card,
    concluded_license,
    criterion,
    dataset_license_id,
    declared_licenses,
    document_uuid,
    is_license_expression,
    limitations,
    purl,
    split_id,
    tree_url,
)

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
SPEC_VERSION = "3.0.1"
CREATION_INFO = "_:creationinfo"
NO_ASSERTION_LICENSE = "expandedlicensing_NoAssertionLicense"
NONE_LICENSE = "expandedlicensing_NoneLicense"
PROFILES = ["core", "software", "ai", "dataset", "simpleLicensing"]


class _Graph:
    """Collects elements with ids under one document namespace."""

    def __init__(self, base: str):
        self.base = base
        self.elements: list[dict] = []
        self._used: set[str] = set()

    def new_id(self, kind: str, hint: str = "") -> str:
        slug = re.sub(r"[^A-Za-z0-9.-]+", "-", hint).strip("-")
        candidate = f"{self.base}#{kind}" + (f"-{slug}" if slug else "")
        spdx_id, n = candidate, 2
        while spdx_id in self._used:
            spdx_id, n = f"{candidate}-{n}", n + 1
        self._used.add(spdx_id)
        return spdx_id

    def add(self, element: dict) -> str:
        element.setdefault("creationInfo", CREATION_INFO)
        self.elements.append(element)
        return element["spdxId"]

    def relationship(self, source: str, kind: str, targets: list[str], comment: str | None = None) -> str:
        rel = {"type": "Relationship", "spdxId": self.new_id("Relationship", f"{kind}-{len(self.elements)}"),
               "from": source, "relationshipType": kind, "to": targets}
        if comment:
            rel["comment"] = comment
        return self.add(rel)

    def license_expression(self, expression: str, hint: str) -> str:
        return self.add({"type": "simplelicensing_LicenseExpression", "spdxId": self.new_id("License", hint),
                         "simplelicensing_licenseExpression": expression})


def _declared_target(graph: _Graph, report: dict) -> tuple[str, str | None]:
    """(target of hasDeclaredLicense, comment): an expression for identified card licenses, NoAssertion for a
    declaration we could not identify, None when the card declares nothing."""
    declared = declared_licenses(report)
    ids = [d["id"] for d in declared if d["id"] and is_license_expression(d["id"])]
    words = ", ".join(d["verbatim"] for d in declared if d["verbatim"])
    comment = f"The model card declares: {words}." if words else None
    if ids:
        return graph.license_expression(" AND ".join(dict.fromkeys(ids)), "declared"), comment
    if declared:
        return NO_ASSERTION_LICENSE, comment
    return NONE_LICENSE, "The model card declares no license."


def _concluded_target(graph: _Graph, report: dict) -> str:
    expression = concluded_license(report)
    if expression and is_license_expression(expression):
        return graph.license_expression(expression, "concluded")
    return NO_ASSERTION_LICENSE


def _training_information(report: dict, datasets: list[dict]) -> str:
    data = criterion(report, "data-transparency")
    parts = []
    if data:
        parts.append(f"Data transparency: {data['status']}. {data['summary']}")
    if datasets:
        parts.append("Declared training datasets: " + ", ".join(d["id"] for d in datasets) + ".")
    return " ".join(parts) or "noAssertion"


def document(report: dict) -> dict:
    """The SPDX 3.0.1 JSON-LD document as a dict."""
    model = report["model"]
    meta = card(report)
    graph = _Graph(f"https://spdx.org/spdxdocs/{report['tool']['name']}/{document_uuid(report)}")
    creation_info = _creation_info(graph, report)
    datasets = [d for d in meta.get("datasets") or [] if isinstance(d, dict) and d.get("id")]
    package_id = graph.add(_package(graph, report, datasets))

    declared_target, declared_comment = _declared_target(graph, report)
    graph.relationship(package_id, "hasDeclaredLicense", [declared_target], declared_comment)
    graph.relationship(package_id, "hasConcludedLicense", [_concluded_target(graph, report)],
                       "The effective license: every license that binds the model, including through its lineage.")
    dataset_ids = [_dataset(graph, d) for d in datasets]
    if dataset_ids:
        graph.relationship(package_id, "trainedOn", dataset_ids)
    for ancestor in report["lineage"].get("ancestors") or []:
        _ancestor(graph, model["id"], package_id, ancestor)
    _annotations(graph, report, package_id)

    spdx_document = {
        "type": "SpdxDocument",
        "spdxId": graph.new_id("SpdxDocument"),
        "creationInfo": CREATION_INFO,
        "name": f"Openness audit of {model['id']} at {model.get('revision')}",
        "profileConformance": PROFILES,
        "dataLicense": graph.license_expression("CC0-1.0", "data-license"),
        "rootElement": [package_id],
    }
    spdx_document["element"] = [e["spdxId"] for e in graph.elements]
    return {"@context": CONTEXT, "@graph": [creation_info, *graph.elements, spdx_document]}


def _creation_info(graph: _Graph, report: dict) -> dict:
    tool = report["tool"]
    tool_name = f"{tool['name']} {tool['version']}"
    agent_id = graph.add({"type": "SoftwareAgent", "spdxId": graph.new_id("SoftwareAgent", tool["name"]),
                          "name": tool_name})
    tool_id = graph.add({"type": "Tool", "spdxId": graph.new_id("Tool", tool["name"]), "name": tool_name})
    return {"type": "CreationInfo", "@id": CREATION_INFO, "specVersion": SPEC_VERSION,
            "created": report["audited_at"], "createdBy": [agent_id], "createdUsing": [tool_id]}


def _supplier(graph: _Graph, report: dict) -> str | None:
    namespace, _ = split_id(report["model"]["id"])
    name = card(report).get("author") or namespace
    if not name:
        return None
    return graph.add({"type": "Organization", "spdxId": graph.new_id("Organization", name), "name": name,
                      "externalRef": [{"type": "ExternalRef", "externalRefType": "altWebPage",
                                       "locator": [f"https://huggingface.co/{name}"]}]})


def _package(graph: _Graph, report: dict, datasets: list[dict]) -> dict:
    """The model's ai_AIPackage element (added by the caller)."""
    model = report["model"]
    meta = card(report)
    supplier_id = _supplier(graph, report)
    package: dict = {
        "type": "ai_AIPackage",
        "spdxId": graph.new_id("AIPackage", model["id"]),
        "name": model["id"],
        "software_packageVersion": model.get("revision") or "",
        "software_downloadLocation": tree_url(report),
        "software_homePage": model.get("url") or f"https://huggingface.co/{model['id']}",
        "software_packageUrl": purl(model["id"], model.get("revision")),
        "software_primaryPurpose": "model",
        "ai_informationAboutTraining": _training_information(report, datasets),
        "ai_limitation": "\n".join(limitations(report)) or "No limitation found in the evidence read.",
        "ai_autonomyType": "noAssertion",
        "comment": f"Openness classification: {report['classification']} (criteria {report.get('criteria_version')}"
                   f", {report['tool']['name']} {report['tool']['version']}).",
    }
    if meta.get("created_at"):
        package["releaseTime"] = _datetime(meta["created_at"])
    if supplier_id:
        package["suppliedBy"] = supplier_id
        package["originatedBy"] = [supplier_id]
    model_types = [t for t in [meta.get("model_type"), *(meta.get("architectures") or [])] if t]
    if model_types:
        package["ai_typeOfModel"] = list(dict.fromkeys(model_types))
    if meta.get("pipeline_tag"):
        package["ai_domain"] = [meta["pipeline_tag"]]
    return package


def _dataset(graph: _Graph, d: dict) -> str:
    """A declared training dataset and its declared license; returns its element id."""
    ds: dict = {"type": "dataset_DatasetPackage", "spdxId": graph.new_id("DatasetPackage", d["id"]),
                "name": d["id"], "software_downloadLocation": d["url"], "software_primaryPurpose": "data",
                "dataset_datasetType": ["noAssertion"]}  # the Hub does not state the data's modality
    if d.get("exists") is True:
        ds["dataset_datasetAvailability"] = "clickthrough" if d.get("gated") else "directDownload"
    elif d.get("exists") is False:
        ds["comment"] = "Declared on the model card but not found on the Hub."
    ds_id = graph.add(ds)
    spdx = dataset_license_id(d)
    if spdx:
        target = graph.license_expression(spdx, f"dataset-{d['id']}")
    else:
        target = NONE_LICENSE if not d.get("license") and d.get("exists") else NO_ASSERTION_LICENSE
    graph.relationship(ds_id, "hasDeclaredLicense", [target],
                       f"The dataset card declares: {d['license']}." if d.get("license") else None)
    return ds_id


def _ancestor(graph: _Graph, model_id: str, package_id: str, a: dict) -> None:
    anc: dict = {"type": "ai_AIPackage", "spdxId": graph.new_id("AIPackage", a["id"]), "name": a["id"],
                 "software_downloadLocation": f"https://huggingface.co/{a['id']}",
                 "software_packageUrl": purl(a["id"]), "software_primaryPurpose": "model"}
    anc_id = graph.add(anc)
    note = f"{a.get('relation') or 'unknown'} relation, depth {a.get('depth')}"
    graph.relationship(package_id, "descendantOf", [anc_id], f"{model_id} derives from {a['id']} ({note}).")
    graph.relationship(anc_id, "ancestorOf", [package_id], f"{note}.")
    if a.get("license") and is_license_expression(a["license"]):
        graph.relationship(anc_id, "hasConcludedLicense",
                           [graph.license_expression(a["license"], f"ancestor-{a['id']}")])


def _annotations(graph: _Graph, report: dict, package_id: str) -> None:
    """Our verdicts, as review annotations on the package."""
    for c in report["criteria"]:
        graph.add({"type": "Annotation", "spdxId": graph.new_id("Annotation", c["id"]), "annotationType": "review",
                   "subject": package_id, "statement": f"{c['id']}: {c['status']}. {c['summary']}"})
    graph.add({"type": "Annotation", "spdxId": graph.new_id("Annotation", "classification"),
               "annotationType": "review", "subject": package_id,
               "statement": f"classification: {report['classification']}."})


def _datetime(value: str) -> str:
    """SPDX 3 dateTime: UTC, seconds precision, trailing Z (the Hub gives milliseconds)."""
    return re.sub(r"\.\d+Z$", "Z", value) if value.endswith("Z") else value


def render(report: dict) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
