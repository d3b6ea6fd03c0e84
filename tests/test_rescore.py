"""`audit rescore`: re-judge stored reports from stored evidence, with no network; rewrite only what changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.errors import UsageError
from auditor.history import load_history
from auditor.rescore import default_reports_dir, rescore, summary_lines
from tests.hubdata_publishing import LLAMA_BASE, MIT_FINETUNE, OPEN_MODEL, store_snapshot

MODELS = (OPEN_MODEL, MIT_FINETUNE)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from auditor.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The `audit` command in this process: (exit code, stdout, stderr)."""
    from auditor.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory, fake_hub) -> Path:
    """A reports directory in the batch layout: reports, evidence (with the fine-tune's base) and index.json."""
    from auditor.audit import audit
    from auditor.hub.snapshot import SnapshotHub
    from auditor.report import index_row
    from auditor.store import index_document

    out = tmp_path_factory.mktemp("stored") / "reports"
    store_snapshot(out / "evidence", fake_hub.url, MODELS, "2024-03-01")
    hub = SnapshotHub(root=out / "evidence", keep_source=True)
    rows = []
    for repo_id in MODELS:
        report = audit(repo_id, hub=hub)
        report["audited_at"] = "2024-03-02T00:00:00Z"
        path = out / f"{repo_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        rows.append(index_row(report))
    (out / "index.json").write_text(json.dumps(index_document(rows), indent=2))
    return out


