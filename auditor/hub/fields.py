"""model_info as typed values: every field the audit uses is checked for its type and bounds.

A field of the wrong type (`tags: 5`, `siblings: 5`, `lfs: [1]`, safetensors `total: "many"`) or an integer out of
any plausible range (a parameter count of 10^400) is dropped and named in one FetchProblem, so the report says that
value is unknown instead of failing later. Lists the audit walks are capped (siblings, base models, datasets)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from auditor.evidence import FetchProblem, RepoFile

MAX_COUNT = 10**15  # parameters, downloads, likes: far above any real model (about 2e12 parameters today)
MAX_FILE_BYTES = 2**53  # sizes: 8 PiB, and every size stays exact as a JSON number
MAX_SIBLINGS = 20_000  # files considered per repo; a listing beyond it is cut and said so
MAX_BASE_MODELS = 32  # base models followed per repo (a merge of more is unheard of)
MAX_DATASETS = 8  # datasets looked up per repo
_SHA = re.compile(r"[0-9a-f]{40}")


def describe(value: Any) -> str:
    """The JSON type of `value`, for messages: 'a number', 'a list', ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__


def bounded_count(value: Any, limit: int = MAX_COUNT) -> bool:
    """A JSON non-negative integer no larger than `limit` (true/false are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit


@dataclass(frozen=True)
class SafetensorsFigures:
    parameters: dict[str, int]
    total: int


@dataclass
class ModelInfo:
    """The fields of one model_info reply the audit reads, each of the type the evidence needs."""

    id: str | None = None
    sha: str = ""
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
    card: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] | None = None
    files: tuple[RepoFile, ...] = ()
    safetensors: SafetensorsFigures | None = None
    security: dict[str, Any] | None = None
    base_models: dict[str, Any] | None = None
    problems: list[FetchProblem] = field(default_factory=list)


class _Fields:
    """Reads one reply field by field, recording a problem for each value of the wrong type."""

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw
        self.problems: list[FetchProblem] = []

    def wrong(self, key: str, expected: str, value: Any) -> None:
        self.problems.append(FetchProblem(f"model_info.{key}",
                                          f"expected {expected}, got {describe(value)}; the value was not used"))

    def text(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None or isinstance(value, str):
            return value
        self.wrong(key, "a string", value)
        return None

    def flag(self, key: str) -> bool:
        value = self.raw.get(key)
        if value is None or isinstance(value, bool):
            return bool(value)
        self.wrong(key, "true or false", value)
        return False

    def count(self, key: str) -> int | None:
        value = self.raw.get(key)
        if value is None or bounded_count(value):
            return value
        self.wrong(key, f"a whole number from 0 to {MAX_COUNT}", value)
        return None

    def mapping(self, key: str) -> dict[str, Any] | None:
        value = self.raw.get(key)
        if value is None or isinstance(value, dict):
            return value
        self.wrong(key, "an object", value)
        return None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None:
            return ()
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.wrong(key, "a list of strings", value)
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    def sha(self) -> str:
        value = self.raw.get("sha")
        if isinstance(value, str) and _SHA.fullmatch(value):
            return value
        if value is not None:
            self.wrong("sha", "a 40-hex commit id", value)
        return ""

    def gated(self) -> bool | str:
        value = self.raw.get("gated")
        if value in ("auto", "manual"):
            return str(value)
        if value is None or isinstance(value, bool):
            return "auto" if value else False  # a bare true means some gate: the contract calls it "auto"
        # Unknown: treat as gated, so no file is requested without a token on the strength of a broken field.
        self.wrong("gated", 'false, "auto" or "manual"', value)
        return "auto"


def _sibling(raw: Any, fields: _Fields, seen: set[str]) -> RepoFile | None:
    """One sibling; a wrong-typed part is reported once per part (not once per file) and left out."""

    def wrong(part: str, expected: str, value: Any) -> None:
        if part not in seen:
            seen.add(part)
            fields.wrong(f"siblings[].{part}", expected, value)

    if not isinstance(raw, dict):
        wrong("(entry)", "an object", raw)
        return None
    name = raw.get("rfilename")
    if not isinstance(name, str) or not name:
        wrong("rfilename", "a file name", name)
        return None
    size, blob, lfs = raw.get("size"), raw.get("blobId"), raw.get("lfs")
    if size is not None and not bounded_count(size, MAX_FILE_BYTES):
        wrong("size", f"a whole number of bytes up to {MAX_FILE_BYTES}", size)
        size = None
    if blob is not None and not isinstance(blob, str):
        wrong("blobId", "a string", blob)
        blob = None
    if lfs is not None and not isinstance(lfs, dict):
        wrong("lfs", "an object", lfs)
        lfs = None
    lfs_sha = (lfs or {}).get("sha256")
    if lfs_sha is not None and not isinstance(lfs_sha, str):
        wrong("lfs.sha256", "a string", lfs_sha)
        lfs_sha = None
    return RepoFile(path=name, size=size, blob_id=blob, lfs_sha256=lfs_sha)


def _siblings(fields: _Fields) -> tuple[RepoFile, ...]:
    raw = fields.raw.get("siblings")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        fields.wrong("siblings", "a list", raw)
        return ()
    if len(raw) > MAX_SIBLINGS:
        fields.problems.append(FetchProblem("model_info.siblings", f"the repository lists {len(raw)} files; only "
                                            f"the first {MAX_SIBLINGS} were considered"))
    seen: set[str] = set()
    files = (_sibling(s, fields, seen) for s in raw[:MAX_SIBLINGS])
    return tuple(f for f in files if f is not None)


def _safetensors(fields: _Fields) -> SafetensorsFigures | None:
    """The Hub's parameter summary; None (headers are read instead) when absent or not trustworthy."""
    summary = fields.mapping("safetensors")
    if summary is None:
        return None
    parameters, total = summary.get("parameters"), summary.get("total")
    if not isinstance(parameters, dict):
        if parameters is not None:
            fields.wrong("safetensors.parameters", "an object", parameters)
        return None
    bad = [v for v in parameters.values() if not bounded_count(v)]
    if bad:
        fields.wrong("safetensors.parameters", f"whole numbers from 0 to {MAX_COUNT}", bad[0])
        return None
    counts = {str(k): int(v) for k, v in parameters.items()}
    if total is not None and not bounded_count(total):
        fields.wrong("safetensors.total", f"a whole number from 0 to {MAX_COUNT}", total)
        return None
    return SafetensorsFigures(counts, total if total is not None else sum(counts.values()))


