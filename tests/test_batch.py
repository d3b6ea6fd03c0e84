"""Batch audits over the fake Hub: layout, index and errors, resume, atomic writes, isolation, Ctrl-C, exit codes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.audit import audit
from auditor.batch import BatchResult, parse_ids, read_ids, run_batch
from auditor.cli import main
from auditor.criteria import CONTRACT_IDS
from auditor.errors import UsageError
from auditor.fsutil import StorageError, atomic_write_json
from auditor.hub.live import LiveHub
from auditor.hub.snapshot import SnapshotHub
from auditor.progress import NullProgress
from auditor.report import index_row
from auditor.store import ReportStore
from tests.hubdata_site import HOSTILE, LLAMA_BASE, LLAMA_RELABELLED, MIT_CHILD, OPEN_BASE, OPEN_CHILD

CORE = ["acme/tiny-apache", "gpt2", "meta-llama/Llama-2-13b-hf"]


def report_path(out: Path, repo_id: str) -> Path:
    return ReportStore(out).report_path(repo_id)


def evidence_path(out: Path, repo_id: str) -> Path:
    return ReportStore(out).evidence_path(repo_id)


def model_requests(log: list[dict], repo_id: str) -> int:
    """Full reads of a model's metadata (a re-run's current-sha checks are not reads of the model)."""
    return sum(1 for r in log if r["path"] == f"/api/models/{repo_id}" and "expand=sha" not in r["query"])


def run(ids: list[str], out: Path, **kwargs) -> BatchResult:
    kwargs.setdefault("hub", LiveHub())
    return run_batch(ids, out, **kwargs)


# -- the id list ---------------------------------------------------------------------------------------------------
def test_parse_ids_drops_comments_blanks_and_repeats():
    lines = ["# notable models", "", "  gpt2  ", "acme/tiny-apache   # inline comment", "gpt2", "   # indented", "x/y"]
    assert parse_ids(lines) == ["gpt2", "acme/tiny-apache", "x/y"]


@pytest.mark.parametrize("content, message", [(None, "does not exist"), ("# only a comment\n\n", "names no model"),
                                              (b"\xff\xfe\x00bad", "not UTF-8")])
def test_read_ids_refuses_unusable_lists(tmp_path: Path, content, message):
    path = tmp_path / "models.txt"
    if isinstance(content, str):
        path.write_text(content)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(UsageError, match=message):
        read_ids(path)


# -- a batch -------------------------------------------------------------------------------------------------------
def test_batch_writes_reports_evidence_index_and_errors(tmp_path: Path, hub_log):
    ids = [*CORE, "acme/does-not-exist", "bad--id", OPEN_CHILD]
    result = run(ids, tmp_path, concurrency=4)

    assert result.audited == [*CORE, OPEN_CHILD]
    assert result.exit_code == 1
    assert [(e.id, e.exit_code, e.reason) for e in result.errors] == [
        ("acme/does-not-exist", 3, "not-found"), ("bad--id", 2, "invalid-id")]
    for repo_id in [*CORE, OPEN_CHILD]:
        report = json.loads(report_path(tmp_path, repo_id).read_text())
        assert report["model"]["id"] == repo_id
        assert {c["id"] for c in report["criteria"]} == set(CONTRACT_IDS)
        assert evidence_path(tmp_path, repo_id).is_file()
    assert (tmp_path / "gpt2.json").is_file() and (tmp_path / "evidence" / "gpt2.json").is_file()  # legacy id
    assert evidence_path(tmp_path, OPEN_BASE).is_file()  # the ancestor's evidence, for offline rescoring

    index = json.loads((tmp_path / "index.json").read_text())
    assert index["count"] == 4 and [row["id"] for row in index["models"]] == [*CORE, OPEN_CHILD]
    llama = index["models"][2]
    assert llama["classification"] == "restricted"
    assert llama["license_family"] == "llama" and llama["license_key"] == "llama-2"
    assert llama["criteria"]["persons-groups"] == "fail" and set(llama["criteria"]) == set(CONTRACT_IDS)
    assert llama["gated"] == "manual" and llama["revision"] and llama["audited_at"] and llama["source"] == "hub"
    child = index["models"][3]
    assert child["lineage_findings"] == len(json.loads(report_path(tmp_path, OPEN_CHILD).read_text())
                                            ["lineage"]["findings"])
    assert child["parameters"] == 16 and child["data_transparency"] in ("pass", "partial", "fail", "unknown")

    errors = json.loads((tmp_path / "errors.json").read_text())
    assert errors["count"] == 2 and errors["errors"][0]["exit_code"] == 3
    assert "does not exist" in errors["errors"][0]["message"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_index_row_reads_the_report_only():
    report = {"schema": "auditor.report/1", "model": {"id": "a/b", "revision": "r", "gated": False},
              "license": {"declared": ["mit", "apache-2.0"], "key": "mit", "identified": "MIT"},
              "lineage": {"effective_license": "MIT", "findings": [{}, {}]}, "weights": {"parameters": 7},
              "criteria": [{"id": "source", "status": "pass"}, {"id": "data-transparency", "status": "fail"}],
              "classification": "open-weights", "audited_at": "2026-01-01T00:00:00Z", "source": "snapshot"}
    row = index_row(report)
    assert row["license_declared"] == "mit, apache-2.0" and row["license_family"] == "mit"
    assert row["data_transparency"] == "fail" and row["lineage_findings"] == 2 and row["parameters"] == 7
    assert row["source"] == "snapshot"


def test_stored_evidence_rescores_to_the_same_report(tmp_path: Path):
    """The evidence layout is SnapshotHub's: the same pipeline over it, offline, gives the same verdicts."""
    ids = [OPEN_CHILD, LLAMA_RELABELLED, "meta-llama/Llama-2-13b-hf"]
    assert run(ids, tmp_path, concurrency=3).exit_code == 0
    snapshot = SnapshotHub(root=tmp_path / "evidence")
    for repo_id in ids:
        stored = json.loads(report_path(tmp_path, repo_id).read_text())
        again = audit(repo_id, hub=snapshot)
        assert again["classification"] == stored["classification"]
        assert [c["status"] for c in again["criteria"]] == [c["status"] for c in stored["criteria"]]
        assert again["lineage"]["effective_license"] == stored["lineage"]["effective_license"]
    assert snapshot.has(LLAMA_BASE)


