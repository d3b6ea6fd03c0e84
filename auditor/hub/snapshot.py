"""Answers from stored evidence (the bundled snapshot in reports/evidence/), with no network."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from auditor.errors import HubUnreachable, RepoNotFound
from auditor.evidence import DatasetEvidence, RepoEvidence
from auditor.hub.base import ChildModel
from auditor.paths import data_dir
from auditor.repoid import validate_repo_id

SNAPSHOT_DIR_ENV = "AUDITOR_SNAPSHOT_DIR"


def snapshot_root() -> Path:
    """The bundled evidence, or the directory named by AUDITOR_SNAPSHOT_DIR (tests, a private snapshot)."""
    override = os.environ.get(SNAPSHOT_DIR_ENV)
    if override:
        return Path(override)
    return data_dir("reports") / "evidence"


class SnapshotHub:
    source = "snapshot"

    def __init__(self, root: Path | None = None, *, keep_source: bool = False):
        self.root = root or snapshot_root()
        # keep_source: `audit rescore` re-judges evidence once read live; it stays "hub" evidence of its fetch date.
        self.keep_source = keep_source
        self._cache: dict[str, RepoEvidence] = {}

    def path_for(self, repo_id: str) -> Path:
        return self.root / f"{repo_id}.json"

    def has(self, repo_id: str) -> bool:
        return self.path_for(repo_id).is_file()

    def repo(self, repo_id: str, revision: str | None = None, *, texts: bool = True) -> RepoEvidence:
        # Stored evidence is whatever was stored: `texts` (the light read) changes nothing here.
        validate_repo_id(repo_id)
        if repo_id not in self._cache:
            path = self.path_for(repo_id)
            if not path.is_file():
                raise HubUnreachable(f"The Hub could not be reached and the bundled snapshot does not hold {repo_id}.")
            try:
                stored = RepoEvidence.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError, AttributeError) as exc:  # a torn or foreign file
                raise HubUnreachable(f"The snapshot's evidence for {repo_id} ({path}) is unreadable "
                                     f"({type(exc).__name__}).") from None
            if not self.keep_source:
                # Evidence stored from a live run has no snapshot date: the day it was fetched is that date.
                stored = replace(stored, source="snapshot", snapshot_date=stored.snapshot_date or
                                 (stored.fetched_at[:10] if stored.fetched_at else None))
            self._cache[repo_id] = stored
        evidence = self._cache[repo_id]
        if revision not in (None, "main", evidence.revision):
            raise RepoNotFound(f"The bundled snapshot holds {repo_id} only at revision {evidence.revision[:12]}, "
                               f"not '{revision}'.")
        return evidence

    def dataset(self, dataset_id: str) -> DatasetEvidence:
        return DatasetEvidence(id=dataset_id, exists=None, detail="not checked: answering from the snapshot")

    def all_ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.relative_to(self.root).with_suffix("").as_posix() for p in self.root.rglob("*.json"))

    def children(self, repo_id: str, relation: str | None = None, limit: int | None = None) -> list[ChildModel]:
        from auditor.bases import declared_bases, relation_of

        named: dict[str, tuple[RepoEvidence, list[str]]] = {}
        for other in self.all_ids():
            ev = self.repo(other)
            named[other] = (ev, declared_bases(ev))
        out = []
        for other, (ev, bases) in named.items():
            if repo_id in bases:
                rel = relation_of(ev, len(bases))
                if relation is None or rel == relation:
                    lic = ev.card_data.get("license")
                    count = sum(1 for _, (_, theirs) in named.items() if other in theirs)
                    out.append(ChildModel(other, rel, lic if isinstance(lic, str) else None, ev.downloads, ev.gated,
                                          count))
        return out[:limit] if limit else out
