"""The one fallback rule (auditor.hub.open_hub) and the snapshot's lookups (issue 16, hub side): live first, the
snapshot from the first unreachable answer on with one notice; --offline and HF_HUB_OFFLINE make no request;
ids are case-insensitive; a missing model gets "did you mean"; the snapshot lists what it holds."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.audit import audit
from auditor.errors import HubUnreachable, NotInSnapshot, RepoNotFound
from auditor.hub import FallbackHub, Hub, SnapshotHub, open_hub, snapshot_ids
from auditor.hub.cached import CachingHub, EvidenceStore
from auditor.hub.live import USER_AGENT, LiveHub, RetryPolicy
from auditor.lineage import AncestorCache
from tests.hubdata_publishing import LLAMA_BASE, MIT_FINETUNE, OPEN_MODEL, store_snapshot

FAST = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, budget=30.0)
LLAMA = "meta-llama/Llama-2-13b-hf"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="module")
def snapshot_dir(tmp_path_factory: pytest.TempPathFactory, fake_hub) -> Path:
    root = tmp_path_factory.mktemp("fallback-snapshot") / "evidence"
    store_snapshot(root, fake_hub.url, (OPEN_MODEL, MIT_FINETUNE, LLAMA), "2024-03-01")
    return root


def dead_fallback(snapshot_dir: Path, notices: list[str]) -> FallbackHub:
    live = LiveHub(token=False, endpoint=closed_port_url(), retry=FAST)
    return FallbackHub(live, SnapshotHub(snapshot_dir), notices.append)


# -- the interface ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [LiveHub, SnapshotHub, CachingHub, FallbackHub])
def test_every_hub_is_a_hub_with_every_method(cls: type) -> None:
    assert issubclass(cls, Hub)
    for method in ("repo", "dataset", "children", "current_shas", "suggestions"):
        assert callable(getattr(cls, method))
    assert not cls.__abstractmethods__


def test_a_hub_missing_a_method_cannot_be_built() -> None:
    class Partial(Hub):
        def repo(self, repo_id, revision=None, *, texts=True):  # noqa: ANN001, ANN202
            raise NotImplementedError

    with pytest.raises(TypeError, match="abstract"):
        Partial()  # type: ignore[abstract]


def test_current_shas_defaults_to_knowing_none() -> None:
    class Minimal(Hub):
        def repo(self, repo_id, revision=None, *, texts=True):  # noqa: ANN001, ANN202
            raise NotImplementedError

        def dataset(self, dataset_id):  # noqa: ANN001, ANN202
            raise NotImplementedError

        def children(self, repo_id, relation=None, limit=None):  # noqa: ANN001, ANN202
            return []

    assert Minimal().current_shas(["a/b"]) == {} and Minimal().suggestions("a/b") == []


def test_caching_hub_reads_light_through_any_hub(snapshot_dir: Path, tmp_path: Path) -> None:
    hub = CachingHub(SnapshotHub(snapshot_dir), EvidenceStore(tmp_path))
    assert hub.repo(OPEN_MODEL, texts=False).repo_id == OPEN_MODEL
    assert hub.current_shas([OPEN_MODEL, "nobody/here"]) == {OPEN_MODEL: hub.repo(OPEN_MODEL).revision}
    assert hub.source == "snapshot"


def test_batch_rerun_through_an_unreachable_hub_keeps_what_the_snapshot_still_holds(snapshot_dir: Path,
                                                                                     tmp_path: Path) -> None:
    """The current commits come from the snapshot once the Hub cannot be reached; before, the live listing's
    empty answer counted as "commit changed", so every model with a known commit was read again on every run."""
    from auditor.batch import run_batch

    ids = [OPEN_MODEL, MIT_FINETUNE]
    first = run_batch(ids, tmp_path, hub=dead_fallback(snapshot_dir, []), concurrency=1)
    assert sorted(first.audited) == sorted(ids)
    assert all(SnapshotHub(snapshot_dir).repo(i).revision for i in ids)  # commits the snapshot knows
    second = run_batch(ids, tmp_path, hub=dead_fallback(snapshot_dir, []), concurrency=1)
    assert second.audited == [] and sorted(second.skipped) == sorted(ids)


# -- NotInSnapshot and lookups ----------------------------------------------------------------------------------
def test_snapshot_lookups_ignore_case(snapshot_dir: Path) -> None:
    hub = SnapshotHub(snapshot_dir)
    evidence = hub.repo(LLAMA.lower())
    assert evidence.repo_id == LLAMA and hub.has(LLAMA.upper())


def test_bundled_snapshot_resolves_llama_in_any_case() -> None:
    assert SnapshotHub().repo("META-LLAMA/llama-2-13B-HF").repo_id == LLAMA


def test_missing_model_is_not_in_snapshot_with_suggestions(snapshot_dir: Path) -> None:
    hub = SnapshotHub(snapshot_dir)
    with pytest.raises(NotInSnapshot) as raised:
        hub.repo("meta-lama/Llama-2-13b-hf")
    assert isinstance(raised.value, HubUnreachable) and raised.value.exit_code == 4
    assert f"Did you mean {LLAMA}?" in raised.value.message and "\n" not in raised.value.message
    assert hub.suggestions("Llama-2-13b-hf") == [LLAMA]  # no namespace: the name alone finds it


def test_snapshot_lists_every_held_model(snapshot_dir: Path) -> None:
    hub = SnapshotHub(snapshot_dir)
    entries = hub.entries()
    assert [e.id for e in entries] == snapshot_ids(snapshot_dir) == sorted(hub.all_ids())
    assert {OPEN_MODEL, MIT_FINETUNE, LLAMA, LLAMA_BASE} <= set(snapshot_ids(snapshot_dir))  # ancestors stored too
    assert all(len(e.revision) == 40 and e.snapshot_date for e in entries)
    assert len(snapshot_ids()) >= 50  # the bundled one


def test_snapshot_children_follow_the_hubs_rule(snapshot_dir: Path) -> None:
    children = {c.id: c.relation for c in SnapshotHub(snapshot_dir).children(LLAMA_BASE)}
    assert children.get(MIT_FINETUNE) == "finetune" and OPEN_MODEL not in children


def test_lineage_treats_an_ancestor_missing_from_the_snapshot_as_a_gap(tmp_path: Path, snapshot_dir: Path) -> None:
    only_child = tmp_path / "evidence"
    (only_child / MIT_FINETUNE).parent.mkdir(parents=True)
    (only_child / f"{MIT_FINETUNE}.json").write_bytes((snapshot_dir / f"{MIT_FINETUNE}.json").read_bytes())
    report = audit(MIT_FINETUNE, hub=SnapshotHub(only_child), cache=AncestorCache())
    assert "missing-base" in {f["kind"] for f in report["lineage"]["findings"]}


# -- the fallback rule ------------------------------------------------------------------------------------------
def test_unreachable_hub_falls_back_once_with_one_notice(snapshot_dir: Path, hub_log: list[dict]) -> None:
    notices: list[str] = []
    hub = dead_fallback(snapshot_dir, notices)
    report = audit(MIT_FINETUNE, hub=hub)
    assert report["source"] == "snapshot" and report["lineage"]["ancestors"]
    assert len(notices) == 1 and "answering from the bundled snapshot" in notices[0]
    assert hub.fell_back and hub.source == "snapshot"


def test_not_in_snapshot_after_a_fallback_says_both_reasons(snapshot_dir: Path) -> None:
    notices: list[str] = []
    with pytest.raises(NotInSnapshot) as raised:
        dead_fallback(snapshot_dir, notices).repo("pub/not-in-snapshot")
    message = raised.value.message
    assert "could not be reached" in message and "snapshot does not hold pub/not-in-snapshot" in message
    assert notices == []  # one sentence in all: the error says it


def test_reachable_hub_answers_live_and_never_notices(snapshot_dir: Path) -> None:
    notices: list[str] = []
    hub = FallbackHub(LiveHub(token=False, retry=FAST), SnapshotHub(snapshot_dir), notices.append)
    assert audit(OPEN_MODEL, hub=hub)["source"] == "hub" and notices == []
    with pytest.raises(RepoNotFound):
        hub.repo("acme/does-not-exist")  # a missing model is not a reason to fall back
    assert not hub.fell_back


def test_open_hub_offline_makes_no_request(snapshot_dir: Path, hub_log: list[dict]) -> None:
    hub = open_hub(offline=True, snapshot_root=snapshot_dir)
    assert hub.repo(OPEN_MODEL).source == "snapshot" and hub_log == []
    with pytest.raises(NotInSnapshot, match="With --offline no request is made"):
        hub.repo("pub/not-in-snapshot")


@pytest.mark.parametrize("variable", ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"])
def test_open_hub_honours_the_offline_environment(variable: str, snapshot_dir: Path, hub_log: list[dict],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, "1")
    notices: list[str] = []
    hub = open_hub(notice=notices.append, snapshot_root=snapshot_dir)
    assert isinstance(hub, SnapshotHub) and hub.repo(OPEN_MODEL).source == "snapshot"
    assert hub_log == [] and notices == [f"{variable} is set; answering from the bundled snapshot."]


def test_open_hub_is_live_first(snapshot_dir: Path, hub_log: list[dict]) -> None:
    hub = open_hub(token=None, snapshot_root=snapshot_dir)
    assert isinstance(hub, FallbackHub) and hub.repo(OPEN_MODEL).source == "hub"


def test_live_suggestions_take_one_request(hub_log: list[dict]) -> None:
    close = LiveHub(token=False, retry=FAST).suggestions("acme/tiny-apach")
    assert "acme/tiny-apache" in close
    assert [r["path"] for r in hub_log] == ["/api/models"]


# -- through the CLI ---------------------------------------------------------------------------------------------
def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from auditor.cli import main; main()", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def test_cli_typo_gets_a_live_suggestion(hub_log: list[dict]) -> None:
    result = run_cli("acme/tiny-apach")
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.strip().endswith("Did you mean acme/tiny-apache?") and len(result.stderr.splitlines()) == 1


def test_cli_offline_typo_gets_a_snapshot_suggestion() -> None:
    result = run_cli("--offline", "meta-lama/Llama-2-13b-hf")
    assert result.returncode == 4 and result.stdout == ""
    assert f"Did you mean {LLAMA}" in result.stderr and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("With --offline no request is made to the Hub, and the bundled snapshot does not")


@pytest.mark.parametrize("spelling", ["meta-llama/llama-2-13b-hf", "META-LLAMA/LLAMA-2-13B-HF"])
def test_cli_offline_resolves_any_case(spelling: str) -> None:
    result = run_cli("--offline", spelling, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"]["id"] == LLAMA


def test_no_hidden_telemetry_request_even_with_telemetry_on(hub_log: list[dict], tmp_path: Path) -> None:
    """Before: huggingface_hub's header builder first fetched {endpoint}/api/agent-harnesses (3 s timeout) on every
    run without a fresh cached copy, i.e. every offline run; our requests build their own headers."""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_DISABLE_TELEMETRY", "DO_NOT_TRACK")}
    env["HF_HOME"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", "from auditor.cli import main; main()", "acme/tiny-apache"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    paths = [r["path"] for r in hub_log]
    assert "/api/models/acme/tiny-apache" in paths and "/api/agent-harnesses" not in paths
    assert {r["user_agent"] for r in hub_log} == {USER_AGENT}


def test_batch_hub_wrapper_is_a_hub_without_forwarding() -> None:
    from auditor.batch import RecordingHub

    assert issubclass(RecordingHub, Hub) and "__getattr__" not in vars(RecordingHub)
    assert "__getattr__" not in vars(CachingHub)
