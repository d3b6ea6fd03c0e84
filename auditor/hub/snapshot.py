"""Answers from stored evidence (the bundled snapshot in reports/evidence/), with no network.

Lookups follow the Hub's rule that ids are case-insensitive (`meta-llama/llama-2-13b-hf` finds
`meta-llama/Llama-2-13b-hf`); a model the snapshot lacks raises NotInSnapshot with the closest ids it holds."""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from auditor.bases import declared_bases, relation_of
from auditor.errors import AuditError, HubUnreachable, NotInSnapshot, RepoNotFound
from auditor.evidence import DatasetEvidence, RepoEvidence
from auditor.hub.base import ChildModel, Hub
from auditor.paths import data_dir
from auditor.repoid import validate_repo_id
from auditor.store import ReportStore, id_path
from auditor.vocabulary import Source

SNAPSHOT_DIR_ENV = "AUDITOR_SNAPSHOT_DIR"


def snapshot_root() -> Path:
    """The bundled evidence, or the directory named by AUDITOR_SNAPSHOT_DIR (tests, a private snapshot)."""
    override = os.environ.get(SNAPSHOT_DIR_ENV)
    if override:
        return Path(override)
    return ReportStore(data_dir("reports")).evidence_dir


@dataclass(frozen=True)
class SnapshotEntry:
    """One model the snapshot holds, as `audit snapshot list` shows it."""

    id: str
    revision: str
    snapshot_date: str | None
    license: str | None  # the card's license field, when it is one string
    gated: bool | str


class SnapshotHub(Hub):
    source = Source.SNAPSHOT

    def __init__(self, root: Path | None = None, *, keep_source: bool = False, why: str | None = None):
        self.root = root or snapshot_root()
        # Why answers come from the snapshot ("With --offline no request is made to the Hub"), for the message.
        self.why = why
        # keep_source: `audit rescore` re-judges evidence once read live; it stays "hub" evidence of its fetch date.
        self.keep_source = keep_source
        self._cache: dict[str, RepoEvidence] = {}
        self._ids: dict[str, str] | None = None  # lower-case id -> id as stored

    # -- what the snapshot holds -----------------------------------------------------------------------------------
    def all_ids(self) -> list[str]:
        return sorted(self._index().values())

    def _index(self) -> dict[str, str]:
        if self._ids is None:
            found = [p.relative_to(self.root).with_suffix("").as_posix() for p in self.root.rglob("*.json")] \
                if self.root.is_dir() else []
            self._ids = {repo_id.lower(): repo_id for repo_id in sorted(found)}
        return self._ids

    def canonical_id(self, repo_id: str) -> str | None:
        """The id as the snapshot stores it, whatever the case of `repo_id`; None when it is not held."""
        return self._index().get(repo_id.lower())

    def path_for(self, repo_id: str) -> Path:
        return id_path(self.root, self.canonical_id(repo_id) or repo_id, ".json", reserved=False)

    def has(self, repo_id: str) -> bool:
        return self.canonical_id(repo_id) is not None

    def suggestions(self, repo_id: str, limit: int = 3) -> list[str]:
        """Held ids closest to `repo_id` (a typo, a missing namespace), best first."""
        index = self._index()
        wanted = repo_id.lower()
        close = difflib.get_close_matches(wanted, list(index), n=limit, cutoff=0.75)
        if not close:  # "llama-2-13b-hf" without its namespace
            close = [key for key in index if key.split("/")[-1] == wanted.split("/")[-1]][:limit]
        return [index[key] for key in close]

    def entries(self) -> list[SnapshotEntry]:
        """Every model held, sorted by id; an unreadable entry is listed with what its id says, nothing more."""
        out = []
        for repo_id in self.all_ids():
            try:
                evidence = self.repo(repo_id)
            except AuditError:
                out.append(SnapshotEntry(repo_id, "", None, None, False))
                continue
            license_field = evidence.card_data.get("license")
            out.append(SnapshotEntry(repo_id, evidence.revision, evidence.snapshot_date,
                                     license_field if isinstance(license_field, str) else None, evidence.gated))
        return out

    # -- the interface ---------------------------------------------------------------------------------------------
    def repo(self, repo_id: str, revision: str | None = None, *, texts: bool = True) -> RepoEvidence:
        # Stored evidence is whatever was stored: `texts` (the light read) changes nothing here.
        validate_repo_id(repo_id)
        held = self.canonical_id(repo_id)
        if held is None:
            raise NotInSnapshot(self.missing_message(repo_id))
        if held not in self._cache:
            self._cache[held] = self._load(held)
        evidence = self._cache[held]
        if revision not in (None, "main", evidence.revision):
            at = f"at revision {evidence.revision[:12]}" if evidence.revision else "in one state, whose commit is not known"
            raise RepoNotFound(f"The bundled snapshot holds {held} only {at}, not at revision '{revision}'.")
        return evidence

    def missing_message(self, repo_id: str) -> str:
        """One sentence: the snapshot lacks `repo_id`, the closest ids it holds, where to see them all."""
        close = self.suggestions(repo_id)
        hint = f" Did you mean {one_of(close)}?" if close else ""
        lacks = f"the bundled snapshot does not hold {repo_id}"
        lacks = f"{self.why}, and {lacks}" if self.why else lacks[0].upper() + lacks[1:]
        return f"{lacks} (it holds {len(self._index())} models: `audit snapshot list` shows them).{hint}"

    def _load(self, repo_id: str) -> RepoEvidence:
        path = self.root / f"{repo_id}.json"
        try:
            stored = RepoEvidence.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, AttributeError) as exc:  # a torn or foreign file
            raise HubUnreachable(f"The snapshot's evidence for {repo_id} ({path}) is unreadable "
                                 f"({type(exc).__name__}).") from None
        if self.keep_source:
            return stored
        # Evidence stored from a live run has no snapshot date: the day it was fetched is that date.
        return replace(stored, source=Source.SNAPSHOT, snapshot_date=stored.snapshot_date or
                       (stored.fetched_at[:10] if stored.fetched_at else None))

    def dataset(self, dataset_id: str) -> DatasetEvidence:
        return DatasetEvidence(id=dataset_id, exists=None, detail="not checked: answering from the snapshot")

    def current_shas(self, repo_ids: list[str]) -> dict[str, str]:
        """The commit each held model is stored at: what this Hub answers for it now."""
        out = {}
        for repo_id in repo_ids:
            try:
                out[repo_id] = self.repo(repo_id).revision
            except AuditError:
                continue
        return out

    def children(self, repo_id: str, relation: str | None = None, limit: int | None = None) -> list[ChildModel]:
        """Held models whose card names `repo_id` as a base (ids compared without case, as the Hub does)."""
        named = {other: [b.lower() for b in declared_bases(self.repo(other))] for other in self.all_ids()}
        wanted = repo_id.lower()
        out = []
        for other, bases in named.items():
            if wanted not in bases:
                continue
            evidence = self.repo(other)
            rel = relation_of(evidence, len(bases))
            if relation is None or rel == relation:
                license_field = evidence.card_data.get("license")
                count = sum(1 for theirs in named.values() if other.lower() in theirs)
                out.append(ChildModel(other, rel, license_field if isinstance(license_field, str) else None,
                                      evidence.downloads, evidence.gated, count))
        return out[:limit] if limit else out


def one_of(ids: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} or {ids[-1]}"


def snapshot_ids(root: Path | None = None) -> list[str]:
    """Every model id the snapshot at `root` (default: the bundled one) holds, sorted."""
    return SnapshotHub(root).all_ids()
