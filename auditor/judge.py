"""Criteria as pure functions of evidence: findings in, one verdict per criterion out.

Each criterion in criteria/*.yaml names its evaluator; `EVALUATORS` holds one function per evaluator name and a
test fails when the two drift apart. Status rules: never `pass` on missing evidence, never `fail` on a network
error — inconclusive is `unknown`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from auditor.criteria import CONTRACT_IDS, Criterion, load_criteria
from auditor.evidence import RepoEvidence
from auditor.licenses.identify import LicenseResolution
from auditor.probes import HUB_FIELD, LICENSE_CLAUSE, Finding
from auditor.probes.license_terms import clause_findings
from auditor.probes.publication import (
    DataInformation,
    data_information,
    links_training_code,
    publishes_weights,
    supports_inference,
)

PASS, PARTIAL, FAIL, UNKNOWN = "pass", "partial", "fail", "unknown"
OSD_LICENSE_IDS = tuple(i for i in CONTRACT_IDS if i not in ("source", "data-transparency"))


@dataclass(frozen=True)
class Verdict:
    id: str
    status: str
    summary: str
    evidence: tuple[Finding, ...] = ()
    notes: tuple[Finding, ...] = ()
    detail: Any = None  # the structured result behind the verdict, when a renderer needs more (the MOF estimate)


@dataclass(frozen=True)
class AuditInputs:
    """Everything a criterion may read. Built once per audit; criteria never fetch anything."""

    evidence: RepoEvidence
    resolution: LicenseResolution
    # Ancestors whose terms could not be read (missing base, unidentified license, depth limit); the clause
    # facts of the ancestors that were read arrive through resolution.terms.
    lineage_findings: tuple[Finding, ...] = ()
    clauses: tuple[Finding, ...] = field(default=())
    data: DataInformation | None = None

    @classmethod
    def build(cls, evidence: RepoEvidence, resolution: LicenseResolution,
              lineage_findings: tuple[Finding, ...] = ()) -> AuditInputs:
        return cls(evidence, resolution, lineage_findings, tuple(clause_findings(evidence, resolution)),
                   data_information(evidence))


def _names(inputs: AuditInputs) -> str:
    names = list(dict.fromkeys(t.license.name for t in inputs.resolution.terms))
    return ", ".join(names[:3]) + (" and others" if len(names) > 3 else "")


def _license_basis(inputs: AuditInputs) -> tuple[Finding, ...]:
    out = []
    for t in inputs.resolution.terms[:4]:
        osi = "an OSI-approved license" if t.license.osi_approved else f"category {t.license.category}"
        out.append(Finding("license", f"{t.license.name} ({t.license.spdx}), {osi}; identified from {t.source}.",
                           t.location, LICENSE_CLAUSE if t.source == "license-file" else
                           ("lineage" if t.source == "inherited" else "card-field"), license_key=t.license.key))
    return tuple(out)


def evaluate_license_clause(c: Criterion, inputs: AuditInputs) -> Verdict:
    failing = [f for f in inputs.clauses if f.kind in c.fails_on]
    partial = [f for f in inputs.clauses if f.kind in c.partial_on]
    notes = tuple(f for f in inputs.clauses if f.kind in c.notes_on)
    if failing:
        first = failing[0]
        lead = "Heuristic analysis found" if first.heuristic else "The terms include"
        return Verdict(c.id, FAIL, f"{lead} a clause that fails {c.implements.split(' (')[0]}: "
                       f"{first.detail.split(': ', 1)[-1].split(' [')[0][:160]}", tuple(failing), notes)
    if partial:
        return Verdict(c.id, PARTIAL, partial[0].detail[:200], tuple(partial), notes)
    terms = inputs.resolution.terms
    if not terms:
        why = ("the license files could not be read" if inputs.resolution.unreadable
               else "no known license was identified")
        if inputs.resolution.red_flags:
            why = "the license text is not one we know; heuristic analysis found nothing on this clause"
        return Verdict(c.id, UNKNOWN, f"Unknown: {why}.", (), notes)
    unreviewed = [t for t in terms if not (t.license.osi_approved or t.license.reviewed)]
    if unreviewed:
        return Verdict(c.id, UNKNOWN,
                       f"{unreviewed[0].license.name} was identified but its clauses have not been reviewed.",
                       _license_basis(inputs), notes)
    if inputs.resolution.red_flags:
        return Verdict(c.id, UNKNOWN, "An unrecognised license text also binds the model; it cannot be cleared.",
                       _license_basis(inputs), notes)
    if not any(t.source != "inherited" for t in terms):
        # Inherited terms bound a derivative from above; they never stand in for its own, unestablished license.
        return Verdict(c.id, UNKNOWN, "The model's own license could not be established; inherited terms alone "
                       "cannot clear it.", _license_basis(inputs), notes)
    if inputs.resolution.unreadable:
        files = ", ".join(inputs.resolution.unreadable)
        return Verdict(c.id, UNKNOWN, f"{files} could not be read and may add terms, so this cannot pass.",
                       _license_basis(inputs), notes)
    if inputs.lineage_findings:
        return Verdict(c.id, UNKNOWN, "The terms of an ancestor could not be established, so inherited terms "
                       "cannot be cleared.", inputs.lineage_findings[:3], notes)
    every_osi = all(t.license.osi_approved for t in terms)
    basis = "OSI-approved" if every_osi else "reviewed and contain no such clause"
    return Verdict(c.id, PASS, f"The binding terms ({_names(inputs)}) are {basis}.", _license_basis(inputs), notes)


def evaluate_license_distribution(c: Criterion, inputs: AuditInputs) -> Verdict:
    verdict = evaluate_license_clause(c, inputs)
    ev = inputs.evidence
    if verdict.status != PASS or not ev.gated:
        return verdict
    fields_ = ev.card_data.get("extra_gated_fields")
    asks = f" asking for {', '.join(list(fields_)[:4])}" if isinstance(fields_, dict) and fields_ else ""
    gate = Finding("gated", f"Downloads are gated ({ev.gated} approval){asks}: each recipient must pass an access form.",
                   "gated", HUB_FIELD)
    return Verdict(c.id, PARTIAL, "The license passes its rights on, but each recipient must pass an access gate.",
                   (gate, *verdict.evidence), verdict.notes)


def evaluate_source(c: Criterion, inputs: AuditInputs) -> Verdict:
    ev = inputs.evidence
    weights = publishes_weights(ev)
    code = links_training_code(ev)
    inference = supports_inference(ev)
    if not ev.files:
        return Verdict(c.id, UNKNOWN, "The repository's file list could not be read.")
    if not weights:
        return Verdict(c.id, FAIL, "No weight files are published in the repository.",
                       (Finding("no-weights", "No weight file in the repository's file list.", "siblings", HUB_FIELD),))
    if code and inference:
        return Verdict(c.id, PASS, "Weights, training code and inference support are all available.",
                       tuple(weights + code + inference))
    missing = "training code is not linked from the card" if not code else "no inference code or architecture found"
    if readable_card(ev) or code:
        return Verdict(c.id, PARTIAL, f"Weights are published but {missing}.", tuple(weights + code + inference))
    return Verdict(c.id, UNKNOWN, "Weights are published; the card could not be read to look for training code.",
                   tuple(weights + inference))


def readable_card(ev: RepoEvidence) -> bool:
    from auditor.card import readme

    return readme(ev) is not None


def evaluate_data_transparency(c: Criterion, inputs: AuditInputs) -> Verdict:
    data = inputs.data or data_information(inputs.evidence)
    findings = tuple(data.all())
    listed = data.listed
    described = bool(data.described)
    if data.obtainable and described and data.processing:
        return Verdict(c.id, PASS, f"{len(data.declared)} training dataset(s) are listed and obtainable, and the data "
                       "and its processing are described.", findings)
    if listed or described or data.unobtainable:
        parts = []
        n_listed = len(data.declared) + len(data.unchecked)
        parts.append(f"{n_listed} dataset(s) listed" if listed else "no dataset listed")
        if data.unobtainable:
            parts.append(f"{len(data.unobtainable)} not obtainable")
        if data.unchecked:
            parts.append(f"{len(data.unchecked)} not checked")
        parts.append("training data described" if described else "training data not described")
        if described and not data.processing:
            parts.append("processing not described")
        return Verdict(c.id, PARTIAL, "Partial data information: " + ", ".join(parts) + ".", findings)
    if not data.readable:
        return Verdict(c.id, UNKNOWN, "The model card could not be read and no metadata lists training data.", findings)
    return Verdict(c.id, FAIL, "Nothing about the training data is listed or described.",
                   (Finding("no-data-information", "No datasets in metadata and no training-data description in the card.",
                            "README.md", "file"),))


def evaluate_osaid_data(c: Criterion, inputs: AuditInputs, verdicts: dict[str, Verdict]) -> Verdict:
    dt = verdicts["data-transparency"]
    return Verdict(c.id, dt.status, f"Data information: {dt.summary}", dt.evidence)


def evaluate_osaid_code(c: Criterion, inputs: AuditInputs, verdicts: dict[str, Verdict]) -> Verdict:
    code = links_training_code(inputs.evidence)
    inference = supports_inference(inputs.evidence)
    if code and inference:
        return Verdict(c.id, PASS, "Training code is linked and inference code is available.", tuple(code + inference))
    if inference or code:
        what = ("Only inference code / architecture is available." if inference
                else "Training code is linked but no inference support was found.")
        return Verdict(c.id, PARTIAL, what, tuple(code + inference))
    if not readable_card(inputs.evidence):
        return Verdict(c.id, UNKNOWN, "The card could not be read to look for code.")
    return Verdict(c.id, FAIL, "Neither training nor inference code was found.")


def evaluate_osaid_parameters(c: Criterion, inputs: AuditInputs, verdicts: dict[str, Verdict]) -> Verdict:
    weights = publishes_weights(inputs.evidence)
    if not weights:
        return Verdict(c.id, FAIL, "No weights are published.")
    statuses = [verdicts[i].status for i in OSD_LICENSE_IDS]
    if FAIL in statuses:
        failing = [i for i in OSD_LICENSE_IDS if verdicts[i].status == FAIL]
        return Verdict(c.id, FAIL, f"The weights' terms fail OSD criteria: {', '.join(failing)}.", tuple(weights))
    if UNKNOWN in statuses:
        return Verdict(c.id, UNKNOWN, "The weights' license could not be established.", tuple(weights))
    if PARTIAL in statuses:
        return Verdict(c.id, PARTIAL, "Weights are under passing terms but behind an access gate.", tuple(weights))
    return Verdict(c.id, PASS, "Weights are published ungated under terms that pass every OSD criterion.", tuple(weights))


def evaluate_mof(c: Criterion, inputs: AuditInputs, verdicts: dict[str, Verdict]) -> Verdict:
    from auditor.mof import estimate

    result = estimate(inputs, verdicts)
    return Verdict(c.id, result.status, result.summary, result.evidence, detail=result)


Evaluator = Callable[..., Verdict]
# Evaluators of the first pass read only inputs; second-pass evaluators also read first-pass verdicts.
EVALUATORS: dict[str, Evaluator] = {
    "license-clause": evaluate_license_clause,
    "license-distribution": evaluate_license_distribution,
    "source": evaluate_source,
    "data-transparency": evaluate_data_transparency,
}
DERIVED_EVALUATORS: dict[str, Evaluator] = {
    "osaid-data-information": evaluate_osaid_data,
    "osaid-code": evaluate_osaid_code,
    "osaid-parameters": evaluate_osaid_parameters,
    "mof-class": evaluate_mof,
}


def judge(inputs: AuditInputs) -> dict[str, Verdict]:
    """One verdict per criterion in criteria/, keyed by id, in criteria order."""
    verdicts: dict[str, Verdict] = {}
    criteria = load_criteria()
    for c in criteria:
        if c.evaluator in EVALUATORS:
            verdicts[c.id] = EVALUATORS[c.evaluator](c, inputs)
    for c in criteria:
        if c.evaluator in DERIVED_EVALUATORS:
            verdicts[c.id] = DERIVED_EVALUATORS[c.evaluator](c, inputs, verdicts)
    return {c.id: verdicts[c.id] for c in criteria}


def classify(inputs: AuditInputs, verdicts: dict[str, Verdict]) -> str:
    """The contract's classification, from the verdicts."""
    if inputs.evidence.files and not publishes_weights(inputs.evidence):
        return "closed"
    statuses = {i: verdicts[i].status for i in OSD_LICENSE_IDS}
    if FAIL in statuses.values():
        return "restricted"
    if not inputs.resolution.established or UNKNOWN in statuses.values():
        return "unknown"
    if not inputs.evidence.files:
        return "unknown"
    all_pass = all(s == PASS for s in statuses.values())
    if all_pass and verdicts["source"].status == PASS and verdicts["data-transparency"].status == PASS:
        return "open-source"
    return "open-weights"