@pytest.fixture()
def reports(stored: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "reports"
    shutil.copytree(stored, copy)
    return copy


def test_unchanged_reports_keep_their_files(reports: Path, hub_log) -> None:
    before = {p: p.read_bytes() for p in reports.rglob("*.json") if "evidence" not in p.parts}
    result = rescore(reports)
    assert (result.rescored, result.changed, result.failed) == (2, [], [])
    assert {p: p.read_bytes() for p in before} == before  # audited_at and every byte kept
    assert hub_log == []  # no request to the Hub
    # The first rescore starts each model's history.
    assert [len(load_history(reports, m)) for m in MODELS] == [1, 1]
    assert rescore(reports).history_rows == 0


def test_a_stale_report_is_rewritten_from_its_evidence(reports: Path) -> None:
    """As after a criteria change: the stored verdicts differ from what the evidence gives today."""
    path = reports / f"{OPEN_MODEL}.json"
    stale = json.loads(path.read_text())
    stale["classification"] = "restricted"
    next(c for c in stale["criteria"] if c["id"] == "fields-of-endeavor")["status"] = "fail"
    path.write_text(json.dumps(stale))
    untouched = (reports / f"{MIT_FINETUNE}.json").read_bytes()

    result = rescore(reports)
    assert result.changed == [OPEN_MODEL] and result.unchanged == [MIT_FINETUNE]
    fresh = json.loads(path.read_text())
    assert fresh["classification"] == "open-source"
    assert fresh["audited_at"] != "2024-03-02T00:00:00Z"
    assert (reports / f"{MIT_FINETUNE}.json").read_bytes() == untouched
    sentences = [c.sentence for c in result.changes[OPEN_MODEL]]
    assert "classification changed from restricted to open-source" in sentences
    assert "fields-of-endeavor changed from fail to pass" in sentences
    index = json.loads((reports / "index.json").read_text())
    assert next(r for r in index["models"] if r["id"] == OPEN_MODEL)["classification"] == "open-source"
    assert "1 changed, 1 unchanged, 0 failed" in summary_lines(result)[0]


def test_changed_evidence_changes_the_report_and_its_history(reports: Path) -> None:
    rescore(reports)  # start the history
    evidence_path = reports / "evidence" / f"{OPEN_MODEL}.json"
    evidence = json.loads(evidence_path.read_text())
    evidence["card_data"]["license"] = "cc-by-nc-4.0"
    evidence["texts"] = [t for t in evidence["texts"] if t["path"] != "LICENSE"]
    evidence["files"] = [f for f in evidence["files"] if f["path"] != "LICENSE"]
    for text in evidence["texts"]:
        if text["path"] == "README.md":
            text["content"] = text["content"].replace("license: apache-2.0", "license: cc-by-nc-4.0")
    evidence["snapshot_date"] = "2024-06-01"
    evidence_path.write_text(json.dumps(evidence))
    result = rescore(reports)
    assert result.changed == [OPEN_MODEL]
    assert result.changes[OPEN_MODEL][0].sentence == "license changed from apache-2.0 to cc-by-nc-4.0"
    rows = load_history(reports, OPEN_MODEL)
    assert [r["declared"] for r in rows] == ["apache-2.0", "cc-by-nc-4.0"]
    assert [r["date"] for r in rows] == ["2024-03-01", "2024-06-01"]


def test_lineage_is_rescored_from_stored_ancestors(reports: Path) -> None:
    path = reports / f"{MIT_FINETUNE}.json"
    report = json.loads(path.read_text())
    report["lineage"]["effective_license"] = "MIT"
    path.write_text(json.dumps(report))
    result = rescore(reports)
    assert result.changed == [MIT_FINETUNE]
    fresh = json.loads(path.read_text())
    assert [a["id"] for a in fresh["lineage"]["ancestors"]] == [LLAMA_BASE]
    assert fresh["lineage"]["effective_license"] != "MIT"


def test_missing_evidence_fails_that_model_only(reports: Path) -> None:
    (reports / "evidence" / f"{LLAMA_BASE}.json").unlink()
    (reports / "evidence" / f"{OPEN_MODEL}.json").rename(reports / "elsewhere.json")
    result = rescore(reports)
    failures = {f.model: f.message for f in result.failed}
    assert set(failures) == {OPEN_MODEL, MIT_FINETUNE}
    assert failures[OPEN_MODEL].startswith(f"no stored evidence for {OPEN_MODEL}")
    assert "incomplete" in failures[MIT_FINETUNE] and LLAMA_BASE in failures[MIT_FINETUNE]
    assert result.rescored == 0


def test_check_writes_nothing(reports: Path) -> None:
    path = reports / f"{OPEN_MODEL}.json"
    stale = json.loads(path.read_text())
    stale["classification"] = "closed"
    path.write_text(json.dumps(stale))
    before = path.read_bytes()
    result = rescore(reports, check=True)
    assert result.changed == [OPEN_MODEL] and path.read_bytes() == before
    assert not (reports / "history").exists()
    assert "1 would change" in summary_lines(result)[0]


def test_cli_rescore_with_no_network(reports: Path) -> None:
    """The Hub's address is unusable: rescoring does not need it."""
    env = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "1"}
    path = reports / f"{OPEN_MODEL}.json"
    stale = json.loads(path.read_text())
    stale["classification"] = "closed"
    path.write_text(json.dumps(stale))
    check = run_cli("rescore", str(reports), "--check", env=env)
    assert check.returncode == 1, check.stderr
    assert "1 would change" in check.stdout
    done = run_cli("rescore", str(reports), env=env)
    assert done.returncode == 0, done.stderr
    assert f"{OPEN_MODEL}: classification changed from closed to open-source" in done.stdout
    assert run_cli("rescore", str(reports), "--check", env=env).returncode == 0


def test_cli_rescore_bad_directories_are_one_sentence(tmp_path: Path, reports: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "no-evidence").mkdir()
    shutil.copytree(reports / "evidence", tmp_path / "only-evidence" / "evidence")
    for target, words in ((tmp_path / "missing", "is not a directory"),
                          (tmp_path / "no-evidence", "has no stored evidence"),
                          (tmp_path / "only-evidence", "holds no audit reports")):
        code, out, err = cli(capsys, "rescore", str(target))
        assert code == 2, err
        assert out == "" and len(err.strip().splitlines()) == 1 and words in err


