"""Fixture repos for the export tests: a chat fine-tune of the gated Llama-2 fixture that declares Apache-2.0
(declared and concluded licenses differ), trained on one open and one missing dataset."""

from __future__ import annotations

import json
from pathlib import Path

from tests.hubdata import card, license_text, tiny_weights, write_repo

FINETUNE_ID = "acme/llama-2-13b-chat-apache"


def build_exports(root: Path) -> None:
    files = write_repo(root, FINETUNE_ID, {
        "README.md": card({"license": "apache-2.0", "library_name": "transformers", "pipeline_tag": "text-generation",
                           "base_model": "meta-llama/Llama-2-13b-hf", "base_model_relation": "finetune",
                           "datasets": ["acme/open-corpus", "acme/vanished-corpus"]},
                          "# Chat fine-tune\n\n## Training data\n\nFine-tuned on acme/open-corpus conversations.\n"),
        "LICENSE": license_text("apache-2.0"),
        "config.json": json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}),
    })
    tiny_weights(files)
