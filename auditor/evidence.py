"""Immutable evidence: what was read from the Hub, from where, at which commit.

Evidence is plain data (serialisable with `to_dict`/`from_dict`), so a snapshot is stored evidence and
`audit rescore` needs no network. Nothing here judges anything."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Status of one file read: the file is in `content`, or it could not be read for the reason given.
READ_OK = "ok"
READ_GATED = "gated"  # the repo is gated and we have no approved token
READ_MISSING = "missing"  # not in the repo
READ_ERROR = "error"  # the request failed (network, 5xx after retries, ...)
READ_TOO_LARGE = "too-large"  # only a bounded prefix was read
READ_BINARY = "binary"  # not text


@dataclass(frozen=True)
class RepoFile:
    path: str
    size: int | None = None
    blob_id: str | None = None
    lfs_sha256: str | None = None


@dataclass(frozen=True)
class TextFile:
    """A text file of the repo (README, LICENSE, policy, config) as read at `revision`."""

    path: str
    status: str
    content: str | None = None
    detail: str = ""  # why it could not be read, in one sentence
    truncated: bool = False


@dataclass(frozen=True)
class SafetensorsSummary:
    parameters: dict[str, int]  # dtype -> count
    total: int
    source: str  # "hub-summary" (model_info.safetensors) | "headers" (range reads)


@dataclass(frozen=True)
class WeightCheck:
    """What the auditor learnt about one weight file's safety at fetch time (results only, never bytes)."""

    path: str
    kind: str  # "pickle-scan" | "safetensors-header"
    # pickle-scan: clean | dangerous | too-complex | too-large | unread; safetensors-header: corrupt
    status: str
    dangerous: tuple[str, ...] = ()  # "module.name" imports that can run code when unpickled
    other_imports: tuple[str, ...] = ()  # imports neither known safe nor known dangerous
    detail: str = ""


@dataclass(frozen=True)
class FetchProblem:
    """A request that failed for good: the evidence it would have given is unknown."""

    what: str  # e.g. "LICENSE.txt", "model_info", "dataset:acme/corpus"
    detail: str


@dataclass(frozen=True)
class DatasetEvidence:
    id: str
    exists: bool | None  # None: could not tell (request failed)
    license: str | None = None
    gated: bool | str | None = None
    detail: str = ""
    # The dataset's own card (README.md, bounded), read once per dataset per run: where publishers describe how
    # the data was collected, filtered and processed. None when not read.
    card: str | None = None


@dataclass(frozen=True)
class RepoEvidence:
    repo_id: str
    revision: str | None  # the 40-hex commit actually read; None only for snapshot facts no page gave a sha for
    source: str  # "hub" | "snapshot"
    fetched_at: str  # UTC ISO 8601
    requested_revision: str | None = None
    gated: bool | str = False
    private: bool = False
    disabled: bool = False
    author: str | None = None
    library_name: str | None = None
    pipeline_tag: str | None = None
    tags: tuple[str, ...] = ()
    downloads: int | None = None
    likes: int | None = None
    created_at: str | None = None
    last_modified: str | None = None
    card_data: dict[str, Any] = field(default_factory=dict)  # the Hub's parse of the README front matter
    files: tuple[RepoFile, ...] = ()
    safetensors: SafetensorsSummary | None = None
    texts: tuple[TextFile, ...] = ()  # README.md, LICENSE*, policies, config.json, adapter_config.json
    datasets: tuple[DatasetEvidence, ...] = ()
    security: dict[str, Any] | None = None  # the Hub's own scan results, when asked for
    base_models_field: dict[str, Any] | None = None  # raw `baseModels` from the Hub, when present
    problems: tuple[FetchProblem, ...] = ()
    weight_checks: tuple[WeightCheck, ...] = ()  # pickle scans and safetensors header failures
    snapshot_date: str | None = None  # for source == "snapshot": when the evidence was compiled
    light: bool = False  # metadata-only read (an ancestor's): no README, datasets or header reads
    provenance: tuple[dict[str, str], ...] = ()  # snapshot facts: where each came from (url, date)
    revision_short: str | None = None  # snapshot facts: the short commit id a page showed when no full sha was seen

    @property
    def url(self) -> str:
        return f"https://huggingface.co/{self.repo_id}"

    def text(self, path: str) -> TextFile | None:
        for text in self.texts:
            if text.path == path:
                return text
        return None

    def file_paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RepoEvidence:
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in raw.items() if k in known}
        data["tags"] = tuple(data.get("tags") or ())
        data["files"] = tuple(RepoFile(**f) for f in data.get("files") or ())
        data["texts"] = tuple(TextFile(**t) for t in data.get("texts") or ())
        data["datasets"] = tuple(DatasetEvidence(**d) for d in data.get("datasets") or ())
        data["problems"] = tuple(FetchProblem(**p) for p in data.get("problems") or ())
        data["weight_checks"] = tuple(
            WeightCheck(**{**w, "dangerous": tuple(w.get("dangerous") or ()),
                           "other_imports": tuple(w.get("other_imports") or ())})
            for w in data.get("weight_checks") or ())
        data["provenance"] = tuple(data.get("provenance") or ())
        if data.get("safetensors"):
            data["safetensors"] = SafetensorsSummary(**data["safetensors"])
        data["card_data"] = dict(data.get("card_data") or {})
        return cls(**data)
