"""A persistent cache in front of any Hub: evidence served again while a model's commit sha is unchanged.

An unchanged re-run asks the Hub only for current commit shas (many models per request when the inner Hub can
list them) and reads everything else from disk; a model whose sha changed is read again in full."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

from auditor.evidence import DatasetEvidence, RepoEvidence
from auditor.fsutil import atomic_write_json
from auditor.hub.base import ChildModel, Hub
from auditor.store import id_path

_SHA = re.compile(r"[0-9a-f]{40}")


class EvidenceStore:
    """The latest evidence of each model on disk, ROOT/<repo id>.json: the layout `audit batch` writes under
    DIR/evidence/ and SnapshotHub reads. An entry serves a request only at the same commit, and a light
    (metadata-only) entry serves only light requests."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, repo_id: str) -> Path:
        return id_path(self.root, repo_id, ".json", reserved=False)  # a validated id, never outside ROOT

    def latest(self, repo_id: str) -> RepoEvidence | None:
        path = self.path(repo_id)
        if not path.is_file():
            return None
        try:
            return RepoEvidence.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None  # a damaged entry is a miss, not an error

    def get(self, repo_id: str, sha: str, texts: bool = True) -> RepoEvidence | None:
        evidence = self.latest(repo_id)
        if evidence is None or evidence.revision != sha or (texts and evidence.light) or evidence.problems:
            return None  # evidence with failed requests is read again, never reused
        return evidence

    def put(self, evidence: RepoEvidence) -> None:
        if not _SHA.fullmatch(evidence.revision or ""):
            return
        if evidence.light and self.get(evidence.repo_id, evidence.revision, texts=True) is not None:
            return  # never replace a full read with a lighter one of the same commit
        atomic_write_json(self.path(evidence.repo_id), evidence.to_dict(), indent=None)


class CachingHub(Hub):
    """Wraps a Hub; `prefetch_shas` learns current shas in bulk so cached evidence can be served without a request."""

    def __init__(self, inner: Hub, store: EvidenceStore, write_through: bool = True):
        self.inner = inner  # the wrapped Hub, for its own counters (LiveHub.requests ...)
        self.store = store
        self.write_through = write_through  # False when the caller (a batch) writes evidence itself
        self.current: dict[str, str] = {}
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    @property  # type: ignore[override]  # a wrapper answers from wherever its inner Hub does
    def source(self) -> str:
        return self.inner.source

    def prefetch_shas(self, repo_ids: list[str]) -> None:
        found = self.inner.current_shas(repo_ids)
        with self._lock:
            self.current.update(found)

    def current_shas(self, repo_ids: list[str]) -> dict[str, str]:
        self.prefetch_shas(repo_ids)
        with self._lock:
            return {repo_id: self.current[repo_id] for repo_id in repo_ids if repo_id in self.current}

    def repo(self, repo_id: str, revision: str | None = None, *, texts: bool = True) -> RepoEvidence:
        sha = revision if revision and _SHA.fullmatch(revision) else (
            self.current.get(repo_id) if revision in (None, "main") else None)
        if sha:
            cached = self.store.get(repo_id, sha, texts)
            if cached is not None:
                with self._lock:
                    self.hits += 1
                return cached
        with self._lock:
            self.misses += 1
        evidence = self.inner.repo(repo_id, revision, texts=texts)
        if self.write_through:
            self.store.put(evidence)
        return evidence

    def dataset(self, dataset_id: str) -> DatasetEvidence:
        return self.inner.dataset(dataset_id)

    def children(self, repo_id: str, relation: str | None = None, limit: int | None = None) -> list[ChildModel]:
        return self.inner.children(repo_id, relation, limit)

    def suggestions(self, repo_id: str, limit: int = 3) -> list[str]:
        return self.inner.suggestions(repo_id, limit)