def test_a_base_shared_by_many_models_is_read_once(tmp_path: Path, hub_log):
    assert run([OPEN_CHILD, MIT_CHILD], tmp_path, concurrency=2).exit_code == 0
    assert model_requests(hub_log, OPEN_BASE) == 1


def test_a_model_audited_and_used_as_a_base_keeps_its_full_evidence(tmp_path: Path):
    assert run([OPEN_CHILD, OPEN_BASE, MIT_CHILD], tmp_path, concurrency=3).exit_code == 0
    stored = json.loads(evidence_path(tmp_path, OPEN_BASE).read_text())
    assert any(t["path"] == "README.md" and t["status"] == "ok" for t in stored["texts"])


# -- resume, force and atomic writes -------------------------------------------------------------------------------
def test_rerun_skips_finished_models_and_force_redoes_them(tmp_path: Path, hub_log):
    first = run(CORE, tmp_path)
    assert first.exit_code == 0 and first.audited == CORE
    before = {i: report_path(tmp_path, i).read_bytes() for i in CORE}
    hub_log.clear()

    second = run(CORE, tmp_path)
    assert second.audited == [] and second.skipped == CORE and second.exit_code == 0
    # The only requests of an unchanged re-run ask for current commit shas; nothing is read again.
    assert hub_log and all("expand=sha" in r["query"] for r in hub_log)
    assert {i: report_path(tmp_path, i).read_bytes() for i in CORE} == before
    assert [r["id"] for r in json.loads((tmp_path / "index.json").read_text())["models"]] == CORE

    hub_log.clear()
    third = run(CORE, tmp_path, force=True)
    # Forced: every model is scored again, from the evidence stored at the same commits.
    assert third.audited == CORE
    assert all("expand=sha" in r["query"] for r in hub_log)


def test_a_torn_or_foreign_report_is_audited_again(tmp_path: Path):
    run(CORE, tmp_path)
    report_path(tmp_path, "gpt2").write_text('{"schema": "auditor.report/1", "model": {"id": "gp')  # a torn write
    (tmp_path / "acme" / "tiny-apache.json").write_text(json.dumps({"schema": "auditor.report/1",
                                                                     "model": {"id": "someone/else"}}))
    evidence_path(tmp_path, "meta-llama/Llama-2-13b-hf").unlink()  # a report without its evidence
    result = run(CORE, tmp_path)
    assert sorted(result.audited) == sorted(CORE)
    assert json.loads(report_path(tmp_path, "gpt2").read_text())["model"]["id"] == "gpt2"


