"""The single-model pipeline: hub → evidence → findings → verdicts → report."""

from __future__ import annotations

from typing import Any

from auditor import callable_module
from auditor.evidence import RepoEvidence
from auditor.hub.base import Hub
from auditor.judge import AuditInputs, judge
from auditor.licenses.identify import resolve_license
from auditor.lineage import DEFAULT_MAX_DEPTH, AncestorCache, trace_ancestors
from auditor.probes import LINEAGE, Finding
from auditor.repoid import validate_repo_id
from auditor.report import Lineage, build_report


def score(evidence: RepoEvidence, lineage: Lineage, audited_at: str | None = None) -> dict[str, Any]:
    """Evidence (and its lineage) → report. Pure: no network; `audit rescore` uses it on stored evidence."""
    resolution = resolve_license(evidence)
    if lineage.inherited:
        resolution = resolution.with_inherited(list(lineage.inherited), [])
    inputs = AuditInputs.build(evidence, resolution, unresolved_ancestors(lineage))
    verdicts = judge(inputs)
    return build_report(inputs, verdicts, lineage, audited_at)


# Lineage findings that leave inherited terms unknown: a license clause cannot pass while they stand.
UNRESOLVED_KINDS = frozenset({"missing-base", "ancestor-license-unknown", "depth-limit"})


def unresolved_ancestors(lineage: Lineage) -> tuple[Finding, ...]:
    return tuple(
        Finding(kind=f.kind, detail=f.detail, location=f.location or (f"lineage:{f.ancestor}" if f.ancestor else "lineage"),
                evidence_kind=LINEAGE)
        for f in lineage.findings if f.kind in UNRESOLVED_KINDS and f.severity in ("warning", "critical"))


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
