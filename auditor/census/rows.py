"""The raw rows a census reads: the columns of a Hub metadata dump, which API pages are converted to as they
arrive. Only the card keys the census needs are kept from cardData (as a JSON string, like the dump)."""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

CARD_KEYS = ("license", "license_name", "license_link", "base_model", "base_model_relation")

RAW_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("tags", pa.list_(pa.string())),
    ("cardData", pa.string()),
    ("downloads", pa.int64()),
    ("likes", pa.int64()),
    ("createdAt", pa.string()),
    ("gated", pa.string()),
    ("pipeline_tag", pa.string()),
    ("library_name", pa.string()),
])
REQUIRED_COLUMNS = ("id", "tags")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def card_subset(card: Any) -> str | None:
    if not isinstance(card, dict):
        return None
    kept = {key: card[key] for key in CARD_KEYS if key in card}
    return json.dumps(kept, ensure_ascii=False, default=str) if kept else None


def page_table(items: list[dict[str, Any]]) -> pa.Table:
    """One API page as raw rows (items without a string id were dropped by the lister)."""
    columns: dict[str, list[Any]] = {name: [] for name in RAW_SCHEMA.names}
    for item in items:
        columns["id"].append(item["id"])
        tags = item.get("tags")
        columns["tags"].append([t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [])
        columns["cardData"].append(card_subset(item.get("cardData")))
        columns["downloads"].append(_int(item.get("downloads")))
        columns["likes"].append(_int(item.get("likes")))
        columns["createdAt"].append(_str(item.get("createdAt")))
        gated = item.get("gated")
        columns["gated"].append(None if gated is None else str(gated).lower())
        columns["pipeline_tag"].append(_str(item.get("pipeline_tag")))
        columns["library_name"].append(_str(item.get("library_name")))
    return pa.Table.from_pydict(columns, schema=RAW_SCHEMA)


def table_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()