def test_cli_rescore_failure_exits_1(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (reports / "evidence" / f"{OPEN_MODEL}.json").unlink()
    code, out, _ = cli(capsys, "rescore", str(reports))
    assert code == 1
    assert f"failed: {OPEN_MODEL}: no stored evidence" in out


def test_default_directory_must_be_writable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import auditor.rescore as module

    monkeypatch.setattr(module, "data_dir", lambda name: tmp_path)
    assert default_reports_dir() == tmp_path
    monkeypatch.setattr(module.os, "access", lambda path, mode: False)  # as for a system-wide install
    with pytest.raises(UsageError, match="read-only; pass a reports directory"):
        default_reports_dir()
    monkeypatch.setattr(module, "data_dir", lambda name: tmp_path / "absent")
    with pytest.raises(UsageError, match="no bundled reports directory"):
        default_reports_dir()


# (how the ancestor's stored evidence is damaged). Before: the derivative was rewritten with a `missing-base`
# finding and lost its inherited license; now it is listed as failed (and in errors.json) and left untouched.
DAMAGED_EVIDENCE = [
    ("truncated", lambda text: text[: len(text) // 2]),
    ("not an object", lambda text: "[1, 2, 3]"),
    ("wrong types", lambda text: json.dumps({**json.loads(text), "files": 5, "card_data": "x"})),
    ("empty", lambda text: ""),
]


@pytest.mark.parametrize("how, damage", DAMAGED_EVIDENCE, ids=[d[0] for d in DAMAGED_EVIDENCE])
def test_a_damaged_ancestor_never_destroys_a_derivative_report(reports: Path, how: str, damage) -> None:
    report = reports / f"{MIT_FINETUNE}.json"
    before = report.read_bytes()
    ancestor = reports / "evidence" / f"{LLAMA_BASE}.json"
    ancestor.write_text(damage(ancestor.read_text()))
    result = rescore(reports)
    assert [f.model for f in result.failed] == [MIT_FINETUNE] and result.unchanged == [OPEN_MODEL]
    assert "damaged" in result.failed[0].message or "incomplete" in result.failed[0].message
    assert report.read_bytes() == before
    errors = json.loads((reports / "errors.json").read_text())["errors"]
    assert [(e["id"], e["reason"]) for e in errors] == [(MIT_FINETUNE, "rescore")]


def test_a_repaired_ancestor_clears_the_rescore_error(reports: Path) -> None:
    ancestor = reports / "evidence" / f"{LLAMA_BASE}.json"
    good = ancestor.read_bytes()
    ancestor.write_text("{")
    rescore(reports)
    ancestor.write_bytes(good)
    assert rescore(reports).failed == []
    assert json.loads((reports / "errors.json").read_text())["errors"] == []


def test_an_index_row_whose_id_is_a_list_is_not_a_crash(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: rescoring a directory whose index.json had a row with a list id exited 70 (unhashable list)."""
    index = json.loads((reports / "index.json").read_text())
    index["models"][0]["id"] = [index["models"][0]["id"]]
    (reports / "index.json").write_text(json.dumps(index))
    stale = json.loads((reports / f"{OPEN_MODEL}.json").read_text())
    stale["classification"] = "closed"
    (reports / f"{OPEN_MODEL}.json").write_text(json.dumps(stale))
    code, out, err = cli(capsys, "rescore", str(reports))
    assert code == 0 and "1 changed" in out and err == ""


def test_an_invalid_report_is_repaired_from_its_evidence(reports: Path) -> None:
    path = reports / f"{OPEN_MODEL}.json"
    broken = json.loads(path.read_text())
    broken["model"]["gated"] = True  # what older releases wrote; not in the contract
    path.write_text(json.dumps(broken))
    result = rescore(reports)
    assert result.changed == [OPEN_MODEL] and json.loads(path.read_text())["model"]["gated"] is False


def test_a_rescore_refuses_while_a_batch_writes_the_directory(reports: Path) -> None:
    from auditor.store import ReportStore

    with ReportStore(reports).lock(), pytest.raises(UsageError, match="Another batch or rescore is writing"):
        rescore(reports)
