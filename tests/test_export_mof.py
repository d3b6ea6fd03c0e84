"""MOF YAML for the Model Openness Tool: the MOT's schema, our estimate in the header, unsettled parts marked."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from auditor.export.mof import ARCHITECTURES, COMPONENTS, NOT_ESTABLISHED, RELEASE_TYPES, TREATMENTS, record, render
from auditor.export.mof import architecture as mof_architecture
from auditor.export.mof import release_type as mof_release_type
from tests.export_reports import FINETUNE, FIXTURES, LLAMA, MINILM, TINY, check_golden, normalised_report, report_for, slug

# The MOT's model schema (schema/mof_schema.json) as summarised in the frameworks reference §2c, made stricter where
# the MOT's importer relies on it: component names must be MOF names and component entries carry only known keys.
LICENSE_REF = {"type": "object", "properties": {"name": {"type": ["string", "null"]}, "path": {"type": ["string", "null"]}}}
MOF_SCHEMA = {
    "type": "object",
    "required": ["framework", "release"],
    "properties": {
        "framework": {
            "type": "object",
            "required": ["name", "version", "date"],
            "properties": {"name": {"enum": ["Model Openness Framework"]}, "version": {"type": "string"},
                           "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}},
        },
        "release": {
            "type": "object",
            "required": ["name", "license", "producer", "components"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "version": {"type": "string"},
                "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                "type": {"enum": list(RELEASE_TYPES)},
                "architecture": {"enum": list(ARCHITECTURES)},
                "treatment": {"enum": list(TREATMENTS)},
                "origin": {"type": "string"},
                "producer": {"type": "string"},
                "contact": {"type": "string"},
                "repository": {"type": "string"},
                "huggingface": {"type": "string"},
                "license": {"type": "object", "properties": {k: LICENSE_REF for k in
                                                             ("distribution", "code", "data", "document")}},
                "components": {
                    "type": "array", "minItems": 0, "maxItems": 17,
                    "items": {
                        "type": "object",
                        "required": ["name", "description"],
                        "additionalProperties": False,
                        "properties": {"name": {"enum": list(COMPONENTS)}, "description": {"type": "string"},
                                       "license": {"type": "string", "minLength": 1},
                                       "license_path": {"type": "string"}, "component_path": {"type": "string"}},
                    },
                },
            },
        },
    },
}


def _components(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in record(report)["release"]["components"]}


def test_schema_has_the_17_mof_components() -> None:
    assert len(COMPONENTS) == 17


@pytest.mark.parametrize("repo_id", FIXTURES)
def test_fixture_records_validate_and_round_trip_through_yaml(repo_id: str) -> None:
    report = report_for(repo_id)
    parsed = yaml.safe_load(render(report))
    jsonschema.validate(parsed, MOF_SCHEMA)
    assert parsed == record(report)
    names = [c["name"] for c in parsed["release"]["components"]]
    assert len(names) == len(set(names))


def test_the_schema_does_reject_a_bad_record() -> None:
    bad = record(report_for(TINY))
    bad["release"]["components"].append({"name": "Model weights", "description": "x"})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, MOF_SCHEMA)
    bad = record(report_for(TINY))
    del bad["release"]["producer"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, MOF_SCHEMA)


@pytest.mark.parametrize("repo_id", FIXTURES)
def test_components_follow_the_estimate(repo_id: str) -> None:
    report = report_for(repo_id)
    listed = _components(report)
    estimate = report["mof"]["components"]
    for name in COMPONENTS:
        state = estimate.get(name, {"included": None})
        if state["included"] is False:
            assert name not in listed  # the MOT counts a listed component as included
        elif state["included"] is None:
            assert listed[name]["license"] == "unlicensed"
            assert listed[name]["description"].startswith(NOT_ESTABLISHED)
        else:
            assert listed[name]["license"]
            assert not listed[name]["description"].startswith(NOT_ESTABLISHED)


def test_open_apache_model_components_carry_spdx_ids_and_paths() -> None:
    report = report_for(TINY)
    listed = _components(report)
    revision = report["model"]["revision"]
    assert listed["Model parameters (Final)"]["license"] == "Apache-2.0"
    assert listed["Model parameters (Final)"]["component_path"] == f"https://huggingface.co/{TINY}/tree/{revision}"
    assert listed["Datasets"]["license"] == "CC-BY-4.0"
    assert listed["Datasets"]["component_path"] == "https://huggingface.co/datasets/acme/open-corpus"
    assert listed["Training code"]["license"] == "unlicensed"  # linked code: its license is not read
    assert listed["Training code"]["component_path"].startswith(f"https://huggingface.co/{TINY}/blob/{revision}/README.md#L")
    release = record(report)["release"]
    assert release["license"]["distribution"] == {
        "name": "Apache-2.0", "path": f"https://huggingface.co/{TINY}/blob/{revision}/LICENSE"}
    assert (release["name"], release["producer"], release["version"]) == ("tiny-apache", "acme", revision)


def test_non_spdx_license_is_given_by_name_the_way_the_mot_records_it() -> None:
    release = record(report_for(LLAMA))["release"]
    assert release["license"]["distribution"]["name"] == "Llama 2 Community License Agreement"
    assert _components(report_for(LLAMA))["Model parameters (Final)"]["license"] == \
        "Llama 2 Community License Agreement"
    assert (release["type"], release["architecture"]) == ("language", "transformer decoder")
    assert "treatment" not in release  # nothing in the evidence says how it was trained


def test_inherited_terms_bind_the_finetune_components() -> None:
    release = record(report_for(FINETUNE))["release"]
    binding = "Llama 2 Community License Agreement AND Apache-2.0"
    assert release["license"]["distribution"]["name"] == binding
    assert _components(report_for(FINETUNE))["Model parameters (Final)"]["license"] == binding
    assert (release["origin"], release["treatment"]) == (LLAMA, "chat fine-tuned")


def test_header_states_the_estimate_and_what_is_unsettled() -> None:
    report = report_for(TINY)
    header = [line for line in render(report).splitlines() if line.startswith("#")]
    assert any(line.startswith("# Estimated MOF class: no class reached (partial:") for line in header)
    assert any("Research paper" in line and "unlicensed" in line for line in header)
    report["mof"]["class"], report["mof"]["status"] = "III", "pass"
    assert "# Estimated MOF class: Class III (pass:" in render(report)


def test_header_of_a_snapshot_report_invents_no_commit_and_dates_the_snapshot() -> None:
    report = report_for(TINY)
    report["model"]["revision"] = None  # a snapshot model no page gave a full commit id for
    report.update(source="snapshot", snapshot_date="2026-11-23", audited_at="2026-12-07T00:00:00Z")
    first, second = [line for line in render(report).splitlines() if line.startswith("#")][:2]
    assert first.endswith(" at an unknown commit") and "None" not in first
    assert "the bundled snapshot of 2026-11-23, audited 2026-12-07T00:00:00Z" in second
    report["model"]["revision_short"] = "abc1234"
    assert "at an unknown commit (pages show the short id abc1234)" in render(report)


@pytest.mark.parametrize(("task", "expected"), [("text-generation", "language"), ("image-classification", "vision"),
                                                ("text-to-image", "image"), ("automatic-speech-recognition", "audio"),
                                                ("image-text-to-text", "multimodal"), ("robotics", ""), (None, "")])
def test_release_type_from_pipeline_tag(task: str | None, expected: str) -> None:
    assert mof_release_type({"card": {"pipeline_tag": task}}) == expected


@pytest.mark.parametrize(("meta", "expected"), [
    ({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "library_name": "transformers"},
     "transformer decoder"),
    ({"architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "library_name": "transformers"},
     "transformer encoder-decoder"),
    ({"architectures": ["BertModel"], "model_type": "bert", "library_name": "sentence-transformers"}, "transformer"),
    ({"library_name": "diffusers"}, "diffusion"),
    ({"architectures": ["RwkvForCausalLM"], "model_type": "rwkv", "library_name": "transformers"}, "RNN"),
    ({"library_name": "gguf"}, ""),
])
def test_architecture_from_config(meta: dict, expected: str) -> None:
    assert mof_architecture({"card": meta}) == expected


def test_minilm_record_names_its_producer() -> None:
    release = record(report_for(MINILM))["release"]
    assert release["producer"] == "sentence-transformers"
    assert release["huggingface"] == f"https://huggingface.co/{MINILM}"


@pytest.mark.parametrize("repo_id", FIXTURES)
def test_golden_shape(repo_id: str) -> None:
    text = render(normalised_report(repo_id))
    jsonschema.validate(yaml.safe_load(text), MOF_SCHEMA)
    check_golden(f"{slug(repo_id)}.mof.yaml", text, yaml.safe_load)


# Values a hostile card can carry into the MOF record (author, model name via the id is validated, pipeline tag,
# architectures). Before: PyYAML wrote NEL and the Unicode line separators raw, and the header comment broke at them.
CONTROL_VALUES = ["a\x85b", "a\u2028b", "a\u2029b", "a\rb", "a\x1b[31mb", "a\x00b", "a\x7fb", "tab\there", "x\ny"]


@pytest.mark.parametrize("value", CONTROL_VALUES, ids=[repr(v) for v in CONTROL_VALUES])
def test_control_characters_are_quoted_and_the_yaml_reads_back(value: str) -> None:
    report = report_for(TINY)
    report["card"]["author"] = value
    report["card"]["architectures"] = [value]
    report["mof"]["summary"] = value
    text = render(report)
    loaded = yaml.safe_load(text)
    assert loaded["release"]["producer"] == value
    assert all(line.startswith("#") for line in text.splitlines()[:6])  # the header stays comments
    for ch in "\x85\u2028\u2029\r\x1b\x00\x7f":
        assert ch not in text
