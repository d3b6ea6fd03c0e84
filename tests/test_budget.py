"""Request budgets, counted on the fake Hub's log (counts, never times)."""

from __future__ import annotations

import threading

import pytest

import auditor.hub.live
from auditor.audit import audit
from auditor.hub.live import LiveHub
from auditor.lineage import AncestorCache

LICENSE_READS = ("LICENSE", "LICENSE.txt", "LICENSE.md", "USE_POLICY.md")


def _kinds(log: list[dict]) -> dict[str, int]:
    out = {"model_info": 0, "readme": 0, "license": 0, "dataset": 0, "other": 0, "weights": 0}
    for r in log:
        path = r["path"]
        if path.startswith("/api/models/"):
            out["model_info"] += 1
        elif path.startswith("/api/datasets/"):
            out["dataset"] += 1
        elif path.endswith("/README.md"):
            out["readme"] += 1
        elif path.endswith(LICENSE_READS):
            out["license"] += 1
        elif path.endswith((".safetensors", ".bin", ".gguf")) and not r["range"]:
            out["weights"] += 1
        else:
            out["other"] += 1
    return out


@pytest.mark.parametrize("repo_id", ["acme/tiny-apache", "fam/apache", "fam/llama2-text", "acme/sharded-apache",
                                     "gpt2", "meta-llama/Llama-2-13b-hf"])
def test_one_audit_without_ancestors_stays_within_4_requests_plus_license_texts(repo_id, hub_log):
    audit(repo_id, hub=LiveHub())
    kinds = _kinds(hub_log)
    assert kinds["weights"] == 0, "a weight file body was downloaded"
    assert kinds["model_info"] == 1
    assert len(hub_log) - kinds["license"] <= 4, kinds
    assert len(hub_log) == sum(kinds.values())


def test_each_ancestor_costs_one_request_when_nothing_else_is_needed(hub_log):
    audit("lineage/mit-llama2-finetune", hub=LiveHub())
    base_reads = [r for r in hub_log if "Llama-2-7b-reupload" in r["path"]]
    assert len(base_reads) == 1 and base_reads[0]["path"].startswith("/api/models/")


def test_a_batch_reads_a_shared_base_and_a_shared_dataset_once(hub_log):
    hub, cache = LiveHub(), AncestorCache()
    for repo_id in ("lineage/mit-llama2-finetune", "lineage/llama2-lora", "lineage/llama2-7b-gguf"):
        audit(repo_id, hub=hub, cache=cache)
    assert sum(1 for r in hub_log if r["path"] == "/api/models/lineage/Llama-2-7b-reupload") == 1
    hub_log.clear()
    audit("acme/tiny-apache", hub=hub)
    audit("acme/tiny-apache", hub=hub)
    assert sum(1 for r in hub_log if r["path"].startswith("/api/datasets/")) == 1


def test_a_429_pauses_every_thread_of_the_client(fake_hub, hub_log, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(auditor.hub.live.time, "sleep", waits.append)  # record instead of sleeping
    fake_hub.inject_fault("/api/models/gpt2", "status", status=429, headers={"Retry-After": "30"})
    hub = LiveHub()
    hub.repo("gpt2", texts=False)
    assert hub.rate_limited == 1 and waits and waits[0] >= 30
    waits.clear()
    other = threading.Thread(target=hub.repo, args=("acme/tiny-apache",), kwargs={"texts": False})
    other.start()
    other.join()
    assert waits and waits[0] > 25, "another thread's request did not wait for the shared pause"
