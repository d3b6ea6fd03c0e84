"""Fixture families for the judgement: repos shaped like real model families, with their real license texts
(read at test time from ScanCode's data). Card bodies are our own short descriptions, not the published cards."""

from __future__ import annotations

import json
from pathlib import Path

from tests.hubdata import card, license_text, tiny_weights, write_repo

TRANSFORMERS_CONFIG = json.dumps({"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox"})
CUSTOM_NC_LICENSE = """ACME MODEL LICENSE v1

1. Grant. ACME grants you a worldwide, royalty-free license to use, copy and modify the Model.
2. Restrictions. You may use the Model for non-commercial research purposes only.
3. Warranty. The Model is provided as is.
"""


def _model(root: Path, repo_id: str, front: dict, body: str, files: dict | None = None, meta: dict | None = None,
           weights: bool = True) -> None:
    folder = write_repo(root, repo_id, {"README.md": card({"library_name": "transformers", **front}, body),
                                        "config.json": TRANSFORMERS_CONFIG, **(files or {})}, meta)
    if weights:
        tiny_weights(folder)


def _dataset(root: Path, dataset_id: str, license_id: str) -> None:
    write_repo(root, dataset_id, {"README.md": card({"license": license_id}, "# Dataset\n")}, datasets=True)


OPEN_BODY = """# {name}

## Training data

Trained on {data}, a corpus of public English text; documents were deduplicated and filtered for quality before
tokenization. See the datasheet: {paper}.

## Training code

The full training and data-processing code is at {code}.
"""


def build_families(root: Path) -> None:
    # --- License families (real texts in LICENSE files) -------------------------------------------------------------
    _model(root, "fam/llama2-text", {"license": "llama2"}, "# Llama 2 derivative\n",
           {"LICENSE.txt": license_text("llama-2-license-2023")})
    _model(root, "fam/gemma", {"license": "gemma"}, "# Gemma-shaped\n",
           {"LICENSE": license_text("gemma-tou-2024-04-01")})
    _model(root, "fam/bloom", {"license": "bigscience-bloom-rail-1.0"}, "# BLOOM-shaped\n",
           {"LICENSE": license_text("bigscience-rail-1.0")})
    _model(root, "fam/bigscience-openrail", {"license": "bigscience-openrail-m"}, "# OpenRAIL-M\n",
           {"LICENSE": license_text("bigscience-open-rail-m")})
    _model(root, "fam/starcoder", {"license": "bigcode-openrail-m"}, "# StarCoder-shaped\n",
           {"LICENSE": license_text("bigcode-open-rail-m-v1")})
    _model(root, "fam/qwen-tongyi", {"license": "other", "license_name": "tongyi-qianwen", "license_link": "LICENSE"},
           "# Qwen-shaped\n", {"LICENSE": license_text("tongyi-qianwen-2023")})
    _model(root, "fam/qwen2.5", {"license": "other", "license_name": "qwen", "license_link": "LICENSE"},
           "# Qwen 2.5-shaped\n", {"LICENSE": license_text("qwen-2024")})
    _model(root, "fam/cc-by-nc", {"license": "cc-by-nc-4.0"}, "# NC\n", {"LICENSE": license_text("cc-by-nc-4.0")})
    _model(root, "fam/apache", {"license": "apache-2.0"}, "# Apache\n", {"LICENSE": license_text("apache-2.0")})
    _model(root, "fam/mit", {"license": "mit"}, "# MIT\n", {"LICENSE": license_text("mit")})
    _model(root, "fam/custom-nc", {"license": "other", "license_name": "acme-model-license"}, "# Custom\n",
           {"LICENSE": CUSTOM_NC_LICENSE})
    _model(root, "fam/apache-card-llama-file", {"license": "apache-2.0"}, "# Relabelled\n",
           {"LICENSE": license_text("llama-2-license-2023")})
    _model(root, "fam/no-license", {}, "# Nothing said\n")

    # --- OSI validation families (shapes of the published cards, facts only) --------------------------------------
    _dataset(root, "EleutherAI/pile", "mit")
    _dataset(root, "allenai/dolma", "odc-by")
    _dataset(root, "LLM360/AmberDatasets", "odc-by")
    _dataset(root, "allenai/c4", "odc-by")
    _model(root, "EleutherAI/pythia-160m", {"license": "apache-2.0", "datasets": ["EleutherAI/pile"]},
           OPEN_BODY.format(name="Pythia", data="the Pile", paper="https://arxiv.org/abs/2304.01373",
                            code="https://github.com/EleutherAI/gpt-neox"))
    _model(root, "allenai/OLMo-7B", {"license": "apache-2.0", "datasets": ["allenai/dolma"]},
           OPEN_BODY.format(name="OLMo", data="Dolma", paper="https://arxiv.org/abs/2402.00838",
                            code="https://github.com/allenai/OLMo"))
    _model(root, "LLM360/Amber", {"license": "apache-2.0", "datasets": ["LLM360/AmberDatasets"]},
           OPEN_BODY.format(name="Amber", data="the Amber data mix", paper="https://arxiv.org/abs/2312.06550",
                            code="https://github.com/LLM360/amber-train"))
    _model(root, "google-t5/t5-base", {"license": "apache-2.0", "datasets": ["allenai/c4"]},
           OPEN_BODY.format(name="T5", data="C4", paper="https://arxiv.org/abs/1910.10683",
                            code="https://github.com/google-research/text-to-text-transfer-transformer"))
    _model(root, "xai-org/grok-1", {"license": "apache-2.0"},
           "# Grok-1\n\nWeights of a 314B mixture-of-experts model. Example inference code: "
           "https://github.com/xai-org/grok-1\n")
    _model(root, "microsoft/phi-2", {"license": "mit"},
           "# Phi-2\n\nA 2.7B model. Trained on synthetic texts and filtered websites; 1.4T tokens.\n")
    _model(root, "mistralai/Mixtral-8x7B-v0.1", {"license": "apache-2.0"},
           "# Mixtral\n\nA sparse mixture of experts. Runs with transformers.\n")
    _model(root, "meta-llama/Llama-2-7b-hf", {"license": "llama2"}, "# Llama 2 7B\n",
           {"LICENSE.txt": license_text("llama-2-license-2023")}, meta={"gated": "manual"})
