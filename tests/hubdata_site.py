"""Fake-Hub repos for the batch and site tests (namespace `sitefx/`): a small family with a readable Llama 2
license text (so evidence cites file lines), and a card written to inject markup and scripts into the site."""

from __future__ import annotations

import json
from pathlib import Path

from tests.hubdata import card, license_text, tiny_weights, write_repo

NS = "sitefx"
OPEN_BASE = f"{NS}/open-base"
OPEN_CHILD = f"{NS}/open-child"
MIT_CHILD = f"{NS}/mit-child"
LLAMA_BASE = f"{NS}/llama-base"
LLAMA_RELABELLED = f"{NS}/llama-relabelled-mit"
HOSTILE = f"{NS}/hostile-card"
ALL = (OPEN_BASE, OPEN_CHILD, MIT_CHILD, LLAMA_BASE, LLAMA_RELABELLED, HOSTILE)

SCRIPT = "<script>alert('pwned')</script>"
ONERROR = "<img src=x onerror=alert(1)>"
JS_LINK = "javascript:alert(1)"

_CONFIG = json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"})


def _model(root: Path, repo_id: str, front: dict, body: str, files: dict | None = None) -> None:
    folder = write_repo(root, repo_id, {"README.md": card(front, body), "config.json": _CONFIG, **(files or {})})
    tiny_weights(folder)


def build_site_fixtures(root: Path) -> None:
    _model(root, OPEN_BASE, {"license": "apache-2.0", "library_name": "transformers", "datasets": ["sitefx/corpus"]},
           "# Open base\n\n## Training data\n\nTrained on the sitefx/corpus dataset of 2M documents, deduplicated "
           "and filtered.\n\nTraining code: https://github.com/sitefx/train\n", {"LICENSE": license_text("apache-2.0")})
    write_repo(root, "sitefx/corpus", {"README.md": card({"license": "cc-by-4.0"}, "# Corpus\n")}, datasets=True)
    _model(root, OPEN_CHILD, {"license": "apache-2.0", "base_model": OPEN_BASE, "library_name": "transformers"},
           "# Open child\n\nA fine-tune of the open base.\n")
    _model(root, MIT_CHILD, {"license": "mit", "base_model": OPEN_BASE, "library_name": "transformers"},
           "# MIT child\n\nAnother fine-tune.\n")
    _model(root, LLAMA_BASE, {"license": "llama2", "library_name": "transformers"}, "# Llama 2 copy\n",
           {"LICENSE.txt": license_text("llama-2-license-2023")})
    _model(root, LLAMA_RELABELLED, {"license": "mit", "base_model": LLAMA_BASE, "library_name": "transformers"},
           "# Relabelled\n\nA chat fine-tune, now MIT.\n")
    _model(root, HOSTILE, {"license": SCRIPT, "base_model": JS_LINK, "datasets": [ONERROR],
                           "library_name": "transformers", "pipeline_tag": "text-generation"},
           f"# {SCRIPT}\n\n{ONERROR}\n\n[click me]({JS_LINK})\n\n## Training data\n\nTraining code: "
           "https://example.com/train\"onmouseover=\"alert(1)\n")
