"""End to end: the real `audit` command, the real huggingface_hub client, the fake Hub over HTTP."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys

import pytest

from tests.contract import assert_contract
from tests.hubdata import MINILM_DIR

APPROVED = "hf_approvedtoken123"


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 60) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-c", "from auditor.cli import main; main()", *args],
                          capture_output=True, text=True, env=full_env, timeout=timeout)


def real_parameter_count() -> int:
    raw = (MINILM_DIR / "model.safetensors").read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    total = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        count = 1
        for d in info["shape"]:
            count *= d
        total += count
    return total


def test_minilm_json_report_is_contract_complete_with_exact_parameters(hub_log):
    result = run_cli("sentence-transformers/all-MiniLM-L6-v2", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert_contract(report)
    assert report["model"]["id"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert report["weights"]["parameters"] == real_parameter_count() == 22_713_728
    assert report["weights"]["formats"] == ["safetensors"]
    assert report["license"]["identified"] == "Apache-2.0"
    statuses = {c["id"]: c["status"] for c in report["criteria"]}
    assert statuses["persons-groups"] == statuses["fields-of-endeavor"] == "pass"
    # Pinned: every file read at the commit model_info reported, and no weight body downloaded.
    sha = report["model"]["revision"]
    file_reads = [r for r in hub_log if "/resolve/" in r["path"]]
    assert file_reads and all(f"/resolve/{sha}/" in r["path"] for r in file_reads)
    assert not any(r["path"].endswith(".safetensors") and not r["range"] for r in hub_log)
    assert "stderr" not in result.stdout


def test_gated_llama2_reports_gate_and_fails_license_criteria(hub_log):
    result = run_cli("meta-llama/Llama-2-13b-hf", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert_contract(report)
    assert report["model"]["gated"] == "manual"
    assert report["classification"] == "restricted"
    by_id = {c["id"]: c for c in report["criteria"]}
    for cid in ("persons-groups", "fields-of-endeavor"):
        assert by_id[cid]["status"] == "fail"
        assert by_id[cid]["evidence"], cid
    assert any("700" in e["detail"] for e in by_id["persons-groups"]["evidence"])
    # Gated file contents are unknown, not guessed: the card is unreadable, so data transparency is unknown.
    assert by_id["data-transparency"]["status"] == "unknown"
    # Metadata came from model_info; no gated file was requested without a token.
    assert [r["path"] for r in hub_log] == ["/api/models/meta-llama/Llama-2-13b-hf"]


def test_gated_with_approved_token_cites_the_repos_own_license_file():
    result = run_cli("meta-llama/Llama-2-13b-hf", "--format", "json", "--token", APPROVED)
    assert result.returncode == 0, result.stderr
    assert APPROVED not in result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["license"]["source"] == "license-file"
    persons = next(c for c in report["criteria"] if c["id"] == "persons-groups")
    assert persons["status"] == "fail"
    assert any(e["location"].startswith("LICENSE.txt#L") for e in persons["evidence"])


def test_token_from_environment_is_used_and_never_printed():
    result = run_cli("meta-llama/Llama-2-13b-hf", "--format", "markdown", env={"HF_TOKEN": APPROVED})
    assert result.returncode == 0, result.stderr
    assert APPROVED not in result.stdout + result.stderr
    assert "LICENSE.txt#L" in result.stdout


def test_text_view_shows_model_license_classification_and_criteria():
    result = run_cli("acme/tiny-apache")
    assert result.returncode == 0, result.stderr
    for needle in ("acme/tiny-apache", "Apache License 2.0", "Open source", "persons-groups", "data-transparency"):
        assert needle in result.stdout


def test_markdown_view_is_a_table():
    result = run_cli("acme/tiny-apache", "--format", "markdown")
    assert result.returncode == 0
    assert "| `persons-groups` | ✓ pass |" in result.stdout


@pytest.mark.parametrize("bad", ["bad--id", "a/b/c", "..", "x" * 97, ".lead", "name.", "ünïcode/model", "a b", "аcme/model"])
def test_invalid_ids_exit_2_before_any_request(bad, hub_log):
    result = run_cli(bad, "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "not a valid repository id" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert hub_log == []


def test_usage_errors_are_one_sentence_with_exit_2():
    for args in (["-lead"], ["acme/tiny-apache", "--format", "xml"], ["model"]):
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr


def test_missing_repo_exits_3():
    result = run_cli("acme/does-not-exist")
    assert result.returncode == 3
    assert result.stderr.strip() == "acme/does-not-exist does not exist on the Hub or is not accessible."


def test_missing_revision_exits_3():
    result = run_cli("acme/tiny-apache", "--revision", "v9.9")
    assert result.returncode == 3
    assert "Revision 'v9.9' does not exist in acme/tiny-apache." in result.stderr


def test_unreachable_hub_exits_4_with_one_sentence(tmp_path):
    empty_snapshot = tmp_path / "empty"
    empty_snapshot.mkdir()
    result = run_cli("acme/tiny-apache", env={"HF_ENDPOINT": "http://127.0.0.1:9", "AUDITOR_SNAPSHOT_DIR": str(empty_snapshot)})
    assert result.returncode == 4
    assert "could not be reached" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_legacy_id_without_namespace():
    result = run_cli("gpt2", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"]["id"] == "gpt2"


def test_explicit_model_subcommand_and_revision_pinning():
    first = json.loads(run_cli("model", "acme/tiny-apache", "--format", "json").stdout)
    sha = first["model"]["revision"]
    pinned = run_cli("acme/tiny-apache", "--revision", sha, "--format", "json")
    assert pinned.returncode == 0
    assert json.loads(pinned.stdout)["model"]["revision"] == sha


def test_require_gate_exit_codes():
    assert run_cli("acme/tiny-apache", "--require", "open-source", "-f", "json").returncode == 0
    gated = run_cli("meta-llama/Llama-2-13b-hf", "--require", "open-weights", "-f", "json")
    assert gated.returncode == 1
    assert "does not meet the required 'open-weights'" in gated.stderr


def test_a_token_in_a_usage_error_is_masked():
    result = run_cli("gpt2", "hf_SecretTokenValue123")
    assert result.returncode == 2
    assert "hf_SecretTokenValue123" not in result.stderr


def test_bare_audit_prints_help_and_exits_2():
    result = run_cli()
    assert result.returncode == 2
    assert "Usage: audit" in result.stderr and "Commands:" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_command_group_without_a_command_prints_its_help_and_exits_2():
    result = run_cli("site")
    assert result.returncode == 2 and "build" in result.stderr


def test_criteria_view_does_not_tell_the_reader_about_editing_files():
    for args in ((), ("--format", "markdown")):
        result = run_cli("criteria", *args)
        assert result.returncode == 0, result.stderr
        assert "persons-groups" in result.stdout
        assert "edit by hand" not in result.stdout


def test_text_view_says_gated_in_words():
    result = run_cli("meta-llama/Llama-2-13b-hf", env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    gated = next(line for line in result.stdout.splitlines() if "Gated" in line)
    assert gated.split("Gated", 1)[1].strip(" │") == "manual"
    assert "False" not in result.stdout and "None" not in result.stdout


def test_diff_of_two_different_models_warns(tmp_path):
    from auditor.paths import data_dir

    reports = data_dir("reports")
    old, new = reports / "meta-llama" / "Llama-2-7b-hf.json", reports / "tiiuae" / "falcon-7b.json"
    result = run_cli("diff", str(old), str(new))
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("Warning: comparing two different models (meta-llama/Llama-2-7b-hf and "
                                    "tiiuae/falcon-7b)")
    same = run_cli("diff", str(old), str(old))
    assert same.returncode == 0 and same.stderr == ""
    as_json = json.loads(run_cli("diff", str(old), str(new), "--format", "json").stdout)
    assert as_json["different_models"] == ["meta-llama/Llama-2-7b-hf", "tiiuae/falcon-7b"]


def test_batch_error_lines_strip_terminal_escapes(tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("acme/\x1b[2Jwipe\x9b31m\n", encoding="utf-8")
    result = run_cli("batch", str(ids), "--out", str(tmp_path / "out"), "--offline")
    assert result.returncode == 1, result.stderr
    assert "not a valid repository id" in result.stderr
    assert "\x1b" not in result.stderr and "\x9b" not in result.stderr


def test_shell_completion_script_and_protocol():
    script = run_cli("--show-completion", "bash")
    assert script.returncode == 0 and "_audit_completion" in script.stdout
    done = run_cli(env={"_AUDIT_COMPLETE": "complete_bash", "COMP_WORDS": "audit tr", "COMP_CWORD": "1"})
    assert done.returncode == 0 and done.stdout.split() == ["tree"]
    options = run_cli(env={"_AUDIT_COMPLETE": "complete_bash", "COMP_WORDS": "audit batch --pro", "COMP_CWORD": "2"})
    assert options.stdout.split() == ["--progress"]


def test_diff_a_saved_report_against_the_model_now(tmp_path):
    saved = run_cli("acme/tiny-apache", "--format", "json")
    assert saved.returncode == 0, saved.stderr
    report = json.loads(saved.stdout)
    report["classification"] = "restricted"  # what an earlier audit concluded
    old = tmp_path / "old.json"
    old.write_text(json.dumps(report), encoding="utf-8")
    result = run_cli("diff", str(old), "acme/tiny-apache")
    assert result.returncode == 0, result.stderr
    assert "classification changed from restricted to open-source" in result.stdout
    assert "acme/tiny-apache (live Hub)" in result.stdout
    missing = run_cli("diff", str(old), str(tmp_path / "missing.json"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_diff_a_model_offline_answers_from_the_snapshot():
    from auditor.paths import data_dir

    saved = data_dir("reports") / "meta-llama" / "Llama-2-13b-hf.json"
    result = run_cli("diff", str(saved), "meta-llama/Llama-2-13b-hf", "--offline")
    assert result.returncode == 0, result.stderr
    assert "meta-llama/Llama-2-13b-hf (snapshot)" in result.stdout


# -- without network: every read command falls back the same way, and the snapshot can be listed ------------------
FALLBACK_NOTICE = "The Hub could not be reached; answering from the bundled snapshot. ("
BUNDLED_LLAMA = "meta-llama/Llama-2-13b-hf"


def closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def bundled_report_path(model_id: str):
    from auditor.paths import data_dir

    return data_dir("reports") / f"{model_id}.json"


@pytest.mark.parametrize("command", [
    [BUNDLED_LLAMA.lower(), "--format", "json"],  # any case, as on the Hub
    ["tree", BUNDLED_LLAMA],
    ["export", BUNDLED_LLAMA, "--format", "cyclonedx"],
    ["diff", "REPORT", BUNDLED_LLAMA],
    ["batch", "IDS", "--out", "OUT", "--quiet"],
], ids=["audit", "tree", "export", "diff", "batch"])
def test_every_read_command_falls_back_to_the_snapshot_with_one_notice(command, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{BUNDLED_LLAMA}\ntiiuae/falcon-7b\n", encoding="utf-8")
    swap = {"REPORT": str(bundled_report_path(BUNDLED_LLAMA)), "IDS": str(ids), "OUT": str(tmp_path / "out")}
    result = run_cli(*[swap.get(arg, arg) for arg in command], env={"HF_ENDPOINT": closed_port_url()})
    assert result.returncode == 0, result.stderr
    notices = [line for line in result.stderr.splitlines() if line.startswith(FALLBACK_NOTICE)]
    assert len(notices) == 1 and result.stderr.splitlines()[0] == notices[0]
    assert "Traceback" not in result.stderr and result.stdout or command[0] == "batch"


def test_a_model_outside_the_snapshot_gets_a_suggestion_and_a_hint():
    result = run_cli("gpt2", "--offline")
    assert result.returncode == 4
    assert len(result.stderr.strip().splitlines()) == 1
    assert "`audit snapshot list`" in result.stderr and "Did you mean openai-community/gpt2?" in result.stderr


def test_snapshot_list_holds_every_bundled_model():
    from auditor.hub import SnapshotHub

    held = SnapshotHub().all_ids()
    as_json = run_cli("snapshot", "list", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert [row["id"] for row in rows] == held and len(held) >= 50
    llama = next(row for row in rows if row["id"] == BUNDLED_LLAMA)
    assert llama["gated"] == "manual" and llama["license"] == "llama2"
    assert llama["revision"] is None or len(llama["revision"]) == 40  # no placeholder when no page gave the sha
    as_text = run_cli("snapshot", "list")
    lines = as_text.stdout.splitlines()
    assert lines[0].split() == ["Model", "License", "Gated", "Commit", "Compiled"]
    assert [line.split()[0] for line in lines[1:]] == held
    assert "False" not in as_text.stdout and "None" not in as_text.stdout
    assert f"{len(held)} models." in as_text.stderr


def test_snapshot_show_gives_every_fact_with_its_source():
    result = run_cli("snapshot", "show", "TIIUAE/FALCON-40B")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("tiiuae/falcon-40b in the bundled snapshot (compiled ")
    assert "https://huggingface.co/tiiuae/falcon-40b/commit/9c576b691ca6a0a3fe1e1e7704130f1ffff24004 " \
           "(commit of 2023-05-31)" in result.stdout
    assert "Gated     no" in result.stdout
    facts = json.loads(run_cli("snapshot", "show", "tiiuae/falcon-40b", "-f", "json").stdout)
    assert facts["id"] == "tiiuae/falcon-40b" and all({"fact", "url", "date"} <= set(p) for p in facts["provenance"])
    missing = run_cli("snapshot", "show", "tiiuae/falcon-4b")
    assert missing.returncode == 3 and "Did you mean tiiuae/falcon-40b" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
