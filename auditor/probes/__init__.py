"""Probes: named pure functions from evidence to an outcome and the findings behind it.

A probe answers one question (`publishes-weights`, `training-code-linked`, ...) with an explicit `Outcome`: true,
false, or not-available when the evidence it needs could not be read. Every probe of auditor/probes/registry.py
runs once per audit; criteria name the probe ids they read (criteria/*.yaml `reads:`) and the judge combines the
outcomes (auditor/judge.py), where "not-available never passes" is enforced once for every criterion."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from auditor.vocabulary import EvidenceKind

# Contract evidence kinds (aliases of the vocabulary, kept for the probes' own modules).
LICENSE_CLAUSE = EvidenceKind.LICENSE_CLAUSE
CARD_FIELD = EvidenceKind.CARD_FIELD
FILE = EvidenceKind.FILE
HUB_FIELD = EvidenceKind.HUB_FIELD
LINEAGE = EvidenceKind.LINEAGE


@dataclass(frozen=True)
class Finding:
    kind: str  # what was found: a license fact kind, "training-code-link", "dataset-declared", ...
    detail: str  # one sentence a reader understands
    location: str  # "LICENSE.txt#L40-L45", "cardData.datasets", "criteria/licenses/llama-2.yaml"
    evidence_kind: str  # one of the contract kinds above
    heuristic: bool = False  # found by pattern analysis of an unknown text, not from reviewed knowledge
    license_key: str | None = None  # the license whose clause this is
    statement: str | None = None  # the claim alone, without the license name or citation (a clause's summary)

    def as_evidence(self) -> dict[str, str]:
        detail = self.detail + (" (heuristic)" if self.heuristic and "heuristic" not in self.detail else "")
        return {"kind": self.evidence_kind, "detail": detail, "location": self.location}


class Outcome(StrEnum):
    TRUE = "true"
    FALSE = "false"
    NOT_AVAILABLE = "not-available"  # the evidence the probe needs could not be read: neither true nor false


@dataclass(frozen=True)
class ProbeResult:
    """One probe's answer: its outcome, the findings behind it, and one sentence saying what it found."""

    outcome: Outcome
    findings: tuple[Finding, ...] = ()
    summary: str = ""
    value: Any = None  # a structured answer for readers that need more than the outcome (the license, ...)

    @property
    def true(self) -> bool:
        return self.outcome is Outcome.TRUE

    @property
    def false(self) -> bool:
        return self.outcome is Outcome.FALSE

    @property
    def available(self) -> bool:
        return self.outcome is not Outcome.NOT_AVAILABLE


def true(findings: list[Finding] | tuple[Finding, ...], summary: str = "", value: Any = None) -> ProbeResult:
    return ProbeResult(Outcome.TRUE, tuple(findings), summary, value)


def false(summary: str = "", findings: list[Finding] | tuple[Finding, ...] = (), value: Any = None) -> ProbeResult:
    return ProbeResult(Outcome.FALSE, tuple(findings), summary, value)


def not_available(summary: str, findings: list[Finding] | tuple[Finding, ...] = (), value: Any = None) -> ProbeResult:
    return ProbeResult(Outcome.NOT_AVAILABLE, tuple(findings), summary, value)
