"""The report contract's one definition (report.schema.json) and the reports directory's one owner (ReportStore):
every golden and bundled report validates; ids become paths only through `id_path`; temp files, the lock, modes."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from auditor.criteria import CONTRACT_IDS
from auditor.errors import InvalidRepoId, UsageError
from auditor.fsutil import StorageError, atomic_write_json, temp_prefix
from auditor.paths import data_dir
from auditor.reportschema import InvalidReport, check_report, loads_strict, report_errors, report_schema
from auditor.store import ReportStore, ReservedName, id_path, is_complete_report
from auditor.vocabulary import Classification, EvidenceKind, LicenseSource, Relation, Severity, Source, Status

ROOT = Path(__file__).resolve().parent.parent


def _reports_under(*roots: Path) -> list[Path]:
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.json")):
            try:
                data = json.loads(path.read_bytes())
            except ValueError:
                continue
            if isinstance(data, dict) and str(data.get("schema", "")).startswith("auditor.report"):
                found.append(path)
    return found


# -- the schema ----------------------------------------------------------------------------------------------------
def test_the_schema_is_valid_json_schema_2020_12_and_names_every_contract_criterion():
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert [item["properties"]["id"]["const"] for item in schema["properties"]["criteria"]["prefixItems"]] == \
        list(CONTRACT_IDS)


@pytest.mark.parametrize("definition, vocabulary", [
    ("status", Status), ("classification", Classification), ("source", Source), ("licenseSource", LicenseSource),
    ("evidenceKind", EvidenceKind), ("severity", Severity), ("relation", Relation)])
def test_the_schema_and_the_vocabulary_spell_the_same_values(definition, vocabulary):
    assert report_schema()["$defs"][definition]["enum"] == [v.value for v in vocabulary]


BUNDLED = _reports_under(data_dir("reports"), ROOT / "tests" / "golden")


def test_there_are_bundled_reports_to_check():
    assert len(BUNDLED) >= 50


@pytest.mark.parametrize("path", BUNDLED, ids=[p.relative_to(ROOT).as_posix() for p in BUNDLED])
def test_every_bundled_and_golden_report_follows_the_schema(path: Path):
    assert report_errors(json.loads(path.read_bytes())) == []


def test_the_schema_ships_inside_the_package():
    assert (ROOT / "auditor" / "report.schema.json").is_file()


def test_check_report_names_the_first_problem_in_one_sentence():
    report = json.loads(next(p for p in BUNDLED if p.name == "gpt2.json").read_bytes())
    assert check_report(report) is report
    report["model"]["revision"] = "main\x1b[31m"
    with pytest.raises(InvalidReport) as refused:
        check_report(report, "gpt2.json")
    message = refused.value.message
    assert message.startswith("gpt2.json is not a valid audit report") and "model.revision" in message
    assert "\x1b" not in message and "\n" not in message


def test_a_null_revision_is_valid_and_an_invented_one_is_not():
    report = json.loads(next(p for p in BUNDLED if p.name == "gpt2.json").read_bytes())
    report["model"]["revision"] = None
    assert report_errors(report) == []
    report["model"]["revision"] = "0" * 39
    assert report_errors(report)


def test_nan_and_infinity_are_not_json():
    assert loads_strict('{"x": 1}') == {"x": 1}
    for text in ('{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}'):
        with pytest.raises(ValueError):
            loads_strict(text)
    with pytest.raises(ValueError):
        atomic_write_json(Path("/nonexistent/never-written.json"), {"x": float("nan")})


# -- ids become paths only through id_path -------------------------------------------------------------------------
# (id, the error it raises). Before: `DIR / f"{id}.json"` with no check beyond the Hub's id syntax, so `../x`
# escaped --out and `index.json/x` turned DIR/index.json into a folder (every later batch then exited 70).
HOSTILE_IDS = [
    ("../../etc/passwd", InvalidRepoId),
    ("a/../../b", InvalidRepoId),
    ("/abs/path", InvalidRepoId),
    ("ns/na\x1b[31mme", InvalidRepoId),
    ("ns/name\n", InvalidRepoId),
    ("ns/na\u200bme", InvalidRepoId),
    ("index.json/x", ReservedName),
    ("errors.json/x", ReservedName),
    ("Index.JSON/x", ReservedName),
    ("evidence/x", ReservedName),
    ("history/x", ReservedName),
    ("snapshots/x", ReservedName),
    ("api/x", ReservedName),
    ("exports/x", ReservedName),
    ("evidence-history/x", ReservedName),
    ("index", ReservedName),
    ("errors", ReservedName),
]


@pytest.mark.parametrize("repo_id, error", HOSTILE_IDS, ids=[repr(i) for i, _ in HOSTILE_IDS])
def test_hostile_ids_never_become_paths(tmp_path: Path, repo_id: str, error: type[Exception]):
    with pytest.raises(error):
        ReportStore(tmp_path).report_path(repo_id)
    assert list(tmp_path.iterdir()) == []


def test_reserved_names_are_fine_below_the_evidence_and_history_folders(tmp_path: Path):
    store = ReportStore(tmp_path)
    assert store.evidence_path("index.json/x") == tmp_path / "evidence" / "index.json" / "x.json"
    assert store.history_path("evidence/x") == tmp_path / "history" / "evidence" / "x.jsonl"
    with pytest.raises(InvalidRepoId):
        store.history_path("../x")


def test_a_symlinked_namespace_cannot_lead_out_of_the_directory(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "reports"
    root.mkdir()
    (root / "acme").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidRepoId, match="outside"):
        id_path(root, "acme/model", ".json")
    assert id_path(root, "other/model", ".json") == root / "other" / "model.json"


def test_a_report_is_read_back_only_as_its_own_models(tmp_path: Path):
    report = json.loads(next(p for p in BUNDLED if p.name == "gpt2.json").read_bytes())
    model_id = report["model"]["id"]
    store = ReportStore(tmp_path)
    store.write_report(model_id, report)
    assert store.read_report(model_id) == report
    store.write_report("someone/else", report)
    assert store.read_report("someone/else") is None  # another model's report filed under this id
    assert is_complete_report(report, model_id.upper())  # Hub ids ignore case
    assert [p.relative_to(tmp_path).as_posix() for p, _ in store.iter_reports()] == [f"{model_id}.json"]


def test_a_report_with_nan_is_not_a_report(tmp_path: Path):
    report = json.loads(next(p for p in BUNDLED if p.name == "gpt2.json").read_bytes())
    text = json.dumps({**report, "extra": float("nan")})
    assert "NaN" in text
    store = ReportStore(tmp_path)
    store.report_path(report["model"]["id"]).parent.mkdir(parents=True, exist_ok=True)
    store.report_path(report["model"]["id"]).write_text(text)
    assert store.read_report(report["model"]["id"]) is None and list(store.iter_reports()) == []


def test_an_index_whose_rows_are_not_objects_with_string_ids_is_not_used(tmp_path: Path):
    store = ReportStore(tmp_path)
    store.write_index([{"id": "gpt2"}])
    assert store.read_index()["models"] == [{"id": "gpt2"}]
    (tmp_path / "index.json").write_text(json.dumps({"models": [{"id": ["gpt2"]}]}))
    assert store.read_index() is None


# -- the lock ------------------------------------------------------------------------------------------------------
def test_a_second_writer_refuses_in_one_sentence(tmp_path: Path):
    store = ReportStore(tmp_path)
    with store.lock():
        with pytest.raises(UsageError) as refused, ReportStore(tmp_path).lock():
            pass
        assert "Another batch or rescore is writing to" in refused.value.message and "\n" not in refused.value.message
    with store.lock():  # released: the next run may start
        pass


def test_a_second_batch_process_on_the_same_out_refuses(tmp_path: Path):
    script = ("import sys; from pathlib import Path; from auditor.store import ReportStore\n"
              "with ReportStore(Path(sys.argv[1])).lock():\n    print('locked', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([os.sys.executable, "-c", script, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        (tmp_path / "models.txt").write_text("gpt2\n")
        other = subprocess.run([os.sys.executable, "-c", "from auditor.cli import main; main()", "batch",
                                str(tmp_path / "models.txt"), "--out", str(tmp_path), "--offline"],
                               capture_output=True, text=True, timeout=60)
        assert other.returncode == 2 and "Another batch or rescore is writing to" in other.stderr
        assert len(other.stderr.strip().splitlines()) == 1 and not (tmp_path / "gpt2.json").exists()
    finally:
        holder.communicate("", timeout=30)


# -- temp files ----------------------------------------------------------------------------------------------------
def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_only_our_orphaned_temp_files_are_swept_and_never_in_hidden_folders(tmp_path: Path):
    dead = _dead_pid()
    orphan = f".gpt2.json.auditor-{dead}-0badc0de.k3j4.tmp"
    live = f".gpt2.json.auditor-{os.getppid()}-0badc0de.k3j4.tmp"  # a live process's write in flight
    files = {
        "acme/" + orphan: False,
        "evidence/acme/" + orphan: False,
        orphan: False,
        "acme/" + live: True,
        "acme/.notes.tmp": True,  # someone else's temp file
        ".git/objects/" + orphan: True,
        "acme/.hidden/" + orphan: True,
        "snapshots/" + orphan: True,  # not a folder the batch writes
    }
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("half")
    assert ReportStore(tmp_path).sweep_temp_files() == 3
    assert {name: (tmp_path / name).exists() for name in files} == files


def test_temp_files_carry_the_writers_pid_and_run(tmp_path: Path):
    prefix = temp_prefix(tmp_path / "x.json")
    assert prefix.startswith(f".x.json.auditor-{os.getpid()}-")


# -- writes --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_follow_the_umask_not_mkstemps_0600(tmp_path: Path, umask: int, mode: int):
    script = ("import os, sys; from pathlib import Path\n"
              f"os.umask({umask})\n"
              "from auditor.fsutil import atomic_write_json\n"
              "atomic_write_json(Path(sys.argv[1]), {'x': 1})")
    subprocess.run([os.sys.executable, "-c", script, str(tmp_path / "r.json")], check=True, timeout=60)
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == mode


def test_a_full_disk_is_one_sentence_and_leaves_no_stale_errors_file(tmp_path: Path, monkeypatch):
    import auditor.fsutil

    store = ReportStore(tmp_path)
    store.write_errors([{"id": "old/error", "exit_code": 3, "reason": "not-found", "message": "gone"}])

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(auditor.fsutil.os, "replace", full)
    with pytest.raises(StorageError, match="The disk is full"):
        store.write_errors([])
    assert list(tmp_path.iterdir()) == []  # no errors.json describing another run, no temp file
