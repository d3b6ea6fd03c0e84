"""Offline answers: the CLI answers from the snapshot when the Hub cannot be reached, says so and of which date,
`--offline` forces it, a model outside the snapshot exits 4 in one sentence, and the snapshot ships in the wheel."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from auditor.errors import RepoNotFound
from auditor.evidence import RepoEvidence
from auditor.hub.snapshot import SNAPSHOT_DIR_ENV, SnapshotHub
from auditor.paths import data_dir
from tests.hubdata_publishing import LLAMA_BASE, MIT_FINETUNE, OPEN_MODEL, store_snapshot

REPO_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DATE = "2024-03-01"
LLAMA = "meta-llama/Llama-2-13b-hf"


def closed_port_url() -> str:
    """An address on this machine where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run_cli(*args: str, env: dict[str, str], cwd: Path | None = None,
            python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **env}
    return subprocess.run([python, "-c", "from auditor.cli import main; main()", *args], env=full_env,
                          capture_output=True, text=True, timeout=60, cwd=cwd)


def flat(text: str) -> str:
    """Rich panels wrap and frame text: compare on words only."""
    for ch in "│╭╮╰╯─┃":
        text = text.replace(ch, " ")
    return " ".join(text.split())


@pytest.fixture(scope="module")
def snapshot_dir(tmp_path_factory: pytest.TempPathFactory, fake_hub) -> Path:
    root = tmp_path_factory.mktemp("snapshot") / "evidence"
    store_snapshot(root, fake_hub.url, (OPEN_MODEL, MIT_FINETUNE, LLAMA), SNAPSHOT_DATE)
    return root


def test_unreachable_hub_answers_from_the_snapshot_and_says_so(snapshot_dir: Path) -> None:
    result = run_cli(OPEN_MODEL, env={"HF_ENDPOINT": closed_port_url(), SNAPSHOT_DIR_ENV: str(snapshot_dir)})
    assert result.returncode == 0, result.stderr
    assert f"Answered from the bundled snapshot of {SNAPSHOT_DATE}, not the live Hub." in flat(result.stdout)
    assert "could not be reached; answering from the bundled snapshot" in result.stderr
    assert "Traceback" not in result.stderr


def test_markdown_and_json_views_name_the_snapshot_and_its_date(snapshot_dir: Path) -> None:
    env = {"HF_ENDPOINT": closed_port_url(), SNAPSHOT_DIR_ENV: str(snapshot_dir)}
    markdown = run_cli(OPEN_MODEL, "--format", "markdown", env=env)
    assert markdown.returncode == 0, markdown.stderr
    assert f"> Answered from the bundled snapshot of {SNAPSHOT_DATE}, not the live Hub." in markdown.stdout
    report = json.loads(run_cli(OPEN_MODEL, "--format", "json", env=env).stdout)
    assert report["source"] == "snapshot"
    assert report["snapshot_date"] == SNAPSHOT_DATE
    assert report["model"]["id"] == OPEN_MODEL
    assert report["classification"] == "open-source"


