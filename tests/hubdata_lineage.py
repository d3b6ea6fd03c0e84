"""Lineage fixtures for the fake Hub (namespace `lineage/`): derivation families, laundering, broken chains.

License texts come from ScanCode's data (tests.hubdata.license_text); cards are written here, short and made up."""

from __future__ import annotations

import json
from pathlib import Path

from tests.hubdata import card, license_text, tiny_weights, write_repo

NS = "lineage"
LLAMA2_BASE = f"{NS}/Llama-2-7b-reupload"
MIT_FINETUNE = f"{NS}/mit-llama2-finetune"
MIT_FINETUNE_GGUF = f"{NS}/mit-llama2-finetune-gguf"
GGUF_KEEPS_LICENSE = f"{NS}/llama2-7b-gguf"
GPTQ_RELICENSED = f"{NS}/llama2-7b-gptq-mit"
DECLARED_LORA = f"{NS}/llama2-lora"
APACHE_ADAPTER = f"{NS}/apache-llama2-adapter"
MERGE = f"{NS}/llama2-apache-merge"
APACHE_BASE = f"{NS}/apache-base"
PROSE_FINETUNE = f"{NS}/prose-finetune"
CYCLE_A, CYCLE_B = f"{NS}/cycle-a", f"{NS}/cycle-b"
ORPHAN = f"{NS}/orphan"
ORPHAN_CHILD = f"{NS}/orphan-child"  # its base (ORPHAN) names a base that does not exist
DELETED_PARENT = f"{NS}/deleted-parent"
PRIVATE_CHILD, PRIVATE_PARENT = f"{NS}/child-of-private", f"{NS}/private-parent"
CHAIN_LENGTH = 40
LLAMA31_BASE = f"{NS}/Llama-3.1-8B-reupload"
LLAMA31_BAD_NAME = f"{NS}/my-chat-model"
LLAMA31_GOOD = f"{NS}/Llama-3.1-8B-chat-tuned"
RAIL_BASE = f"{NS}/rail-base"
RAIL_MIT_CHILD = f"{NS}/rail-child-mit"
RAIL_RAIL_CHILD = f"{NS}/rail-child-openrail"
NC_BASE = f"{NS}/nc-base"
NC_APACHE_CHILD = f"{NS}/nc-child-apache"
GEMMA_BASE = f"{NS}/gemma-base"
GEMMA_APACHE_CHILD = f"{NS}/gemma-child-apache"
OTHER_LICENSE_BASE = f"{NS}/other-license-base"
OTHER_LICENSE_CHILD = f"{NS}/other-license-child"
LLAMA2_FAMILY = (MIT_FINETUNE, GGUF_KEEPS_LICENSE, GPTQ_RELICENSED, DECLARED_LORA, MERGE)  # children by card


def chain_id(i: int) -> str:
    return f"{NS}/chain-{i:02d}"


def _model(root: Path, repo_id: str, front: dict, body: str, files: dict | None = None, meta: dict | None = None,
           weights: bool = True) -> Path:
    folder = write_repo(root, repo_id, {"README.md": card(front, body), **(files or {})}, meta or {})
    if weights:
        tiny_weights(folder)
    return folder


def _config(extra: dict | None = None) -> str:
    return json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama", **(extra or {})})


