"""Deep audits at scale: the deterministic shard slice, `audit batch --shard`, and the merge that refuses when
fewer than 99 % of the shards finished (keeping the previous publication)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.census.shards import (
    MergeRefused,
    merge_shards,
    parse_shard,
    select_shard,
    shard_matrix,
    shard_of,
    write_marker,
)
from auditor.errors import UsageError

IDS = [f"org{i % 7}/model-{i}" for i in range(1000)]


def test_shards_partition_the_list_deterministically() -> None:
    slices = [select_shard(IDS, (i, 8)) for i in range(8)]
    assert sorted(sum(slices, [])) == sorted(IDS)
    assert all(slices[i] == [x for x in IDS if x in set(slices[i])] for i in range(8))  # input order kept
    assert all(80 < len(s) < 170 for s in slices)  # roughly balanced
    grown = IDS + [f"new/model-{i}" for i in range(50)]
    assert all(set(select_shard(IDS, (i, 8))) <= set(select_shard(grown, (i, 8))) for i in range(8))
    assert shard_of("meta-llama/Llama-2-7b-hf", 256) == shard_of("meta-llama/Llama-2-7b-hf", 256)
    assert select_shard(IDS, None) == IDS


@pytest.mark.parametrize(("text", "expected"), [("0/1", (0, 1)), ("3/8", (3, 8)), ("255/256", (255, 256))])
def test_parse_shard(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["8/8", "-1/4", "0/0", "0/257", "a/b", "1", "1/2/3"])
def test_parse_shard_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_shard(text)


def test_shard_matrix_limit() -> None:
    assert shard_matrix(3) == [0, 1, 2]
    with pytest.raises(UsageError):
        shard_matrix(257)


def fake_shard(root: Path, index: int, count: int, ids: list[str], exit_code: int | None = 0) -> Path:
    """A shard artifact as the workflow uploads it: reports, index.json, errors.json and (if it ran) the marker."""
    shard = root / f"shard-{index}"
    shard.mkdir(parents=True)
    for repo_id in ids:
        path = shard / f"{repo_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"model": {"id": repo_id}}))
    (shard / "index.json").write_text(json.dumps({"schema": "auditor.index/1", "criteria": [], "count": len(ids),
                                                  "models": [{"id": i} for i in ids]}))
    (shard / "errors.json").write_text(json.dumps({"errors": []}))
    if exit_code is not None:
        write_marker(shard, index, count, exit_code)
    return shard


def test_merge_publishes_when_every_shard_finished(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    for i in range(3):
        fake_shard(artifacts, i, 3, select_shard(IDS[:30], (i, 3)), exit_code=1 if i == 2 else 0)
    result = merge_shards(artifacts, 3, tmp_path / "published")
    assert result.succeeded == [0, 1, 2] and result.models == 30
    index = json.loads((tmp_path / "published" / "index.json").read_text())
    assert [row["id"] for row in index["models"]] == sorted(IDS[:30])
    assert (tmp_path / "published" / "org0" / "model-0.json").is_file()
    assert not list((tmp_path / "published").rglob("shard.json"))


@pytest.mark.parametrize("broken", ["no-marker", "failed-exit", "missing"])
def test_merge_refuses_below_99_percent_and_keeps_the_publication(tmp_path: Path, broken: str) -> None:
    published = tmp_path / "published"
    published.mkdir()
    (published / "index.json").write_text('{"previous": true}')
    artifacts = tmp_path / "artifacts"
    for i in range(2):
        fake_shard(artifacts, i, 3, select_shard(IDS[:30], (i, 3)))
    if broken != "missing":
        fake_shard(artifacts, 2, 3, [], exit_code=None if broken == "no-marker" else 4)
    with pytest.raises(MergeRefused, match=r"Only 2 of 3 shards finished .*previous publication .* is kept"):
        merge_shards(artifacts, 3, published)
    assert json.loads((published / "index.json").read_text()) == {"previous": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifacts", "published"]


def test_batch_shard_audits_only_its_slice(tmp_path: Path) -> None:
    from auditor.batch import read_ids
    from auditor.cli import main

    catalogue = Path(__file__).resolve().parent.parent / "models.txt"
    ids = read_ids(catalogue)[:6]
    listing = tmp_path / "models.txt"
    listing.write_text("\n".join(ids) + "\n")
    seen: list[str] = []
    for index in range(2):
        out = tmp_path / f"shard-{index}"
        with pytest.raises(SystemExit) as exit_:
            main(["batch", str(listing), "--offline", "--out", str(out), "--shard", f"{index}/2"])
        assert exit_.value.code == 0
        rows = [row["id"] for row in json.loads((out / "index.json").read_text())["models"]]
        assert rows == select_shard(ids, (index, 2))
        seen += rows
    assert sorted(seen) == sorted(ids)
    with pytest.raises(SystemExit) as exit_:
        main(["batch", str(listing), "--offline", "--out", str(tmp_path / "x"), "--shard", "2/2"])
    assert exit_.value.code == 2
