"""The live Hub, through `huggingface_hub`: its session, headers, token resolution and error classes.

Every request has an explicit timeout and goes through `_retrying`, which retries 429/5xx and connection
errors with backoff and jitter inside a total time budget. Weight files are never downloaded: parameter
counts come from the Hub's safetensors summary, or from header range reads."""

from __future__ import annotations

import difflib
import json
import math
import os
import random
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx2
from huggingface_hub import __version__ as hf_hub_version
from huggingface_hub import constants
from huggingface_hub.errors import (
    DisabledRepoError,
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import hf_raise_for_status, parse_ratelimit_headers
from huggingface_hub.utils._http import hf_request_event_hook

from auditor import __version__
from auditor.errors import HubUnreachable, InvalidHubAnswer, RepoNotFound, redact, redact_secrets, register_secret
from auditor.evidence import (
    READ_BINARY,
    READ_ERROR,
    READ_GATED,
    READ_MISSING,
    READ_OK,
    READ_TOO_LARGE,
    DatasetEvidence,
    FetchProblem,
    RepoEvidence,
    RepoFile,
    SafetensorsSummary,
    TextFile,
    WeightCheck,
)
from auditor.hub.base import ChildModel, Hub
from auditor.hub.fields import ModelInfo, bounded_count, dataset_ids, read_model_info
from auditor.hub.transport import BudgetExhausted, check_audit_budget, deadline_client, request_deadline
from auditor.repoid import validate_repo_id
from auditor.safetensors_header import SafetensorsHeader, SafetensorsHeaderError, header_length, parse_header
from auditor.vocabulary import HUB_RELATIONS, NON_COMMITTAL_LICENSE_IDS
from auditor.weights_safety import MAX_SCAN_BYTES, TOO_LARGE, UNREAD, is_pickle_file, scan_pickle

T = TypeVar("T")

# Files whose text the audit reads when the repo has them (top level only); matched whole (fullmatch), so a
# sibling named "license.md\n" is not one of them.
LICENSE_FILE = re.compile(r"(licen[cs]e|copying|notice|use[_-]?policy|acceptable[_-]?use[\w.-]*|"
                          r"responsible[_-]?use[\w.-]*|terms[_-]?of[_-]?use[\w.-]*)(\.(md|txt|rst))?", re.I)
MAX_LICENSE_FILES = 6
MAX_DATASET_CARD = 200_000  # bytes of a dataset's README: the sections on its making are near the top
MAX_SAFETENSORS_SHARDS = 128
RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}
MAX_JSON_BYTES = 64_000_000  # a model_info of a repo with very many files is a few MB
MAX_PICKLE_SCANS = 16  # pickle files fetched for scanning per repo (each at most MAX_SCAN_BYTES)
USER_AGENT = (f"model-openness-auditor/{__version__}; hf_hub/{hf_hub_version}; "
              f"python/{'.'.join(map(str, sys.version_info[:3]))}")
CONNECT_TIMEOUT = 5.0  # seconds to open a connection: a reachable Hub answers a SYN far sooner
_SESSION: httpx2.Client | None = None
_SESSION_LOCK = threading.Lock()


def get_session() -> httpx2.Client:
    """One HTTP client for every LiveHub of the process (connections are pooled), with deadline-bounded reads and
    huggingface_hub's request hook (it enforces HF_HUB_OFFLINE and adds the request id)."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = deadline_client({"request": [hf_request_event_hook]})
        return _SESSION


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    budget: float = 60.0  # total seconds one request may take, its retries and waits included

    @classmethod
    def from_env(cls) -> RetryPolicy:
        # Tests set AUDITOR_RETRY_BASE_DELAY=0 so fault injection does not sleep.
        base = float(os.environ.get("AUDITOR_RETRY_BASE_DELAY", cls.base_delay))
        return cls(base_delay=base, max_delay=max(base * 16, 0.0) if base else 0.0)


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


class MalformedReply(Exception):
    """The Hub's reply could not be read as what was asked for (cut short, not JSON): retried like a dropped line."""


