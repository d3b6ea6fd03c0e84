"""A lower-bound estimate of the Model Openness Framework class from probe outcomes.

The MOF counts a component only when it is included and under an open license (an OSI-approved or open-data SPDX
id, or OpenMDW-1.0). Files in the repository are taken to be under the repository's license; components the Hub
cannot show (intermediate checkpoints, evaluation code, ...) are reported as not established."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from auditor.licenses.knowledge import LicenseInfo
from auditor.probes import Finding, ProbeResult
from auditor.probes.license_terms import is_open
from auditor.vocabulary import EvidenceKind, Status

__all__ = ["COMPONENTS", "CLASS_REQUIRED", "MOF_READS", "MOF_BUILDS_ON", "MofEstimate", "estimate", "is_open"]

# MOF component ids and names, and the classes needing them (frameworks.md §2a).
COMPONENTS: dict[int, str] = {
    9: "Model architecture", 10: "Model parameters (Final)", 11: "Technical report", 12: "Evaluation results",
    13: "Model card", 14: "Data card", 7: "Training code", 8: "Inference code", 18: "Evaluation code",
    19: "Evaluation data", 15: "Datasets", 16: "Data preprocessing code", 24: "Model parameters (Intermediate)",
    21: "Research paper",
}
CLASS_REQUIRED: dict[str, tuple[int, ...]] = {
    "III": (9, 10, 11, 12, 13, 14),
    "II": (7, 8, 18, 19),
    "I": (15, 16, 24, 21),
}
# The probe establishing each component the Hub can show; the others are "not established from the Hub".
COMPONENT_PROBES: dict[int, str] = {
    9: "inference-supported", 10: "publishes-weights", 12: "evaluation-results-reported",
    13: "model-card-published", 14: "datasheet-linked", 7: "training-code-linked", 15: "training-data-obtainable",
}
IN_REPO = (9, 10, 12, 13, 14)  # repo files carry the repo's license; linked code and data have their own
MOF_READS = ("license-open", *dict.fromkeys(COMPONENT_PROBES.values()))
# A license that fails these OSD clauses is not open for the MOF, whatever its category.
MOF_BUILDS_ON = ("fields-of-endeavor", "persons-groups")


class Reads(Protocol):
    def __getitem__(self, probe_id: str) -> ProbeResult: ...


@dataclass(frozen=True)
class MofEstimate:
    mof_class: str | None  # "I" | "II" | "III" | None
    status: str
    summary: str
    components: dict[str, dict[str, object]]  # name -> {included, license, open}
    evidence: tuple[Finding, ...]


def _components(reads: Reads, lic: LicenseInfo | None, repo_open: bool) -> tuple[dict[str, dict[str, object]],
                                                                                  set[int]]:
    components: dict[str, dict[str, object]] = {}
    open_ids: set[int] = set()
    for cid, name in COMPONENTS.items():
        probe_id = COMPONENT_PROBES.get(cid)
        if probe_id is None:
            components[name] = {"included": None, "license": None, "open": None, "note": "not established from the Hub"}
            continue
        included = reads[probe_id].true
        comp_open = included and cid in IN_REPO and repo_open
        components[name] = {"included": included, "license": (lic.spdx if lic and cid in IN_REPO and included else None),
                            "open": comp_open if included else False}
        if comp_open:
            open_ids.add(cid)
    return components, open_ids


def _class_reached(open_ids: set[int]) -> str | None:
    reached = None
    for cls in ("III", "II", "I"):  # each class needs every component of the classes below it
        if not all(c in open_ids for c in CLASS_REQUIRED[cls]):
            break
        reached = cls
    return reached


def estimate(reads: Reads, statuses: Mapping[str, str]) -> MofEstimate:
    """The MOF class the probes establish; `statuses` are the verdicts of MOF_BUILDS_ON."""
    license_open = reads["license-open"]
    lic: LicenseInfo | None = license_open.value
    repo_open = license_open.true and not any(statuses.get(k) == Status.FAIL for k in MOF_BUILDS_ON)
    components, open_ids = _components(reads, lic, repo_open)
    reached = _class_reached(open_ids)
    evidence = tuple(Finding("mof-component", f"{name}: {'open' if v['open'] else 'not established as open'}.",
                             "mof", EvidenceKind.HUB_FIELD) for name, v in components.items() if v["included"])
    if lic is None:
        return MofEstimate(None, Status.UNKNOWN, "The license could not be established.", components, evidence)
    have = sum(1 for c in CLASS_REQUIRED["III"] if c in open_ids)
    if reached:
        return MofEstimate(reached, Status.PASS, f"Estimated MOF Class {reached}.", components, evidence)
    if have:
        return MofEstimate(None, Status.PARTIAL, f"{have} of 6 Class III components are established as open; no "
                           "class is reached from Hub evidence alone.", components, evidence)
    return MofEstimate(None, Status.FAIL, "No MOF component is established under an open license.", components,
                       evidence)
