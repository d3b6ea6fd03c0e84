"""A persistent cache in front of any Hub: evidence keyed by (repo id, commit sha).

An unchanged re-run asks the Hub only for current commit shas (many models per request when the inner Hub can
list them) and reads everything else from disk; a model whose sha changed is read again in full."""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

from auditor.evidence import DatasetEvidence, RepoEvidence
from auditor.hub.base import ChildModel, Hub

_SHA = re.compile(r"[0-9a-f]{40}")


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that a crash leaves either the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class EvidenceStore:
    """Evidence on disk: ROOT/<repo id>/<sha>.json (full) and <sha>.light.json (metadata only, for ancestors)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, repo_id: str, sha: str, light: bool) -> Path:
        return self.root / repo_id / f"{sha}{'.light' if light else ''}.json"

    def get(self, repo_id: str, sha: str, texts: bool = True) -> RepoEvidence | None:
        candidates = [self._path(repo_id, sha, False)] + ([] if texts else [self._path(repo_id, sha, True)])
        for path in candidates:
            if path.is_file():
                try:
                    return RepoEvidence.from_dict(json.loads(path.read_text(encoding="utf-8")))
                except (ValueError, TypeError, KeyError):
                    path.unlink(missing_ok=True)  # a damaged entry is a miss, not an error
        return None

    def put(self, evidence: RepoEvidence, texts: bool = True) -> None:
        if not _SHA.fullmatch(evidence.revision or ""):
            return
        write_atomic(self._path(evidence.repo_id, evidence.revision, not texts),
                     json.dumps(evidence.to_dict(), ensure_ascii=False))


class CachingHub:
    """Wraps a Hub; `prefetch_shas` learns current shas in bulk so cached evidence can be served without a request."""

    def __init__(self, inner: Hub, store: EvidenceStore):
        self.inner = inner
        self.store = store
        self.source = inner.source
        self.current: dict[str, str] = {}
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def prefetch_shas(self, repo_ids: list[str]) -> None:
        lister = getattr(self.inner, "current_shas", None)
        if lister is None:
            return
        found = lister(repo_ids)
        with self._lock:
            self.current.update(found)

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
        evidence = self._inner_repo(repo_id, revision, texts)
        self.store.put(evidence, texts)
        return evidence

    def _inner_repo(self, repo_id: str, revision: str | None, texts: bool) -> RepoEvidence:
        if texts:
            return self.inner.repo(repo_id, revision)
        try:
            return self.inner.repo(repo_id, revision, texts=False)  # type: ignore[call-arg]
        except TypeError:  # an inner Hub without the light mode
            return self.inner.repo(repo_id, revision)

    def dataset(self, dataset_id: str) -> DatasetEvidence:
        return self.inner.dataset(dataset_id)

    def children(self, repo_id: str, relation: str | None = None, limit: int | None = None) -> list[ChildModel]:
        return self.inner.children(repo_id, relation, limit)

    def __getattr__(self, name: str) -> Any:  # requests counters etc. of the inner Hub
        return getattr(self.inner, name)
