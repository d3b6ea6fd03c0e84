"""Probes: small pure functions from evidence to findings, each finding tied to where it was seen.

A probe answers one question (`license_caps_users`, `declares_training_datasets`, ...). Criteria combine the
findings of the probes they read; see auditor/judge.py."""

from __future__ import annotations

from dataclasses import dataclass

# Contract evidence kinds.
LICENSE_CLAUSE = "license-clause"
CARD_FIELD = "card-field"
FILE = "file"
HUB_FIELD = "hub-field"
LINEAGE = "lineage"


@dataclass(frozen=True)
class Finding:
    kind: str  # what was found: a license fact kind, "training-code-link", "dataset-declared", ...
    detail: str  # one sentence a reader understands
    location: str  # "LICENSE.txt#L40-L45", "cardData.datasets", "criteria/licenses/llama-2.yaml"
    evidence_kind: str  # one of the contract kinds above
    heuristic: bool = False  # found by pattern analysis of an unknown text, not from reviewed knowledge
    license_key: str | None = None  # the license whose clause this is

    def as_evidence(self) -> dict[str, str]:
        detail = self.detail + (" (heuristic)" if self.heuristic and "heuristic" not in self.detail else "")
        return {"kind": self.evidence_kind, "detail": detail, "location": self.location}
