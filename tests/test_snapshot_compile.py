"""The bundled snapshot: facts compile deterministically into evidence the offline audit can read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from auditor.audit import audit
from auditor.evidence import RepoEvidence
from auditor.hub.snapshot import SnapshotHub
from auditor.snapshot_compile import (
    MAX_FACT_SHEET_BYTES,
    SnapshotFactsError,
    compile_snapshot,
    main,
)

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "snapshot"
EVIDENCE = ROOT / "reports" / "evidence"
HISTORY = ROOT / "reports" / "evidence-history"
_HEX40 = re.compile(r"^[0-9a-f]{40}$")


def catalogue_ids() -> list[str]:
    lines = (ROOT / "models.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def evidence_files() -> list[Path]:
    return sorted(EVIDENCE.rglob("*.json"))


def test_compile_is_deterministic_and_matches_the_bundled_evidence(tmp_path: Path) -> None:
    first = compile_snapshot(SNAPSHOT, tmp_path / "a", tmp_path / "ha")
    compile_snapshot(SNAPSHOT, tmp_path / "b", tmp_path / "hb")
    assert len(first) >= 41
    for done in first:
        twin = Path(str(done.path).replace(str(tmp_path / "a"), str(tmp_path / "b")).replace(
            str(tmp_path / "ha"), str(tmp_path / "hb")))
        assert done.path.read_bytes() == twin.read_bytes(), done.repo_id
    # The committed evidence is what the facts compile to (batch runs may reformat it, so compare the data).
    for path in sorted((tmp_path / "a").rglob("*.json")):
        bundled = EVIDENCE / path.relative_to(tmp_path / "a")
        assert bundled.is_file(), f"{bundled} is missing: run python -m auditor.snapshot_compile"
        assert json.loads(bundled.read_text(encoding="utf-8")) == json.loads(path.read_text(encoding="utf-8"))


def test_every_catalogue_id_has_evidence_and_nothing_else_does() -> None:
    ids = catalogue_ids()
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids), "duplicate ids in models.txt"
    stored = {p.relative_to(EVIDENCE).with_suffix("").as_posix() for p in evidence_files()}
    facts = {p.relative_to(SNAPSHOT / "facts").with_suffix("").as_posix() for p in (SNAPSHOT / "facts").rglob("*.yaml")}
    assert set(ids) <= stored
    assert set(ids) == facts


@pytest.mark.parametrize("path", evidence_files(), ids=lambda p: p.relative_to(EVIDENCE).as_posix())
def test_evidence_loads_and_carries_provenance(path: Path) -> None:
    evidence = RepoEvidence.from_dict(json.loads(path.read_text(encoding="utf-8")))
    assert evidence.repo_id == path.relative_to(EVIDENCE).with_suffix("").as_posix()
    assert evidence.source == "snapshot"
    assert evidence.snapshot_date and re.match(r"^\d{4}-\d{2}-\d{2}$", evidence.snapshot_date)
    assert evidence.revision is None or _HEX40.match(evidence.revision)
    assert evidence.provenance
    for entry in evidence.provenance:
        assert entry.get("date") and entry.get("date_basis") in {"page", "commit", "consulted"}
        assert entry.get("url") or entry.get("note"), entry
    if evidence.revision is None:  # no page showed the full sha: unknown, and the provenance says so
        assert any(e.get("fact") == "revision" and e.get("note", "").startswith("unknown") for e in evidence.provenance)
    # No license text and no card prose: only our fact sheet and configuration fields are stored as text.
    assert {t.path for t in evidence.texts} <= {"README.md", "config.json", "adapter_config.json"}
    readme = evidence.text("README.md")
    assert readme is not None and readme.content
    assert len(readme.content.encode("utf-8")) < MAX_FACT_SHEET_BYTES
    assert readme.detail.startswith("compiled fact sheet (not the published card) from https://")
    assert evidence.snapshot_date in readme.detail
    assert "Not the published model card" in readme.content


def test_offline_audit_of_llama_2_13b_is_restricted_and_says_snapshot() -> None:
    report = audit("meta-llama/Llama-2-13b-hf", hub=SnapshotHub(root=EVIDENCE))
    assert report["source"] == "snapshot"
    assert report["classification"] == "restricted"
    assert report["license"]["declared"] == "llama2"
    statuses = {c["id"]: c["status"] for c in report["criteria"]}
    assert statuses["persons-groups"] == "fail"


def test_relicensed_falcon_40b_has_a_dated_earlier_state() -> None:
    old = RepoEvidence.from_dict(json.loads((HISTORY / "2023-05-26" / "tiiuae" / "falcon-40b.json").read_text()))
    new = RepoEvidence.from_dict(json.loads((EVIDENCE / "tiiuae" / "falcon-40b.json").read_text()))
    assert old.snapshot_date == "2023-05-26" and old.revision == "6e61c89591cc7a3328d4010ceaf701dfec03fd18"
    assert "license" not in old.card_data and new.card_data["license"] == "apache-2.0"
    assert "TII Falcon LLM License" in (old.text("README.md").content or "")
    old_report = audit("tiiuae/falcon-40b", hub=SnapshotHub(root=HISTORY / "2023-05-26"))
    new_report = audit("tiiuae/falcon-40b", hub=SnapshotHub(root=EVIDENCE))
    assert new_report["license"]["identified"] == "Apache-2.0"
    assert old_report["license"]["identified"] != new_report["license"]["identified"]


def _write_facts(root: Path, repo_id: str, text: str) -> Path:
    path = root / "facts" / f"{repo_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
id: acme/tiny
compiled: '2026-01-02'
card: {license: apache-2.0}
files: [{path: model.safetensors, size: 10}]
facts: {training_data: 'a corpus of 10 documents', paper: 'https://arxiv.org/abs/0000.00000'}
provenance:
- {fact: license, url: 'https://example.org/acme/tiny', date: '2026-01-01', date_basis: page}
"""