def build_lineage(root: Path) -> None:
    # The Llama 2 family: a re-upload (not gated) and its derivatives of every relation.
    _model(root, LLAMA2_BASE, {"license": "llama2", "library_name": "transformers"},
           "# Llama 2 7B (re-upload)\n\nA copy of Meta's Llama 2 7B weights.\n",
           {"LICENSE.txt": license_text("llama-2-license-2023"), "config.json": _config()}, {"downloads": 900})
    _model(root, MIT_FINETUNE, {"license": "mit", "base_model": LLAMA2_BASE, "library_name": "transformers"},
           "# A chat fine-tune\n\nInstruction-tuned for chat.\n",
           {"LICENSE": license_text("mit"), "config.json": _config()}, {"downloads": 120})
    _model(root, MIT_FINETUNE_GGUF, {"license": "mit", "base_model": MIT_FINETUNE}, "# GGUF of the chat fine-tune\n",
           {"model.Q4_K_M.gguf": b"GGUF\x03\x00\x00\x00"}, {"downloads": 40}, weights=False)
    _model(root, GGUF_KEEPS_LICENSE, {"license": "llama2", "base_model": LLAMA2_BASE},
           "# Llama 2 7B GGUF\n\nQuantised with llama.cpp.\n", {"llama-2-7b.Q4_K_M.gguf": b"GGUF\x03\x00\x00\x00"},
           {"downloads": 300}, weights=False)
    _model(root, GPTQ_RELICENSED, {"license": "mit", "base_model": LLAMA2_BASE}, "# Llama 2 7B GPTQ\n",
           {"config.json": _config({"quantization_config": {"quant_method": "gptq", "bits": 4}})}, {"downloads": 30})
    _model(root, DECLARED_LORA, {"license": "llama2", "base_model": LLAMA2_BASE, "library_name": "peft"},
           "# A LoRA for Llama 2\n",
           {"adapter_config.json": json.dumps({"peft_type": "LORA", "base_model_name_or_path": LLAMA2_BASE})},
           {"downloads": 15}, weights=False)
    # An Apache adapter whose base is only in adapter_config.json.
    folder = _model(root, APACHE_ADAPTER, {"license": "apache-2.0", "library_name": "peft"},
                    "# An adapter\n\nA LoRA adapter for chat.\n",
                    {"LICENSE": license_text("apache-2.0"),
                     "adapter_config.json": json.dumps({"peft_type": "LORA", "r": 8,
                                                        "base_model_name_or_path": LLAMA2_BASE})}, weights=False)
    tiny_weights(folder, "adapter_model.safetensors")
    _model(root, APACHE_BASE, {"license": "apache-2.0", "library_name": "transformers"}, "# An Apache base\n",
           {"LICENSE": license_text("apache-2.0"), "config.json": _config()}, {"downloads": 700})
    _model(root, MERGE, {"license": "llama2", "base_model": [LLAMA2_BASE, APACHE_BASE]}, "# A merge\n",
           {"config.json": _config()})
    # A card that names its base only in its prose (a Hub URL), not in base_model.
    _model(root, PROSE_FINETUNE, {"license": "apache-2.0", "datasets": ["acme/open-corpus"]},
           "# Prose fine-tune\n\nTrained on the acme/open-corpus dataset.\n\nThis model is a fine-tuned version of "
           f"[apache-base](https://huggingface.co/{APACHE_BASE}) on acme/open-corpus.\n",
           {"config.json": _config()})

    # Broken chains: a two-repo cycle, a parent that does not exist, a private parent, a 40-deep chain.
    _model(root, CYCLE_A, {"license": "apache-2.0", "base_model": CYCLE_B}, "# Cycle A\n")
    _model(root, CYCLE_B, {"license": "apache-2.0", "base_model": CYCLE_A}, "# Cycle B\n")
    _model(root, ORPHAN, {"license": "apache-2.0", "base_model": DELETED_PARENT}, "# Orphan\n")
    _model(root, ORPHAN_CHILD, {"license": "apache-2.0", "base_model": ORPHAN}, "# Child of the orphan\n")
    _model(root, PRIVATE_PARENT, {"license": "apache-2.0"}, "# Private\n", meta={"private": True})
    _model(root, PRIVATE_CHILD, {"license": "apache-2.0", "base_model": PRIVATE_PARENT}, "# Child of private\n")
    for i in range(CHAIN_LENGTH):
        front = {"license": "apache-2.0", **({"base_model": chain_id(i - 1)} if i else {})}
        write_repo(root, chain_id(i), {"README.md": card(front, f"# Chain link {i}\n")})

    # License obligations: Llama 3.1 naming and notice, RAIL pass-through, non-commercial and Gemma bases.
    _model(root, LLAMA31_BASE, {"license": "llama3.1"}, "# Llama 3.1 8B (re-upload)\n",
           {"LICENSE": license_text("llama-3.1-license-2024")})
    _model(root, LLAMA31_BAD_NAME, {"license": "llama3.1", "base_model": LLAMA31_BASE}, "# My chat model\n")
    _model(root, LLAMA31_GOOD, {"license": "llama3.1", "base_model": LLAMA31_BASE},
           "# Llama 3.1 8B chat\n\nBuilt with Llama.\n")
    _model(root, RAIL_BASE, {"license": "bigscience-openrail-m"}, "# A RAIL base\n",
           {"LICENSE": license_text("bigscience-open-rail-m")})
    _model(root, RAIL_MIT_CHILD, {"license": "mit", "base_model": RAIL_BASE}, "# RAIL relabelled MIT\n")
    _model(root, RAIL_RAIL_CHILD, {"license": "openrail", "base_model": RAIL_BASE}, "# Stays RAIL\n")
    _model(root, NC_BASE, {"license": "cc-by-nc-4.0"}, "# Non-commercial base\n")
    _model(root, NC_APACHE_CHILD, {"license": "apache-2.0", "base_model": NC_BASE}, "# NC relabelled Apache\n")
    _model(root, GEMMA_BASE, {"license": "gemma"}, "# Gemma-shaped base\n")
    _model(root, GEMMA_APACHE_CHILD, {"license": "apache-2.0", "base_model": GEMMA_BASE}, "# Gemma relabelled\n")
    # A base whose card says only `license: other`: its terms are in its LICENSE file, which the light read fetches.
    _model(root, OTHER_LICENSE_BASE, {"license": "other"}, "# Custom terms\n",
           {"LICENSE": license_text("llama-2-license-2023")})
    _model(root, OTHER_LICENSE_CHILD, {"license": "mit", "base_model": OTHER_LICENSE_BASE}, "# Relabelled\n")