def test_hf_hub_offline_answers_from_the_snapshot_without_a_request(snapshot_dir: Path, fake_hub, hub_log) -> None:
    result = run_cli(OPEN_MODEL, "--format", "json",
                     env={"HF_ENDPOINT": fake_hub.url, "HF_HUB_OFFLINE": "1", SNAPSHOT_DIR_ENV: str(snapshot_dir)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "snapshot"
    assert "answering from the bundled snapshot" in result.stderr
    assert [r for r in hub_log if "pub/" in r["path"]] == []


def test_offline_flag_makes_no_request_even_when_the_hub_is_up(snapshot_dir: Path, fake_hub, hub_log) -> None:
    result = run_cli("--offline", OPEN_MODEL, "--format", "json",
                     env={"HF_ENDPOINT": fake_hub.url, SNAPSHOT_DIR_ENV: str(snapshot_dir)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["snapshot_date"] == SNAPSHOT_DATE
    assert hub_log == []
    assert result.stderr == ""  # nothing failed, so there is nothing to explain


def test_reachable_hub_answers_live(snapshot_dir: Path, fake_hub) -> None:
    result = run_cli(OPEN_MODEL, "--format", "json", env={"HF_ENDPOINT": fake_hub.url,
                                                          SNAPSHOT_DIR_ENV: str(snapshot_dir)})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["source"] == "hub"
    assert "snapshot_date" not in report


def test_offline_lineage_reads_ancestors_from_the_snapshot(snapshot_dir: Path) -> None:
    result = run_cli("--offline", MIT_FINETUNE, "--format", "json", env={SNAPSHOT_DIR_ENV: str(snapshot_dir)})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [a["id"] for a in report["lineage"]["ancestors"]] == [LLAMA_BASE]
    assert report["classification"] == "restricted"  # the MIT label does not undo the base's Llama 2 terms
    assert "llama" in (report["lineage"]["effective_license"] or "").lower()


@pytest.mark.parametrize("offline", [True, False])
def test_model_outside_the_snapshot_exits_4_with_one_sentence(snapshot_dir: Path, offline: bool) -> None:
    args = ["--offline", "pub/not-in-snapshot"] if offline else ["pub/not-in-snapshot"]
    result = run_cli(*args, env={"HF_ENDPOINT": closed_port_url(), SNAPSHOT_DIR_ENV: str(snapshot_dir)})
    assert result.returncode == 4
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pub/not-in-snapshot" in lines[0] and "snapshot does not hold" in lines[0]
    assert ("--offline" in lines[0]) == offline


def test_a_revision_the_snapshot_lacks_is_refused_in_a_readable_sentence() -> None:
    hub = SnapshotHub(root=BUNDLED)
    with pytest.raises(RepoNotFound) as unknown_commit:
        hub.repo(LLAMA, "abc")  # held without a full commit id
    assert str(unknown_commit.value) == (f"The bundled snapshot holds {LLAMA} only in one state, whose commit is not "
                                         "known, not at revision 'abc'.")
    with_sha = next(i for i in hub.all_ids() if hub.repo(i).revision)
    with pytest.raises(RepoNotFound) as other_commit:
        hub.repo(with_sha, "abc")
    assert f"only at revision {hub.repo(with_sha).revision[:12]}, not at revision 'abc'." in str(other_commit.value)


def test_torn_snapshot_file_exits_4_with_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "pub").mkdir()
    (tmp_path / "pub" / "torn.json").write_text('{"repo_id": "pub/torn", "revis', encoding="utf-8")
    result = run_cli("--offline", "pub/torn", env={SNAPSHOT_DIR_ENV: str(tmp_path)})
    assert result.returncode == 4
    assert len(result.stderr.strip().splitlines()) == 1 and "unreadable" in result.stderr


def test_live_evidence_read_back_is_dated_by_its_fetch(tmp_path: Path, snapshot_dir: Path) -> None:
    raw = json.loads((snapshot_dir / f"{OPEN_MODEL}.json").read_text())
    raw.update(source="hub", snapshot_date=None, fetched_at="2025-06-30T08:00:00Z")
    (tmp_path / "pub").mkdir()
    (tmp_path / f"{OPEN_MODEL}.json").write_text(json.dumps(raw))
    offline = SnapshotHub(root=tmp_path).repo(OPEN_MODEL)
    assert (offline.source, offline.snapshot_date) == ("snapshot", "2025-06-30")
    kept = SnapshotHub(root=tmp_path, keep_source=True).repo(OPEN_MODEL)
    assert (kept.source, kept.snapshot_date) == ("hub", None)


def test_snapshot_dir_env_points_the_hub_elsewhere(monkeypatch: pytest.MonkeyPatch, snapshot_dir: Path) -> None:
    monkeypatch.setenv(SNAPSHOT_DIR_ENV, str(snapshot_dir))
    assert SnapshotHub().root == snapshot_dir
    monkeypatch.delenv(SNAPSHOT_DIR_ENV)
    assert SnapshotHub().root == data_dir("reports") / "evidence"


# -- the bundled snapshot ------------------------------------------------------------------------------------------
BUNDLED = data_dir("reports") / "evidence"


def bundled_ids() -> list[str]:
    return SnapshotHub(root=BUNDLED).all_ids()


@pytest.mark.skipif(not (BUNDLED / f"{LLAMA}.json").is_file(), reason="the bundled snapshot holds no Llama 2 13B yet")
def test_bundled_snapshot_answers_llama_2_offline() -> None:
    evidence = SnapshotHub(root=BUNDLED).repo(LLAMA)
    result = run_cli(LLAMA, env={"HF_ENDPOINT": closed_port_url()})
    assert result.returncode == 0, result.stderr
    assert f"Answered from the bundled snapshot of {evidence.snapshot_date}, not the live Hub." in flat(result.stdout)
    assert "Restricted" in result.stdout


@pytest.mark.skipif(not bundled_ids(), reason="the bundled snapshot is not compiled yet")
def test_bundled_snapshot_holds_every_ancestor_it_names() -> None:
    from auditor.bases import declared_bases

    hub = SnapshotHub(root=BUNDLED)
    missing = {(repo_id, base) for repo_id in hub.all_ids() for base in declared_bases(hub.repo(repo_id))
               if not hub.has(base)}
    assert missing == set(), "offline lineage would stop at these bases"


# -- the wheel -----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # With hatchling installed (the test extra) the build needs no index; without it pip fetches the backend.
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO_ROOT), "--no-deps", "--quiet", *isolation,
                            "--disable-pip-version-check", "-w", str(out)], capture_output=True, text=True,
                           timeout=300)
    if build.returncode != 0 and os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"the wheel did not build: {build.stderr[-2000:]}")
    if build.returncode != 0:
        pytest.skip(f"the wheel could not be built here (no build backend reachable?): {build.stderr[-300:]}")
    (found,) = out.glob("*.whl")
    return found


