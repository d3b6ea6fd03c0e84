"""The real-card regression corpus (tests/realcards/) served as fake Hub repositories.

Each model is a folder `tests/realcards/<namespace>/<name>/` holding `card.md` (the model card reconstructed from a
public copy of the real repository: front matter as published, body following the real structure with links and
facts intact, prose in our own words) and `entry.yaml` (where the card and file tree were read, gate, file list,
license files by ScanCode key, and the public judgments with their URLs). Datasets the cards name live under
`tests/realcards/datasets/<namespace>/<name>/` the same way.

Weights are stand-ins (tiny safetensors, a pickle stub, a GGUF magic number) under the real file names; license
files get the real license text from ScanCode's data at build time; nothing else is invented: a file whose content
no page showed is served empty."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.fakehub import write_safetensors
from tests.hubdata import license_text, write_repo

CORPUS_DIR = Path(__file__).parent / "realcards"
DATASETS_DIR = CORPUS_DIR / "datasets"
ENTRY_KEYS = {"id", "kind", "family", "sources", "sha", "gated", "files", "approximate_files", "license_files",
              "texts", "config", "adapter_config", "judgments", "expect", "notes", "meta"}
KINDS = {"base", "instruct", "fine-tune", "quantisation", "merge", "adapter", "dataset"}
PICKLE_STUB = b"\x80\x02}q\x00."
GGUF_STUB = b"GGUF\x03\x00\x00\x00" + b"\x00" * 16


@dataclass(frozen=True)
class CorpusEntry:
    repo_id: str
    kind: str
    family: str
    card: str | None  # the reconstructed README.md, None when the repository has none
    sources: dict[str, Any]
    judgments: list[dict[str, Any]] = field(default_factory=list)
    expect: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    folder: Path = CORPUS_DIR


def _load(folder: Path) -> CorpusEntry:
    raw = yaml.safe_load((folder / "entry.yaml").read_text(encoding="utf-8"))
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise ValueError(f"{folder}/entry.yaml: unknown keys {sorted(unknown)}")
    if raw.get("kind") not in KINDS:
        raise ValueError(f"{folder}/entry.yaml: kind must be one of {sorted(KINDS)}")
    sources = raw.get("sources") or {}
    if not str(sources.get("card") or "").startswith("http"):
        raise ValueError(f"{folder}/entry.yaml: sources.card must be the URL the card was read from")
    card_path = folder / "card.md"
    return CorpusEntry(repo_id=raw["id"], kind=raw["kind"], family=str(raw.get("family") or ""),
                       card=card_path.read_text(encoding="utf-8") if card_path.is_file() else None,
                       sources=sources, judgments=list(raw.get("judgments") or []),
                       expect=dict(raw.get("expect") or {}), raw=raw, folder=folder)


def load_corpus(kind: str = "models") -> list[CorpusEntry]:
    """Every corpus entry, sorted by repo id; `kind` is "models" or "datasets"."""
    root = DATASETS_DIR if kind == "datasets" else CORPUS_DIR
    entries = []
    for entry_file in sorted(root.glob("*/*/entry.yaml")):
        if kind == "models" and entry_file.parent.parent.parent != CORPUS_DIR:
            continue
        entry = _load(entry_file.parent)
        expected = entry_file.parent.relative_to(root).as_posix()
        if entry.repo_id != expected:
            raise ValueError(f"{entry_file}: holds {entry.repo_id!r} but its folder says {expected!r}")
        entries.append(entry)
    return sorted(entries, key=lambda e: e.repo_id.lower())


def _stub(path: str) -> bytes | None:
    """Stand-in bytes for a weight file (None when the file is not a weight)."""
    if path.endswith(".bin") or path.endswith(".pt") or path.endswith(".pth") or path.endswith(".ckpt"):
        return PICKLE_STUB
    if path.endswith(".gguf"):
        return GGUF_STUB
    return None


def _write_entry(root: Path, entry: CorpusEntry, datasets: bool = False) -> None:
    raw = entry.raw
    files: dict[str, str | bytes] = {}
    if entry.card is not None:
        files["README.md"] = entry.card
    for key, path in (("config", "config.json"), ("adapter_config", "adapter_config.json")):
        if isinstance(raw.get(key), dict):
            files[path] = json.dumps(raw[key], indent=2)
    for path, scancode_key in (raw.get("license_files") or {}).items():
        files[path] = license_text(scancode_key)
    for path, text in (raw.get("texts") or {}).items():
        files[path] = text
    safetensors: list[str] = []
    for path in raw.get("files") or []:
        if path in files or path == "README.md":
            continue
        if path.endswith(".safetensors"):
            safetensors.append(path)
            continue
        stub = _stub(path)
        files[path] = stub if stub is not None else b""
    meta: dict[str, Any] = dict(raw.get("meta") or {})
    if raw.get("gated"):
        meta["gated"] = raw["gated"]
    if raw.get("sha"):
        meta["sha"] = raw["sha"]
    folder = write_repo(root, entry.repo_id, files, meta, datasets=datasets)
    for index, path in enumerate(safetensors):
        write_safetensors(folder / path, {f"stand_in.{index}": ("F16", [4, 4])}, {"format": "pt"})


def build_realcards(root: Path) -> list[CorpusEntry]:
    """Write every corpus model and dataset under `root` (a fake Hub folder); returns the model entries."""
    for dataset in load_corpus("datasets"):
        _write_entry(root, dataset, datasets=True)
    models = load_corpus("models")
    for entry in models:
        _write_entry(root, entry)
    return models
