"""Fixture repos for the publishing tests (offline answers, rescore, history, diff, the workflow and the action).

Namespace `pub/` so they never collide with other fixtures: an open Apache model with its dataset, a Llama-2-licensed
base and an MIT-labelled fine-tune of it (lineage: the fine-tune inherits the base's terms)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from tests.hubdata import card, license_text, tiny_weights, write_repo

OPEN_MODEL = "pub/open-model"
LLAMA_BASE = "pub/llama-base"
MIT_FINETUNE = "pub/mit-finetune"
OPEN_CORPUS = "pub/open-corpus"
PUBLISHING_MODELS = (OPEN_MODEL, LLAMA_BASE, MIT_FINETUNE)


def open_model_card(license_id: str = "apache-2.0") -> str:
    return card({"license": license_id, "library_name": "transformers", "datasets": [OPEN_CORPUS]},
                "# Open model\n\n## Training data\n\nTrained on the pub/open-corpus dataset of 1M documents, "
                "deduplicated and filtered for quality.\n\nTraining code: https://github.com/pub/open-train\n")


def build_publishing(root: Path) -> None:
    files = write_repo(root, OPEN_MODEL, {
        "README.md": open_model_card(),
        "LICENSE": license_text("apache-2.0"),
        "config.json": json.dumps({"architectures": ["BertModel"], "model_type": "bert"}),
    })
    tiny_weights(files)
    write_repo(root, OPEN_CORPUS, {"README.md": card({"license": "cc-by-4.0"}, "# Corpus\n")}, datasets=True)

    files = write_repo(root, LLAMA_BASE, {
        "README.md": card({"license": "llama2", "library_name": "transformers"}, "# A Llama 2 base\n"),
        "LICENSE.txt": license_text("llama-2-license-2023"),
        "config.json": json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}),
    })
    tiny_weights(files)

    files = write_repo(root, MIT_FINETUNE, {
        "README.md": card({"license": "mit", "base_model": LLAMA_BASE, "library_name": "transformers"},
                          "# A fine-tune that says MIT\n"),
        "config.json": json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}),
    })
    tiny_weights(files)


def relicense_open_model(root: Path, license_id: str) -> None:
    """Publish a new card for pub/open-model under `license_id` (the LICENSE file goes: the card is the terms)."""
    files = root / "models" / OPEN_MODEL / "files"
    (files / "README.md").write_text(open_model_card(license_id), encoding="utf-8")
    (files / "LICENSE").unlink(missing_ok=True)


def store_snapshot(evidence_dir: Path, endpoint: str, ids: tuple[str, ...], snapshot_date: str) -> None:
    """Read `ids` and their ancestors from the fake Hub at `endpoint` and store them as a dated snapshot."""
    from auditor.bases import declared_bases
    from auditor.hub.live import LiveHub

    hub = LiveHub(token=False, endpoint=endpoint)
    todo = list(ids)
    seen: set[str] = set()
    while todo:
        repo_id = todo.pop()
        if repo_id in seen:
            continue
        seen.add(repo_id)
        evidence = replace(hub.repo(repo_id), source="snapshot", snapshot_date=snapshot_date)
        path = evidence_dir / f"{repo_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(evidence.to_dict(), indent=1), encoding="utf-8")
        todo.extend(declared_bases(evidence))
