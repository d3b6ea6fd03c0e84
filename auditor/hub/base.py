"""The Hub interface every audit goes through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from auditor.evidence import DatasetEvidence, RepoEvidence


@dataclass(frozen=True)
class ChildModel:
    id: str
    relation: str  # finetune | adapter | quantized | merge | unknown
    license: str | None = None
    downloads: int | None = None
    gated: bool | str | None = None
    children_count: int | None = None  # the child's own derivatives, when the Hub says (None: not known)


class Hub(Protocol):
    source: str  # "hub" | "snapshot"

    def repo(self, repo_id: str, revision: str | None = None, *, texts: bool = True) -> RepoEvidence:
        """Evidence for one model at one commit. Raises RepoNotFound / HubUnreachable.

        texts=False is the light read used for ancestors: metadata only, plus license-type files when the card
        names no license and adapter_config.json when the card names no base (no README, datasets or headers)."""
        ...

    def dataset(self, dataset_id: str) -> DatasetEvidence:
        """Whether a training dataset exists on the Hub, and under which license."""
        ...

    def children(self, repo_id: str, relation: str | None = None, limit: int | None = None) -> list[ChildModel]:
        """Models that name `repo_id` as their base (the Hub's base_model: tags), at most `limit` of them."""
        ...
