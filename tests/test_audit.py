"""The single-model pipeline through the library API, against the fake Hub."""

from __future__ import annotations

import pytest

from auditor.audit import audit, score
from auditor.errors import InvalidRepoId, RepoNotFound
from auditor.evidence import RepoEvidence
from auditor.hub.fields import read_model_info
from auditor.hub.live import LiveHub
from auditor.lineage import Lineage
from tests.contract import assert_contract


def statuses(report: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["criteria"]}


def test_sharded_safetensors_parameters_from_the_hub_summary(hub_log):
    report = audit("acme/sharded-apache", hub=LiveHub())
    assert_contract(report)
    assert report["weights"]["parameters"] == 10 + 20 + 30
    assert len(report["weights"]["files"]) == 3
    assert not any(r["path"].endswith(".safetensors") for r in hub_log)


def test_headers_are_range_read_when_the_hub_gives_no_summary(fake_hub):
    hub = LiveHub()
    info_keys_before = hub.requests
    # Drop the Hub's summary: the client must fall back to one ranged read per shard.
    info = read_model_info({**_info(hub, "acme/sharded-apache"), "safetensors": None})
    evidence = hub._evidence("acme/sharded-apache", None, info)
    assert evidence.safetensors is not None and evidence.safetensors.source == "headers"
    assert evidence.safetensors.total == 60
    ranged = [r for r in fake_hub.requests if r["path"].endswith(".safetensors")]
    assert ranged and all(r["range"] == "bytes=0-100007" for r in ranged)
    assert hub.requests > info_keys_before


def _info(hub: LiveHub, repo_id: str) -> dict:
    return hub._get_json(f"{hub.endpoint}/api/models/{repo_id}", {"blobs": True})


def test_pickle_only_repo_reports_format_and_unknown_parameter_count():
    report = audit("acme/pickle-only", hub=LiveHub())
    assert_contract(report)
    assert report["weights"]["formats"] == ["pickle"]
    assert report["weights"]["parameters"] is None
    assert any(f["kind"] == "pickle-weights" for f in report["weights"]["findings"])


def test_repo_without_weights_is_closed():
    report = audit("acme/no-weights", hub=LiveHub())
    assert report["classification"] == "closed"
    assert statuses(report)["source"] == "fail"


def test_open_model_with_data_and_code_is_open_source():
    report = audit("acme/tiny-apache", hub=LiveHub())
    assert report["classification"] == "open-source"
    assert set(statuses(report).values()) == {"pass"}
    assert report["license"]["source"] == "license-file"


def test_request_count_of_one_audit(hub_log):
    audit("acme/tiny-apache", hub=LiveHub())
    # model_info, README, LICENSE, the declared dataset and its own card (read once per dataset per run).
    assert [r["path"].split("/resolve/")[-1] if "/resolve/" in r["path"] else r["path"] for r in hub_log] == [
        "/api/models/acme/tiny-apache",
        f"{hub_log[1]['path'].split('/resolve/')[1]}",
        f"{hub_log[2]['path'].split('/resolve/')[1]}",
        "/api/datasets/acme/open-corpus",
        f"{hub_log[4]['path'].split('/resolve/')[1]}",
    ]
    assert hub_log[4]["path"].startswith("/datasets/acme/open-corpus/resolve/")
    assert len(hub_log) == 5


def test_errors_are_typed():
    with pytest.raises(InvalidRepoId):
        audit("bad--id", hub=LiveHub())
    with pytest.raises(RepoNotFound):
        audit("acme/missing", hub=LiveHub())


def test_score_is_pure_and_evidence_round_trips():
    hub = LiveHub()
    evidence = hub.repo("sentence-transformers/all-MiniLM-L6-v2")
    again = RepoEvidence.from_dict(evidence.to_dict())
    assert again == evidence
    first = score(evidence, Lineage(), audited_at="2026-01-01T00:00:00Z")
    second = score(again, Lineage(), audited_at="2026-01-01T00:00:00Z")
    assert first == second


@pytest.mark.parametrize("path,fmt", [
    ("model.safetensors", "safetensors"), ("pytorch_model.bin", "pickle"), ("training_args.bin", None),
    ("llama-2-7b-chat.ggmlv3.q4_0.bin", "gguf"), ("model.Q4_K_M.gguf", "gguf"), ("ckpt-0/tensor00039_000", "checkpoint"),
    ("flax_model.msgpack", "flax"), ("model.onnx", "onnx"), ("tf_model.h5", "keras"), ("README.md", None),
    ("tokenizer.json", None),
])
def test_weight_formats_from_file_names(path, fmt):
    from auditor.probes.publication import weight_format

    assert weight_format(path) == fmt
