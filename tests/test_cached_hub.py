from __future__ import annotations

import json
import subprocess

from auditor.fsutil import atomic_write_json, remove_stale_temp_files
from auditor.hub.cached import CachingHub, EvidenceStore
from auditor.hub.live import LiveHub


def test_second_read_at_a_known_sha_makes_no_request(tmp_path, hub_log):
    hub = CachingHub(LiveHub(), EvidenceStore(tmp_path))
    first = hub.repo("acme/tiny-apache")
    n_first = len(hub_log)
    assert n_first >= 2
    hub.current["acme/tiny-apache"] = first.revision
    again = hub.repo("acme/tiny-apache")
    assert again == first
    assert len(hub_log) == n_first
    assert (hub.hits, hub.misses) == (1, 1)


def test_pinned_sha_is_served_from_disk_by_a_new_process(tmp_path, hub_log):
    sha = CachingHub(LiveHub(), EvidenceStore(tmp_path)).repo("acme/tiny-apache").revision
    hub_log.clear()
    fresh = CachingHub(LiveHub(), EvidenceStore(tmp_path))
    assert fresh.repo("acme/tiny-apache", sha).revision == sha
    assert hub_log == []


def test_unknown_current_sha_reads_the_hub(tmp_path, hub_log):
    hub = CachingHub(LiveHub(), EvidenceStore(tmp_path))
    hub.repo("acme/tiny-apache")
    hub_log.clear()
    hub.repo("acme/tiny-apache")  # no prefetch: the current sha is unknown, so the Hub is asked again
    assert hub_log


def test_damaged_cache_entry_is_a_miss(tmp_path):
    store = EvidenceStore(tmp_path)
    evidence = LiveHub().repo("acme/tiny-apache")
    store.put(evidence)
    path = tmp_path / "acme" / "tiny-apache.json"
    path.write_text("{not json")
    assert store.get("acme/tiny-apache", evidence.revision) is None


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "a" / "b.json"
    atomic_write_json(target, {"x": 1})
    atomic_write_json(target, {"x": 2})
    assert json.loads(target.read_text()) == {"x": 2}
    assert [p.name for p in target.parent.iterdir()] == ["b.json"]
    dead = _dead_pid()
    (target.parent / f".b.json.auditor-{dead}-0a1b2c3d.x1y2.tmp").write_text("half")  # what a killed writer leaves
    assert remove_stale_temp_files(tmp_path) == 1
    assert [p.name for p in target.parent.iterdir()] == ["b.json"]


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_light_reads_serve_only_light_requests_and_never_replace_a_full_read(tmp_path):
    store = EvidenceStore(tmp_path)
    light = LiveHub().repo("acme/tiny-apache", texts=False)
    assert light.light
    store.put(light)
    assert store.get("acme/tiny-apache", light.revision, texts=False) == light
    assert store.get("acme/tiny-apache", light.revision, texts=True) is None
    full = LiveHub().repo("acme/tiny-apache")
    store.put(full)
    store.put(light)
    assert store.get("acme/tiny-apache", full.revision, texts=True) == full


def test_current_shas_lists_a_namespace_in_one_request(hub_log):
    ids = ["fam/apache", "fam/mit", "fam/gemma", "gpt2"]
    shas = LiveHub().current_shas(ids)
    assert set(shas) == set(ids)
    listings = [r for r in hub_log if r["path"] == "/api/models"]
    assert len(listings) == 1 and "author=fam" in listings[0]["query"]
    assert len(hub_log) == 2  # the listing, and one lookup for the id without a namespace
    assert shas["fam/apache"] == LiveHub().repo("fam/apache", texts=False).revision
