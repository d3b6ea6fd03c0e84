"""Card reading from the Markdown structure: code links, data information, model families. Table-driven."""

from __future__ import annotations

import pytest

from auditor.card import parse_markdown
from auditor.evidence import DatasetEvidence, RepoEvidence, TextFile
from auditor.licenses.families import suspected_family
from auditor.probes.card_reading import code_links, data_information


def evidence(body: str, *, repo_id: str = "acme/model", card: dict | None = None, tags: tuple[str, ...] = (),
             datasets: tuple[DatasetEvidence, ...] = ()) -> RepoEvidence:
    card = card or {"license": "apache-2.0"}
    front = "".join(f"{k}: {v}\n" for k, v in card.items())
    readme = f"---\n{front}---\n{body}"
    return RepoEvidence(repo_id, "0" * 40, "hub", "2026-01-01T00:00:00Z", card_data=card, tags=tags,
                        texts=(TextFile("README.md", "ok", readme),), datasets=datasets)


def test_markdown_blocks_keep_links_headings_and_tables():
    doc = parse_markdown("# A\n\n## Training Data\n\nTrained on [Dolma](https://huggingface.co/datasets/allenai/dolma)."
                         "\n\n| Source | Tokens |\n|---|---|\n| web | 2T |\n\n[ref]: https://arxiv.org/abs/2402.00838\n"
                         "See the [paper][ref].\n", 10)
    para = next(b for b in doc.blocks if b.kind == "paragraph")
    assert para.text == "Trained on Dolma." and para.section == ("A", "Training Data") and para.line == 14
    assert para.links[0].url == "https://huggingface.co/datasets/allenai/dolma" and para.links[0].text == "Dolma"
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.rows == (("Source", "Tokens"), ("web", "2T"))
    assert any(link.url == "https://arxiv.org/abs/2402.00838" for link in doc.links)  # reference-style link


CODE_CASES = [
    # (card body, expected linked code URLs)
    ("## Model Sources\n\n- **Repository:** https://github.com/allenai/OLMo\n", ["https://github.com/allenai/OLMo"]),
    ("Repository: [OLMo](https://github.com/allenai/OLMo)\n", ["https://github.com/allenai/OLMo"]),
    ("## Training\n\nSee https://github.com/acme/recipes for details.\n", ["https://github.com/acme/recipes"]),
    ("We pre-trained it with our code at https://github.com/acme/lm.\n", ["https://github.com/acme/lm"]),
    ("## Usage\n\nInstall https://github.com/huggingface/transformers and train.\n", []),  # a library, not theirs
    ("## Citation\n\nOur website: https://github.com/acme/site\n", []),  # nothing says it is the model's code
    ("- **Resources:**\n  - [GitHub Repo](https://github.com/acme/t5)\n", ["https://github.com/acme/t5"]),
]


@pytest.mark.parametrize(("body", "urls"), CODE_CASES)
def test_code_links(body, urls):
    found = code_links(evidence(body))
    assert [f.detail.rsplit(" ", 1)[-1].rstrip(".") for f in found] == urls


DATA_CASES = [
    # (body, datasets, listed, described, processing)
    ("Trained on the [Dolma](https://huggingface.co/datasets/allenai/dolma) dataset.", (), True, True, False),
    ("## Training Data\n\nWe trained on web text gathered in 2023 and filtered with a quality classifier, then "
     "deduplicated.\n", (), False, True, True),
    ("## Data Mix\n\n| Source | Tokens | Share |\n|---|---|---|\n| web | 2T | 80% |\n| code | 0.5T | 20% |\n",
     (), False, True, True),
    ("## Training Data\n\nSee the [datasheet](https://example.org/datasheet.pdf) of our corpus "
     "[acme/corpus](https://huggingface.co/datasets/acme/corpus).\n", (), True, True, True),
    ("A chat model. Evaluated on MMLU.\n", (), False, False, False),
]