def _seconds_of(value: str) -> float | None:
    """A Retry-After value: seconds or an HTTP date."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
    except (TypeError, ValueError, OverflowError):
        return None


def _retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait: Retry-After (seconds or HTTP date), else the IETF RateLimit reset."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    seconds = _seconds_of(value) if value is not None else None
    if seconds is None:
        try:
            limit = parse_ratelimit_headers(response.headers)
        except Exception:  # a malformed header is no instruction
            limit = None
        if limit is not None and limit.remaining == 0:
            seconds = float(limit.reset_in_seconds)
    if seconds is None or math.isnan(seconds):
        return None
    return max(seconds, 0.0)


def _is_connection_failure(exc: BaseException) -> bool:
    """No connection could be made (name resolution, refused, TLS handshake, connect timeout): the Hub is not
    reachable from here, and asking again at once will not change that."""
    return isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout | OfflineModeIsEnabled | BudgetExhausted)


def _is_transient(exc: BaseException) -> bool:
    """Worth another attempt: 429/5xx, a connection dropped or timed out mid-reply, a reply cut short."""
    if _is_connection_failure(exc):
        return False
    if isinstance(exc, httpx2.TransportError | TimeoutError | ConnectionError | MalformedReply):
        return True
    return isinstance(exc, HfHubHTTPError) and _status(exc) in RETRYABLE_STATUS


def _is_unreachable(exc: BaseException) -> bool:
    return isinstance(exc, httpx2.TransportError | TimeoutError | ConnectionError | MalformedReply) or (
        isinstance(exc, HfHubHTTPError) and (_status(exc) or 0) >= 500
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact(text)[:300]


@dataclass(frozen=True)
class ListedModel:
    """One item of a model listing, with the fields the auditor asks for, each of its expected type or None."""

    id: str
    sha: str | None = None
    tags: tuple[str, ...] = ()
    downloads: int | None = None
    gated: bool | str | None = None
    children_count: int | None = None

    @classmethod
    def of(cls, item: Any) -> ListedModel | None:
        """The listing item as typed fields; None when it has no usable id (nothing can be said about it)."""
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            return None
        tags = item.get("tags")
        gated = item.get("gated")
        return cls(
            id=item["id"], sha=item["sha"] if isinstance(item.get("sha"), str) else None,
            tags=tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else (),
            downloads=item["downloads"] if bounded_count(item.get("downloads")) else None,
            gated=gated if isinstance(gated, bool) or gated in ("auto", "manual") else None,
            children_count=item["childrenModelCount"] if bounded_count(item.get("childrenModelCount")) else None)


class LiveHub(Hub):
    """Hub access over HTTP. `endpoint` defaults to HF_ENDPOINT (read by huggingface_hub at import).

    Each attempt of a request ends within `4 × timeout` seconds (connect, headers and body together, however
    slowly the server sends them), and within the audit's budget (`transport.audit_budget`) when one is set."""

    source = "hub"

    def __init__(self, token: str | bool | None = None, endpoint: str | None = None, timeout: float = 15.0,
                 max_text_bytes: int = 2_000_000, retry: RetryPolicy | None = None):
        self.endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
        # None = resolve the way huggingface_hub does (HF_TOKEN, then the login file); False = anonymous.
        self.token: str | None = token if isinstance(token, str) else (
            None if token is False else self._implicit_token())
        register_secret(self.token)
        self.timeout = timeout
        self.max_text_bytes = max_text_bytes
        self.retry = retry or RetryPolicy.from_env()
        self.requests = 0
        self.rate_limited = 0  # 429 replies seen
        self._paused_until = 0.0  # monotonic time before which no request starts (shared rate limiter)
        self._datasets: dict[str, DatasetEvidence] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _implicit_token() -> str | None:
        from huggingface_hub import get_token

        return get_token()

    # -- transport -------------------------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        """The user agent and the token. Built here rather than by huggingface_hub's build_hf_headers, whose telemetry
        (on unless HF_HUB_DISABLE_TELEMETRY is set) first fetches an agent registry from the endpoint: a hidden
        request with its own 3-second timeout, on every run that has no fresh cached copy (every offline run)."""
        headers = {"user-agent": USER_AGENT}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        return headers

    def _timeouts(self) -> httpx2.Timeout:
        return httpx2.Timeout(self.timeout, connect=min(CONNECT_TIMEOUT, self.timeout))

    def _retrying(self, call: Callable[[], T]) -> T:
        """Run `call`, retrying transient failures (429, 5xx, dropped or timed-out connections, malformed replies)
        with exponential backoff and jitter, or as long as the server's Retry-After asks, within `retry.budget`.
        A connection that cannot be made at all fails at once: the caller falls back instead of waiting."""
        deadline = time.monotonic() + self.retry.budget
        for attempt in range(1, self.retry.attempts + 1):
            self._wait_for_rate_limit(deadline)
            check_audit_budget()
            with self._lock:
                self.requests += 1
            try:
                with request_deadline(self.timeout * 4):
                    return call()
            except Exception as exc:
                if not _is_transient(exc) or attempt == self.retry.attempts:
                    raise
                delay = self._backoff(exc, attempt)
                if time.monotonic() + delay > deadline:
                    raise  # waiting as asked would overrun the budget: fail now rather than later
                if _status(exc) == 429:
                    self._slow_down(delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _backoff(self, exc: BaseException, attempt: int) -> float:
        delay = _retry_after(exc)
        if delay is None:
            delay = min(self.retry.base_delay * 2 ** (attempt - 1), self.retry.max_delay)
            delay *= 0.5 + random.random()  # jitter so parallel audits do not retry in lockstep
        return delay

    def _slow_down(self, delay: float) -> None:
        """A 429 pauses every request of this client (all threads of a batch), not only the one that got it."""
        with self._lock:
            self.rate_limited += 1
            self._paused_until = max(self._paused_until, time.monotonic() + delay)

    def _wait_for_rate_limit(self, deadline: float) -> None:
        wait = self._paused_until - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, max(deadline - time.monotonic(), 0)))

    @staticmethod
    def _read_body(response: Any, limit: int) -> tuple[bytes, bool]:
        """At most `limit` bytes of a streamed body (the request's deadline bounds how long it may take)."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return b"".join(chunks)[:limit], True
        return b"".join(chunks), False

    def _get_json(self, url: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None) -> Any:
        return self._get_json_page(url, params)[0]

    def _get_json_page(self, url: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None
                       ) -> tuple[Any, str | None]:
        """(JSON body, URL of the next page from the `Link` header or None), with our timeout and retries."""

        def call() -> tuple[Any, str | None]:
            # params=None, never {}: an empty mapping would strip the query a next-page URL carries
            with get_session().stream("GET", url, headers=self._headers(), params=params or None,
                                      timeout=self._timeouts()) as response:
                if response.status_code >= 400:
                    response.read()
                    hf_raise_for_status(response)
                body, truncated = self._read_body(response, MAX_JSON_BYTES)
                next_page = response.links.get("next", {}).get("url")
            if truncated:
                raise HubUnreachable(f"The Hub's reply from {url} is larger than {MAX_JSON_BYTES} bytes.")
            try:  # a server echoing the token into a field must not carry it into the evidence
                return json.loads(redact_secrets(body.decode("utf-8"))), next_page
            except ValueError:
                raise MalformedReply(f"the reply is not valid JSON ({len(body)} bytes, cut short?)") from None

        return self._retrying(call)

    def _list_models(self, limit: int | None = None, **query: str | list[str]) -> list[ListedModel]:
        """GET /api/models, following `Link` pages; each page has our timeout and retries (HfApi.list_models has
        no timeout, and its own retries would bypass our budget)."""
        params: list[tuple[str, Any]] | None = [
            (key, value) for key, values in query.items() for value in ([values] if isinstance(values, str) else values)]
        if limit is not None and params is not None:
            params.append(("limit", limit))
        url: str | None = f"{self.endpoint}/api/models"
        models: list[ListedModel] = []
        while url is not None and (limit is None or len(models) < limit):
            page, url = self._get_json_page(url, params)
            params = None  # the next link carries the query
            if not isinstance(page, list):
                raise MalformedReply("the model listing is not a JSON list")
            models.extend(m for m in map(ListedModel.of, page) if m is not None)
        return models[:limit] if limit is not None else models

    def _get_bytes(self, url: str, limit: int, byte_range: tuple[int, int] | None = None) -> tuple[bytes, bool]:
        """GET at most `limit` bytes of `url`; returns (body, truncated)."""

        def call() -> tuple[bytes, bool]:
            headers = self._headers()
            if byte_range is not None:
                headers["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
            with get_session().stream("GET", url, headers=headers, timeout=self._timeouts(),
                                      follow_redirects=True) as response:
                if response.status_code >= 400:
                    response.read()
                    hf_raise_for_status(response)
                return self._read_body(response, limit)

        return self._retrying(call)

    def _file_url(self, repo_id: str, revision: str, path: str, repo_type: str = "model") -> str:
        # A sibling name is data from the server: '..' or '.' segments would make the URL point elsewhere.
        if not path or any(part in ("", ".", "..") for part in path.split("/")) or "\\" in path:
            raise ValueError(f"the file name {path[:80]!r} is not a plain relative path, so it was not requested")
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        return f"{self.endpoint}/{prefix}{repo_id}/resolve/{quote(revision, safe='')}/{quote(path)}"

    # -- the interface ---------------------------------------------------------------------------------------------
    def repo(self, repo_id: str, revision: str | None = None, *, texts: bool = True) -> RepoEvidence:
        validate_repo_id(repo_id)
        raw = self._model_info(repo_id, revision)
        info = read_model_info(raw)
        info.id = self._answered_id(repo_id, info)
        return self._evidence(repo_id, revision, info, texts)

    def _model_info(self, repo_id: str, revision: str | None) -> dict[str, Any]:
        url = f"{self.endpoint}/api/models/{repo_id}"
        if revision is not None:
            url += f"/revision/{quote(revision, safe='')}"
        try:
            raw = self._get_json(url, {"blobs": True, "securityStatus": True})
        except RevisionNotFoundError:
            raise RepoNotFound(f"Revision '{revision}' does not exist in {repo_id}.") from None
        except (RepositoryNotFoundError, DisabledRepoError):  # gated metadata is public: private or missing
            raise RepoNotFound(f"{repo_id} does not exist on the Hub or is not accessible.") from None
        except Exception as exc:
            if _is_unreachable(exc):
                raise HubUnreachable(f"The Hub at {self.endpoint} could not be reached ({_one_line(exc)}).") from None
            raise HubUnreachable(f"The Hub answered unexpectedly for {repo_id} ({_one_line(exc)}).") from None
        if not isinstance(raw, dict):
            raise HubUnreachable(f"The Hub answered with something other than model metadata for {repo_id}.")
        return raw

    @staticmethod
    def _answered_id(requested: str, info: ModelInfo) -> str:
        """The id to report: the Hub's spelling when it differs from the request only in case (ids are
        case-insensitive); an answer about another model is never used."""
        if info.id is None:
            return requested
        if info.id.lower() != requested.lower():
            raise InvalidHubAnswer(f"The Hub answered for {info.id[:120]!r} when asked for {requested}; "
                                   "the answer was not used.")
        return info.id

    def _evidence(self, repo_id: str, requested: str | None, info: ModelInfo, full: bool = True) -> RepoEvidence:
        """Evidence from one model_info reply, plus the files it names: README, license files, configs (full read),
        or only what an ancestor's terms need (light read); safetensors parameter counts; pickle scans.
        Files are requested under `repo_id` (the id asked for); the evidence carries the Hub's spelling of it."""
        problems = list(info.problems)
        can_read = not info.gated or bool(self.token)
        paths = {f.path for f in info.files}
        at = info.sha or requested or "main"  # files are read at the commit the metadata names, when it names one
        texts = [self._read_text(repo_id, at, path, can_read, problems) for path in _texts_to_read(info, paths, full)]
        if info.config is not None:
            texts.append(TextFile(path="config.json", status=READ_OK, content=json.dumps(info.config, sort_keys=True),
                                  detail="from model_info"))
        checks: list[WeightCheck] = []
        safetensors = self._safetensors(repo_id, at, info, can_read and full, problems, checks)
        if full:
            checks.extend(self._scan_pickles(repo_id, at, info.files, can_read, problems))
        datasets = self._card_datasets(info.card, problems) if full else ()
        return RepoEvidence(
            repo_id=info.id or repo_id, revision=info.sha, source=self.source,
            fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), requested_revision=requested,
            gated=info.gated, private=info.private, disabled=info.disabled, author=info.author,
            library_name=info.library_name, pipeline_tag=info.pipeline_tag, tags=info.tags,
            downloads=info.downloads, likes=info.likes, created_at=info.created_at, last_modified=info.last_modified,
            card_data=info.card, files=info.files, safetensors=safetensors, texts=tuple(texts), datasets=datasets,
            security=info.security, base_models_field=info.base_models, problems=tuple(problems),
            weight_checks=tuple(checks), light=not full,
        )

    def _card_datasets(self, card: dict[str, Any], problems: list[FetchProblem]) -> tuple[DatasetEvidence, ...]:
        datasets = tuple(self.dataset(d) for d in dataset_ids(card))
        problems.extend(FetchProblem(f"dataset:{ds.id}", ds.detail) for ds in datasets if ds.exists is None)
        return datasets

    def _read_text(self, repo_id: str, sha: str, path: str, can_read: bool, problems: list[FetchProblem]) -> TextFile:
        if not can_read:
            return TextFile(path, READ_GATED, detail="the repository is gated and no approved token was given")
        try:
            body, truncated = self._get_bytes(self._file_url(repo_id, sha, path), self.max_text_bytes)
        except GatedRepoError:
            return TextFile(path, READ_GATED, detail="the repository is gated and the token is not approved")
        except RemoteEntryNotFoundError:
            return TextFile(path, READ_MISSING, detail="listed but not found at this commit")
        except Exception as exc:
            problems.append(FetchProblem(path, _one_line(exc)))
            return TextFile(path, READ_ERROR, detail=_one_line(exc))
        if b"\x00" in body[:8192]:
            return TextFile(path, READ_BINARY, detail="the file is binary, not text")
        try:
            content = body.decode("utf-8-sig")
            detail = ""
        except UnicodeDecodeError:
            content = body.decode("utf-8", errors="replace")
            detail = "not valid UTF-8; undecodable bytes replaced"
        content = redact_secrets(content)  # a server echoing the token into a file must not put it in a report
        if truncated:
            return TextFile(path, READ_TOO_LARGE, content=content, truncated=True,
                            detail=f"only the first {self.max_text_bytes} bytes were read")
        return TextFile(path, READ_OK, content=content, detail=detail)

    def _safetensors(self, repo_id: str, at: str, info: ModelInfo, can_read: bool, problems: list[FetchProblem],
                     checks: list[WeightCheck]) -> SafetensorsSummary | None:
        """Parameter counts: the Hub's summary when it gave a valid one, else the shards' headers (range reads)."""
        if info.safetensors is not None:
            return SafetensorsSummary(parameters=info.safetensors.parameters, total=info.safetensors.total,
                                      source="hub-summary")
        shards = [f for f in info.files if f.path.endswith(".safetensors")][:MAX_SAFETENSORS_SHARDS]
        if not shards or not can_read:
            return None
        totals: dict[str, int] = {}
        for shard in shards:
            try:
                header = self.read_safetensors_header(repo_id, at, shard.path, shard.size)
            except SafetensorsHeaderError as exc:  # the file is broken or hostile: a finding, not a failed request
                checks.append(WeightCheck(shard.path, "safetensors-header", "corrupt", detail=_one_line(exc)))
                return None
            except Exception as exc:
                problems.append(FetchProblem(shard.path, f"safetensors header unreadable: {_one_line(exc)}"))
                return None
            for dtype, count in header.parameters.items():
                totals[dtype] = totals.get(dtype, 0) + count
        return SafetensorsSummary(parameters=totals, total=sum(totals.values()), source="headers")

    def read_safetensors_header(self, repo_id: str, sha: str, path: str, size: int | None) -> SafetensorsHeader:
        """Range-read and validate one safetensors header (one request, two for headers over 100 kB)."""
        url = self._file_url(repo_id, sha, path)
        prefix, _ = self._get_bytes(url, 100_008, (0, 100_007))
        length = header_length(prefix)
        if isinstance(size, int) and 8 + length > size:  # a header claiming more than the file: no second read
            raise SafetensorsHeaderError(f"the header claims {length} bytes but the file has only {size}")
        if len(prefix) < 8 + length:
            rest, _ = self._get_bytes(url, length, (8, length + 7))
            prefix = prefix[:8] + rest
        return parse_header(prefix[: 8 + length], size)

    def _scan_pickles(self, repo_id: str, sha: str, files: tuple[RepoFile, ...], can_read: bool,
                      problems: list[FetchProblem]) -> list[WeightCheck]:
        """Fetch each small pickle-based file and scan it in memory; larger ones are left to the Hub's scan."""
        out: list[WeightCheck] = []
        fetched = 0
        for f in files:
            if not is_pickle_file(f.path):
                continue
            size = f.size if isinstance(f.size, int) else None
            if size is not None and size > MAX_SCAN_BYTES:
                out.append(WeightCheck(f.path, "pickle-scan", TOO_LARGE, detail=f"{size} bytes"))
                continue
            if not can_read:
                out.append(WeightCheck(f.path, "pickle-scan", UNREAD,
                                       detail="the repository is gated and no approved token was given"))
                continue
            if fetched >= MAX_PICKLE_SCANS:
                out.append(WeightCheck(f.path, "pickle-scan", UNREAD,
                                       detail=f"only the first {MAX_PICKLE_SCANS} pickle files are fetched"))
                continue
            fetched += 1
            try:
                data, truncated = self._get_bytes(self._file_url(repo_id, sha, f.path), MAX_SCAN_BYTES)
            except GatedRepoError:
                out.append(WeightCheck(f.path, "pickle-scan", UNREAD, detail="the token is not approved for this gate"))
                continue
            except Exception as exc:
                problems.append(FetchProblem(f.path, f"could not be fetched for a pickle scan: {_one_line(exc)}"))
                out.append(WeightCheck(f.path, "pickle-scan", UNREAD, detail=f"the download failed ({_one_line(exc)})"))
                continue
            if truncated:
                out.append(WeightCheck(f.path, "pickle-scan", TOO_LARGE, detail=f"more than {MAX_SCAN_BYTES} bytes"))
                continue
            out.append(scan_pickle(f.path, data))
        return out

    def current_shas(self, repo_ids: list[str]) -> dict[str, str]:
        """The current commit of many models in few requests: one listing per namespace (paged), with only the
        `sha` field; a namespace with just one or two of the ids is cheaper asked model by model. Models that
        cannot be listed are simply absent (the caller then reads them in full); once no connection can be made,
        the rest are not asked, and when none could be asked that is HubUnreachable (so a FallbackHub answers
        from the snapshot instead of "no current commit known", which would make every stored report stale)."""
        by_author: dict[str, list[str]] = {}
        for repo_id in dict.fromkeys(repo_ids):
            by_author.setdefault(repo_id.split("/")[0] if "/" in repo_id else "", []).append(repo_id)
        found: dict[str, str] = {}
        for author, ids in sorted(by_author.items()):
            try:
                found.update(self._shas_of(author, ids))
            except Exception as exc:  # unknown current sha = read in full later; never a reason to fail the run
                if _is_connection_failure(exc):
                    if not found:
                        raise HubUnreachable(f"The Hub at {self.endpoint} could not be reached "
                                             f"({_one_line(exc)}).") from None
                    break
        return found

    def _shas_of(self, author: str, ids: list[str]) -> dict[str, str]:
        wanted = {repo_id.lower(): repo_id for repo_id in ids}  # the Hub answers with its own spelling
        if author and len(ids) > 2:
            listing = self._list_models(author=author, expand=["sha"])  # paged, each page retried
            return {wanted[m.id.lower()]: m.sha for m in listing if m.id.lower() in wanted and m.sha}
        found = {}
        for repo_id in ids:
            listed = ListedModel.of(self._get_json(f"{self.endpoint}/api/models/{repo_id}", {"expand": ["sha"]}))
            if listed is not None and listed.sha:
                found[repo_id] = listed.sha
        return found

    def suggestions(self, repo_id: str, limit: int = 3) -> list[str]:
        """Existing ids close to `repo_id`, from one search of the Hub for its name part (a typo in the namespace,
        a missing namespace); none when the search fails."""
        name = repo_id.rsplit("/", 1)[-1]
        try:
            listing = self._list_models(limit=50, search=name)
        except Exception:  # a hint is a courtesy: its failure changes nothing
            return []
        ids = {m.id.lower(): m.id for m in listing if m.id.lower() != repo_id.lower()}
        close = difflib.get_close_matches(repo_id.lower(), list(ids), n=limit, cutoff=0.6)
        return [ids[key] for key in close]

    def dataset(self, dataset_id: str) -> DatasetEvidence:
        """Whether a declared training dataset exists, and its license. Looked up once per client: the models
        of a batch share their datasets. A failed lookup is not remembered, so it is tried again."""
        with self._lock:
            known = self._datasets.get(dataset_id)
        if known is not None:
            return known
        found = self._lookup_dataset(dataset_id)
        if found.exists is not None:
            with self._lock:
                self._datasets[dataset_id] = found
        return found

    def _lookup_dataset(self, dataset_id: str) -> DatasetEvidence:
        try:
            validate_repo_id(dataset_id)
        except Exception:
            return DatasetEvidence(id=str(dataset_id)[:200], exists=False, detail="not a valid Hub dataset id")
        try:
            info = self._get_json(f"{self.endpoint}/api/datasets/{dataset_id}")
        except RepositoryNotFoundError as exc:
            if isinstance(exc, GatedRepoError):
                return DatasetEvidence(id=dataset_id, exists=True, gated=True)
            return DatasetEvidence(id=dataset_id, exists=False, detail="not found on the Hub")
        except Exception as exc:
            return DatasetEvidence(id=dataset_id, exists=None, detail=_one_line(exc))
        card = info.get("cardData") if isinstance(info, dict) and isinstance(info.get("cardData"), dict) else {}
        lic = card.get("license")
        gated = info.get("gated") if isinstance(info, dict) else None
        return DatasetEvidence(id=dataset_id, exists=True, license=", ".join(map(str, _as_list(lic))) or None,
                               gated=gated, card=None if gated else self._dataset_card(dataset_id, info))

    def _dataset_card(self, dataset_id: str, info: Any) -> str | None:
        """The dataset's README.md (bounded), where it says how the data was made; None when absent or unreadable
        (the dataset still counts as listed and obtainable, just not as documented). Read once per dataset per run:
        `dataset()` remembers its answer."""
        siblings = info.get("siblings") if isinstance(info, dict) else None
        sha = info.get("sha") if isinstance(info, dict) else None
        if not isinstance(sha, str) or not isinstance(siblings, list):
            return None
        if not any(isinstance(s, dict) and s.get("rfilename") == "README.md" for s in siblings):
            return None
        try:
            body, _ = self._get_bytes(self._file_url(dataset_id, sha, "README.md", "dataset"), MAX_DATASET_CARD)
        except Exception:  # documentation is a bonus: an unreadable card leaves the dataset undocumented
            return None
        return body.decode("utf-8", errors="replace")

    def children(self, repo_id: str, relation: str | None = None, limit: int | None = None) -> list[ChildModel]:
        """Derivatives through the Hub's `base_model:[<relation>:]<id>` tags, following `Link` pages up to `limit`.

        Each child comes with its own children count (expand=childrenModelCount), so a tree walk asks for the
        children of a child only when it has some."""
        validate_repo_id(repo_id)
        tag = f"base_model:{relation}:{repo_id}" if relation else f"base_model:{repo_id}"
        relation_tags = {f"base_model:{rel}:{repo_id}": rel for rel in HUB_RELATIONS}

        try:  # each page is retried on its own; a page that fails for good fails the listing (no silent gap)
            models = self._list_models(limit=limit, filter=tag,
                                       expand=["tags", "downloads", "gated", "childrenModelCount"])
        except Exception as exc:
            raise HubUnreachable(f"The Hub could not list the derivatives of {repo_id} ({_one_line(exc)}).") from None
        out: list[ChildModel] = []
        for model in models[:limit] if limit else models:
            rel = relation or next((relation_tags[t] for t in model.tags if t in relation_tags), "unknown")
            lic = next((t.split(":", 1)[1] for t in model.tags if t.startswith("license:")), None)
            out.append(ChildModel(id=model.id, relation=rel, license=lic, downloads=model.downloads,
                                  gated=model.gated, children_count=model.children_count))
        return out


def _names_no_license(card: dict[str, Any]) -> bool:
    """The card's license field names no license (absent, 'other', 'unknown', or not an id), so its files matter."""
    ids = _as_list(card.get("license"))
    return not ids or all(i.strip().lower() in NON_COMMITTAL_LICENSE_IDS for i in ids)


def _license_paths(card: dict[str, Any], paths: set[str]) -> list[str]:
    """Top-level license-type files, the card's `license_link` first when it names one of the repo's files."""
    wanted = [p for p in sorted(paths) if "/" not in p and LICENSE_FILE.fullmatch(p)]
    link = card.get("license_link")
    if isinstance(link, str) and link.lstrip("./") in paths:
        wanted.insert(0, link.lstrip("./"))
    return list(dict.fromkeys(wanted))[:MAX_LICENSE_FILES]


def _texts_to_read(info: ModelInfo, paths: set[str], full: bool) -> list[str]:
    """The files whose text the audit reads. The light read (an ancestor's) needs a license text only when the card
    names no license, and adapter_config.json only when the card names no base."""
    wanted = ["README.md"] if full and "README.md" in paths else []
    if full or _names_no_license(info.card):
        wanted.extend(_license_paths(info.card, paths))
    if "adapter_config.json" in paths and (full or not info.card.get("base_model")):
        wanted.append("adapter_config.json")  # an adapter's base may be named only here
    if full and info.config is None and "config.json" in paths:
        wanted.append("config.json")  # the Hub usually inlines config; read the file only when it did not
    return wanted


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float)]
    return []