def test_unknown_revision_stays_unknown_and_is_marked(tmp_path: Path) -> None:
    _write_facts(tmp_path, "acme/tiny", GOOD.replace("card:", "revision_short: 1a2b3c4\ncard:"))
    [done] = compile_snapshot(tmp_path, tmp_path / "out")
    assert done.evidence.revision is None and done.evidence.revision_short == "1a2b3c4"
    assert any(e.get("note") == "unknown: no page showed the full commit sha; pages show the short id 1a2b3c4"
               for e in done.evidence.provenance)
    report = audit("acme/tiny", hub=SnapshotHub(root=tmp_path / "out"))
    assert report["model"]["revision"] is None and report["model"]["revision_short"] == "1a2b3c4"
    sheet = done.evidence.text("README.md").content or ""
    assert "## Training data" in sheet and "Paper: https://arxiv.org/abs/0000.00000" in sheet


def test_card_without_metadata_gets_no_front_matter(tmp_path: Path) -> None:
    """A card published without a metadata block must not gain one (not even an empty '{}') in the fact sheet."""
    _write_facts(tmp_path, "acme/tiny", GOOD.replace("card: {license: apache-2.0}\n", ""))
    [done] = compile_snapshot(tmp_path, tmp_path / "out")
    sheet = done.evidence.text("README.md").content or ""
    assert sheet.startswith("# acme/tiny (compiled fact sheet)") and "{}" not in sheet
    assert done.evidence.card_data == {}
    _write_facts(tmp_path, "acme/tiny", GOOD)
    [with_card] = compile_snapshot(tmp_path, tmp_path / "out")
    assert (with_card.evidence.text("README.md").content or "").startswith("---\nlicense: apache-2.0\n---\n")


@pytest.mark.parametrize("text, message", [
    (GOOD.replace("id: acme/tiny", "id: acme/other"), "its path says"),
    (GOOD.replace("compiled: '2026-01-02'", "compiled: soon"), "YYYY-MM-DD"),
    (GOOD.replace("date_basis: page", "date_basis: guess"), "date_basis"),
    (GOOD + "prose: pasted card text\n", "unknown keys"),
    (GOOD.replace("facts: {", "facts: {summary: x, "), "'facts' may only hold"),
    (GOOD.replace("card: {license: apache-2.0}", "revision: abc\ncard: {license: apache-2.0}"), "40-hex"),
    ("- just\n- a list\n", "not a mapping"),
])
def test_malformed_facts_are_one_clear_sentence(tmp_path: Path, text: str, message: str) -> None:
    _write_facts(tmp_path, "acme/tiny", text)
    with pytest.raises(SnapshotFactsError) as caught:
        compile_snapshot(tmp_path, tmp_path / "out")
    assert message in caught.value.message and "\n" not in caught.value.message


def test_cli_reports_errors_with_exit_code_and_prunes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_facts(tmp_path, "acme/tiny", GOOD)
    stale = tmp_path / "out" / "old" / "gone.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")
    assert main([str(tmp_path), str(tmp_path / "out"), "--prune"]) == 0
    assert not stale.exists() and (tmp_path / "out" / "acme" / "tiny.json").is_file()
    assert main([str(tmp_path / "nowhere"), str(tmp_path / "out")]) == 2
    assert "is not a directory of facts files" in capsys.readouterr().err
