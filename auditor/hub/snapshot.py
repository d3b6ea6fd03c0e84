"""Answers from stored evidence (the bundled snapshot in reports/evidence/), with no network."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from auditor.errors import HubUnreachable, RepoNotFound
from auditor.evidence import DatasetEvidence, RepoEvidence
from auditor.hub.base import ChildModel
from auditor.paths import data_dir
from auditor.repoid import validate_repo_id


def snapshot_root() -> Path:
    return data_dir("reports") / "evidence"


class SnapshotHub:
    source = "snapshot"

    def __init__(self, root: Path | None = None):
        self.root = root or snapshot_root()
        self._cache: dict[str, RepoEvidence] = {}

    def path_for(self, repo_id: str) -> Path:
        return self.root / f"{repo_id}.json"

    def has(self, repo_id: str) -> bool:
        return self.path_for(repo_id).is_file()

    def repo(self, repo_id: str, revision: str | None = None) -> RepoEvidence:
        validate_repo_id(repo_id)
        if repo_id not in self._cache:
            path = self.path_for(repo_id)
            if not path.is_file():
                raise HubUnreachable(f"The Hub could not be reached and the bundled snapshot does not hold {repo_id}.")
            raw = json.loads(path.read_text(encoding="utf-8"))
            self._cache[repo_id] = replace(RepoEvidence.from_dict(raw), source="snapshot")
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
        from auditor.lineage import declared_bases, relation_of

        out = []
        for other in self.all_ids():
            ev = self.repo(other)
            bases = declared_bases(ev)
            if repo_id in bases:
                rel = relation_of(ev, len(bases))
                if relation is None or rel == relation:
                    lic = ev.card_data.get("license")
                    out.append(ChildModel(other, rel, lic if isinstance(lic, str) else None, ev.downloads, ev.gated))
        return out[:limit] if limit else out
