"""Helpers for the census tests: tiny hand-made dumps and a fake Hub serving a synthetic one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tests.synthetic_hub import DUMP_SCHEMA


def tiny_dump(path: Path, models: list[dict[str, Any]]) -> Path:
    """A dump from {"id", "license"?, "license_name"?, "bases"?, "relation"?, "card_bases"?, "downloads"?}: bases
    become `base_model:` tags (and relation tags), `card_bases` only cardData.base_model."""
    rows: dict[str, list[Any]] = {name: [] for name in DUMP_SCHEMA.names}
    for m in models:
        tags = ["transformers"]
        card: dict[str, Any] = {}
        if m.get("license"):
            tags.append(f"license:{m['license']}")
            card["license"] = m["license"]
        if m.get("license_name"):
            card["license_name"] = m["license_name"]
        for base in m.get("bases", []):
            tags.append(f"base_model:{base}")
            if m.get("relation"):
                tags.append(f"base_model:{m['relation']}:{base}")
        if m.get("card_bases"):
            card["base_model"] = m["card_bases"]
        rows["id"].append(m["id"])
        rows["author"].append(m["id"].split("/")[0])
        rows["tags"].append(tags)
        rows["cardData"].append(m["raw_card"] if "raw_card" in m else json.dumps(card) if card else None)
        rows["downloads"].append(m.get("downloads", 10))
        rows["likes"].append(0)
        rows["createdAt"].append(m.get("created", "2024-05-01T00:00:00.000Z"))
        rows["pipeline_tag"].append(None)
        rows["library_name"].append(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pydict(rows, schema=DUMP_SCHEMA), path)
    return path
