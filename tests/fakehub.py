"""A local fake Hugging Face Hub for the tests (adapted from the team's reference prototype).

Serves, from a directory of JSON + plain files, just enough of the Hub HTTP API
for the real ``huggingface_hub`` client (checked against 2.4.0) to work:

  GET  /api/models                                   list_models (filter/search/author/gated/sort/limit/expand, Link pagination)
  GET  /api/models/{repo}[/revision/{rev}]           model_info (blobs, securityStatus, expand)
  GET  /api/models/{repo}/tree/{rev}[/{path}]        list_repo_tree / list_repo_files (recursive, expand)
  GET  /api/models/{repo}/safetensors-metadata/{f}   get_sharded_safetensors_metadata
  HEAD|GET /{repo}/resolve/{rev}/{path}              hf_hub_download, file_exists, safetensors header reads (Range)
  GET  /cdn/{sha256}                                 optional second origin ("CDN") for LFS redirects
  GET  /api/agent-harnesses                          empty registry (the client probes it for its user-agent)
  GET  /api/whoami-v2                                minimal

Fixture layout (one folder per repo; only models are wired up here):

  ROOT/models/{namespace}/{name}/repo.json   metadata (see ``REPO_JSON_KEYS``)
  ROOT/models/{namespace}/{name}/files/...   the repo's files, as they would be in git

Everything else (sha, siblings, blob ids, LFS info, safetensors parameter counts,
cardData, derived tags such as ``base_model:finetune:X`` and ``license:X``) is
computed from the files, the way the Hub computes it.

Stdlib only, plus PyYAML if importable (it is a dependency of huggingface_hub)
to parse README.md front matter into ``cardData``.

Run ``python tests/fakehub.py serve ROOT [PORT]`` to serve a folder by hand.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

try:  # optional: parse README.md YAML front matter into cardData
    import yaml  # type: ignore
except Exception:  # pragma: no cover
    yaml = None

# Keys understood in repo.json (all optional).
REPO_JSON_KEYS = {
    "author": "defaults to the namespace",
    "private": "bool; hidden from anonymous users (401 RepoNotFound)",
    "gated": 'false | "auto" | "manual"; file downloads need an approved token',
    "approved_tokens": "tokens allowed through the gate / into a private repo",
    "disabled": "bool; every request answers 403 'Access to this resource is disabled.'",
    "downloads": "int",
    "downloadsAllTime": "int",
    "likes": "int",
    "trendingScore": "int",
    "createdAt": "ISO-8601 string",
    "lastModified": "ISO-8601 string",
    "sha": "40-hex commit id (computed from file contents when absent)",
    "branches": "extra revision names accepted besides 'main' and the sha",
    "library_name": "overrides cardData.library_name",
    "pipeline_tag": "overrides cardData.pipeline_tag",
    "extra_tags": "tags added to the computed ones",
    "spaces": "list of Space ids",
    "apps": "list of app names matched by list_models(apps=...)",
    "inference": '"warm" or absent',
    "config": "dict; defaults to files/config.json when present",
    "transformersInfo": "dict",
    "cardData": "dict; overrides README.md front matter",
    "securityRepoStatus": "dict returned for securityStatus=true",
    "extra_siblings": "list of sibling dicts ({'rfilename', 'size'?}) listed but not served (hostile names)",
    "safetensors": "dict or null; overrides the parameter summary computed from the .safetensors headers",
    "info_overrides": "dict merged last into the model_info reply (hostile values: wrong types, another id)",
}

LFS_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".zip")
LFS_MIN_SIZE = 10 * 1024 * 1024
VALID_EXPAND = {
    "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt", "disabled", "downloads",
    "downloadsAllTime", "evalResults", "gated", "gguf", "inference", "inferenceProviderMapping", "lastModified",
    "library_name", "likes", "mask_token", "model-index", "pipeline_tag", "private", "resourceGroup", "safetensors",
    "sha", "siblings", "spaces", "tags", "transformersInfo", "trendingScore", "usedStorage", "widgetData",
}
# Keys returned by GET /api/models/{id} when no `expand` is given (mirrors a typical Hub answer).
MODEL_INFO_DEFAULT_KEYS = [
    "_id", "id", "private", "pipeline_tag", "library_name", "tags", "downloads", "likes", "modelId", "author",
    "sha", "lastModified", "gated", "disabled", "model-index", "config", "cardData", "transformersInfo",
    "siblings", "spaces", "createdAt", "safetensors", "inference", "usedStorage",
]
# Keys of one item of GET /api/models without full/expand.
LIST_DEFAULT_KEYS = ["_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
                     "library_name", "createdAt", "modelId"]
LIST_FULL_EXTRA_KEYS = ["author", "sha", "lastModified", "gated", "disabled", "siblings"]
SAFETENSORS_DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
                           "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}


# ----------------------------------------------------------------------------------------------------------------------
# Repo model
# ----------------------------------------------------------------------------------------------------------------------
def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def read_safetensors_header(path: Path) -> dict:
    with path.open("rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n))


def _card_list(value: Any) -> list:
    """A card field that should be a string or a list: hostile cards put numbers and mappings there too."""
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list) else []


def parse_front_matter(text: str) -> dict:
    m = re.match(r"^\s*---\r?\n(.*?)\r?\n---[ \t]*(\r?\n|$)", text, re.S)
    if not m or yaml is None:
        return {}
    data = yaml.safe_load(m.group(1)) or {}
    return data if isinstance(data, dict) else {}


@dataclass
class RepoFileEntry:
    path: str
    size: int
    blob_id: str  # git oid (of the LFS pointer for LFS files)
    sha256: str | None  # set for LFS files
    pointer_size: int | None
    abs_path: Path

    @property
    def is_lfs(self) -> bool:
        return self.sha256 is not None

    @property
    def etag(self) -> str:
        return self.sha256 or self.blob_id


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    meta: dict
    files: dict[str, RepoFileEntry] = field(default_factory=dict)
    sha: str = ""
    card: dict = field(default_factory=dict)

    @classmethod
    def load(cls, repo_type: str, repo_id: str, folder: Path) -> Repo:
        meta = json.loads((folder / "repo.json").read_text()) if (folder / "repo.json").exists() else {}
        repo = cls(repo_type=repo_type, repo_id=repo_id, meta=meta)
        files_dir = folder / "files"
        if files_dir.is_dir():
            for p in sorted(files_dir.rglob("*")):
                if not p.is_file():
                    continue
                rel = p.relative_to(files_dir).as_posix()
                data = p.read_bytes()
                if rel.endswith(LFS_SUFFIXES) or len(data) >= LFS_MIN_SIZE:
                    sha256 = hashlib.sha256(data).hexdigest()
                    ptr = lfs_pointer(sha256, len(data))
                    entry = RepoFileEntry(rel, len(data), git_blob_sha1(ptr), sha256, len(ptr), p)
                else:
                    entry = RepoFileEntry(rel, len(data), git_blob_sha1(data), None, None, p)
                repo.files[rel] = entry
        repo.sha = meta.get("sha") or hashlib.sha1(
            "".join(f"{e.path}:{e.blob_id}\n" for e in repo.files.values()).encode() + repo_id.encode()
        ).hexdigest()
        readme = repo.files.get("README.md")
        if "cardData" in meta:  # given outright: the Hub's own parse of a hostile card
            card = dict(meta["cardData"] or {})
        else:
            try:
                card = parse_front_matter(readme.abs_path.read_text(encoding="utf-8-sig")) if readme else {}
            except Exception:  # the Hub serves unparseable cards with no cardData
                card = {}
        repo.card = card
        return repo

    # -- derived facts ---------------------------------------------------------------------------------------------
    @property
    def base_models(self) -> list[str]:
        bm = self.card.get("base_model")
        if not bm:
            return []
        return [str(x) for x in _card_list(bm)]

    @property
    def base_model_relation(self) -> str | None:
        """Explicit `base_model_relation`, else a crude guess (the real Hub has its own inference)."""
        if not self.base_models:
            return None
        if self.card.get("base_model_relation"):
            return str(self.card["base_model_relation"])
        if len(self.base_models) > 1:
            return "merge"
        if any(p.endswith("adapter_config.json") for p in self.files):
            return "adapter"
        if any(p.endswith(".gguf") for p in self.files) or "quantization_config" in (self.config or {}):
            return "quantized"
        return "finetune"

    @property
    def config(self) -> dict | None:
        if "config" in self.meta:
            return self.meta["config"]
        entry = self.files.get("config.json")
        if entry is None:
            return None
        try:
            return json.loads(entry.abs_path.read_text())
        except ValueError:
            return None

    @property
    def library_name(self) -> str | None:
        return self.meta.get("library_name") or self.card.get("library_name")

    @property
    def pipeline_tag(self) -> str | None:
        return self.meta.get("pipeline_tag") or self.card.get("pipeline_tag")

    @property
    def gated(self):
        return self.meta.get("gated", False)

    @property
    def tags(self) -> list[str]:
        tags: list[str] = []

        def add(t):
            if t and t not in tags:
                tags.append(str(t))

        add(self.library_name)
        if any(p.endswith(".safetensors") for p in self.files):
            add("safetensors")
        if any(p.endswith(".gguf") for p in self.files):
            add("gguf")
        for t in _card_list(self.card.get("tags")):
            add(t)
        add(self.pipeline_tag)
        for d in _card_list(self.card.get("datasets")):
            add(f"dataset:{d}")
        for lang in _card_list(self.card.get("language")):
            add(lang)
        rel = self.base_model_relation
        for bm in self.base_models:
            add(f"base_model:{bm}")
            add(f"base_model:{rel}:{bm}")
        for lic_id in _card_list(self.card.get("license")):
            add(f"license:{lic_id}")
        for t in self.meta.get("extra_tags") or []:
            add(t)
        add("region:us")
        return tags

    @property
    def safetensors_info(self) -> dict | None:
        params: dict[str, int] = {}
        for e in self.files.values():
            if not e.path.endswith(".safetensors"):
                continue
            try:
                header = read_safetensors_header(e.abs_path)
            except Exception:  # the Hub shows no parameter count for a file it cannot parse
                return None
            for name, t in header.items():
                if name == "__metadata__":
                    continue
                n = 1
                for d in t["shape"]:
                    n *= d
                params[t["dtype"]] = params.get(t["dtype"], 0) + n
        if not params:
            return None
        return {"parameters": params, "total": sum(params.values())}

    def valid_revision(self, rev: str) -> bool:
        return rev in {"main", self.sha, *(self.meta.get("branches") or [])}

    def siblings(self, blobs: bool) -> list[dict]:
        out = []
        for e in self.files.values():
            s: dict[str, Any] = {"rfilename": e.path}
            if blobs:
                s["blobId"] = e.blob_id
                s["size"] = e.size
                if e.is_lfs:
                    s["lfs"] = {"sha256": e.sha256, "size": e.size, "pointerSize": e.pointer_size}
            out.append(s)
        for extra in self.meta.get("extra_siblings") or []:  # listed only: the file is not there to download
            s = {"rfilename": extra["rfilename"]}
            if blobs and "size" in extra:
                s["size"] = extra["size"]
            out.append(s)
        return out

    def api_dict(self, *, blobs: bool = False) -> dict:
        """Every key the fake can produce, under the Hub's raw JSON names."""
        ns = self.repo_id.split("/")[0] if "/" in self.repo_id else None
        d: dict[str, Any] = {
            "_id": hashlib.md5(self.repo_id.encode()).hexdigest()[:24],
            "id": self.repo_id,
            "modelId": self.repo_id,
            "author": self.meta.get("author", ns),
            "sha": self.sha,
            "lastModified": self.meta.get("lastModified", "2024-01-01T00:00:00.000Z"),
            "createdAt": self.meta.get("createdAt", "2023-01-01T00:00:00.000Z"),
            "private": bool(self.meta.get("private", False)),
            "gated": self.gated,
            "disabled": bool(self.meta.get("disabled", False)),
            "downloads": self.meta.get("downloads", 0),
            "downloadsAllTime": self.meta.get("downloadsAllTime", self.meta.get("downloads", 0)),
            "likes": self.meta.get("likes", 0),
            "trendingScore": self.meta.get("trendingScore", 0),
            "library_name": self.library_name,
            "pipeline_tag": self.pipeline_tag,
            "tags": self.tags,
            "cardData": self.card or None,
            "config": self.config,
            "transformersInfo": self.meta.get("transformersInfo"),
            "siblings": self.siblings(blobs),
            "spaces": self.meta.get("spaces", []),
            "safetensors": self.meta["safetensors"] if "safetensors" in self.meta else self.safetensors_info,
            "model-index": self.card.get("model-index"),
            "widgetData": self.card.get("widget"),
            "mask_token": None,
            "inference": self.meta.get("inference"),
            "usedStorage": sum(e.size for e in self.files.values()),
            "baseModels": (
                {"relation": self.base_model_relation, "models": [{"id": m} for m in self.base_models]}
                if self.base_models else None
            ),
            "childrenModelCount": 0,  # filled in by the server (needs the whole index)
        }
        return d


