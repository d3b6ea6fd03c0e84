"""A deterministic synthetic Hub for census tests and benchmarks, with exact ground truth.

`generate(n, seed)` builds n models shaped like the real Hub: ~60 % without a license, a license mix with the
restrictive families (Llama 2/3.x, Gemma, RAIL, CC-NC, Qwen via `license: other` + `license_name`), base chains up
to depth 12, merges with several parents, cycles (some reaching a root through one member, some never), dangling
parents (ids absent from the Hub), and about 1 % relabelled descendants (an OSI license on a restrictive lineage).

The ground truth is computed while generating, without a graph walk: models are created parents-first, so a model's
roots are the union of its existing parents' roots (a dangling parent adds none); a cycle group's members share the
roots of the one tree node the group is attached to (none when unattached). The census engine must agree exactly.

Rows are written as a Hub metadata dump (parquet, the dump's column names) in chunks; `DumpPages` serves the same
rows as `GET /api/models` pages through the fake Hub's listing hook."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# Independent of the knowledge base on purpose: the engine's classes must agree with this fixed list.
RESTRICTIVE = frozenset({"llama2", "llama3", "llama3.1", "llama3.2", "gemma", "cc-by-nc-4.0", "openrail",
                         "creativeml-openrail-m", "bigscience-openrail-m", "qwen"})
OSI = frozenset({"apache-2.0", "mit", "bsd-3-clause"})
ROOT_LICENSES = [  # (census license key, weight); "qwen" is declared as `other` + license_name
    ("apache-2.0", 25), ("mit", 14), ("llama2", 6), ("llama3", 5), ("llama3.1", 6), ("llama3.2", 3), ("gemma", 6),
    ("cc-by-nc-4.0", 5), ("openrail", 4), ("creativeml-openrail-m", 6), ("bigscience-openrail-m", 2),
    ("bsd-3-clause", 2), ("cc-by-4.0", 5), ("qwen", 5), ("other", 5),
]
MAX_CHAIN = 12
DUMP_SCHEMA = pa.schema([("id", pa.string()), ("author", pa.string()), ("tags", pa.list_(pa.string())),
                         ("cardData", pa.string()), ("downloads", pa.int64()), ("likes", pa.int64()),
                         ("createdAt", pa.string()), ("pipeline_tag", pa.string()), ("library_name", pa.string())])


@dataclass
class Truth:
    models: int = 0
    no_license: int = 0
    relabelled: int = 0
    families: dict[str, Counter] = field(default_factory=dict)
    relabelled_ids: set[str] = field(default_factory=set)
    depth: Counter = field(default_factory=Counter)
    without_root: int = 0
    cycle_members: int = 0
    dangling_edges: int = 0

    def family_dict(self) -> dict[str, dict[str, int]]:
        return {f: {"descendants": c["descendants"], "relabelled": c["relabelled"], "no_license": c["no_license"]}
                for f, c in sorted(self.families.items())}


def model_id(i: int) -> str:
    return f"org{i % 997}/model-{i}"


class _Generator:
    def __init__(self, n: int, seed: int, keep_ids: bool):
        self.n, self.rng, self.keep_ids = n, random.Random(seed), keep_ids
        self.roots: list[frozenset[str] | None] = []  # license keys of a model's roots; None = no root at all
        self.depth: list[int] = []  # fewest hops to a root (-1: no root)
        self.chain: bytearray = bytearray()
        self.truth = Truth()
        self.rows: dict[str, list[Any]] = {name: [] for name in DUMP_SCHEMA.names}
        weights = [w for _, w in ROOT_LICENSES]
        self.root_choices = self.rng.choices([k for k, _ in ROOT_LICENSES], weights, k=4096)
        self.empty: frozenset[str] = frozenset()

    # -- building blocks ------------------------------------------------------------------------------------------
    def pick_parent(self, i: int) -> int | None:
        for _ in range(4):
            p = int(i * self.rng.random() ** 2)  # earlier models are picked more: big families
            if p < i and self.chain[p] < MAX_CHAIN:
                return p
        return None

    def emit(self, i: int, lic: str | None, parents: list[str], relation: str | None) -> None:
        mid = model_id(i)
        tags = ["transformers", "safetensors"]
        card: dict[str, Any] = {}
        if lic is not None:
            declared = "other" if lic == "qwen" else lic
            tags.append(f"license:{declared}")
            card["license"] = declared
            if lic == "qwen":
                card["license_name"] = "qwen"
                card["license_link"] = "LICENSE"
        for p in parents:
            tags.append(f"base_model:{p}")
            if relation:
                tags.append(f"base_model:{relation}:{p}")
        if parents:
            card["base_model"] = parents[0] if len(parents) == 1 else parents
        rows = self.rows
        rows["id"].append(mid)
        rows["author"].append(mid.split("/")[0])
        rows["tags"].append(tags)
        rows["cardData"].append(json.dumps(card) if card else None)
        rows["downloads"].append(int(10 ** (self.rng.random() * 6.5)) - 1)
        rows["likes"].append(self.rng.randrange(50))
        rows["createdAt"].append(f"{2021 + i * 5 // self.n}-{1 + (i * 60 // self.n) % 12:02d}-15T00:00:00.000Z")
        rows["pipeline_tag"].append("text-generation")
        rows["library_name"].append("transformers")

    def record(self, i: int, lic: str | None, has_bases: bool, roots: frozenset[str] | None, depth: int) -> None:
        t = self.truth
        t.models += 1
        t.no_license += lic is None
        if roots is None:
            t.without_root += 1
        else:
            t.depth[depth] += 1
        restrictive = (roots or self.empty) & RESTRICTIVE
        if has_bases and restrictive:
            relabelled = lic in OSI
            t.relabelled += relabelled
            if relabelled and self.keep_ids:
                t.relabelled_ids.add(model_id(i))
            for fam in restrictive:
                c = t.families.setdefault(fam, Counter())
                c["descendants"] += 1
                c["relabelled"] += relabelled
                c["no_license"] += lic is None

    def derived_license(self, roots: frozenset[str] | None) -> str | None:
        r = self.rng.random()
        if r < 0.62:
            return None
        restrictive = sorted((roots or self.empty) & RESTRICTIVE)
        r2 = self.rng.random()
        if restrictive:
            if r2 < 0.16:
                return "apache-2.0" if r2 < 0.11 else "mit"
            return restrictive[0] if r2 < 0.8 else "cc-by-4.0"
        if roots and r2 < 0.7:
            return sorted(roots)[0]
        return self.root_choices[self.rng.randrange(4096)]

    # -- one model, or one cycle group ----------------------------------------------------------------------------
    def root(self, i: int) -> None:
        lic = None if self.rng.random() < 0.55 else self.root_choices[self.rng.randrange(4096)]
        roots = frozenset({lic}) if lic is not None and lic != "other" else (
            frozenset({"other"}) if lic == "other" else self.empty)
        self.roots.append(roots)
        self.depth.append(0)
        self.chain.append(0)
        self.emit(i, lic, [], None)
        self.record(i, lic, False, roots, 0)

    def derived(self, i: int) -> None:
        rng = self.rng
        count = 1 if rng.random() < 0.93 else rng.randint(2, 4)
        parents = sorted({p for p in (self.pick_parent(i) for _ in range(count)) if p is not None})
        dangling = rng.random() < 0.004
        if not parents and not dangling:
            return self.root(i)
        names = [model_id(p) for p in parents]
        if dangling:
            names.append(f"ghost/missing-{i}")
            self.truth.dangling_edges += 1
            if rng.random() < 0.5:  # the ghost is the only parent: no root at all
                names, parents = names[-1:], []
        reached = [p for p in parents if self.roots[p] is not None]
        roots = frozenset().union(*(self.roots[p] for p in reached)) if reached else None
        depth = 1 + min(self.depth[p] for p in reached) if reached else -1
        relation = "merge" if len(names) > 1 else rng.choice(("finetune", "adapter", "quantized", "finetune"))
        lic = self.derived_license(roots)
        self.roots.append(roots)
        self.depth.append(depth)
        self.chain.append(min(MAX_CHAIN, 1 + max((self.chain[p] for p in parents), default=0)))
        self.emit(i, lic, names, relation)
        self.record(i, lic, True, roots, depth)

    def cycle(self, i: int, size: int) -> None:
        """Models i..i+size-1, each based on the next, the last on the first; the first may also be based on an
        earlier tree node, which then gives every member its roots."""
        anchor = self.pick_parent(i) if self.rng.random() < 0.5 else None
        if anchor is not None and self.roots[anchor] is None:
            anchor = None  # attached to a rootless node: the group still has no root
        roots = self.roots[anchor] if anchor is not None else None
        base_depth = self.depth[anchor] + 1 if anchor is not None else -1
        for j in range(size):
            names = [model_id(i + (j + 1) % size)]
            if j == 0 and anchor is not None:
                names = sorted([*names, model_id(anchor)])
            depth = -1 if roots is None else (base_depth if j == 0 else base_depth + size - j)
            lic = self.derived_license(roots)
            self.roots.append(roots)
            self.depth.append(depth)
            self.chain.append(MAX_CHAIN)  # no children: keeps chains within the limit
            self.emit(i + j, lic, names, "merge" if len(names) > 1 else "finetune")
            self.record(i + j, lic, True, roots, depth)
        self.truth.cycle_members += size


def generate(n: int, path: Path, seed: int = 17, chunk: int = 100_000, keep_ids: bool = True) -> Truth:
    """Write n synthetic models to `path` (a dump parquet) and return the ground truth."""
    gen = _Generator(n, seed, keep_ids)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, DUMP_SCHEMA, compression="zstd") as writer:
        i = 0
        while i < n:
            r = gen.rng.random()
            if i < 50 or r < 0.28:
                gen.root(i)
                i += 1
            elif r < 0.2815 and i + 4 < n:
                size = gen.rng.randint(2, 4)
                gen.cycle(i, size)
                i += size
            else:
                gen.derived(i)
                i += 1
            if len(gen.rows["id"]) >= chunk:
                writer.write_table(pa.Table.from_pydict(gen.rows, schema=DUMP_SCHEMA))
                gen.rows = {name: [] for name in DUMP_SCHEMA.names}
        if gen.rows["id"]:
            writer.write_table(pa.Table.from_pydict(gen.rows, schema=DUMP_SCHEMA))
    return gen.truth


class DumpPages:
    """Serves a dump parquet as `GET /api/models` pages (the fake Hub's `model_listing` hook): opaque cursors,
    items with the expanded keys, cardData as an object."""

    def __init__(self, path: Path):
        self.table = pq.read_table(path)
        self.total = self.table.num_rows

    def __call__(self, cursor: str | None, limit: int) -> tuple[bytes, str | None]:
        start = int(cursor, 16) if cursor else 0
        rows = self.table.slice(start, limit).to_pylist()
        for row in rows:
            row["_id"] = f"{hash(row['id']) & 0xFFFFFFFFFFFF:024x}"
            card = row.pop("cardData")
            if card is not None:
                row["cardData"] = json.loads(card)
            row["gated"] = False
        end = start + len(rows)
        return json.dumps(rows).encode(), (f"{end:x}" if end < self.total else None)


def write_dump_repo(root: Path, repo_id: str, dump: Path, filename: str = "models.parquet") -> None:
    """A fake-Hub dataset repository holding the dump (served by tests/fakehub.py under /datasets/...)."""
    folder = root / "datasets" / repo_id
    (folder / "files").mkdir(parents=True, exist_ok=True)
    (folder / "repo.json").write_text(json.dumps({"downloads": 0}), encoding="utf-8")
    target = folder / "files" / filename
    target.unlink(missing_ok=True)
    target.symlink_to(dump.resolve())
