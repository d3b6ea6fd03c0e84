"""Bulk model listing: every page of `GET /api/models`, following the Hub's `Link: <...>; rel="next"` cursor.

Each page goes through the live client's request machinery (explicit timeout, retries with backoff on 429/5xx and
dropped connections, a 429 pausing every request of the client), so a census uses the same budget rules as an audit.
Pages are yielded one at a time and never accumulated: memory stays flat in the number of pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from auditor.hub.live import LiveHub, MalformedReply

# What a census needs of every model; `baseModels` is refused by the Hub in listings, so bases come from tags.
CENSUS_EXPAND = ("tags", "cardData", "downloads", "likes", "createdAt", "gated", "pipeline_tag", "library_name")
PAGE_LIMIT = 1000


@dataclass(frozen=True)
class ModelPage:
    items: list[dict[str, Any]]
    url: str  # the URL this page was read from
    next_url: str | None  # None: this was the last page


def first_page_url(endpoint: str) -> str:
    from urllib.parse import urlencode

    query = [("limit", PAGE_LIMIT), *(("expand[]", field) for field in CENSUS_EXPAND)]
    return f"{endpoint.rstrip('/')}/api/models?{urlencode(query)}"


def iter_model_pages(hub: LiveHub, start_url: str | None = None) -> Iterator[ModelPage]:
    """Pages of the full model listing from `start_url` (default: the first page) to the last one.

    A page that fails for good raises (after the client's retries): the caller keeps what it has and may resume
    from the URL of the page that failed."""
    url: str | None = start_url or first_page_url(hub.endpoint)
    while url is not None:
        body, next_url = hub._get_json_page(url)
        if not isinstance(body, list):
            raise MalformedReply("the model listing is not a JSON list")
        items = [item for item in body if isinstance(item, dict) and isinstance(item.get("id"), str)]
        yield ModelPage(items=items, url=url, next_url=next_url)
        url = next_url