# ----------------------------------------------------------------------------------------------------------------------
# Server
# ----------------------------------------------------------------------------------------------------------------------
class HubError(Exception):
    def __init__(self, status: int, code: str | None, message: str, extra_headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.extra_headers = extra_headers or {}


@dataclass
class Failure:
    path_prefix: str
    status: int
    remaining: int
    method: str | None = None
    kind: str = "status"  # status | hang | drop-mid-body | truncated-json | trickle-headers (FakeHub.inject_fault)
    headers: dict | None = None
    delay_s: float = 0.0


class FakeHub:
    """In-process fake Hub. ``with FakeHub(root) as hub: HfApi(endpoint=hub.url)``."""

    def __init__(self, root: str | Path, *, host: str = "127.0.0.1", port: int = 0, page_size: int = 1000,
                 lfs_via_cdn: bool = False, tree_page_size: int = 1000, prepare: Callable[[], None] | None = None,
                 listener: socket.socket | None = None):
        """`prepare`: writes the fixture folder, run once before the first request is answered (lazy fixtures);
        `listener`: an already bound and listening socket to serve on (so its URL is known before start)."""
        self.root = Path(root)
        self.host, self.port = host, port
        self.page_size = page_size
        self.tree_page_size = tree_page_size
        self.lfs_via_cdn = lfs_via_cdn
        self.latency_s = 0.0  # added to every request, to stand in for a real network round trip
        # Optional bulk listing for census tests: callable(cursor | None, limit) -> (JSON body bytes, next cursor
        # | None). When set, GET /api/models without filters is answered from it, with an opaque `cursor` Link.
        self.model_listing = None
        self.requests: list[dict] = []  # request log: method, path, query, selected headers, status
        self.failures: list[Failure] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._servers: list[ThreadingHTTPServer] = []
        self.url = ""
        self.cdn_url = ""
        self.repos: dict[tuple[str, str], Repo] = {}
        self.by_sha256: dict[str, RepoFileEntry] = {}
        self._prepare = prepare
        self._ready = prepare is None
        self._ready_lock = threading.Lock()
        self._listener = listener
        if prepare is None:
            self.reload()

    def ensure_ready(self) -> None:
        """Run `prepare` (once) and load the repos it wrote; every request waits until that is done."""
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready and self._prepare is not None:
                self._prepare()
                self.reload()
                self._ready = True

    # -- data -------------------------------------------------------------------------------------------------------
    def reload(self) -> None:
        repos: dict[tuple[str, str], Repo] = {}
        for type_dir, repo_type in (("models", "model"), ("datasets", "dataset")):
            base = self.root / type_dir
            if not base.is_dir():
                continue
            for marker in base.glob("*/*/repo.json"):
                folder = marker.parent
                repo_id = f"{folder.parent.name}/{folder.name}"
                repos[(repo_type, repo_id)] = Repo.load(repo_type, repo_id, folder)
            for marker in base.glob("*/repo.json"):  # legacy ids without namespace ("gpt2")
                repos[(repo_type, marker.parent.name)] = Repo.load(repo_type, marker.parent.name, marker.parent)
        self.repos = repos
        self.by_sha256 = {e.sha256: e for r in repos.values() for e in r.files.values() if e.is_lfs}

    def inject_failure(self, path_prefix: str, status: int = 503, count: int = 1, method: str | None = None):
        """Answer the next `count` requests whose path starts with `path_prefix` with `status`."""
        with self._lock:
            self.failures.append(Failure(path_prefix, status, count, method))

    def inject_fault(self, path_prefix: str, kind: str, count: int = 1, *, status: int = 503,
                     headers: dict | None = None, delay_s: float = 30.0, method: str | None = None):
        """Misbehave on the next `count` requests whose path starts with `path_prefix`:

        - ``status``: answer `status` with extra `headers` (e.g. 429 with ``{"Retry-After": "1"}``); "{token}" in
          a header value is replaced by the request's bearer token (a server that echoes credentials);
        - ``hang``: accept the request and answer nothing for `delay_s` seconds (or until ``stop()``), then close;
        - ``drop-mid-body``: send the real headers (full Content-Length) and half the body, then close the socket;
        - ``truncated-json``: send a well-formed reply whose body is the first half of the real one;
        - ``trickle-headers``: send a status line, then header bytes one every `delay_s` seconds, never ending them;
        - ``trickle-body``: send complete headers announcing a 1 MB body, then one body byte every `delay_s` seconds.
        """
        if kind not in ("status", "hang", "drop-mid-body", "truncated-json", "trickle-headers", "trickle-body"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self.failures.append(Failure(path_prefix, status, count, method, kind, headers, delay_s))

    # -- lifecycle --------------------------------------------------------------------------------------------------
    def start(self) -> FakeHub:
        handler = _make_handler(self, cdn=False)
        if self._listener is not None:
            srv = ThreadingHTTPServer(self._listener.getsockname(), handler, bind_and_activate=False)
            srv.socket.close()
            srv.socket = self._listener
        else:
            srv = ThreadingHTTPServer((self.host, self.port), handler)
        srv.daemon_threads = True
        self._servers.append(srv)
        self.url = f"http://{self.host}:{srv.server_address[1]}"
        # A second listening port = a different origin, which the client treats like an off-Hub CDN.
        cdn = ThreadingHTTPServer((self.host, 0), _make_handler(self, cdn=True))
        cdn.daemon_threads = True
        self._servers.append(cdn)
        self.cdn_url = f"http://{self.host}:{cdn.server_address[1]}"
        for s in self._servers:
            threading.Thread(target=s.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # release hanging handlers
        for s in self._servers:
            s.shutdown()
            s.server_close()
        self._servers.clear()

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- helpers ----------------------------------------------------------------------------------------------------
    def find_repo(self, repo_type: str, segments: list[str]) -> tuple[Repo | None, str, list[str]]:
        """Split URL segments into (repo, repo_id, rest). Accepts 'ns/name' and legacy 'name' ids."""
        if len(segments) >= 2 and (repo_type, f"{segments[0]}/{segments[1]}") in self.repos:
            rid = f"{segments[0]}/{segments[1]}"
            return self.repos[(repo_type, rid)], rid, segments[2:]
        if segments and (repo_type, segments[0]) in self.repos:
            return self.repos[(repo_type, segments[0])], segments[0], segments[1:]
        if len(segments) >= 2:
            return None, f"{segments[0]}/{segments[1]}", segments[2:]
        return None, segments[0] if segments else "", []

    @staticmethod
    def check_access(repo: Repo | None, repo_id: str, token: str | None, *, for_content: bool) -> None:
        allowed = set((repo.meta.get("approved_tokens") if repo else None) or [])
        if repo is None or (repo.meta.get("private") and token not in allowed):
            # Hub style: 401 when anonymous, 404 when authenticated; both carry X-Error-Code: RepoNotFound.
            raise HubError(401 if token is None else 404, "RepoNotFound", "Repository not found")
        if repo.meta.get("disabled"):
            raise HubError(403, None, "Access to this resource is disabled.")
        if for_content and repo.gated and token not in allowed:
            if token is None:
                raise HubError(401, "GatedRepo", f"Repo model {repo_id} is gated. You must be authenticated to access it.")
            raise HubError(403, "GatedRepo",
                           f"Access to model {repo_id} is restricted and you are not in the authorized list. "
                           f"Visit {hub_url_placeholder(repo_id)} to ask for access.")

    def children_count(self, repo_id: str) -> int:
        return sum(1 for r in self.repos.values() if repo_id in r.base_models)


def hub_url_placeholder(repo_id: str) -> str:
    return f"https://huggingface.co/{repo_id}"


def _project(d: dict, keys: list[str]) -> dict:
    return {k: d.get(k) for k in keys}


def _parse_range(header: str, total: int) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header or "", re.I)
    if not m:
        return None
    start_s, end_s = m.groups()
    if start_s == "":
        if end_s == "":
            return None
        n = int(end_s)
        return (max(total - n, 0), total - 1)
    start = int(start_s)
    end = min(int(end_s), total - 1) if end_s else total - 1
    return (start, end)


def _parse_num(s: str) -> float:
    m = re.fullmatch(r"([\d.]+)\s*([KMBT]?)", s.strip(), re.I)
    if not m:
        raise ValueError(s)
    mult = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}[m.group(2).upper()]
    return float(m.group(1)) * mult


def _make_handler(hub: FakeHub, *, cdn: bool):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeHub/0.1"

        def log_message(self, *args):  # keep test output clean
            pass

        # -- plumbing -----------------------------------------------------------------------------------------------
        def _token(self) -> str | None:
            auth = self.headers.get("Authorization") or ""
            return auth[7:].strip() if auth.lower().startswith("bearer ") else None

        def _send(self, status: int, body: bytes = b"", headers: dict | None = None,
                  content_type: str = "application/json; charset=utf-8"):
            self._log["status"] = status  # set first: the client may read the reply before we return
            fault = getattr(self, "_fault", None)
            if fault is not None and fault.kind == "truncated-json" and body:
                body = body[: len(body) // 2]  # a complete HTTP reply carrying half a document
            self.send_response(status)
            request_id = self.headers.get("X-Amzn-Trace-Id") or str(uuid.uuid4())
            self.send_header("X-Request-Id", request_id)
            self.send_header("Content-Type", content_type)
            hdrs = dict(headers or {})
            if "Content-Length" not in hdrs:
                hdrs["Content-Length"] = str(len(body))
            for k, v in hdrs.items():
                self.send_header(k, str(v))
            self.end_headers()
            if fault is not None and fault.kind == "drop-mid-body" and self.command != "HEAD" and body:
                self._log["status"] = "dropped"
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True  # the peer sees fewer bytes than Content-Length, then EOF
                return
            if self.command != "HEAD" and body:
                self._log["bytes"] = len(body)
                self.wfile.write(body)

        def _trickle(self, interval_s: float, *, body: bool) -> None:
            """A status line, then one byte (of a header, or of the body) per `interval_s` until the client hangs up
            or the hub stops: every single read succeeds, so only a deadline on the whole reply ends it."""
            self.close_connection = True
            head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" if body else b"HTTP/1.1 200 OK\r\nX-Slow: "
            try:
                self.wfile.write(head)
                self.wfile.flush()
                while not hub._stopping.wait(interval_s):
                    self.wfile.write(b"a")
                    self.wfile.flush()
            except OSError:  # the client gave up: that is the point
                pass

        def _json(self, obj, status: int = 200, headers: dict | None = None):
            self._send(status, json.dumps(obj, default=str).encode(), headers)

        def _error(self, e: HubError):
            headers = {"X-Error-Message": e.message, **e.extra_headers}
            if e.code:
                headers["X-Error-Code"] = e.code
            self._json({"error": e.message}, e.status, headers)

        def _dispatch(self):
            hub.ensure_ready()
            split = urlsplit(self.path)
            self._query = parse_qs(split.query, keep_blank_values=True)
            self._segments = [unquote(s) for s in split.path.split("/") if s]
            self._log = {
                "method": self.command, "path": split.path, "query": split.query,
                "auth": self._token(), "range": self.headers.get("Range"),
                "accept_encoding": self.headers.get("Accept-Encoding"),
                "user_agent": self.headers.get("User-Agent"), "cdn": cdn, "status": None,
            }
            if hub.latency_s:
                time.sleep(hub.latency_s)
            self._fault = None
            with hub._lock:
                hub.requests.append(self._log)
                for f in hub.failures:
                    if f.remaining > 0 and split.path.startswith(f.path_prefix) and f.method in (None, self.command):
                        f.remaining -= 1
                        self._fault = f
                        break
            fault = self._fault
            if fault is not None and fault.kind == "status":
                self._fault = None
                # "{token}" in a header value echoes the caller's bearer token, as a careless proxy might.
                headers = {k: str(v).replace("{token}", self._token() or "") for k, v in (fault.headers or {}).items()}
                self._json({"error": "injected failure"}, fault.status, headers=headers)
                return
            if fault is not None and fault.kind == "hang":
                self._log["status"] = "hang"
                hub._stopping.wait(fault.delay_s)
                self.close_connection = True
                return
            if fault is not None and fault.kind in ("trickle-headers", "trickle-body"):
                self._log["status"] = "trickle"
                self._trickle(fault.delay_s, body=fault.kind == "trickle-body")
                return
            try:
                if cdn:
                    return self._cdn()
                self._route()
            except HubError as e:
                self._error(e)
            except (BrokenPipeError, ConnectionResetError):  # the client stopped reading (a bounded read): fine
                self.close_connection = True
            except Exception as e:  # surface bugs as 500 instead of hanging the client
                self._json({"error": f"fake hub bug: {e!r}"}, 500)

        do_GET = do_HEAD = _dispatch

        def q1(self, name: str, default: str | None = None) -> str | None:
            vals = self._query.get(name)
            return vals[-1] if vals else default

        def qlist(self, name: str) -> list[str]:
            out: list[str] = []
            for key in (name, name + "[]"):
                for v in self._query.get(key, []):
                    if name in ("expand", "apps"):  # accept repeated and comma-separated values
                        out.extend(x for x in v.split(",") if x)
                    else:
                        out.append(v)
            return out

        def qbool(self, name: str) -> bool:
            return (self.q1(name) or "").lower() in {"1", "true", "yes"}

        # -- routing ------------------------------------------------------------------------------------------------
        def _route(self):
            seg = self._segments
            if seg[:2] == ["api", "agent-harnesses"]:
                return self._json({"standardEnvVars": [], "harnesses": {}})
            if seg[:2] == ["api", "whoami-v2"]:
                if not self._token():
                    raise HubError(401, None, "Invalid credentials in Authorization header")
                return self._json({"type": "user", "name": "fake-user", "auth": {"type": "access_token"}})
            if seg[:2] == ["api", "models"] and len(seg) == 2 and self.command == "GET":
                return self._list_models()
            if seg[:2] in (["api", "models"], ["api", "datasets"]) and len(seg) > 2:
                return self._repo_api("model" if seg[1] == "models" else "dataset", seg[2:])
            repo_type = "model"
            rest = seg
            if seg and seg[0] in ("datasets",):
                repo_type, rest = "dataset", seg[1:]
            if "resolve" in rest:
                return self._resolve(repo_type, rest)
            raise HubError(404, None, "Sorry, we can't find the page you are looking for.")

        # -- /api/models ----------------------------------------------------------------------------------------------
        def _list_models(self):
            token = self._token()
            expand = self.qlist("expand")
            bad = [e for e in expand if e not in VALID_EXPAND]
            if bad:
                raise HubError(400, None, f'"expand" must be one of the allowed values, got {bad}')
            if "baseModels" in expand:  # the Hub refuses it in listings (census contract)
                raise HubError(400, None, '"baseModels" cannot be expanded in a model listing')
            if hub.model_listing is not None and not self.qlist("filter"):
                return self._bulk_listing()
            filters = self.qlist("filter")
            search = (self.q1("search") or "").lower()
            author = self.q1("author")
            pipeline_tag = self.q1("pipeline_tag")
            gated = self.q1("gated")
            apps = self.qlist("apps")
            num_params = self.q1("num_parameters")
            rows = []
            for (rtype, rid), repo in hub.repos.items():
                if rtype != "model":
                    continue
                if repo.meta.get("private") and token not in (repo.meta.get("approved_tokens") or []):
                    continue
                tags = repo.tags
                if any(f not in tags and f != rid for f in filters):
                    continue
                if search and search not in rid.lower():
                    continue
                if author and not rid.startswith(author + "/"):
                    continue
                if pipeline_tag and repo.pipeline_tag != pipeline_tag:
                    continue
                if gated is not None and bool(repo.gated) != (gated.lower() == "true"):
                    continue
                if apps and not set(apps) & set(repo.meta.get("apps") or []):
                    continue
                if num_params:
                    total = (repo.safetensors_info or {}).get("total")
                    if total is None:
                        continue
                    bounds = dict(p.split(":", 1) for p in num_params.split(",") if ":" in p)
                    if "min" in bounds and total < _parse_num(bounds["min"]):
                        continue
                    if "max" in bounds and total > _parse_num(bounds["max"]):
                        continue
                rows.append(repo)
            sort = self.q1("sort")
            if sort:
                key = {"created_at": "createdAt", "last_modified": "lastModified"}.get(sort, sort)
                rows.sort(key=lambda r: (r.api_dict().get(key) or 0), reverse=self.q1("direction", "-1") == "-1")
            limit = int(self.q1("limit")) if self.q1("limit") else None
            if limit is not None:
                rows = rows[:limit]
            cursor = int(self.q1("cursor") or 0)
            page = rows[cursor: cursor + hub.page_size]
            if expand:
                keys = ["_id", "id"] + [k for k in expand if k not in ("_id", "id")]
            else:
                keys = list(LIST_DEFAULT_KEYS)
                if self.qbool("full"):
                    keys += LIST_FULL_EXTRA_KEYS
                if self.qbool("cardData"):
                    keys.append("cardData")
                if self.qbool("config"):
                    keys.append("config")
            out = []
            for r in page:
                d = r.api_dict()
                d["childrenModelCount"] = hub.children_count(r.repo_id)
                item = _project(d, keys)
                out.append(item)
            headers = {}
            if cursor + hub.page_size < len(rows):
                q = {k: v for k, v in self._query.items() if k != "cursor"}
                q["cursor"] = [str(cursor + hub.page_size)]
                nxt = f"{hub.url}/api/models?{urlencode(q, doseq=True)}"
                headers["Link"] = f'<{nxt}>; rel="next"'
            self._json(out, headers=headers)

        def _bulk_listing(self):
            body, cursor = hub.model_listing(self.q1("cursor"), int(self.q1("limit") or hub.page_size))
            headers = {}
            if cursor is not None:
                q = {k: v for k, v in self._query.items() if k != "cursor"}
                q["cursor"] = [cursor]
                headers["Link"] = f'<{hub.url}/api/models?{urlencode(q, doseq=True)}>; rel="next"'
            self._send(200, body, headers)

        def _repo_api(self, repo_type: str, segs: list[str]):
            token = self._token()
            repo, repo_id, rest = hub.find_repo(repo_type, segs)
            hub.check_access(repo, repo_id, token, for_content=False)
            assert repo is not None
            if not rest or rest[0] == "revision":
                if rest and len(rest) >= 2:
                    rev = rest[1]
                    if not repo.valid_revision(rev):
                        raise HubError(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                return self._model_info(repo)
            if rest[0] == "tree" and len(rest) >= 2:
                return self._tree(repo, rest[1], "/".join(rest[2:]))
            if rest[0] == "safetensors-metadata":
                return self._sharded_safetensors(repo, "/".join(rest[1:]), token)
            if rest[0] in ("refs",):
                return self._json({"branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": repo.sha}],
                                   "converts": [], "tags": []})
            raise HubError(404, None, "Sorry, we can't find the page you are looking for.")

        def _model_info(self, repo: Repo):
            expand = self.qlist("expand")
            bad = [e for e in expand if e not in VALID_EXPAND]
            if bad:
                raise HubError(400, None, f'"expand" must be one of the allowed values, got {bad}')
            d = repo.api_dict(blobs=self.qbool("blobs"))
            d["childrenModelCount"] = hub.children_count(repo.repo_id)
            if expand:
                out = _project(d, ["_id", "id"] + [k for k in expand if k not in ("_id", "id")])
            else:
                out = {k: d[k] for k in MODEL_INFO_DEFAULT_KEYS if d.get(k) is not None or k in ("gated",)}
            if self.qbool("securityStatus"):
                out["securityRepoStatus"] = repo.meta.get(
                    "securityRepoStatus", {"scansDone": True, "filesWithIssues": []})
            out.update(repo.meta.get("info_overrides") or {})
            self._json(out)

        def _tree(self, repo: Repo, rev: str, path: str):
            if not repo.valid_revision(rev):
                raise HubError(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            recursive = self.qbool("recursive")
            expand = self.qbool("expand")
            prefix = path.strip("/")
            if prefix and prefix not in repo.files and not any(p.startswith(prefix + "/") for p in repo.files):
                raise HubError(404, "EntryNotFound", f"{prefix} does not exist on \"{rev}\"",
                               {"X-Repo-Commit": repo.sha})
            entries: dict[str, dict] = {}
            for p, e in repo.files.items():
                if prefix and not p.startswith(prefix + "/"):
                    continue
                rel = p[len(prefix) + 1:] if prefix else p
                parts = rel.split("/")
                # folders on the way
                for i in range(1, len(parts)):
                    if not recursive and i > 1:
                        break
                    folder = "/".join(([prefix] if prefix else []) + parts[:i])
                    entries.setdefault(folder, {"type": "directory", "oid": git_blob_sha1(folder.encode()),
                                                "size": 0, "path": folder})
                if not recursive and len(parts) > 1:
                    continue
                item: dict[str, Any] = {"type": "file", "oid": e.blob_id, "size": e.size, "path": p}
                if e.is_lfs:
                    item["lfs"] = {"oid": e.sha256, "size": e.size, "pointerSize": e.pointer_size}
                if expand:
                    item["lastCommit"] = {"id": repo.sha, "title": "Upload", "date": repo.api_dict()["lastModified"]}
                    item["securityFileStatus"] = {"status": "safe", "avScan": {"virusFound": False},
                                                  "pickleImportScan": None}
                entries[p] = item
            items = sorted(entries.values(), key=lambda x: (x["type"] != "directory", x["path"]))
            size = 50 if expand else hub.tree_page_size
            cursor = int(self.q1("cursor") or 0)
            headers = {}
            if cursor + size < len(items):
                q = {k: v for k, v in self._query.items() if k != "cursor"}
                q["cursor"] = [str(cursor + size)]
                nxt = f"{hub.url}{urlsplit(self.path).path}?{urlencode(q, doseq=True)}"
                headers["Link"] = f'<{nxt}>; rel="next"'
            self._json(items[cursor: cursor + size], headers=headers)

        def _sharded_safetensors(self, repo: Repo, filename: str, token: str | None):
            hub.check_access(repo, repo.repo_id, token, for_content=True)
            entry = repo.files.get(filename)
            if entry is None:
                raise HubError(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": repo.sha})
            index = json.loads(entry.abs_path.read_text())
            folder = filename.rsplit("/", 1)[0] + "/" if "/" in filename else ""
            headers = {}
            for shard in sorted(set(index.get("weight_map", {}).values())):
                headers[shard] = read_safetensors_header(repo.files[folder + shard].abs_path)
            self._json({"index": {k: v for k, v in index.items() if k != "weight_map"}, "headers": headers})

        # -- /{repo}/resolve/{rev}/{path} -----------------------------------------------------------------------------
        def _resolve(self, repo_type: str, rest: list[str]):
            i = rest.index("resolve")
            repo_segs, tail = rest[:i], rest[i + 1:]
            token = self._token()
            repo, repo_id, _ = hub.find_repo(repo_type, repo_segs)
            if repo is not None and len(repo_segs) != len(repo_id.split("/")):
                repo = None
            hub.check_access(repo, repo_id, token, for_content=True)
            assert repo is not None
            if not tail:
                raise HubError(404, None, "Sorry, we can't find the page you are looking for.")
            rev, filename = tail[0], "/".join(tail[1:])
            if not repo.valid_revision(rev):
                raise HubError(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            entry = repo.files.get(filename)
            if entry is None:
                raise HubError(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": repo.sha})
            common = {"X-Repo-Commit": repo.sha, "Accept-Ranges": "bytes", "Vary": "Origin, Accept-Encoding"}
            if entry.is_lfs:
                common.update({"X-Linked-Etag": f'"{entry.sha256}"', "X-Linked-Size": str(entry.size)})
                if hub.lfs_via_cdn:
                    loc = f"{hub.cdn_url}/cdn/{entry.sha256}?{urlencode({'name': filename})}"
                    return self._send(302, b"", {**common, "Location": loc, "ETag": f'"{entry.blob_id}"'})
            return self._serve_bytes(entry, {**common, "ETag": f'"{entry.etag}"'})

        def _serve_bytes(self, entry: RepoFileEntry, headers: dict):
            data = entry.abs_path.read_bytes()
            total = len(data)
            ctype = "application/octet-stream"
            if entry.path.endswith((".md", ".txt")) or entry.path.split("/")[-1].startswith("LICENSE"):
                ctype = "text/plain; charset=utf-8"
            elif entry.path.endswith(".json"):
                ctype = "application/json; charset=utf-8"
            rng = self.headers.get("Range")
            if rng:
                r = _parse_range(rng, total)
                if r is None or r[0] >= total or r[0] > r[1]:
                    return self._send(416, b"", {**headers, "Content-Range": f"bytes */{total}"})
                start, end = r
                return self._send(206, data[start:end + 1],
                                  {**headers, "Content-Range": f"bytes {start}-{end}/{total}"}, ctype)
            self._send(200, data, headers, ctype)

        def _cdn(self):
            seg = self._segments
            if len(seg) == 2 and seg[0] == "cdn" and seg[1] in hub.by_sha256:
                entry = hub.by_sha256[seg[1]]
                return self._serve_bytes(entry, {"ETag": f'"{entry.sha256}"'})
            self._send(404, b"NoSuchKey", content_type="text/plain")

    return Handler


# ----------------------------------------------------------------------------------------------------------------------
# Demo fixtures
# ----------------------------------------------------------------------------------------------------------------------
def write_safetensors(path: Path, tensors: dict[str, tuple[str, list[int]]], metadata: dict | None = None) -> None:
    """Write a valid .safetensors file. Uses the `safetensors` package when present, else the raw format."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import numpy as np
        from safetensors.numpy import save_file

        np_dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
        arrays = {name: np.arange(int(np.prod(shape)), dtype=np_dtypes[dt]).reshape(shape)
                  for name, (dt, shape) in tensors.items()}
        save_file(arrays, str(path), metadata=metadata)
        return
    except ImportError:
        pass
    header: dict[str, Any] = {"__metadata__": metadata} if metadata else {}
    offset = 0
    for name, (dt, shape) in tensors.items():
        n = SAFETENSORS_DTYPE_BYTES[dt]
        for d in shape:
            n *= d
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * (-len(hb) % 8)
    path.write_bytes(struct.pack("<Q", len(hb)) + hb + b"\0" * offset)


def _write_repo(root: Path, repo_id: str, meta: dict, files: dict[str, str | bytes]) -> Path:
    folder = root / "models" / repo_id
    (folder / "files").mkdir(parents=True, exist_ok=True)
    (folder / "repo.json").write_text(json.dumps(meta, indent=2))
    files = {".gitattributes": "*.safetensors filter=lfs diff=lfs merge=lfs -text\n", **files}
    for rel, content in files.items():
        p = folder / "files" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
    return folder / "files"


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[0] == "serve":
        hub = FakeHub(argv[1], port=int(argv[2]) if len(argv) > 2 else 0).start()
        print(f"fake hub on {hub.url} (cdn {hub.cdn_url}); Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            hub.stop()
    else:
        print(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