@pytest.mark.parametrize(("body", "datasets", "listed", "described", "processing"), DATA_CASES)
def test_data_information(body, datasets, listed, described, processing):
    data = data_information(evidence(body, datasets=datasets))
    assert (data.listed, bool(data.described), bool(data.processing)) == (listed, described, processing)


DATASET_CARD = ("---\nlicense: odc-by\n---\n# Corpus\n\n## Dataset Creation\n\nCollected from Common Crawl, "
                "language-identified, quality-filtered and deduplicated at the paragraph level.\n")


def test_a_declared_dataset_with_its_own_card_is_obtainable_and_documented():
    ds = DatasetEvidence("acme/corpus", True, "odc-by", card=DATASET_CARD)
    data = data_information(evidence("A model.", card={"license": "apache-2.0", "datasets": ["acme/corpus"]},
                                     datasets=(ds,)))
    assert data.obtainable and data.described and data.processing
    assert "outside the model card" in data.processing[0].detail
    assert "Dataset Creation" in data.processing[0].detail


def test_a_dataset_card_without_a_making_section_documents_nothing():
    ds = DatasetEvidence("acme/corpus", True, "mit", card="# Corpus\n\nSome rows.\n")
    data = data_information(evidence("A model.", card={"license": "apache-2.0", "datasets": ["acme/corpus"]},
                                     datasets=(ds,)))
    assert data.obtainable and not data.processing


def test_a_paper_counts_as_description_marked_outside_the_card():
    data = data_information(evidence("Trained on the Pile dataset. Paper: https://arxiv.org/abs/2304.01373"))
    assert data.described and data.processing
    assert "outside the card" in data.processing[0].detail


FAMILY_CASES = [
    # (repo id, tags, body, family id or None)
    ("NousResearch/Nous-Hermes-Llama2-13b", ("llama", "llama-2"), "A chat model.", "llama-2"),
    ("ghidav/Llama-2-7b-alpaca-lora", (), "LoRA weights.", "llama-2"),
    ("acme/chat", (), "This model is a fine-tuned version of Llama 2 on our data.", "llama-2"),
    ("acme/chat", (), "Unlike Llama 2, our model is trained from scratch.", None),  # no derivation cue
    ("acme/Meta-Llama-3.1-8B-sft", (), "", "llama-3.1"),  # not taken for Llama 3
    ("meta-llama/Llama-2-7b-hf", ("llama-2",), "", None),  # the family's own publisher is the base itself
    ("TinyLlama/TinyLlama-1.1B", ("llama",), "", None),  # the architecture tag names no family
    ("databricks/dolly-v2-12b", (), "Fine-tuned on 15k instruction/response fine tuning records.", None),
]


@pytest.mark.parametrize(("repo_id", "tags", "body", "family"), FAMILY_CASES)
def test_suspected_family(repo_id, tags, body, family):
    match = suspected_family(evidence(body, repo_id=repo_id, tags=tags))
    assert (match.family.id if match else None) == family


LICENSE_PROSE_CASES = [
    # (body, card, expected card-prose license keys)
    ("## License\n\nThe code in our repository is released under the Apache License 2.0.\n", {}, []),
    ("## License\n\nThe model weights are released under the Apache License 2.0.\n", {}, ["apache-2.0"]),
    ("## License\n\nThis model is released under the MIT License.\n", {"license": "apache-2.0"}, []),
]


@pytest.mark.parametrize(("body", "card", "keys"), LICENSE_PROSE_CASES)
def test_license_named_in_prose(body, card, keys):
    from auditor.licenses.identify import resolve_license

    ev = evidence(body, card=card or {"pipeline_tag": "text-generation"})
    assert [t.license.key for t in resolve_license(ev).terms if t.source == "card-prose"] == keys


