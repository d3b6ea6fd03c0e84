"""`audit diff OLD NEW`: two reports or two report directories → what changed, as text, Markdown or JSON."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.diff import diff_paths, load_report_dir, render_json, render_markdown, render_text
from auditor.hub.snapshot import SnapshotHub
from auditor.paths import data_dir
from tests.hubdata_publishing import LLAMA_BASE, MIT_FINETUNE, OPEN_MODEL, relicense_open_model, store_snapshot


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from auditor.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The `audit` command in this process: (exit code, stdout, stderr)."""
    from auditor.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def reports_from_snapshot(evidence_dir: Path, out: Path, ids: list[str]) -> Path:
    """Score every id from a stored snapshot and write the reports in the batch layout."""
    from auditor.audit import audit

    hub = SnapshotHub(root=evidence_dir)
    for repo_id in ids:
        path = out / f"{repo_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(audit(repo_id, hub=hub), indent=2), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def two_dates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Reports from two snapshot dates of a private fake Hub: in between, pub/open-model went non-commercial,
    pub/llama-base left the catalogue and gpt2-like pub/... models stayed as they were."""
    from tests.fakehub import FakeHub
    from tests.hubdata_publishing import build_publishing

    root = tmp_path_factory.mktemp("hub")
    build_publishing(root)
    work = tmp_path_factory.mktemp("dates")
    with FakeHub(root) as hub:
        store_snapshot(work / "evidence-2024-01-01", hub.url, (OPEN_MODEL, MIT_FINETUNE, LLAMA_BASE), "2024-01-01")
        relicense_open_model(root, "cc-by-nc-4.0")
        hub.reload()
        store_snapshot(work / "evidence-2024-06-01", hub.url, (OPEN_MODEL, MIT_FINETUNE), "2024-06-01")
    old = reports_from_snapshot(work / "evidence-2024-01-01", work / "old", [OPEN_MODEL, MIT_FINETUNE, LLAMA_BASE])
    new = reports_from_snapshot(work / "evidence-2024-06-01", work / "new", [OPEN_MODEL, MIT_FINETUNE])
    return old, new


def test_directories_are_matched_by_model(two_dates: tuple[Path, Path]) -> None:
    old, new = two_dates
    result = diff_paths(old, new)
    assert result.counts() == {"changed": 1, "added": 0, "removed": 1, "unchanged": 1}
    (changed,) = result.with_status("changed")
    assert changed.model == OPEN_MODEL
    sentences = [c.sentence for c in changed.changes]
    assert sentences[0] == "license changed from apache-2.0 to cc-by-nc-4.0"
    assert "classification changed from open-source to restricted" in sentences
    assert "fields-of-endeavor changed from pass to fail" in sentences
    assert [m.model for m in result.with_status("removed")] == [LLAMA_BASE]


def test_text_markdown_and_json(two_dates: tuple[Path, Path]) -> None:
    result = diff_paths(*two_dates)
    text = render_text(result)
    assert f"{OPEN_MODEL} (2024-01-01 → 2024-06-01)" in text
    assert "  - license changed from apache-2.0 to cc-by-nc-4.0" in text
    assert f"Removed:\n  - {LLAMA_BASE} (was restricted, license llama2)" in text
    assert text.rstrip().endswith("1 changed, 0 added, 1 removed, 1 unchanged.")
    markdown = render_markdown(result)
    assert "| Model | What changed |" in markdown and "license changed from apache-2.0 to cc-by-nc-4.0" in markdown
    data = json.loads(render_json(result))
    assert data["schema"] == "auditor.diff/1" and data["counts"]["changed"] == 1
    (model,) = [m for m in data["models"] if m["status"] == "changed"]
    assert model["old"]["declared"] == "apache-2.0" and model["new"]["declared"] == "cc-by-nc-4.0"
    assert {c["kind"] for c in model["changes"]} >= {"license", "classification", "criterion"}


def test_two_report_files(two_dates: tuple[Path, Path]) -> None:
    old, new = two_dates
    same = diff_paths(old / f"{OPEN_MODEL}.json", new / f"{OPEN_MODEL}.json")
    assert [m.status for m in same.models] == ["changed"]
    unchanged = diff_paths(old / f"{MIT_FINETUNE}.json", new / f"{MIT_FINETUNE}.json")
    assert not unchanged.has_changes and "No changes." in render_text(unchanged)
    # Two different models side by side: a fine-tune against its base.
    pair = diff_paths(old / f"{MIT_FINETUNE}.json", old / f"{LLAMA_BASE}.json")
    (model,) = pair.models
    assert model.model == f"{MIT_FINETUNE} → {LLAMA_BASE}"
    assert "license changed from mit to llama2" in [c.sentence for c in model.changes]


def test_cli_diff_formats_and_exit_code(two_dates: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = two_dates
    text = run_cli("diff", str(old), str(new))  # once as users run it, in its own process
    assert text.returncode == 0, text.stderr
    assert "license changed from apache-2.0 to cc-by-nc-4.0" in text.stdout
    code, out, _ = cli(capsys, "diff", str(old), str(new), "--format", "json", "--exit-code")
    assert code == 1  # --exit-code: something changed
    assert json.loads(out)["counts"]["removed"] == 1
    code, out, _ = cli(capsys, "diff", str(old / f"{MIT_FINETUNE}.json"), str(new / f"{MIT_FINETUNE}.json"),
                       "--exit-code", "-f", "markdown")
    assert code == 0 and "0 changed" in out


def test_cli_diff_bad_input_is_one_sentence(two_dates: tuple[Path, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    old, _ = two_dates
    not_report = tmp_path / "x.json"
    not_report.write_text('{"hello": 1}')
    wrong_typed = tmp_path / "wrong.json"
    wrong_typed.write_text(json.dumps({**json.loads((old / f"{OPEN_MODEL}.json").read_text()), "criteria": "all pass"}))
    torn = tmp_path / "torn.json"
    torn.write_text('{"schema": "auditor.rep')
    cases = [
        (str(tmp_path / "missing.json"), str(old / f"{OPEN_MODEL}.json"), "does not exist"),
        (str(old), str(old / f"{OPEN_MODEL}.json"), "not one of each"),
        (str(not_report), str(old / f"{OPEN_MODEL}.json"), "is not a valid audit report"),
        (str(wrong_typed), str(old / f"{OPEN_MODEL}.json"), "criteria: 'all pass' is not of type 'array'"),
        (str(torn), str(old / f"{OPEN_MODEL}.json"), "is not a readable JSON report"),
        (str(tmp_path / "empty1"), str(tmp_path / "empty2"), "holds any audit report"),
    ]
    (tmp_path / "empty1").mkdir()
    (tmp_path / "empty2").mkdir()
    for a, b, words in cases:
        code, out, err = cli(capsys, "diff", a, b)
        assert code == 2, (a, b, err)
        assert out == "" and len(err.strip().splitlines()) == 1 and words in err, err


def test_report_dirs_skip_evidence_history_and_index(two_dates: tuple[Path, Path], tmp_path: Path) -> None:
    old, _ = two_dates
    copy = tmp_path / "reports"
    shutil.copytree(old, copy)
    (copy / "index.json").write_text(json.dumps({"schema": "auditor.index/1", "models": []}))
    (copy / "evidence" / "pub").mkdir(parents=True)
    shutil.copy(old / f"{OPEN_MODEL}.json", copy / "evidence" / "pub" / "looks-like-a-report.json")
    (copy / "history").mkdir()
    # A historical report set kept inside the directory is another set, not this one's reports.
    (copy / "snapshots" / "2023" / "pub").mkdir(parents=True)
    historical = json.loads((old / f"{OPEN_MODEL}.json").read_text())
    historical["classification"] = "closed"
    (copy / "snapshots" / "2023" / f"{OPEN_MODEL}.json").write_text(json.dumps(historical))
    loaded = load_report_dir(copy)
    assert sorted(loaded) == sorted([OPEN_MODEL, MIT_FINETUNE, LLAMA_BASE])
    assert loaded[OPEN_MODEL]["classification"] == "open-source"


def test_markdown_escapes_card_values(tmp_path: Path, two_dates: tuple[Path, Path]) -> None:
    old, _ = two_dates
    report = json.loads((old / f"{OPEN_MODEL}.json").read_text())
    report["license"]["declared"] = "<img src=x onerror=alert(1)>|[x](javascript:alert(1))"
    (tmp_path / "a.json").write_text(json.dumps(report))
    markdown = render_markdown(diff_paths(old / f"{OPEN_MODEL}.json", tmp_path / "a.json"))
    assert "<img" not in markdown and "&lt;img" in markdown
    assert not re.search(r"(?<!\\)\]\(javascript:", markdown)  # no live link: the bracket is escaped
    row = next(line for line in markdown.splitlines() if line.startswith(f"| {OPEN_MODEL}"))
    assert row.count(" | ") == 1  # the card's "|" does not split the table cell


# -- a real relicensing case: Falcon, from the bundled historical snapshot -----------------------------------------
HISTORY_ROOT = data_dir("reports") / "evidence-history"


def falcon_dates() -> list[tuple[str, Path, list[str]]]:
    """(date, evidence dir, Falcon ids in it) for every historical snapshot date that holds a Falcon model."""
    out = []
    if HISTORY_ROOT.is_dir():
        for folder in sorted(p for p in HISTORY_ROOT.iterdir() if p.is_dir()):
            ids = [i for i in SnapshotHub(root=folder).all_ids() if i.startswith("tiiuae/falcon")]
            if ids:
                out.append((folder.name, folder, ids))
    return out


@pytest.mark.skipif(not falcon_dates(), reason="the bundled snapshot has no historical Falcon evidence yet")
def test_falcon_relicensing_shows_as_a_license_change(tmp_path: Path) -> None:
    """Falcon 7B/40B were published under the TII Falcon LLM License and moved to Apache 2.0: `audit diff`
    between the historical snapshot and the current one says so."""
    current = data_dir("reports") / "evidence"
    date, old_evidence, ids = falcon_dates()[0]
    ids = [i for i in ids if SnapshotHub(root=current).has(i)]
    assert ids, "the current snapshot should hold the Falcon models of the historical one"
    old = reports_from_snapshot(old_evidence, tmp_path / f"reports-{date}", ids)
    new = reports_from_snapshot(current, tmp_path / "reports-current", ids)
    result = diff_paths(old, new)
    license_changes = [c for m in result.with_status("changed") for c in m.changes if c.kind == "license"]
    assert license_changes, render_text(result)
    assert any("apache-2.0" in c.sentence.lower() for c in license_changes), render_text(result)
    text = run_cli("diff", str(old), str(new)).stdout
    assert "license changed from " in text and "apache-2.0" in text
