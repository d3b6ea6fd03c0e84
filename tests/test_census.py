"""The census engine and its sources: exact agreement with the synthetic Hub's ground truth (cycles and dangling
parents included), the contract's files and columns, API pages with Link cursors and resume, the dump through
huggingface_hub, and `audit census diff`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from auditor.census.engine import Inputs
from auditor.census.fetch import check_dump_columns
from auditor.census.run import census_from_api, compute, deep_audit_ids
from auditor.hub.live import LiveHub
from tests.census_support import tiny_dump
from tests.fakehub import FakeHub
from tests.synthetic_hub import DumpPages, Truth, generate, write_dump_repo

SYNTHETIC_MODELS = 20_000


def query(sql: str) -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, Truth]:
    path = tmp_path_factory.mktemp("synthetic") / "models.parquet"
    return path, generate(SYNTHETIC_MODELS, path)


@pytest.fixture(scope="module")
def dump_census(synthetic, tmp_path_factory) -> tuple[Path, dict]:
    path, _ = synthetic
    out = tmp_path_factory.mktemp("census-dump")
    return out, compute(out, Inputs((path,), check_dump_columns(path, "synthetic")), "dump")


def contract_families(summary: dict) -> dict:
    return {fam: {k: v[k] for k in ("descendants", "relabelled", "no_license")}
            for fam, v in summary["families"].items()}


def test_laundering_counts_equal_the_ground_truth(synthetic, dump_census) -> None:
    _, truth = synthetic
    out, summary = dump_census
    assert summary["schema"] == "auditor.census/1" and summary["source"] == "dump"
    assert summary["models"] == truth.models == SYNTHETIC_MODELS
    assert summary["no_license"] == truth.no_license
    assert contract_families(summary) == truth.family_dict()
    assert summary["relabelled"] == truth.relabelled
    relabelled = {r[0] for r in query(f"SELECT id FROM '{out / 'models.parquet'}' WHERE relabelled")}
    assert relabelled == truth.relabelled_ids


def test_cycles_and_dangling_parents_match_the_ground_truth(synthetic, dump_census) -> None:
    _, truth = synthetic
    _, summary = dump_census
    lineage = summary["lineage"]
    assert truth.cycle_members > 20 and truth.dangling_edges > 20  # the shapes are present at this size
    assert lineage["without_root"] == truth.without_root
    assert lineage["dangling_edges"] == truth.dangling_edges
    assert {row["depth"]: row["models"] for row in lineage["depth_distribution"]} == dict(truth.depth)


def test_synthetic_shape_is_realistic(synthetic, dump_census) -> None:
    _, truth = synthetic
    _, summary = dump_census
    assert 0.55 < truth.no_license / truth.models < 0.65
    assert 0.007 < truth.relabelled / truth.models < 0.013
    assert summary["lineage"]["merges"] > 0 and summary["lineage"]["max_depth"] >= 8
    assert {"llama2", "llama3.1", "gemma", "qwen", "cc-by-nc-4.0", "openrail"} <= set(summary["families"])


def test_contract_files_and_columns(dump_census) -> None:
    out, summary = dump_census
    models = query(f"DESCRIBE SELECT * FROM '{out / 'models.parquet'}'")
    types = {name: kind for name, kind, *_ in models}
    assert types["id"] == "VARCHAR" and types["license"] == "VARCHAR" and types["bases"] == "VARCHAR[]"
    assert types["relation"] == "VARCHAR" and types["downloads"] == "BIGINT"
    assert types["root_licenses"] == "VARCHAR[]" and types["relabelled"] == "BOOLEAN"
    edges = [name for name, *_ in query(f"DESCRIBE SELECT * FROM '{out / 'edges.parquet'}'")]
    assert edges[:3] == ["child", "parent", "relation"]
    assert query(f"SELECT count(*) FROM '{out / 'models.parquet'}'")[0][0] == summary["models"]
    saved = json.loads((out / "summary.json").read_text())
    assert saved["families"] == summary["families"]
    popular = summary["license_distribution"]["popular"]
    assert popular["models"] == query(
        f"SELECT count(*) FROM '{out / 'models.parquet'}' WHERE downloads > 1000")[0][0]


# -- definitions on a hand-made Hub ---------------------------------------------------------------------------------
TINY = [
    {"id": "meta/llama", "license": "llama2"},
    {"id": "google/gemma", "license": "gemma"},
    {"id": "apache/base", "license": "apache-2.0"},
    {"id": "qwen/qwen", "license": "other", "license_name": "qwen"},
    {"id": "a/mit-finetune", "license": "mit", "bases": ["meta/llama"], "relation": "finetune"},
    {"id": "a/grandchild", "license": "apache-2.0", "bases": ["a/mit-finetune"], "relation": "quantized"},
    {"id": "a/nolicense", "bases": ["meta/llama"]},
    {"id": "a/same-license", "license": "llama2", "bases": ["meta/llama"]},
    {"id": "a/cc-by", "license": "cc-by-4.0", "bases": ["google/gemma"]},
    {"id": "a/merge", "license": "apache-2.0", "bases": ["meta/llama", "google/gemma"], "relation": "merge"},
    {"id": "a/open-child", "license": "mit", "bases": ["apache/base"]},
    {"id": "a/qwen-mit", "license": "mit", "bases": ["qwen/qwen"]},
    {"id": "a/card-only", "license": "mit", "card_bases": "google/gemma"},
    {"id": "c/x", "license": "mit", "bases": ["c/y"]},  # a cycle that reaches no root
    {"id": "c/y", "license": "mit", "bases": ["c/x"]},
    {"id": "c/p", "license": "mit", "bases": ["c/q", "meta/llama"]},  # a cycle attached to a root
    {"id": "c/q", "license": "mit", "bases": ["c/p"]},
    {"id": "c/self", "license": "mit", "bases": ["c/self"]},
    {"id": "d/ghost-only", "license": "mit", "bases": ["ghost/missing"]},
    {"id": "d/ghost-and-gemma", "license": "mit", "bases": ["ghost/missing", "google/gemma"]},
    {"id": "d/under-ghost", "license": "mit", "bases": ["d/ghost-only"]},
    {"id": "e/broken-card", "license": "mit", "bases": ["meta/llama"], "raw_card": "{not json: ["},
]
EXPECTED = {  # id: (root_licenses, relabelled, depth)
    "meta/llama": (["llama2"], False, 0),
    "google/gemma": (["gemma"], False, 0),
    "qwen/qwen": (["qwen"], False, 0),
    "a/mit-finetune": (["llama2"], True, 1),
    "a/grandchild": (["llama2"], True, 2),
    "a/nolicense": (["llama2"], False, 1),
    "a/same-license": (["llama2"], False, 1),
    "a/cc-by": (["gemma"], False, 1),
    "a/merge": (["gemma", "llama2"], True, 1),
    "a/open-child": (["apache-2.0"], False, 1),
    "a/qwen-mit": (["qwen"], True, 1),
    "a/card-only": (["gemma"], True, 1),
    "c/x": ([], False, None),
    "c/y": ([], False, None),
    "c/p": (["llama2"], True, 1),
    "c/q": (["llama2"], True, 2),
    "c/self": ([], False, None),
    "d/ghost-only": ([], False, None),
    "d/ghost-and-gemma": (["gemma"], True, 1),
    "d/under-ghost": ([], False, None),
    "e/broken-card": (["llama2"], True, 1),  # the card is unreadable; the Hub's tags still say it all
}


@pytest.fixture(scope="module")
def tiny_census(tmp_path_factory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("tiny")
    dump = tiny_dump(base / "dump.parquet", TINY)
    return base / "out", compute(base / "out", Inputs((dump,), check_dump_columns(dump, "tiny")), "dump")


@pytest.mark.parametrize("model_id", sorted(EXPECTED))
def test_definitions_per_model(tiny_census, model_id: str) -> None:
    out, _ = tiny_census
    row = query(f"SELECT root_licenses, relabelled, depth FROM '{out / 'models.parquet'}' "
                f"WHERE id = '{model_id}'")[0]
    assert (row[0], row[1], row[2]) == EXPECTED[model_id]


def test_family_figures_on_a_hand_made_hub(tiny_census) -> None:
    out, summary = tiny_census
    families = contract_families(summary)
    # llama2: mit-finetune, grandchild, nolicense, same-license, merge, c/p, c/q (the merge counts in both)
    assert families["llama2"] == {"descendants": 8, "relabelled": 6, "no_license": 1}
    assert families["gemma"] == {"descendants": 4, "relabelled": 3, "no_license": 0}
    assert families["qwen"] == {"descendants": 1, "relabelled": 1, "no_license": 0}
    assert "apache-2.0" not in families
    # laundered: relabelled, plus no license (a/nolicense) and a known permissive non-OSI label (a/cc-by)
    assert summary["families"]["llama2"]["laundered"] == 7 and summary["families"]["gemma"]["laundered"] == 4
    openness = dict(query(f"SELECT id, openness FROM '{out / 'models.parquet'}'"))
    assert openness["a/nolicense"] == "none" and openness["meta/llama"] == "restrictive"
    assert openness["a/cc-by"] == "other-known" and openness["a/mit-finetune"] == "osi-approved"
    pairs = summary["families"]["llama2"]["top_relabel_pairs"]
    assert pairs == [{"license": "mit", "models": 4}, {"license": "apache-2.0", "models": 2}]
    edges = query(f"SELECT relation FROM '{out / 'edges.parquet'}' WHERE child = 'a/grandchild'")
    assert edges == [("quantized",)]


def test_deep_audit_list_has_top_models_then_relabelled(tiny_census) -> None:
    out, _ = tiny_census
    ids = deep_audit_ids(out, 2)
    relabelled = sorted(k for k, v in EXPECTED.items() if v[1])
    assert len(ids) == len(set(ids)) and set(relabelled) <= set(ids) and len(ids) <= 2 + len(relabelled)


# -- API pages ------------------------------------------------------------------------------------------------------
@pytest.fixture()
def synthetic_hub(synthetic, tmp_path):
    path, _ = synthetic
    with FakeHub(tmp_path / "hub-root") as hub:
        hub.model_listing = DumpPages(path)
        yield hub


def test_api_census_equals_the_dump_census(synthetic_hub, dump_census, tmp_path) -> None:
    _, from_dump = dump_census
    summary = census_from_api(tmp_path / "api", LiveHub(token=False, endpoint=synthetic_hub.url))
    assert summary["source"] == "api"
    for key in ("models", "no_license", "relabelled", "families", "lineage", "license_distribution"):
        assert summary[key] == from_dump[key], key
    listing = [r for r in synthetic_hub.requests if r["path"] == "/api/models"]
    assert len(listing) == SYNTHETIC_MODELS // 1000
    first = listing[0]["query"]
    assert "limit=1000" in first and "expand%5B%5D=cardData" in first and "baseModels" not in first
    assert all("cursor=" in r["query"] for r in listing[1:])


def test_api_census_resumes_from_the_last_cursor(synthetic_hub, dump_census, tmp_path) -> None:
    listing = synthetic_hub.model_listing
    served = []

    def failing_after_five(cursor, limit):
        served.append(cursor)
        if len(served) == 5:  # the page after this one fails for good (every retry)
            synthetic_hub.inject_failure("/api/models", 503, count=50)
        return listing(cursor, limit)

    synthetic_hub.model_listing = failing_after_five
    out = tmp_path / "api"
    hub = LiveHub(token=False, endpoint=synthetic_hub.url)
    from auditor.errors import HubUnreachable

    with pytest.raises(HubUnreachable, match="--resume"):
        census_from_api(out, hub)
    assert len(list((out / "raw" / "pages").glob("page-*.json"))) == 5
    assert not (out / "summary.json").exists()
    synthetic_hub.failures.clear()
    synthetic_hub.model_listing = listing
    synthetic_hub.requests.clear()
    summary = census_from_api(out, hub, resume=True)
    assert contract_families(summary) == contract_families(dump_census[1])
    assert summary["models"] == SYNTHETIC_MODELS
    resumed = [r for r in synthetic_hub.requests if r["path"] == "/api/models"]
    assert len(resumed) == SYNTHETIC_MODELS // 1000 - 5  # pages 1-5 were not asked for again
    assert f"cursor={5000:x}" in resumed[0]["query"]


# -- the command ------------------------------------------------------------------------------------------------------
def run_audit(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from auditor.cli import main; main()", *args], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture()
def dump_hub(synthetic, tmp_path):
    path, truth = synthetic
    root = tmp_path / "hub-root"
    write_dump_repo(root, "synthetic/hub-dump", path)
    tiny_dump(root / "datasets" / "synthetic" / "wrong" / "files" / "models.parquet", TINY[:2])
    (root / "datasets" / "synthetic" / "wrong" / "repo.json").write_text("{}")
    import pyarrow as pa
    import pyarrow.parquet as pq

    (root / "datasets" / "synthetic" / "no-tags" / "files").mkdir(parents=True)
    (root / "datasets" / "synthetic" / "no-tags" / "repo.json").write_text("{}")
    pq.write_table(pa.table({"id": ["a/b"], "likes": [1]}),
                   root / "datasets" / "synthetic" / "no-tags" / "files" / "models.parquet")
    with FakeHub(root) as hub:
        env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf-home"),
               "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        yield hub, env, truth


def test_census_command_from_the_dump_uses_hf_endpoint(dump_hub, tmp_path) -> None:
    hub, env, truth = dump_hub
    out = tmp_path / "census"
    run = run_audit(["census", "--from", "dump", "--dump-repo", "synthetic/hub-dump", "--out", str(out),
                     "--date", "2026-12-01"], env)
    assert run.returncode == 0, run.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["census_date"] == "2026-12-01" and contract_families(summary) == truth.family_dict()
    assert any(r["path"] == "/datasets/synthetic/hub-dump/resolve/main/models.parquet" for r in hub.requests)
    assert "relabelled" in run.stderr


@pytest.mark.parametrize(("repo", "code", "says"), [
    ("synthetic/no-tags", 2, "lacks the column(s) tags"),
    ("synthetic/absent", 3, "does not exist"),
])
def test_census_command_bad_dump_is_one_sentence(dump_hub, tmp_path, repo: str, code: int, says: str) -> None:
    _, env, _ = dump_hub
    run = run_audit(["census", "--from", "dump", "--dump-repo", repo, "--out", str(tmp_path / "c")], env)
    assert run.returncode == code, run.stderr
    assert says in run.stderr and len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert not (tmp_path / "c" / "summary.json").exists()


def test_census_diff_between_two_dates(tmp_path) -> None:
    old_dump = tiny_dump(tmp_path / "old.parquet", TINY)
    changed = [dict(m, license="apache-2.0") if m["id"] == "a/nolicense" else m for m in TINY]
    changed.append({"id": "n/new", "license": "mit", "bases": ["google/gemma"]})
    new_dump = tiny_dump(tmp_path / "new.parquet", changed)
    compute(tmp_path / "old", Inputs((old_dump,), check_dump_columns(old_dump, "o")), "dump", "2026-11-01")
    compute(tmp_path / "new", Inputs((new_dump,), check_dump_columns(new_dump, "n")), "dump", "2026-12-01")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    run = run_audit(["census", "diff", str(tmp_path / "old"), str(tmp_path / "new"), "--format", "json"], env)
    assert run.returncode == 0, run.stderr
    diff = json.loads(run.stdout)
    assert diff["models"] == {"old": len(TINY), "new": len(TINY) + 1, "change": 1}
    assert diff["relabelled"]["change"] == 2
    assert diff["families"]["llama2"]["relabelled"]["change"] == 1
    assert diff["changes"]["added"] == {"count": 1, "examples": ["n/new"]}
    assert diff["changes"]["license_changed"] == {"count": 1, "examples": [["a/nolicense", None, "apache-2.0"]]}
    assert sorted(diff["changes"]["newly_relabelled"]["examples"]) == ["a/nolicense", "n/new"]
    text = run_audit(["census", "diff", str(tmp_path / "old"), str(tmp_path / "new")], env)
    assert "Census 2026-11-01 -> 2026-12-01" in text.stdout and "relabelled: 9 -> 11 (+2)" in text.stdout
    bad = run_audit(["census", "diff", str(tmp_path), str(tmp_path / "new")], env)
    assert bad.returncode == 2 and "no readable census" in bad.stderr


def test_prefetched_pages_keep_their_order_and_fail_after_the_good_ones() -> None:
    from auditor.census.fetch import prefetched

    def pages():
        yield from range(5)
        raise ConnectionError("the Hub went away")

    got: list[int] = []
    with pytest.raises(ConnectionError):
        for page in prefetched(pages(), depth=2):
            got.append(page)
    assert got == [0, 1, 2, 3, 4]
    assert list(prefetched(iter(range(100)), depth=1)) == list(range(100))