PROSE_BASE_CASES = [
    # (body, expected prose bases)
    ("dolly-v2-12b is derived from EleutherAI's Pythia-12b and fine-tuned on ~15k instruction/response fine tuning "
     "records.", []),
    ("It is based on the EleutherAI/gpt-neox-20b tokenizer.", []),
    ("This model is a fine-tuned version of [mosaicml/mpt-30b](https://huggingface.co/mosaicml/mpt-30b).",
     ["mosaicml/mpt-30b"]),
    ("A fine-tuned version of EleutherAI/pythia-12b.", ["EleutherAI/pythia-12b"]),
    ("Built by finetuning [MPT-30B](https://huggingface.co/mosaicml/mpt-30b) on Dolly HHRLHF. The tokenizer is the "
     "[EleutherAI/gpt-neox-20b](https://huggingface.co/EleutherAI/gpt-neox-20b) tokenizer.", ["mosaicml/mpt-30b"]),
]


@pytest.mark.parametrize(("body", "bases"), PROSE_BASE_CASES)
def test_prose_bases_name_repositories_not_phrases(body, bases):
    from auditor.bases import prose_bases

    assert prose_bases(evidence(body))[0] == bases


def test_a_code_license_sentence_next_to_a_weights_sentence_does_not_bind_the_weights():
    from auditor.licenses.identify import resolve_license

    body = ("## License\n\nThe weights are for academic research only. Any other use is prohibited. The training "
            "and inference code is released under the Apache License 2.0.\n")
    ev = evidence(body, card={"license": "other"})
    assert [t.license.key for t in resolve_license(ev).terms] == []


def test_a_dataset_gone_from_the_hub_is_obtainable_where_the_card_says():
    body = ("## Training data\n\n[The Pile](https://pile.example.org/) is an 825GiB English corpus; it can be "
            "downloaded from the [official website](https://pile.example.org/) or a [mirror](https://mirror.example/"
            "pile/). Its [datasheet](https://arxiv.org/abs/2201.07311) documents it.\n")
    gone = DatasetEvidence("acme/pile", False, detail="not found on the Hub")
    data = data_information(evidence(body, card={"license": "apache-2.0", "datasets": ["acme/pile"]},
                                     datasets=(gone,)))
    assert data.obtainable and data.described and data.processing
    assert any(f.kind == "dataset-elsewhere" for f in data.declared)


def test_a_dataset_gone_from_the_hub_with_no_other_source_is_not_obtainable():
    gone = DatasetEvidence("acme/pile", False, detail="not found on the Hub")
    data = data_information(evidence("## Training data\n\nWe used the Pile.\n",
                                     card={"license": "apache-2.0", "datasets": ["acme/pile"]}, datasets=(gone,)))
    assert not data.obtainable and data.unobtainable


INFERENCE_CASES = [
    # (library_name, tags, files, expected finding locations)
    ("transformers", (), (), ["library_name"]),
    (None, ("transformers", "pytorch"), (), ["tags"]),
    (None, (), ("modeling_olmo.py", "configuration_olmo.py"), ["siblings"]),
    (None, ("en",), (), []),
]


@pytest.mark.parametrize(("library", "tags", "files", "locations"), INFERENCE_CASES)
def test_inference_support_from_library_metadata_and_files(library, tags, files, locations):
    from dataclasses import replace

    from auditor.evidence import RepoFile
    from auditor.probes.publication import _inference_findings as supports_inference

    ev = replace(evidence("A model."), library_name=library, tags=tags, files=tuple(RepoFile(f) for f in files))
    assert [f.location for f in supports_inference(ev) if f.kind == "inference-code"] == locations


def test_a_merge_names_its_parts_in_the_list_below_its_cue():
    from auditor.bases import prose_bases

    body = ("acme-slerp is a SLERP merge of two models made with [mergekit](https://github.com/cg123/mergekit):\n"
            "* [mistralai/Mistral-7B-Instruct-v0.2](https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.2)\n"
            "* [Sacralet/mistral-7B](https://huggingface.co/Sacralet/mistral-7B)\n\n## Usage\n")
    assert prose_bases(evidence(body))[0] == ["mistralai/Mistral-7B-Instruct-v0.2", "Sacralet/mistral-7B"]
