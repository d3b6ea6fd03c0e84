"""The census dump download: each failure of huggingface_hub becomes the right one-sentence error and exit code."""

from __future__ import annotations

import huggingface_hub
import pytest
from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

from auditor.census.fetch import fetch_dump
from auditor.errors import HubUnreachable, RepoNotFound


def _raising(exc: Exception):  # noqa: ANN202 - stands in for hf_hub_download
    def download(**_: object) -> str:
        raise exc
    return download


# LocalEntryNotFoundError (no connection, nothing cached) subclasses EntryNotFoundError (the file is not in the
# repository): before, an offline run said "The dataset … has no file …" and exited 3 instead of 4.
@pytest.mark.parametrize(("raised", "expected", "words"), [
    (LocalEntryNotFoundError("Cannot find the requested files in the disk cache"), HubUnreachable,
     "could not be reached"),
    (EntryNotFoundError("404 Client Error: Entry Not Found"), RepoNotFound, "has no file models.parquet"),
])
def test_dump_failures_say_what_happened(monkeypatch: pytest.MonkeyPatch, raised: Exception,
                                         expected: type[Exception], words: str) -> None:
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", _raising(raised))
    with pytest.raises(expected) as caught:
        fetch_dump("acme/hub-stats", "models.parquet")
    assert words in str(caught.value)
