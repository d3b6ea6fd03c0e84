"""The raw rows a census reads. A dump is read as it is (parquet, the dump's column names); API pages are stored as
they arrive, one JSON array per page, with cardData cut to the keys the census needs, and parsed by DuckDB later."""

from __future__ import annotations

import json
from typing import Any

CARD_KEYS = ("license", "license_name", "license_link", "base_model", "base_model_relation")
REQUIRED_COLUMNS = ("id", "tags")

# How DuckDB reads a page written by `page_json` (keys absent from an item are NULL; other keys are ignored).
PAGE_COLUMNS = {"id": "VARCHAR", "tags": "VARCHAR[]", "cardData": "JSON", "downloads": "BIGINT", "likes": "BIGINT",
                "createdAt": "VARCHAR", "gated": "VARCHAR", "pipeline_tag": "VARCHAR", "library_name": "VARCHAR"}


def page_json(items: list[dict[str, Any]]) -> bytes:
    """One API page as it is stored: the items with cardData cut to the keys a census reads, one JSON array.
    Parsing is left to DuckDB at census time: no per-item Python work while pages arrive."""
    for item in items:
        card = item.get("cardData")
        if isinstance(card, dict):
            item["cardData"] = {key: card[key] for key in CARD_KEYS if key in card} or None
        elif card is not None:
            item["cardData"] = None
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