def test_atomic_write_keeps_the_previous_file_when_the_write_fails(tmp_path: Path, monkeypatch):
    target = tmp_path / "a" / "report.json"
    atomic_write_json(target, {"version": 1})

    def broken_replace(src, dst):
        raise OSError("disk full")

    import auditor.fsutil

    monkeypatch.setattr(auditor.fsutil.os, "replace", broken_replace)
    with pytest.raises(StorageError, match="could not be written: disk full"):
        atomic_write_json(target, {"version": 2})
    assert json.loads(target.read_text()) == {"version": 1}
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_a_failed_reaudit_keeps_the_earlier_report(tmp_path: Path, fake_hub):
    run(["gpt2"], tmp_path)
    before = report_path(tmp_path, "gpt2").read_bytes()
    fake_hub.inject_failure("/api/models/gpt2", 503, count=50)
    result = run(["gpt2"], tmp_path, force=True)
    fake_hub.failures.clear()
    assert result.errors[0].reason == "unreachable" and result.exit_code == 4
    assert report_path(tmp_path, "gpt2").read_bytes() == before
    assert [r["id"] for r in result.rows] == ["gpt2"]  # still indexed, and listed in errors.json


# -- isolation, exit codes -----------------------------------------------------------------------------------------
def test_one_models_failure_does_not_stop_the_others(tmp_path: Path, fake_hub, hub_log):
    fake_hub.inject_failure("/api/models/acme/tiny-apache", 503, count=50)
    result = run([*CORE, HOSTILE], tmp_path, concurrency=2)
    assert result.audited == ["gpt2", "meta-llama/Llama-2-13b-hf", HOSTILE]
    assert [(e.id, e.exit_code, e.reason) for e in result.errors] == [("acme/tiny-apache", 4, "unreachable")]
    assert result.exit_code == 1


def test_an_unexpected_error_in_one_model_is_contained(tmp_path: Path, monkeypatch):
    import auditor.audit as audit_module

    real = audit_module.audit

    def flaky(repo_id, *args, **kwargs):
        if repo_id == "gpt2":
            raise ValueError("boom with hf_secrettoken123456 inside")
        return real(repo_id, *args, **kwargs)

    monkeypatch.setattr(audit_module, "audit", flaky)
    result = run(CORE, tmp_path)
    assert len(result.audited) == 2 and result.errors[0].reason == "internal" and result.exit_code == 1
    assert "boom" in result.errors[0].message and "secrettoken" not in result.errors[0].message


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_hub_unreachable_throughout_exits_4_and_stops_trying(tmp_path: Path):
    dead = LiveHub(endpoint=f"http://127.0.0.1:{free_port()}")
    ids = [f"org/model-{i}" for i in range(12)]
    result = run_batch(ids, tmp_path, hub=dead, concurrency=1, unreachable_limit=3)
    assert result.exit_code == 4 and result.audited == []
    assert all(e.reason == "unreachable" and e.exit_code == 4 for e in result.errors) and len(result.errors) == 12
    assert sum("Not attempted" in e.message for e in result.errors) == 9
    assert dead.requests <= 3 * dead.retry.attempts


def test_reserved_names_are_refused(tmp_path: Path):
    result = run(["index", "evidence/some-model", "gpt2"], tmp_path)
    assert [(e.id, e.reason, e.exit_code) for e in result.errors] == [("index", "reserved-name", 2),
                                                                       ("evidence/some-model", "reserved-name", 2)]
    assert result.audited == ["gpt2"] and json.loads((tmp_path / "index.json").read_text())["count"] == 1


