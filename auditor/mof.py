"""A lower-bound estimate of the Model Openness Framework class from Hub evidence.

The MOF counts a component only when it is included and under an open license (an OSI-approved or open-data SPDX
id, or OpenMDW-1.0). Files in the repository are taken to be under the repository's license; components the Hub
cannot show (intermediate checkpoints, evaluation code, ...) are reported as not established."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.licenses.knowledge import LicenseInfo
from auditor.probes import Finding

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
OPEN_CATEGORIES = {"osi-approved", "open-data"}


def is_open(lic: LicenseInfo | None) -> bool:
    return lic is not None and (lic.osi_approved or lic.category in OPEN_CATEGORIES or lic.spdx == "OpenMDW-1.0")


@dataclass(frozen=True)
class MofEstimate:
    mof_class: str | None  # "I" | "II" | "III" | None
    status: str
    summary: str
    components: dict[str, dict[str, object]]  # name -> {included, license, open}
    evidence: tuple[Finding, ...]


def estimate(inputs, verdicts) -> MofEstimate:  # (AuditInputs, dict[str, Verdict])
    from auditor.probes.publication import links_training_code, publishes_weights, supports_inference

    ev = inputs.evidence
    primary = inputs.resolution.primary
    lic = primary.license if primary else None
    repo_open = is_open(lic) and not any(v.status == "fail" for k, v in verdicts.items()
                                         if k in ("fields-of-endeavor", "persons-groups"))
    data = inputs.data
    included: dict[int, bool] = {
        9: bool(supports_inference(ev)),
        10: bool(publishes_weights(ev)),
        12: bool(ev.card_data.get("model-index")),
        13: data is not None and data.readable,
        14: data is not None and any(f.kind == "datasheet" for f in data.documents),
        7: bool(links_training_code(ev)),
        15: data is not None and data.obtainable,
    }
    components: dict[str, dict[str, object]] = {}
    open_ids: set[int] = set()
    for cid, name in COMPONENTS.items():
        inc = included.get(cid)
        if inc is None:
            components[name] = {"included": None, "license": None, "open": None, "note": "not established from the Hub"}
            continue
        # Repo files carry the repo's license; linked code and datasets have licenses of their own we do not read.
        in_repo = cid in (9, 10, 12, 13, 14)
        comp_open = bool(inc and in_repo and repo_open)
        components[name] = {"included": inc, "license": (lic.spdx if lic and in_repo and inc else None),
                            "open": comp_open if inc else False}
        if comp_open:
            open_ids.add(cid)
    reached = None
    for cls in ("III", "II", "I"):
        if all(c in open_ids for c in CLASS_REQUIRED[cls]):
            reached = cls
        else:
            break
    evidence = tuple(Finding("mof-component", f"{name}: {'open' if v['open'] else 'not established as open'}.",
                             "mof", "hub-field") for name, v in components.items() if v["included"])
    if lic is None:
        return MofEstimate(None, "unknown", "The license could not be established.", components, evidence)
    have = sum(1 for c in CLASS_REQUIRED["III"] if c in open_ids)
    if reached:
        return MofEstimate(reached, "pass", f"Estimated MOF Class {reached}.", components, evidence)
    if have:
        return MofEstimate(None, "partial", f"{have} of 6 Class III components are established as open; no class "
                           "is reached from Hub evidence alone.", components, evidence)
    return MofEstimate(None, "fail", "No MOF component is established under an open license.", components, evidence)
