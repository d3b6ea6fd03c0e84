"""The export entry point, its shared helpers, the `audit export` command and the golden-file mechanism."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from auditor.cli import main
from auditor.errors import UsageError
from auditor.export import (
    FORMATS,
    check_report,
    declared_licenses,
    export,
    is_license_expression,
    is_spdx_id,
    purl,
)
from tests.export_reports import (
    FIXTURES,
    GOLDEN_REVISION,
    LLAMA,
    TINY,
    check_golden,
    normalised_report,
    report_for,
    skeleton,
    slug,
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_purl_follows_the_huggingface_purl_type() -> None:
    assert purl("meta-llama/Llama-2-13b-hf", "ABCDEF" + "0" * 34) == \
        "pkg:huggingface/meta-llama/Llama-2-13b-hf@abcdef" + "0" * 34
    assert purl("gpt2", "a" * 40) == "pkg:huggingface/gpt2@" + "a" * 40  # legacy ids have no namespace
    assert purl("acme/tiny-apache") == "pkg:huggingface/acme/tiny-apache"


@pytest.mark.parametrize(("value", "spdx_id", "expression"), [
    ("Apache-2.0", True, True), ("apache-2.0", False, True), ("LicenseRef-scancode-llama-2-license-2023", False, True),
    ("llama2", False, False), ("MIT AND LicenseRef-acme-1", False, True), ("MIT AND", False, False), (None, False, False),
])
def test_license_id_checks(value: str | None, spdx_id: bool, expression: bool) -> None:
    assert is_spdx_id(value) is spdx_id
    assert is_license_expression(value) is expression


def test_declared_licenses_keep_the_authors_words_when_unidentified() -> None:
    report = report_for(TINY)
    assert declared_licenses(report) == [{"id": "Apache-2.0", "name": "Apache License 2.0", "verbatim": "apache-2.0"}]
    report["license"]["sources"], report["license"]["declared"] = [], ["other", "my-license"]
    assert [d["verbatim"] for d in declared_licenses(report)] == ["other", "my-license"]
    report["license"]["declared"] = None
    assert declared_licenses(report) == []


def _wrong(path: str, value: object):
    """A report with one field replaced (dotted path, [n] for list items)."""
    def build() -> dict:
        report = report_for(TINY)
        *parents, last = path.split(".")
        target = report
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
        return report
    return build


# (what is wrong, the report, a phrase of the sentence). Each was an exit 70 (a traceback caught) before the schema.
REFUSED = [
    ("a list", lambda: [1, 2], "not a valid audit report"),
    ("no schema", lambda: {"hello": "world"}, 'does not declare "schema"'),
    ("no criteria", lambda: {k: v for k, v in report_for(TINY).items() if k != "criteria"}, "'criteria' is a required"),
    ("criteria a string", _wrong("criteria", "all pass"), "criteria"),
    ("model a list", _wrong("model", ["x"]), "model"),
    ("model id a number", _wrong("model.id", 5), "model.id"),
    ("ancestors a dict", _wrong("lineage.ancestors", {"id": "x"}), "lineage.ancestors"),
    ("card datasets a string", _wrong("card.datasets", "wikipedia"), "card.datasets"),
    ("license sources a number", _wrong("license.sources", 5), "license.sources"),
    ("criterion status made up", _wrong("criteria.0.status", "great"), "criteria[0].status"),
    ("parameters a string", _wrong("weights.parameters", "many"), "weights.parameters"),
    ("tool a string", _wrong("tool", "me"), "tool"),
]


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx", "mof", "badge"])
@pytest.mark.parametrize("what, build, phrase", REFUSED, ids=[r[0] for r in REFUSED])
def test_wrong_typed_reports_are_refused_in_one_sentence(what: str, build, phrase: str, fmt: str) -> None:
    with pytest.raises(UsageError) as refused:
        export(build(), fmt)
    message = refused.value.message
    assert "not a valid audit report" in message and phrase in message and "\n" not in message


def test_unknown_formats_are_refused() -> None:
    with pytest.raises(UsageError, match="not a valid audit report"):
        check_report([1, 2])
    with pytest.raises(UsageError, match="Unknown export format"):
        export(report_for(TINY), "xml")


def test_cli_export_of_a_wrong_typed_report_exits_2_with_one_sentence(tmp_path: Path, capsys) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(_wrong("lineage.ancestors", [{"id": 5}])()))
    code, out, err = run(capsys, "export", str(path), "-f", "spdx")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "lineage.ancestors[0].id" in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_every_fixture(fmt: str) -> None:
    for repo_id in FIXTURES:
        report = report_for(repo_id)
        text = export(report, fmt)
        expected = report["classification"].replace("-", " ") if fmt == "badge" else repo_id.split("/")[-1]
        assert text.endswith("\n") and expected in text


def test_exports_read_the_report_only(hub_log: list) -> None:
    report = report_for(TINY)
    for fmt in FORMATS:
        export(report, fmt)
    assert hub_log == []


def test_cli_exports_a_repo_id_to_stdout(capsys: pytest.CaptureFixture[str], hub_log: list) -> None:
    code, out, _ = run(capsys, "export", TINY, "--format", "cyclonedx")
    assert code == 0
    bom = json.loads(out)
    assert bom["metadata"]["component"]["name"] == "tiny-apache"
    assert hub_log, "a repo id is audited live"


def test_cli_converts_a_report_file_without_the_hub(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    hub_log: list) -> None:
    report_path = tmp_path / "report.json"
    report_path.write_text(json.dumps(report_for(LLAMA)))
    out_path = tmp_path / "llama.mof.yaml"
    code, out, err = run(capsys, "export", str(report_path), "-f", "mof", "--out", str(out_path))
    assert (code, out) == (0, "")
    assert str(out_path) in err
    assert yaml.safe_load(out_path.read_text())["release"]["name"] == "Llama-2-13b-hf"
    code, out, _ = run(capsys, "export", str(report_path), "-f", "badge")
    assert code == 0 and ET.fromstring(out).get("aria-label") == "openness: restricted"
    assert hub_log == []


@pytest.mark.parametrize(("args", "exit_code", "message"), [
    (["export", "missing-report.json"], 2, "No such report file"),
    (["export", "not!a!repo"], 2, "not a valid repository id"),
    (["export", "acme/does-not-exist", "-f", "spdx"], 3, "does not exist"),
    (["export", TINY, "-f", "pdf"], 2, "pdf"),
])
def test_cli_errors_are_one_sentence_with_the_contract_exit_code(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                                 exit_code: int, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert code == exit_code and out == ""
    assert message in err and "Traceback" not in err


def test_cli_refuses_json_that_is_not_a_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "garbage.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"schema": "something/else"}')
    assert run(capsys, "export", str(tmp_path / "garbage.json"))[0] == 2
    code, _, err = run(capsys, "export", str(tmp_path / "other.json"))
    assert code == 2 and "not a valid audit report" in err


def test_cli_reports_an_unwritable_out_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    report_path.write_text(json.dumps(report_for(TINY)))
    code, _, err = run(capsys, "export", str(report_path), "--out", str(tmp_path / "no" / "such" / "dir.json"))
    assert code == 2 and "Could not write" in err


def test_normalised_reports_hide_the_volatile_fields() -> None:
    report = normalised_report(TINY)
    assert report["audited_at"] == "2026-01-01T00:00:00Z" and report["tool"]["version"] == "0.0.0"
    assert report["model"]["revision"] == GOLDEN_REVISION
    assert report_for(TINY)["model"]["revision"] not in json.dumps(report)


def test_golden_check_catches_a_changed_status_but_not_a_reworded_summary(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.export_reports as golden

    monkeypatch.setattr(golden, "GOLDEN_DIR", tmp_path)
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    original = {"criteria": [{"id": "source", "status": "pass", "summary": "All is well here."}]}
    (tmp_path / "x.json").write_text(json.dumps(original))
    reworded = {"criteria": [{"id": "source", "status": "pass", "summary": "Everything is fine."}]}
    check_golden("x.json", json.dumps(reworded), json.loads)
    changed = {"criteria": [{"id": "source", "status": "fail", "summary": "All is well here."}]}
    with pytest.raises(AssertionError, match="changed shape"):
        check_golden("x.json", json.dumps(changed), json.loads)
    assert skeleton({"a": ["x y", "z", 3]}) == {"a": ["<text>", "z", 3]}


@pytest.mark.parametrize("repo_id", FIXTURES)
def test_badge_golden(repo_id: str) -> None:
    text = export(normalised_report(repo_id), "badge")
    ET.fromstring(text)
    check_golden(f"{slug(repo_id)}.svg", text, str, exact=True)