def test_concurrency_is_bounded(tmp_path: Path):
    class CountingHub(LiveHub):
        def __init__(self):
            super().__init__()
            self.running = self.peak = 0
            self.guard = threading.Lock()

        def repo(self, repo_id, revision=None, *, texts=True):
            with self.guard:
                self.running += 1
                self.peak = max(self.peak, self.running)
            try:
                time.sleep(0.05)  # hold the slot so overlapping audits are visible
                return super().repo(repo_id, revision, texts=texts)
            finally:
                with self.guard:
                    self.running -= 1

    hub = CountingHub()
    ids = [*CORE, "acme/pickle-only", "acme/no-weights", "acme/sharded-apache", OPEN_BASE, HOSTILE]
    assert run_batch(ids, tmp_path, hub=hub, concurrency=3, follow_lineage=False).exit_code == 0
    assert 2 <= hub.peak <= 3


def test_bad_concurrency_is_a_usage_error(tmp_path: Path):
    with pytest.raises(UsageError, match="between 1 and"):
        run(["gpt2"], tmp_path, concurrency=0)


# -- interruption --------------------------------------------------------------------------------------------------
def test_keyboard_interrupt_keeps_finished_reports_and_resume_finishes(tmp_path: Path, hub_log):
    ids = [*CORE, "acme/pickle-only", "acme/sharded-apache", "acme/no-weights"]
    done: list[str] = []

    class InterruptAfterFirst(NullProgress):
        def advance(self, item: str, *, ok: bool = True, detail: str | None = None) -> None:
            done.append(item)
            raise KeyboardInterrupt

    result = run(ids, tmp_path, concurrency=1, progress=InterruptAfterFirst())
    assert result.interrupted and result.audited == done[:1]
    index = json.loads((tmp_path / "index.json").read_text())
    assert [r["id"] for r in index["models"]] == done[:1]
    assert json.loads((tmp_path / "errors.json").read_text())["interrupted"] is True
    time.sleep(0.5)  # an audit already running when Ctrl-C came finishes on its own
    finished = [i for i in ids if report_path(tmp_path, i).is_file()]
    for repo_id in finished:
        assert json.loads(report_path(tmp_path, repo_id).read_text())["model"]["id"] == repo_id
    hub_log.clear()

    rest = run(ids, tmp_path)
    assert sorted(rest.skipped) == sorted(finished) and sorted(rest.audited + rest.skipped) == sorted(ids)
    assert all(model_requests(hub_log, i) == 0 for i in finished)


