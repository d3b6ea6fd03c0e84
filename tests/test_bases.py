"""Bases: where a model says it comes from (card `base_model`, adapter_config.json, card prose) and how it relates."""

from __future__ import annotations

import json

import pytest

from auditor.bases import bases_of, normalise_base_id, prose_bases, relation_of
from auditor.evidence import READ_OK, RepoEvidence, RepoFile, TextFile


def ev(card: dict | None = None, files: tuple[str, ...] = (), texts: dict[str, str] | None = None,
       repo_id: str = "acme/model") -> RepoEvidence:
    return RepoEvidence(repo_id=repo_id, revision="0" * 40, source="hub", fetched_at="2024-01-01T00:00:00Z",
                        card_data=card or {}, files=tuple(RepoFile(p) for p in files),
                        texts=tuple(TextFile(p, READ_OK, c) for p, c in (texts or {}).items()))


@pytest.mark.parametrize(("value", "expected"), [
    ("meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-hf"),
    ("  meta-llama/Llama-2-7b-hf ", "meta-llama/Llama-2-7b-hf"),
    ("https://huggingface.co/meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-hf"),
    ("https://huggingface.co/meta-llama/Llama-2-7b-hf/tree/main", "meta-llama/Llama-2-7b-hf"),
    ("hf.co/gpt2", "gpt2"),
    ("https://huggingface.co/gpt2/blob/main/README.md", "gpt2"),
    ("https://huggingface.co/datasets/acme/corpus", None),
    ("/home/me/checkpoints/llama", None),
    ("./outputs/checkpoint-500", None),
    ("", None),
])
def test_base_ids_are_normalised_and_local_paths_rejected(value, expected):
    assert normalise_base_id(value) == expected


@pytest.mark.parametrize(("body", "expected"), [
    ("This model is a fine-tuned version of [x](https://huggingface.co/acme/base-7b) on chat data.", ["acme/base-7b"]),
    ("Fine-tuned from `acme/base-7b` with LoRA.", ["acme/base-7b"]),
    ("Based on https://huggingface.co/acme/base-7b/tree/main.", ["acme/base-7b"]),
    ("A merge of acme/left-7b and acme/right-7b using SLERP.", ["acme/left-7b", "acme/right-7b"]),
    ("Trained on the acme/corpus dataset for 3 epochs.", []),  # "trained on" introduces data, not bases
    ("Based on the acme/corpus dataset.", []),
    ("Built on top of https://github.com/acme/trainer.", []),  # not a Hub URL
    ("Fine-tuned from https://huggingface.co/datasets/acme/corpus.", []),
    ("We love open models. See acme/base-7b for details.", []),  # an id with no cue before it
])
def test_card_prose_names_a_base_only_after_a_derivation_cue(body, expected):
    ids, line = prose_bases(ev(texts={"README.md": "---\nlicense: mit\n---\n# Model\n\n" + body + "\n"}))
    assert ids == expected
    assert (line == 6) if expected else line is None


def test_prose_ignores_ids_listed_as_training_datasets():
    evidence = ev({"datasets": ["acme/corpus"]}, texts={"README.md": "# M\n\nBased on acme/corpus.\n"})
    assert prose_bases(evidence) == ([], None)


@pytest.mark.parametrize(("card", "files", "texts", "n_bases", "relation"), [
    ({"base_model_relation": "merge"}, ("adapter_config.json",), {}, 1, "merge"),  # the card's word wins
    ({}, ("adapter_config.json", "adapter_model.safetensors"), {}, 1, "adapter"),
    ({}, ("model.Q4_K_M.gguf",), {}, 1, "quantized"),
    ({}, ("config.json",), {"config.json": json.dumps({"quantization_config": {"quant_method": "awq"}})}, 1,
     "quantized"),
    ({}, ("config.json",), {"config.json": json.dumps({"quantization_config": {"load_in_4bit": True,
                                                                               "quant_method": "bitsandbytes"}})},
     1, "quantized"),
    ({}, ("quantize_config.json", "model.safetensors"), {}, 1, "quantized"),  # AutoGPTQ side config
    ({}, ("model.safetensors",), {}, 2, "merge"),
    ({}, ("model.safetensors",), {}, 1, "finetune"),
    ({"base_model_relation": "sideways"}, ("model.safetensors",), {}, 1, "finetune"),  # not a relation
])
def test_relation_is_inferred_the_way_the_hub_does(card, files, texts, n_bases, relation):
    assert relation_of(ev(card, files, texts), n_bases) == relation


def test_adapter_config_base_is_used_when_the_card_names_none():
    evidence = ev({}, ("adapter_config.json",),
                  {"adapter_config.json": json.dumps({"base_model_name_or_path": "acme/base-7b"})})
    bases = bases_of(evidence)
    assert bases.ids == ("acme/base-7b",) and bases.links[0].found_in == "adapter-config"
    assert bases.relation == "adapter"


def test_adapter_config_naming_another_base_than_the_card_adds_it():
    evidence = ev({"base_model": "acme/base-7b-instruct"}, ("adapter_config.json",),
                  {"adapter_config.json": json.dumps({"base_model_name_or_path": "acme/base-7b"})})
    assert bases_of(evidence).ids == ("acme/base-7b-instruct", "acme/base-7b")


def test_local_adapter_path_is_reported_not_followed():
    evidence = ev({}, ("adapter_config.json",),
                  {"adapter_config.json": json.dumps({"base_model_name_or_path": "/scratch/llama-7b"})})
    bases = bases_of(evidence)
    assert bases.ids == () and bases.invalid == ("/scratch/llama-7b",)
