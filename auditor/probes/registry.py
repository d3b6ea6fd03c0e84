"""The probe registry: every probe by id, run once per audit.

A probe is a pure function of a `ProbeContext` (evidence, license resolution, unresolved ancestors) returning a
`ProbeResult` with an explicit outcome. To add one: write the function next to its kin, list it here with the
question it answers, and name its id in the `reads:` of the criteria that depend on it (the drift test in
tests/test_criteria.py checks the YAML against the evaluators)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from auditor.probes import ProbeResult
from auditor.probes import license_terms as lt
from auditor.probes import publication as pub
from auditor.probes.context import ProbeContext


@dataclass(frozen=True)
class Probe:
    id: str  # kebab-case, as criteria/*.yaml name it
    question: str  # what a true outcome means
    run: Callable[[ProbeContext], ProbeResult]


PROBES: tuple[Probe, ...] = (
    Probe("publishes-weights", "Are weight files published in the repository?", pub.probe_publishes_weights),
    Probe("training-code-linked", "Does the card link the code the model was trained with?",
          pub.probe_training_code_linked),
    Probe("inference-supported", "Can the model be run with open code (a known library or a declared architecture)?",
          pub.probe_inference_supported),
    Probe("model-card-published", "Does the repository carry a readable model card?", pub.probe_model_card_published),
    Probe("evaluation-results-reported", "Does the card report evaluation results (model-index)?",
          pub.probe_evaluation_results_reported),
    Probe("access-gated", "Must each recipient pass an access gate to download?", pub.probe_access_gated),
    Probe("training-data-listed", "Are training datasets named in metadata or linked from the card?",
          pub.probe_training_data_listed),
    Probe("training-data-obtainable", "Can every named training dataset be obtained?",
          pub.probe_training_data_obtainable),
    Probe("training-data-described", "Does the card describe the training data?", pub.probe_training_data_described),
    Probe("data-processing-described", "Does the card describe how the training data was processed?",
          pub.probe_data_processing_described),
    Probe("datasheet-linked", "Does the card refer to a datasheet or data card?", pub.probe_datasheet_linked),
    Probe("paper-linked", "Does the card link a paper?", pub.probe_paper_linked),
    Probe("ancestors-data-disclosed", "Does every ancestor read list, locate and describe its training data?",
          pub.probe_ancestors_data_disclosed),
    Probe("license-clauses", "Do the binding terms contain restrictive or notable clauses (which ones)?",
          lt.probe_license_clauses),
    Probe("license-established", "Are the binding terms identified, reviewed and fully read?",
          lt.probe_license_established),
    Probe("license-open", "Is the model's license open in the MOF's sense (OSI-approved, open data, OpenMDW)?",
          lt.probe_license_open),
    Probe("ancestors-resolved", "Were the terms of every ancestor read?", lt.probe_ancestors_resolved),
)
PROBE_IDS = frozenset(p.id for p in PROBES)


def probe(probe_id: str) -> Probe:
    for p in PROBES:
        if p.id == probe_id:
            return p
    raise KeyError(probe_id)


def run_probes(context: ProbeContext) -> dict[str, ProbeResult]:
    """Every registered probe, run once, by id."""
    return {p.id: p.run(context) for p in PROBES}