def test_sigint_to_the_cli_leaves_every_finished_report_intact(tmp_path: Path, fake_hub):
    ids = [*CORE, "acme/pickle-only", "acme/sharded-apache", "acme/no-weights", OPEN_BASE, MIT_CHILD, HOSTILE]
    (tmp_path / "models.txt").write_text("\n".join(ids))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    fake_hub.latency_s = 0.05
    try:
        proc = subprocess.Popen([sys.executable, "-c", "from auditor.cli import main; main()", "batch",
                                 str(tmp_path / "models.txt"), "--out", str(out), "--concurrency", "2"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not list(out.glob("*/*.json")) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        fake_hub.latency_s = 0.0
    assert proc.returncode in (130, 0), stderr  # 0 only if the batch had already finished
    assert "Traceback" not in stderr
    reports = [p for p in out.rglob("*.json") if "evidence" not in p.parts and p.parent != out]
    assert reports
    for path in reports:
        data = json.loads(path.read_text())
        assert data["schema"] == "auditor.report/1" and evidence_path(out, data["model"]["id"]).is_file()
    assert not list(out.rglob("*.tmp"))
    if proc.returncode == 130:
        assert "resume" in stderr


# -- the command ---------------------------------------------------------------------------------------------------
def cli(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code, capsys.readouterr().err


def test_cli_batch_exit_codes_and_summary(tmp_path: Path, capsys):
    listing = tmp_path / "models.txt"
    listing.write_text("# core\ngpt2\nacme/tiny-apache\n")
    code, err = cli(["batch", str(listing), "--out", str(tmp_path / "out")], capsys)
    assert code == 0 and "Audited 2" in err and (tmp_path / "out" / "acme" / "tiny-apache.json").is_file()

    listing.write_text("gpt2\nacme/does-not-exist\n")
    code, err = cli(["batch", str(listing), "--out", str(tmp_path / "out")], capsys)
    assert code == 1 and "acme/does-not-exist" in err and "kept 1" in err

    code, err = cli(["batch", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_cli_batch_offline_answers_from_a_snapshot_without_requests(tmp_path: Path, capsys, monkeypatch, hub_log):
    run(["gpt2", "acme/tiny-apache"], tmp_path / "live")
    monkeypatch.setenv("AUDITOR_SNAPSHOT_DIR", str(tmp_path / "live" / "evidence"))
    listing = tmp_path / "models.txt"
    listing.write_text("gpt2\nacme/tiny-apache\n")
    hub_log.clear()
    code, err = cli(["batch", str(listing), "--out", str(tmp_path / "offline"), "--offline"], capsys)
    assert code == 0, err
    assert not hub_log
    assert json.loads(report_path(tmp_path / "offline", "gpt2").read_text())["source"] == "snapshot"


# -- incremental re-audits ------------------------------------------------------------------------------------------
def test_a_model_whose_commit_changed_is_read_again_and_the_others_are_not(tmp_path: Path, hub_log, fake_hub):
    run(CORE, tmp_path)
    hub_log.clear()
    # gpt2 gets a new commit on the Hub (the fake derives shas from file contents).
    readme = fake_hub.root / "models" / "gpt2" / "files" / "README.md"
    original = readme.read_text()
    try:
        readme.write_text(original + "\nUpdated.\n")
        fake_hub.reload()
        result = run(CORE, tmp_path)
        assert result.audited == ["gpt2"] and sorted(result.skipped) == ["acme/tiny-apache", "meta-llama/Llama-2-13b-hf"]
        assert model_requests(hub_log, "gpt2") == 1
        assert model_requests(hub_log, "acme/tiny-apache") == model_requests(hub_log, "meta-llama/Llama-2-13b-hf") == 0
    finally:
        readme.write_text(original)
        fake_hub.reload()


def test_changed_criteria_rescore_from_stored_evidence_without_reading_the_hub(tmp_path: Path, hub_log, monkeypatch):
    import auditor.batch

    run(CORE, tmp_path)
    hub_log.clear()
    monkeypatch.setattr(auditor.batch, "criteria_version", lambda: "9.9.9+changed")
    result = run(CORE, tmp_path)
    assert sorted(result.audited) == sorted(CORE)
    assert all("expand=sha" in r["query"] for r in hub_log)  # current shas only; evidence came from disk


def test_batch_exports_every_report(tmp_path: Path):
    from auditor.cli import main

    ids = tmp_path / "models.txt"
    ids.write_text("acme/tiny-apache\ngpt2\n")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as done:
        main(["batch", str(ids), "--out", str(out), "--export", "cyclonedx"])
    assert done.value.code == 0
    boms = sorted(p.relative_to(out / "exports" / "cyclonedx").as_posix() for p in (out / "exports").rglob("*.json"))
    assert boms == ["acme/tiny-apache.cdx.json", "gpt2.cdx.json"]
    bom = json.loads((out / "exports" / "cyclonedx" / "gpt2.cdx.json").read_text())
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"


# -- hostile inputs and faults (issue 14): one row per case, with what happened before ----------------------------
class LyingHub(LiveHub):
    """The fake Hub, except that model_info names another repository for the ids in `claims`."""

    def __init__(self, claims: dict[str, str]):
        super().__init__()
        self.claims = claims

    def repo(self, repo_id, revision=None, *, texts=True):
        evidence = super().repo(repo_id, revision, texts=texts)
        claimed = self.claims.get(repo_id)
        return replace(evidence, repo_id=claimed) if claimed else evidence


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


# (requested id, the id model_info claims, errors.json reason or None when the report is kept). Before: the claimed
# id was the report's path and history path: `../../x` wrote outside --out, another repo's id overwrote its page,
# and escape codes became file names.
IDENTITY_CASES = [
    ("acme/tiny-apache", "../../escaped/x", "identity-mismatch"),
    ("acme/tiny-apache", "meta-llama/Llama-2-13b-hf", "identity-mismatch"),
    ("acme/tiny-apache", "acme/tiny-\x1b[31mapache", "identity-mismatch"),
    ("acme/tiny-apache", "ACME/Tiny-Apache", None),  # the same repository: Hub ids ignore case
]


@pytest.mark.parametrize("requested, claimed, reason", IDENTITY_CASES, ids=[repr(c[1]) for c in IDENTITY_CASES])
def test_the_audited_id_is_the_requested_id(tmp_path: Path, requested: str, claimed: str, reason: str | None):
    out = tmp_path / "out"
    result = run_batch([requested, "gpt2"], out, hub=LyingHub({requested: claimed}))
    assert {p.name for p in tmp_path.iterdir()} == {"out"}  # nothing outside --out
    assert "gpt2.json" in _files(out)
    if reason is None:
        assert result.exit_code == 0 and ReportStore(out).read_report(requested)["model"]["id"] == claimed
        again = run_batch([requested, "gpt2"], out, hub=LyingHub({requested: claimed}))
        assert again.skipped == [requested, "gpt2"]  # not re-audited on every run
        return
    assert [(e.id, e.reason, e.exit_code) for e in result.errors] == [(requested, reason, 3)]
    assert "\x1b" not in result.errors[0].message and "\n" not in result.errors[0].message
    assert not any(requested.split("/")[1] in name or "escaped" in name for name in _files(out) if "evidence" not in
                   name)


def test_a_namespace_named_like_the_index_never_turns_it_into_a_folder(tmp_path: Path):
    """Before: DIR/index.json/x.json was written, then index.json could not be, and every later batch exited 70."""
    for _ in range(2):
        result = run(["index.json/x", "errors.json/y", "Evidence/z", "gpt2"], tmp_path)
        assert [(e.id, e.reason) for e in result.errors] == [("index.json/x", "reserved-name"),
                                                             ("errors.json/y", "reserved-name"),
                                                             ("Evidence/z", "reserved-name")]
        assert result.exit_code == 1 and (tmp_path / "index.json").is_file() and (tmp_path / "errors.json").is_file()


def test_a_report_with_nan_is_refused_and_never_indexed(tmp_path: Path, monkeypatch):
    """Before: NaN was written into the report and index.json (invalid JSON for every reader, the site's API too)."""
    import auditor.audit as audit_module

    real = audit_module.audit

    def with_nan(repo_id, *args, **kwargs):
        report = real(repo_id, *args, **kwargs)
        if repo_id == "gpt2":
            report["card"]["findings"] = [{"kind": "x", "score": float("nan")}]
        return report

    monkeypatch.setattr(audit_module, "audit", with_nan)
    result = run(CORE, tmp_path)
    assert [(e.id, e.reason) for e in result.errors] == [("gpt2", "invalid-report")]
    assert "card.findings[0].score: nan is not a JSON number" in result.errors[0].message
    json.loads((tmp_path / "index.json").read_text(), parse_constant=pytest.fail)
    assert not (tmp_path / "gpt2.json").exists()


def test_a_full_disk_stops_the_batch_in_one_sentence_without_a_stale_errors_file(tmp_path: Path, monkeypatch,
                                                                               capsys):
    """Before: exit 70 with an OSError, and the previous run's errors.json left in place."""
    import errno

    import auditor.fsutil

    (tmp_path / "models.txt").write_text("acme/does-not-exist\n")
    assert main_exit(["batch", str(tmp_path / "models.txt"), "--out", str(tmp_path / "out")]) == 1
    assert (tmp_path / "out" / "errors.json").is_file()
    capsys.readouterr()

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(auditor.fsutil.os, "replace", full)
    (tmp_path / "models.txt").write_text("gpt2\n")
    code = main_exit(["batch", str(tmp_path / "models.txt"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("The disk is full:") and "Traceback" not in "".join(err)
    assert not (tmp_path / "out" / "errors.json").exists()
    assert not [p for p in (tmp_path / "out").rglob("*.tmp")]


def main_exit(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return int(exit_info.value.code or 0)


def test_planning_is_linear_and_the_pool_holds_a_bounded_queue(tmp_path: Path, monkeypatch):
    """Before: every id was submitted at once and `wait` scanned them all after each completion (O(n^2))."""
    import auditor.batch as batch_module

    submitted_at_once: list[int] = []
    real_wait = batch_module.wait

    def counting_wait(futures, **kwargs):
        submitted_at_once.append(len(futures))
        return real_wait(futures, **kwargs)

    monkeypatch.setattr(batch_module, "wait", counting_wait)
    ids = [f"nobody/missing-{n}" for n in range(60)]
    result = run_batch(ids, tmp_path, hub=SnapshotHub(root=tmp_path / "empty"), concurrency=2, unreachable_limit=0)
    assert len(result.errors) == 60 and max(submitted_at_once) <= batch_module.QUEUE_DEPTH * 2
