"""Where a census reads from: the Hub's model listing (pages written as they arrive, resumable from the last
cursor) or a metadata dump (a parquet file in a Hub dataset repository, fetched through huggingface_hub)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Full, Queue
from typing import TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from auditor.census.rows import REQUIRED_COLUMNS, page_json
from auditor.errors import AuditError, HubUnreachable, RepoNotFound
from auditor.fsutil import atomic_write_bytes, atomic_write_json
from auditor.progress import NullProgress, ProgressSink

T = TypeVar("T")
DEFAULT_DUMP_REPO = "cfahlgren1/hub-stats"
DEFAULT_DUMP_FILE = "models.parquet"


class DumpMismatch(AuditError):
    """The dump's columns are not the ones a census reads."""


@dataclass(frozen=True)
class ApiFetch:
    pages_dir: Path
    pages: int
    resumed_from: int  # pages already on disk when this run started


def _state_path(raw_dir: Path) -> Path:
    return raw_dir / "state.json"


def read_state(raw_dir: Path) -> dict | None:
    try:
        state = json.loads(_state_path(raw_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("pages"), int) else None


def prefetched(pages: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items of `pages`, read ahead by a background thread (at most `depth` waiting): the next page is on its
    way while this one is written, so a census runs at the speed of the network, not network + disk. An error of
    the reader is raised here, after the pages read before it."""
    queue: Queue = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def read() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        queue.put(page, timeout=0.2)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            queue.put(exc)

    reader = threading.Thread(target=read, name="census-pages", daemon=True)
    reader.start()
    try:
        while True:
            item = queue.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def fetch_api(raw_dir: Path, hub, *, resume: bool = False, progress: ProgressSink | None = None) -> ApiFetch:
    """Every page of the model listing into raw_dir/pages/, one JSON file per page, each written (and the
    cursor recorded) before the next is asked for. With `resume`, continue after the last recorded page."""
    from auditor.hub.listing import iter_model_pages

    progress = progress or NullProgress()
    pages_dir = raw_dir / "pages"
    state = read_state(raw_dir) if resume else None
    if state is None:
        shutil.rmtree(pages_dir, ignore_errors=True)
        state = {"pages": 0, "next": None, "done": False}
    done_before = state["pages"]
    if state.get("done"):
        return ApiFetch(pages_dir, done_before, done_before)
    pages_dir.mkdir(parents=True, exist_ok=True)
    for stale in pages_dir.glob("page-*.json"):  # written after the recorded cursor: fetched again
        if int(stale.stem.split("-")[1]) > done_before:
            stale.unlink()
    progress.start(None, "census pages")
    count = done_before
    try:
        for page in prefetched(iter_model_pages(hub, state.get("next"))):
            count += 1
            atomic_write_bytes(pages_dir / f"page-{count:06d}.json", page_json(page.items))
            atomic_write_json(_state_path(raw_dir), {"pages": count, "next": page.next_url,
                                                     "done": page.next_url is None, "source": "api"})
            progress.advance(f"page {count}")
            progress.event("page", models=len(page.items))
    except AuditError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise HubUnreachable(f"The Hub's model listing failed after {count} page(s) ({first}); the pages read are "
                             "kept: run the same command with --resume to continue from the last cursor.") from None
    finally:
        progress.finish()
    return ApiFetch(pages_dir, count, done_before)


def fetch_dump(repo_id: str, filename: str, *, endpoint: str | None = None, token: str | bool | None = None,
               revision: str | None = None) -> Path:
    """The dump file, through huggingface_hub's cache (HF_ENDPOINT, HF_HOME and the token apply)."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
    )

    try:
        return Path(hf_hub_download(repo_id=repo_id, filename=filename, repo_type="dataset", revision=revision,
                                    endpoint=endpoint, token=token))
    except LocalEntryNotFoundError as exc:  # a subclass of EntryNotFoundError: no connection and nothing cached
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise HubUnreachable(f"The dump {repo_id}/{filename} could not be downloaded: the Hub could not be reached "
                             f"and no copy is cached ({first}).") from None
    except EntryNotFoundError:
        raise RepoNotFound(f"The dataset {repo_id} has no file {filename}.") from None
    except RepositoryNotFoundError:
        raise RepoNotFound(f"The dataset {repo_id} does not exist on the Hub or is not accessible.") from None
    except (HfHubHTTPError, OSError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise HubUnreachable(f"The dump {repo_id}/{filename} could not be downloaded ({first}).") from None


# Accepted Arrow types per column of a dump (anything else is a mismatch stated in one sentence).
def _type_ok(name: str, dtype: pa.DataType) -> bool:
    if name == "id":
        return pa.types.is_string(dtype) or pa.types.is_large_string(dtype)
    if name == "tags":
        return (pa.types.is_list(dtype) or pa.types.is_large_list(dtype)) and (
            pa.types.is_string(dtype.value_type) or pa.types.is_large_string(dtype.value_type))
    if name == "cardData":
        return pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_struct(dtype)
    if name in ("downloads", "likes"):
        return pa.types.is_integer(dtype)
    if name == "createdAt":
        return pa.types.is_string(dtype) or pa.types.is_timestamp(dtype) or pa.types.is_large_string(dtype)
    return pa.types.is_string(dtype) or pa.types.is_boolean(dtype) or pa.types.is_large_string(dtype)


def check_dump_columns(path: Path, label: str) -> dict[str, str]:
    """The dump's column -> DuckDB-relevant kind ("string", "struct", ...); raises DumpMismatch in one sentence."""
    try:
        schema = pq.read_schema(path)
    except Exception:
        raise DumpMismatch(f"The dump {label} is not a readable parquet file.") from None
    names = set(schema.names)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    wrong = [f"{f.name} ({f.type})" for f in schema
             if f.name in ("id", "tags", "cardData", "downloads", "likes", "createdAt", "gated", "pipeline_tag",
                           "library_name") and not _type_ok(f.name, f.type)]
    if missing or wrong:
        parts = []
        if missing:
            parts.append(f"lacks the column(s) {', '.join(missing)}")
        if wrong:
            parts.append(f"has unexpected types for {', '.join(wrong)}")
        raise DumpMismatch(f"The dump {label} {' and '.join(parts)}, so it is not the Hub metadata dump a census "
                           f"reads (its columns: {', '.join(schema.names[:20])}).")
    return {f.name: ("struct" if pa.types.is_struct(f.type) else str(f.type)) for f in schema}
