"""The report (../report-contract: schema auditor.report/1), built from verdicts. The one place that knows the schema."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from auditor import __version__
from auditor.criteria import CONTRACT_IDS, criteria_version, load_criteria
from auditor.judge import AuditInputs, Verdict, classify
from auditor.licenses.expressions import spdx_licensing
from auditor.licenses.identify import BindingTerms
from auditor.lineage import Lineage
from auditor.probes.publication import weight_files
from auditor.vocabulary import LicenseSource, Severity, Source
from auditor.weights_safety import safety_findings

SCHEMA = "auditor.report/1"  # defined by auditor/report.schema.json (auditor.reportschema)
TOOL_NAME = "model-openness-auditor"
# Restrictiveness order for the effective license: the first category binds most.
_STRICTNESS = ["non-commercial", "vendor-community", "responsible-ai", "other", "open-data", "osi-approved"]


def _spdx_ok(key: str) -> str:
    return key if key.replace("-", "").replace(".", "").replace("+", "").isalnum() or key.startswith("LicenseRef") \
        else "LicenseRef-" + "".join(ch if ch.isalnum() or ch in ".-" else "-" for ch in key)


def effective_license(terms: tuple[BindingTerms, ...]) -> str | None:
    """The binding licenses as one SPDX expression, most restrictive first (every one of them applies: AND)."""
    keys: list[tuple[int, str]] = []
    for t in terms:
        rank = _STRICTNESS.index(t.license.category) if t.license.category in _STRICTNESS else 3
        spdx = _spdx_ok(t.license.spdx)
        if spdx not in [k for _, k in keys]:
            keys.append((rank, spdx))
    if not keys:
        return None
    ordered = [k for _, k in sorted(keys, key=lambda item: item[0])]
    expression = " AND ".join(ordered)
    try:
        return str(spdx_licensing().parse(expression, simple=True))
    except Exception:  # a LicenseRef the parser rejects: keep our own join, still a valid reading
        return expression


def _weights(inputs: AuditInputs) -> dict[str, Any]:
    files = weight_files(inputs.evidence)
    findings = []
    if any(fmt == "pickle" for _, fmt, _ in files):
        pickles = [p for p, fmt, _ in files if fmt == "pickle"]
        findings.append({"kind": "pickle-weights", "severity": Severity.INFO, "file": pickles[0],
                         "detail": f"{len(pickles)} pickle-based weight file(s); pickle can run code when loaded, "
                                   "safetensors is preferred."})
    safety, scans = safety_findings(inputs.evidence)  # dangerous imports and corrupt headers come first
    findings = [*safety, *findings]
    st = inputs.evidence.safetensors
    return {
        "formats": sorted({fmt for _, fmt, _ in files}),
        "parameters": st.total if st else None,
        "parameters_by_dtype": dict(st.parameters) if st else None,
        "parameters_source": st.source if st else None,
        "files": [{"path": p, "format": fmt, "size": size} for p, fmt, size in files],
        "findings": findings,
        "scans": scans,  # one entry per pickle-based file: who scanned it and what was found
    }


def verdict_dict(v: Verdict) -> dict[str, Any]:
    out: dict[str, Any] = {"id": v.id, "status": v.status, "summary": v.summary,
                           "evidence": [f.as_evidence() for f in v.evidence]}
    if v.notes:
        out["notes"] = [f.as_evidence() for f in v.notes]
    return out


def build_report(inputs: AuditInputs, verdicts: dict[str, Verdict], lineage: Lineage,
                 audited_at: str | None = None) -> dict[str, Any]:
    ev = inputs.evidence
    criteria = load_criteria()
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "audited_at": audited_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "criteria_version": criteria_version(),
        "source": ev.source,
        "model": _model(ev),
        "license": _license(inputs, lineage),
        "criteria": [verdict_dict(verdicts[c.id]) for c in criteria if c.id in CONTRACT_IDS],
        "classification": classify(inputs, verdicts),
        "lineage": _lineage(inputs, lineage),
        "weights": _weights(inputs),
        "osaid": {c.id.removeprefix("osaid-"): verdict_dict(verdicts[c.id]) for c in criteria if c.section == "osaid"
                  and c.id not in CONTRACT_IDS},
        "mof": _mof(verdicts),
        "card": _card(inputs),
        "problems": [{"what": p.what, "detail": p.detail} for p in ev.problems],
    }
    if ev.source == Source.SNAPSHOT:
        report["snapshot_date"] = ev.snapshot_date
        _drop_compiled_line_numbers(report, ev)
    return report


def _model(ev: Any) -> dict[str, Any]:
    # The contract's gate modes; older stored evidence says only `true` (gated, mode not recorded): "auto" is the
    # Hub's default mode, as the live reader maps it.
    gated = "auto" if ev.gated is True else ev.gated
    model = {"id": ev.repo_id, "revision": ev.revision, "gated": gated, "url": ev.url}
    if ev.revision is None and ev.revision_short:  # the short id a page showed; the full sha stays unknown
        model["revision_short"] = ev.revision_short
    return model


def _compiled_paths(ev: Any) -> set[str]:
    """Files of snapshot evidence that are compiled stand-ins (a fact sheet), not the published file."""
    return {t.path for t in ev.texts if t.detail.startswith(("compiled", "the fields a public page showed"))}


def _drop_compiled_line_numbers(report: dict[str, Any], ev: Any) -> None:
    """A line number in a compiled fact sheet is not a line of the real file: keep the file, drop the line."""
    compiled = _compiled_paths(ev)
    if not compiled:
        return
    sections = [*report["criteria"], *report["osaid"].values()]
    items = [e for s in sections for e in (*s["evidence"], *s.get("notes", ()))]
    items += [*report["license"]["sources"], *report["license"]["findings"], *report["lineage"]["findings"]]
    # The same line may also be quoted inside a sentence ("according to the card's prose (README.md#L17)").
    cited_line = re.compile("(" + "|".join(re.escape(path) for path in sorted(compiled)) + r")#L\d+(?:-L\d+)?")
    for item in items:
        location = item.get("location")
        if isinstance(location, str) and "#" in location and location.split("#", 1)[0] in compiled:
            item["location"] = location.split("#", 1)[0]
        if isinstance(item.get("detail"), str):
            item["detail"] = cited_line.sub(r"\1", item["detail"])
    for section in sections:
        section["summary"] = cited_line.sub(r"\1", section["summary"])


def _license(inputs: AuditInputs, lineage: Lineage) -> dict[str, Any]:
    res = inputs.resolution
    primary = res.primary
    own = primary if primary and primary.source != LicenseSource.INHERITED else None
    own_terms = tuple(t for t in res.terms if t.source != LicenseSource.INHERITED)
    return {
        "declared": res.declared,
        "identified": own.license.spdx if own else None,
        "name": own.license.name if own else None,
        "osi_approved": own.license.osi_approved if own else None,
        "source": _license_source(own_terms, lineage),
        "key": primary.license.key if primary else None,
        "sources": [{"license": t.license.spdx, "name": t.license.name, "source": t.source,
                     "location": t.location, **({"via": t.via} if t.via else {})} for t in res.terms],
        "findings": [{"kind": n.kind, "severity": n.severity, "detail": n.detail, "location": n.location}
                     for n in res.notes],
    }


def _lineage(inputs: AuditInputs, lineage: Lineage) -> dict[str, Any]:
    return {
        "ancestors": [{"id": a.id, "relation": a.relation, "depth": a.depth, "license": a.license,
                       "declared": a.declared, "named_by": a.named_by, "found_in": a.found_in}
                      for a in lineage.ancestors],
        "effective_license": effective_license(inputs.resolution.terms),
        "findings": [{"kind": f.kind, "severity": f.severity, "detail": f.detail,
                      **({"ancestor": f.ancestor} if f.ancestor else {}),
                      **({"clause": f.clause} if f.clause else {}),
                      **({"location": f.location} if f.location else {})} for f in lineage.findings],
    }


def _license_source(own: tuple[BindingTerms, ...], lineage: Lineage) -> str:
    if own:
        return {"card-prose": LicenseSource.CARD, "policy": LicenseSource.LICENSE_FILE}.get(own[0].source,
                                                                                            own[0].source)
    return LicenseSource.INHERITED if lineage.inherited else LicenseSource.NONE


def _mof(verdicts: dict[str, Verdict]) -> dict[str, Any]:
    result = verdicts["mof-class"].detail  # the judge's estimate, computed once
    return {"class": result.mof_class, "status": result.status, "summary": result.summary,
            "components": result.components}


def _card(inputs: AuditInputs) -> dict[str, Any]:
    """Model card metadata the exports need (CycloneDX modelCard, SPDX AI/Dataset, MOF), read from evidence here
    so renderers never reach back to it."""
    from auditor.card import as_str_list, card_findings, card_value
    from auditor.licenses.knowledge import load_knowledge
    from auditor.probes.publication import config_of

    ev = inputs.evidence
    config = config_of(ev) or {}
    knowledge = load_knowledge()
    resolved = {d.id: d for d in ev.datasets}
    dataset_ids, _ = as_str_list(card_value(ev, "datasets"))
    datasets = []
    for ds_id in dataset_ids[:50]:
        d = resolved.get(ds_id)
        info = knowledge.by_hub_id(d.license) if d and d.license else None
        datasets.append({"id": ds_id, "exists": d.exists if d else None, "license": d.license if d else None,
                         "license_spdx": info.spdx if info else None, "gated": d.gated if d else None,
                         "url": f"https://huggingface.co/datasets/{ds_id}"})
    architectures = config.get("architectures")
    return {
        "author": ev.author or (ev.repo_id.split("/")[0] if "/" in ev.repo_id else None),
        "pipeline_tag": ev.pipeline_tag,
        "library_name": ev.library_name,
        "architectures": [str(a) for a in architectures][:10] if isinstance(architectures, list) else [],
        "model_type": str(config["model_type"]) if isinstance(config.get("model_type"), str) else None,
        "tags": list(ev.tags)[:100],
        "language": as_str_list(card_value(ev, "language"))[0][:50],
        "base_model": as_str_list(card_value(ev, "base_model"))[0][:20],
        "created_at": ev.created_at,
        "last_modified": ev.last_modified,
        "datasets": datasets,
        "findings": card_findings(ev),  # unreadable card, rejected front matter, fields of the wrong type
    }


def index_row(report: dict[str, Any]) -> dict[str, Any]:
    """One summary row of a (valid) report: what index.json, the comparison table and /api/index.json show."""
    from auditor.licenses.knowledge import load_knowledge

    model = report.get("model") or {}
    lic = report.get("license") or {}
    lineage = report.get("lineage") or {}
    weights = report.get("weights") or {}
    key = lic.get("key")
    info = load_knowledge().by_key(key) if isinstance(key, str) else None
    statuses = {c.get("id"): c.get("status") for c in report.get("criteria") or [] if isinstance(c, dict)}
    declared = lic.get("declared")
    return {
        "id": model.get("id"),
        "revision": model.get("revision"),
        "classification": report.get("classification"),
        "license_declared": ", ".join(map(str, declared)) if isinstance(declared, list) else declared,
        "license_identified": lic.get("identified"),
        "license_effective": lineage.get("effective_license"),
        "license_key": key,
        "license_family": info.family if info else None,
        "criteria": statuses,
        "data_transparency": statuses.get("data-transparency"),
        "lineage_findings": len(lineage.get("findings") or []),
        "parameters": weights.get("parameters"),
        "gated": model.get("gated"),
        "audited_at": report.get("audited_at"),
        "source": report.get("source"),
    }