def _capped_card(card: dict[str, Any], problems: list[FetchProblem]) -> dict[str, Any]:
    """The card with its `base_model` list cut to MAX_BASE_MODELS (the excess named in a problem)."""
    bases = card.get("base_model")
    if isinstance(bases, list) and len(bases) > MAX_BASE_MODELS:
        problems.append(FetchProblem("cardData.base_model", f"the card names {len(bases)} base models; only the "
                                     f"first {MAX_BASE_MODELS} were followed, so the others' terms are unknown"))
        return {**card, "base_model": bases[:MAX_BASE_MODELS]}
    return card


def read_model_info(raw: dict[str, Any]) -> ModelInfo:
    """Typed fields of one model_info reply, with a problem for every field that had to be dropped."""
    fields = _Fields(raw)
    info = ModelInfo(
        id=fields.text("id"), sha=fields.sha(), gated=fields.gated(), private=fields.flag("private"),
        disabled=fields.flag("disabled"), author=fields.text("author"), library_name=fields.text("library_name"),
        pipeline_tag=fields.text("pipeline_tag"), tags=fields.strings("tags"), downloads=fields.count("downloads"),
        likes=fields.count("likes"), created_at=fields.text("createdAt"), last_modified=fields.text("lastModified"),
        config=fields.mapping("config"), files=_siblings(fields), safetensors=_safetensors(fields),
        security=fields.mapping("securityRepoStatus"), base_models=fields.mapping("baseModels"),
    )
    info.card = _capped_card(fields.mapping("cardData") or {}, fields.problems)
    info.problems = fields.problems
    return info


def dataset_ids(card: dict[str, Any]) -> list[str]:
    """The card's `datasets` to look up: at most MAX_DATASETS. The rest stay in the card unchecked, which the data
    probes already count as not shown to be obtainable, so a long list is no failed read (many real cards list
    twenty)."""
    value = card.get("datasets")
    values = [value] if isinstance(value, str) else [str(v) for v in value if isinstance(v, str | int | float)] \
        if isinstance(value, list) else []
    return values[:MAX_DATASETS]
