"""Criteria as pure functions of probe outcomes: one verdict per criterion.

Each criterion in criteria/*.yaml names its evaluator and the probes it reads; `EVALUATORS` declares, for every
evaluator, the probe ids it may read (a test checks the two agree, and reading an undeclared probe raises). The
judge enforces the one rule every criterion shares (`settle`): a verdict that rests on a probe whose outcome is
not-available never passes; it is `unknown`, with that probe's reason. Never `fail` on a network error either:
evaluators fail only on a probe's `false`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.criteria import OSD_LICENSE_IDS, Criterion, load_criteria
from auditor.evidence import RepoEvidence
from auditor.licenses.identify import LicenseResolution
from auditor.mof import MOF_BUILDS_ON, MOF_READS, estimate
from auditor.probes import Finding, ProbeResult
from auditor.probes.context import ProbeContext
from auditor.probes.registry import run_probes
from auditor.vocabulary import Classification, Status

PASS, PARTIAL, FAIL, UNKNOWN = Status.PASS, Status.PARTIAL, Status.FAIL, Status.UNKNOWN
__all__ = ["OSD_LICENSE_IDS", "AuditInputs", "Verdict", "judge", "classify", "EVALUATORS", "settle"]


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
    """Everything a criterion may read. Built once per audit (every probe runs here, once); criteria never fetch."""

    evidence: RepoEvidence
    resolution: LicenseResolution
    # Ancestors whose terms could not be read (missing base, unidentified license, depth limit); the clause
    # facts of the ancestors that were read arrive through resolution.terms.
    lineage_findings: tuple[Finding, ...] = ()
    probes: Mapping[str, ProbeResult] = field(default_factory=dict)

    @classmethod
    def build(cls, evidence: RepoEvidence, resolution: LicenseResolution,
              lineage_findings: tuple[Finding, ...] = (),
              ancestor_evidence: tuple[RepoEvidence, ...] = ()) -> AuditInputs:
        probes = run_probes(ProbeContext(evidence, resolution, lineage_findings, ancestor_evidence))
        return cls(evidence, resolution, lineage_findings, probes)


class UndeclaredProbe(KeyError):
    """An evaluator read a probe its declaration does not list."""


class ProbeReads:
    """The probe outcomes one evaluator may read: exactly the ones it declares."""

    def __init__(self, results: Mapping[str, ProbeResult], declared: tuple[str, ...]) -> None:
        self._results = results
        self.declared = declared

    def __getitem__(self, probe_id: str) -> ProbeResult:
        if probe_id not in self.declared:
            raise UndeclaredProbe(f"{probe_id!r} is not among the declared reads {self.declared}")
        return self._results[probe_id]

    def first_unavailable(self) -> ProbeResult | None:
        return next((r for pid in self.declared if not (r := self._results[pid]).available), None)


EvaluatorFn = Callable[[Criterion, ProbeReads, Mapping[str, Verdict]], Verdict]


@dataclass(frozen=True)
class Evaluator:
    run: EvaluatorFn
    reads: tuple[str, ...]  # probe ids, in the order their not-available reasons are reported
    builds_on: tuple[str, ...] = ()  # criteria whose verdicts it reads


def settle(verdict: Verdict, reads: ProbeReads) -> Verdict:
    """Not-available never passes: a pass resting on a probe that could not answer is unknown, with its reason."""
    if verdict.status != PASS:
        return verdict
    missing = reads.first_unavailable()
    if missing is None:
        return verdict
    return Verdict(verdict.id, UNKNOWN, missing.summary, missing.findings, verdict.notes)


# -- the evaluators ----------------------------------------------------------------------------------------------------
LICENSE_READS = ("license-established", "ancestors-resolved", "license-clauses")


def evaluate_license_clause(c: Criterion, reads: ProbeReads, _: Mapping[str, Verdict]) -> Verdict:
    clauses = reads["license-clauses"].findings
    failing = [f for f in clauses if f.kind in c.fails_on]
    notes = tuple(f for f in clauses if f.kind in c.notes_on)
    if failing:
        first = failing[0]
        lead = "Heuristic analysis found" if first.heuristic else "The terms include"
        # The clause in full (names are never cut), and where its terms were read when not in the repo's file.
        from_kb = (reads["license-established"].value or "") if first.location.startswith("criteria/") else ""
        return Verdict(c.id, FAIL, f"{lead} a clause that fails {c.implements.split(' (')[0]}: "
                       f"{first.statement or first.detail}{from_kb}", tuple(failing), notes)
    established = reads["license-established"]
    return Verdict(c.id, PASS, established.summary, established.findings, notes)


def evaluate_license_distribution(c: Criterion, reads: ProbeReads, verdicts: Mapping[str, Verdict]) -> Verdict:
    verdict = settle(evaluate_license_clause(c, reads, verdicts), reads)
    gate = reads["access-gated"]
    if verdict.status != PASS or not gate.true:
        return verdict
    return Verdict(c.id, PARTIAL, "The license passes its rights on, but each recipient must pass an access gate.",
                   (*gate.findings, *verdict.evidence), verdict.notes)


def evaluate_source(c: Criterion, reads: ProbeReads, _: Mapping[str, Verdict]) -> Verdict:
    weights, code, inference = reads["publishes-weights"], reads["training-code-linked"], reads["inference-supported"]
    if weights.false:
        return Verdict(c.id, FAIL, weights.summary, weights.findings)
    if not weights.available:
        return Verdict(c.id, UNKNOWN, weights.summary)
    found = weights.findings + code.findings + inference.findings
    if code.true and inference.true:
        return Verdict(c.id, PASS, "Weights, training code and inference support are all available.", found)
    if not code.available:
        why = code.summary[0].lower() + code.summary[1:]
        return Verdict(c.id, UNKNOWN, f"Weights are published, but whether training code is linked is not known: {why}",
                       found)
    missing = "training code is not linked from the card" if not code.true else "no inference code or architecture found"
    return Verdict(c.id, PARTIAL, f"Weights are published but {missing}.", found)


DATA_READS = ("training-data-listed", "training-data-obtainable", "training-data-described",
              "data-processing-described", "datasheet-linked", "paper-linked", "ancestors-data-disclosed")
_LISTED_KINDS = ("dataset-declared", "dataset-linked", "dataset-elsewhere", "dataset-unchecked")


def evaluate_data_transparency(c: Criterion, reads: ProbeReads, _: Mapping[str, Verdict]) -> Verdict:
    listed, obtainable = reads["training-data-listed"], reads["training-data-obtainable"]
    described, processing = reads["training-data-described"], reads["data-processing-described"]
    found = (listed.findings + described.findings + processing.findings + reads["datasheet-linked"].findings
             + reads["paper-linked"].findings)
    if listed.true and obtainable.true and described.true and processing.true:
        n = len(listed.findings)  # all declared or linked: none is missing or unchecked when obtainable
        bases = reads["ancestors-data-disclosed"]
        if not bases.true:  # a derivative's training data includes its bases'
            return Verdict(c.id, PARTIAL, f"Its own {n} training dataset(s) are listed, obtainable and described, but "
                           f"{bases.summary[0].lower()}{bases.summary[1:]}", found + bases.findings)
        return Verdict(c.id, PASS, f"{n} training dataset(s) are listed and obtainable, and the data and its "
                       "processing are described.", found)
    if listed.true or described.true:
        return Verdict(c.id, PARTIAL, "Partial data information: " + _data_parts(listed, described, processing) + ".",
                       found)
    if not described.available:
        return Verdict(c.id, UNKNOWN, listed.summary, found)
    return Verdict(c.id, FAIL, "Nothing about the training data is listed or described.",
                   (Finding("no-data-information", "No datasets in metadata and no training-data description in the card.",
                            "README.md", "file"),))


def _data_parts(listed: ProbeResult, described: ProbeResult, processing: ProbeResult) -> str:
    kinds = [f.kind for f in listed.findings]
    n_listed = sum(1 for k in kinds if k in _LISTED_KINDS)
    parts = [f"{n_listed} dataset(s) listed" if n_listed else "no dataset listed"]
    if kinds.count("dataset-missing"):
        parts.append(f"{kinds.count('dataset-missing')} not obtainable")
    if kinds.count("dataset-unchecked"):
        parts.append(f"{kinds.count('dataset-unchecked')} not checked")
    parts.append("training data described" if described.true else "training data not described")
    if described.true and not processing.true:
        parts.append("processing not described")
    return ", ".join(parts)


def evaluate_osaid_data(c: Criterion, reads: ProbeReads, verdicts: Mapping[str, Verdict]) -> Verdict:
    dt = verdicts["data-transparency"]
    return Verdict(c.id, dt.status, f"Data information: {dt.summary}", dt.evidence)


def evaluate_osaid_code(c: Criterion, reads: ProbeReads, _: Mapping[str, Verdict]) -> Verdict:
    code, inference = reads["training-code-linked"], reads["inference-supported"]
    found = code.findings + inference.findings
    if code.true and inference.true:
        return Verdict(c.id, PASS, "Training code is linked and inference code is available.", found)
    if inference.true or code.true:
        what = ("Only inference code / architecture is available." if inference.true
                else "Training code is linked but no inference support was found.")
        return Verdict(c.id, PARTIAL, what, found)
    if not code.available:
        return Verdict(c.id, UNKNOWN, "The card could not be read to look for code.")
    if not inference.available:
        return Verdict(c.id, UNKNOWN, inference.summary)
    return Verdict(c.id, FAIL, "Neither training nor inference code was found.")


def evaluate_osaid_parameters(c: Criterion, reads: ProbeReads, verdicts: Mapping[str, Verdict]) -> Verdict:
    weights = reads["publishes-weights"]
    if weights.false:
        return Verdict(c.id, FAIL, "No weights are published.")
    statuses = [verdicts[i].status for i in OSD_LICENSE_IDS]
    if FAIL in statuses:
        failing = [i for i in OSD_LICENSE_IDS if verdicts[i].status == FAIL]
        return Verdict(c.id, FAIL, f"The weights' terms fail OSD criteria: {', '.join(failing)}.", weights.findings)
    if UNKNOWN in statuses:
        return Verdict(c.id, UNKNOWN, "The weights' license could not be established.", weights.findings)
    if PARTIAL in statuses:
        return Verdict(c.id, PARTIAL, "Weights are under passing terms but behind an access gate.", weights.findings)
    return Verdict(c.id, PASS, "Weights are published ungated under terms that pass every OSD criterion.",
                   weights.findings)


def evaluate_mof(c: Criterion, reads: ProbeReads, verdicts: Mapping[str, Verdict]) -> Verdict:
    result = estimate(reads, {k: v.status for k, v in verdicts.items()})
    return Verdict(c.id, result.status, result.summary, result.evidence, detail=result)


EVALUATORS: dict[str, Evaluator] = {
    "license-clause": Evaluator(evaluate_license_clause, LICENSE_READS),
    "license-distribution": Evaluator(evaluate_license_distribution, (*LICENSE_READS, "access-gated")),
    "source": Evaluator(evaluate_source, ("publishes-weights", "training-code-linked", "inference-supported")),
    "data-transparency": Evaluator(evaluate_data_transparency, DATA_READS),
    "osaid-data-information": Evaluator(evaluate_osaid_data, (), ("data-transparency",)),
    "osaid-code": Evaluator(evaluate_osaid_code, ("training-code-linked", "inference-supported")),
    "osaid-parameters": Evaluator(evaluate_osaid_parameters, ("publishes-weights",), OSD_LICENSE_IDS),
    "mof-class": Evaluator(evaluate_mof, MOF_READS, MOF_BUILDS_ON),
}


def judge_criterion(c: Criterion, inputs: AuditInputs, verdicts: Mapping[str, Verdict]) -> Verdict:
    """One criterion: its evaluator on the probes it declares, settled by the not-available rule."""
    evaluator = EVALUATORS[c.evaluator]
    reads = ProbeReads(inputs.probes, evaluator.reads)
    earlier = {i: verdicts[i] for i in evaluator.builds_on}
    return settle(evaluator.run(c, reads, earlier), reads)


def judge(inputs: AuditInputs) -> dict[str, Verdict]:
    """One verdict per criterion in criteria/, keyed by id, in criteria order (each after those it builds on)."""
    criteria = load_criteria()
    verdicts: dict[str, Verdict] = {}
    pending = list(criteria)
    while pending:
        ready = [c for c in pending if all(b in verdicts for b in EVALUATORS[c.evaluator].builds_on)]
        if not ready:
            raise ValueError(f"criteria build on each other in a loop: {[c.id for c in pending]}")
        for c in ready:
            verdicts[c.id] = judge_criterion(c, inputs, verdicts)
        pending = [c for c in pending if c.id not in verdicts]
    return {c.id: verdicts[c.id] for c in criteria}


def classify(inputs: AuditInputs, verdicts: Mapping[str, Verdict]) -> str:
    """The contract's classification, from the verdicts."""
    weights = inputs.probes["publishes-weights"]
    if weights.false:
        return Classification.CLOSED
    statuses = {i: verdicts[i].status for i in OSD_LICENSE_IDS}
    if FAIL in statuses.values():
        return Classification.RESTRICTED
    if not inputs.resolution.established or UNKNOWN in statuses.values() or not weights.available:
        return Classification.UNKNOWN
    all_pass = all(s == PASS for s in statuses.values())
    if all_pass and verdicts["source"].status == PASS and verdicts["data-transparency"].status == PASS:
        return Classification.OPEN_SOURCE
    return Classification.OPEN_WEIGHTS
