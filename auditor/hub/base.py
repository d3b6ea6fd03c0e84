"""The Hub interface every audit goes through: an abstract base class, so every Hub has every method."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from auditor.evidence import DatasetEvidence, RepoEvidence


@dataclass(frozen=True)
class ChildModel:
    id: str
    relation: str  # finetune | adapter | quantized | merge | unknown
    license: str | None = None
    downloads: int | None = None
    gated: bool | str | None = None
    children_count: int | None = None  # the child's own derivatives, when the Hub says (None: not known)


class Hub(ABC):
    """Where evidence comes from: the live Hub, the bundled snapshot, or a wrapper around either.

    Errors: RepoNotFound (no such model or revision), HubUnreachable (the Hub could not answer), NotInSnapshot (a
    HubUnreachable: answering from a snapshot that does not hold the model)."""

    source: str = "hub"  # "hub" | "snapshot": where the evidence this Hub returns comes from

    @abstractmethod
    def repo(self, repo_id: str, revision: str | None = None, *, texts: bool = True) -> RepoEvidence:
        """Evidence for one model at one commit.

        texts=False is the light read used for ancestors: metadata only, plus license-type files when the card
        names no license and adapter_config.json when the card names no base (no README, datasets or headers)."""

    @abstractmethod
    def dataset(self, dataset_id: str) -> DatasetEvidence:
        """Whether a training dataset exists on the Hub, and under which license."""

    @abstractmethod
    def children(self, repo_id: str, relation: str | None = None, limit: int | None = None) -> list[ChildModel]:
        """Models that name `repo_id` as their base (the Hub's base_model: tags), at most `limit` of them."""

    def current_shas(self, repo_ids: list[str]) -> dict[str, str]:
        """The current commit of each model this Hub can tell cheaply, in bulk. A model left out is simply read in
        full later, so the default (knowing none) is always correct, only slower."""
        return {}

    def suggestions(self, repo_id: str, limit: int = 3) -> list[str]:
        """Model ids close to `repo_id` ("did you mean"), best first; none by default."""
        return []

