"""What a probe may read: the evidence, the license resolution, and the ancestors whose terms could not be read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from auditor.evidence import RepoEvidence
from auditor.licenses.identify import LicenseResolution
from auditor.probes import Finding

T = TypeVar("T")


@dataclass
class ProbeContext:
    evidence: RepoEvidence
    resolution: LicenseResolution
    # Lineage findings that leave inherited terms unknown (missing base, unidentified license, depth limit).
    unresolved_ancestors: tuple[Finding, ...] = ()
    # Every ancestor read (their own evidence): a derivative's training data includes its bases'.
    ancestor_evidence: tuple[RepoEvidence, ...] = ()
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A reading several probes share (the data information, the clause findings), computed once."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]