def data_files(folder: str) -> set[str]:
    root = REPO_ROOT / folder
    return {f"auditor/_data/{folder}/{p.relative_to(root).as_posix()}" for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")}


def test_wheel_ships_criteria_snapshot_and_site(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "auditor/_data/criteria/VERSION" in names
    for folder in ("criteria", "reports", "site"):
        missing = data_files(folder) - names
        assert not missing, f"{folder}/ files missing from the wheel: {sorted(missing)[:5]}"
    assert any(n.startswith("auditor/_data/criteria/licenses/") for n in names)


def test_wheel_ships_the_typed_public_api_and_the_audit_command(wheel: Path) -> None:
    """What `pipx install .` and `uv tool install .` install: the package with its type information and the
    `audit` console script."""
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    assert {"auditor/py.typed", "auditor/__init__.pyi"} <= names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "audit = auditor.cli:main" in archive.read(entry_points).decode()


def test_installed_wheel_answers_from_its_own_snapshot(wheel: Path, tmp_path: Path, snapshot_dir: Path) -> None:
    """Install the wheel apart from the checkout and audit from a directory with no checkout in it."""
    target = tmp_path / "site-packages"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                              "--disable-pip-version-check", "--target", str(target), str(wheel)],
                             capture_output=True, text=True, timeout=120)
    assert install.returncode == 0, install.stderr
    # The installed package must find its data inside itself, not in the checkout.
    where = subprocess.run([sys.executable, "-c", "import auditor, auditor.paths as p; "
                            "print(auditor.__file__); print(p.data_dir('criteria')); print(p.data_dir('reports'))"],
                           env={**os.environ, "PYTHONPATH": str(target)}, capture_output=True, text=True,
                           cwd=tmp_path, timeout=60)
    module, criteria, reports = where.stdout.split()
    for path in (module, criteria, reports):
        assert Path(path).is_relative_to(target), where.stdout
    if (Path(reports) / "evidence" / f"{LLAMA}.json").is_file():
        env: dict[str, str] = {"PYTHONPATH": str(target), "HF_ENDPOINT": closed_port_url()}
        model = LLAMA
    else:  # the bundled snapshot is not compiled yet: the installed tool still answers from a snapshot dir
        env = {"PYTHONPATH": str(target), "HF_ENDPOINT": closed_port_url(), SNAPSHOT_DIR_ENV: str(snapshot_dir)}
        model = OPEN_MODEL
    result = run_cli(model, "--format", "markdown", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "> Answered from the bundled snapshot of " in result.stdout


def test_snapshot_reports_stay_loadable_as_evidence() -> None:
    """Every bundled evidence file parses: a torn file would turn an offline answer into exit 4."""
    for repo_id in bundled_ids():
        evidence = SnapshotHub(root=BUNDLED).repo(repo_id)
        assert isinstance(evidence, RepoEvidence) and evidence.snapshot_date, repo_id
