"""The single-model pipeline: hub → evidence → probes → verdicts → report.

`assess` is the one way from evidence and lineage to a classification: `audit`, `audit rescore` (through
`score`) and `audit tree` (for every ancestor it draws) all go through it, so they cannot classify apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor import callable_module
from auditor.evidence import RepoEvidence
from auditor.hub.base import Hub
from auditor.judge import AuditInputs, Verdict, classify, judge
from auditor.licenses.identify import resolve_license
from auditor.lineage import DEFAULT_MAX_DEPTH, AncestorCache, Lineage, trace_ancestors
from auditor.repoid import validate_repo_id
from auditor.report import build_report


@dataclass(frozen=True)
class Assessment:
    inputs: AuditInputs
    verdicts: dict[str, Verdict]

    @property
    def classification(self) -> str:
        return classify(self.inputs, self.verdicts)


def assess(evidence: RepoEvidence, lineage: Lineage) -> Assessment:
    """Evidence and its lineage → probes (each run once) → verdicts. Pure: no network."""
    resolution = resolve_license(evidence)
    if lineage.inherited:
        resolution = resolution.with_inherited(list(lineage.inherited), [])
    inputs = AuditInputs.build(evidence, resolution, lineage.unresolved(), lineage.ancestor_evidence)
    return Assessment(inputs, judge(inputs))


def score(evidence: RepoEvidence, lineage: Lineage, audited_at: str | None = None) -> dict[str, Any]:
    """Evidence (and its lineage) → report. Pure: no network; `audit rescore` uses it on stored evidence."""
    assessment = assess(evidence, lineage)
    return build_report(assessment.inputs, assessment.verdicts, lineage, audited_at)


def audit(repo_id: str, revision: str | None = None, *, hub: Hub | None = None, token: str | None = None,
          follow_lineage: bool = True, max_depth: int = DEFAULT_MAX_DEPTH,
          cache: AncestorCache | None = None) -> dict[str, Any]:
    """Audit one model; returns the contract report as a dict. Raises AuditError subclasses on bad input."""
    validate_repo_id(repo_id)
    if hub is None:
        from auditor.hub.live import LiveHub

        hub = LiveHub(token=token)
    evidence = hub.repo(repo_id, revision)
    lineage = trace_ancestors(hub, evidence, max_depth, cache) if follow_lineage else Lineage()
    return score(evidence, lineage)


callable_module(__name__, audit)  # `auditor.audit(...)` calls audit(): the public API, see auditor/__init__.py
