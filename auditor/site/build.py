"""`audit site build REPORTS_DIR --out OUT`: the static comparison site, from reports only.

Output (every link relative, so the site works from any path, e.g. a GitHub Pages project site):

    index.html, pages/<n>.html        the comparison table, PAGE_SIZE models per page (works without JS)
    models/<ns>/<name>.html           a page per model: every verdict, evidence, lineage drawing, badge, raw report
    criteria/index.html, <id>.html    a page per criterion (criteria/*.yaml) with the models that pass or fail it
    licenses/index.html, <key>.html   a page per license of the knowledge base with its clause facts and models
    about.html                        the method and its limits
    api/index.json                    one summary row per model (auditor.report.index_row); the table script reads it
    api/models/<ns>/<name>.json       each report, byte for byte
    badges/<ns>/<name>.svg            the classification badge
    assets/                           CSS, the table script, the icon

The site is built in a staging directory beside OUT and swapped in at the end, so OUT is never half-built."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from auditor import __version__
from auditor.criteria import CONTRACT_IDS, criteria_version, load_criteria
from auditor.errors import UsageError
from auditor.licenses.knowledge import load_knowledge
from auditor.paths import data_dir
from auditor.progress import NullProgress, ProgressSink
from auditor.render.badge import classification_badge
from auditor.report import index_row
from auditor.reportschema import loads_strict, report_errors
from auditor.site import changes as site_changes
from auditor.site.families import Derivative, LineageIndex, Member, build_index, read_lineage
from auditor.site.families import Lineage as LineageFacts
from auditor.site.lineage_svg import EdgeSpec, NodeSpec, draw
from auditor.site.links import LinkContext, safe_http_url, safe_revision, valid_repo_id
from auditor.site.overview import (
    MatrixColumn,
    MatrixRow,
    bar_chart,
    class_counts,
    family_counts,
    openness_rank,
)
from auditor.site.views import (
    CLASS_HTML,
    CLASS_LABELS,
    CLASS_MARKS,
    CLASSES,
    SHORT_LABELS,
    STATUS_HTML,
    STATUS_MARKS,
    STATUSES,
    as_dict,
    as_list,
    class_of,
    license_label,
    model_path,
    model_view,
    row_view,
    spdx_name,
    status_of,
    text,
)
from auditor.store import ERRORS_FILE, EVIDENCE_DIR, INDEX_FILE, index_document

PAGE_SIZE = 100
MATRIX_PREVIEW = 40  # matrix rows on the index; the matrix pages hold every model
PARALLEL_FROM = 400  # below this many models, starting worker processes costs more than it saves
SITE_MARKER = ".audit-site"  # marks a directory this command built, so a rebuild may replace it
# Columns of the table: the OSD criteria, then data transparency gets its own column after the license ones.
TABLE_CRITERIA = [c for c in CONTRACT_IDS if c != "data-transparency"]
OSAID_IDS = ("osaid-data-information", "osaid-code", "osaid-parameters")
MOF_ID = "mof-class"
STALE_AFTER = 3600  # seconds: a staging copy without an owner pid (older builds) is stale after this long
_STAGING = re.compile(r"^\.(?P<name>.+)\.(?:building|old)-(?P<pid>\d+)(?:-.*)?$")


@dataclass(frozen=True)
class ReportSummary:
    """What the index, criterion, license and family pages need from one report; the report itself is re-read per
    model page."""

    id: str
    path: Path
    audited_at: str
    row: dict[str, Any]  # auditor.report.index_row
    verdicts: tuple[tuple[str, str], ...]  # (criterion id, status), contract criteria, OSAID components and MOF
    license_key: str | None
    inherited_spdx: tuple[str, ...]
    classification: str = "unknown"
    declared: str = ""
    mof_class: str = ""
    lineage: LineageFacts = LineageFacts((), frozenset(), None)
    digest: str = ""  # sha-256 of the file as validated: a model page re-reads it without validating it again


@dataclass
class SiteResult:
    out_dir: Path
    models: int = 0
    pages: int = 0
    files: int = 0
    total_bytes: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # "path: why" for files that are not usable reports


class SiteSection(Protocol):
    """Extra pages a caller adds to the site (e.g. the census): a navigation entry and its pages.

    `render` writes its pages through `SitePages` (which wraps each body in the site's layout) and returns how many
    it wrote. Bodies are `markupsafe.Markup`: the section escapes whatever it did not write itself."""

    label: str  # navigation text, e.g. "Census"
    href: str  # the section's first page, relative to the site root, e.g. "census/index.html"

    def render(self, pages: SitePages) -> int: ...


# -- reading -------------------------------------------------------------------------------------------------------
def report_files(reports_dir: Path) -> list[Path]:
    """Every JSON file below `reports_dir` except the batch's own files, stored evidence and built sites."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(reports_dir):
        here = Path(dirpath)
        if SITE_MARKER in filenames:  # a site built inside the reports folder mirrors the reports: skip it
            dirnames[:] = []
            continue
        top = here == reports_dir
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not (top and d == EVIDENCE_DIR))
        for name in filenames:
            if name.endswith(".json") and not name.startswith(".") and not (top and name in (INDEX_FILE,
                                                                                              ERRORS_FILE)):
                found.append(here / name)
    return sorted(found)


def read_usable_report(path: Path) -> tuple[str, dict[str, Any], bytes] | str | None:
    """(model id, report, raw bytes); a reason string when the file is a broken report; None for other JSON."""
    try:
        raw = path.read_bytes()
        data = loads_strict(raw)  # NaN/Infinity are not JSON: such a report is refused, never published
    except (OSError, ValueError) as exc:
        return f"not readable JSON ({type(exc).__name__})"
    errors = report_errors(data)
    if errors:
        if isinstance(data, dict) and str(data.get("schema", "")).startswith("auditor.report"):
            return f"not a valid report ({errors[0]})"
        return None  # other JSON (history, exports) is not ours to show
    repo_id = valid_repo_id(data["model"]["id"])
    if repo_id is None:
        return "the model id is not a valid repository id"
    return repo_id, data, raw


def summarize(repo_id: str, path: Path, report: dict[str, Any]) -> ReportSummary:
    verdicts = [(text(v.get("id")), status_of(v.get("status")))
                for v in [*as_list(report.get("criteria")), *as_dict(report.get("osaid")).values()]
                if isinstance(v, dict)]
    mof = as_dict(report.get("mof"))
    verdicts.append((MOF_ID, status_of(mof.get("status"))))
    lic = as_dict(report.get("license"))
    key = lic.get("key")
    inherited = tuple(text(s.get("license")) for s in map(as_dict, as_list(lic.get("sources")))
                      if s.get("source") == "inherited" and s.get("license"))
    row = index_row(report)
    return ReportSummary(repo_id, path, text(report.get("audited_at")), row, tuple(verdicts),
                         key if isinstance(key, str) else None, inherited,
                         classification=class_of(report.get("classification")),
                         declared=text(row.get("license_declared")), mof_class=text(mof.get("class")),
                         lineage=read_lineage(report))


def load_reports(reports_dir: Path) -> tuple[list[ReportSummary], list[str]]:
    """Usable reports sorted by model id (the latest audit when one model appears twice), and what was skipped."""
    by_id: dict[str, ReportSummary] = {}
    skipped: list[str] = []
    for path in report_files(reports_dir):
        rel = path.relative_to(reports_dir).as_posix()
        got = read_usable_report(path)
        if got is None:
            continue
        if isinstance(got, str):
            skipped.append(f"{rel}: {got}")
            continue
        summary = replace(summarize(got[0], path, got[1]), digest=hashlib.sha256(got[2]).hexdigest())
        earlier = by_id.get(summary.id)
        if earlier is not None and (earlier.audited_at, str(earlier.path)) > (summary.audited_at, str(summary.path)):
            continue  # an older copy (e.g. a dated snapshot): the site shows the latest audit of each model
        by_id[summary.id] = summary
    return [by_id[k] for k in sorted(by_id, key=lambda i: (i.lower(), i))], skipped


# -- writing -------------------------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, root: Path):
        self.root = root
        self.files = 0
        self.bytes = 0
        self._made: set[Path] = set()
        self._stopped = False

    def stop(self) -> None:
        """Refuse every later write: the build is being abandoned and its staging copy removed."""
        self._stopped = True

    def write(self, rel: str, data: str | bytes) -> None:
        if self._stopped:
            raise BuildStopped(rel)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        path = self.root / rel
        parent = path.parent
        if parent not in self._made:
            parent.mkdir(parents=True, exist_ok=True)
            self._made.add(parent)
        path.write_bytes(payload)
        self.files += 1
        self.bytes += len(payload)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def sweep_stale_staging(out_dir: Path, now: float | None = None) -> list[Path]:
    """Remove `.<out>.building-*` and `.<out>.old-*` copies whose build is gone (killed before it could clean up).

    A copy names its builder's pid; one whose process is alive is left alone (a concurrent build). Copies from
    builds that did not record a pid are removed once they are older than STALE_AFTER."""
    removed = []
    now = time.time() if now is None else now
    try:
        siblings = list(out_dir.parent.iterdir())
    except OSError:
        return removed
    for path in siblings:
        if not path.name.startswith(f".{out_dir.name}.") or not path.is_dir() or path.is_symlink():
            continue
        match = _STAGING.match(path.name)
        legacy = re.match(rf"^\.{re.escape(out_dir.name)}\.(building|old)-[^/]*$", path.name)
        if match and match["name"] == out_dir.name:
            stale = not _pid_alive(int(match["pid"]))
        elif legacy:
            try:
                stale = now - path.stat().st_mtime > STALE_AFTER
            except OSError:
                continue
        else:
            continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _staging_for(out_dir: Path) -> Path:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise UsageError(f"{out_dir} exists and is not a directory.")
        if any(out_dir.iterdir()) and not (out_dir / SITE_MARKER).is_file():
            raise UsageError(f"{out_dir} is not empty and was not built by `audit site build`; choose an empty or "
                             "new directory.")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale_staging(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-{os.getpid()}-", dir=out_dir.parent))
    except OSError as exc:
        raise UsageError(f"Cannot write the site beside {out_dir}: {exc.strerror or exc}.") from None
    staging.chmod(0o755)
    return staging


def _swap_in(staging: Path, out_dir: Path) -> None:
    if out_dir.exists():
        retired = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, retired)
        os.replace(staging, out_dir)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, out_dir)


class BuildStopped(Exception):
    """A write after the build was abandoned (raised in the thread that renders the shared pages)."""


class Terminated(SystemExit):
    """SIGTERM arrived during a build: unwinds like Ctrl-C so workers and the staging copy are cleaned up."""


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While building, SIGTERM raises Terminated (exit status 143) instead of killing the process outright."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _die_with_parent() -> None:
    """Worker initializer: on Linux the kernel sends SIGTERM to the worker when the parent dies, however it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent still terminates its workers when it unwinds
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


class _Environment(Environment):
    """Looks `x.name` up as a key first when `x` is a dict: the views are dicts, and Jinja's default tries the
    attribute first and pays for an exception on every lookup."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environment() -> Environment:
    env = _Environment(loader=FileSystemLoader(str(data_dir("site") / "templates")), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.globals.update(STATUS_MARKS=STATUS_MARKS, CLASS_MARKS=CLASS_MARKS, CLASS_LABELS=CLASS_LABELS,
                       STATUS_HTML=STATUS_HTML, CLASS_HTML=CLASS_HTML)
    return env


def _root_of(rel: str) -> str:
    return "../" * rel.count("/")


class SitePages:
    """How an extra section writes pages: `page` wraps a body in the site's layout at `rel`, `write` writes a file
    as it is. Both paths are relative to the site root."""

    def __init__(self, writer: _Writer, env: Environment):
        self._writer = writer
        self._template = env.get_template("section.html")

    def root(self, rel: str) -> str:
        return _root_of(rel)

    def page(self, rel: str, title: str, body: Markup, section: str = "") -> None:
        self._writer.write(rel, self._template.render(root=_root_of(rel), title=title, section=section, body=body))

    def write(self, rel: str, data: str | bytes) -> None:
        self._writer.write(rel, data)


# -- the build -----------------------------------------------------------------------------------------------------
def build_site(reports_dir: Path, out_dir: Path, *, base_url: str | None = None, page_size: int = PAGE_SIZE,
               workers: int | None = None, sections: Sequence[SiteSection] = (),
               progress: ProgressSink | None = None) -> SiteResult:
    """Build the site from every report below `reports_dir` into `out_dir` (replaced only if a site built here).

    `progress` hears of each model page as it is written (the CLI's bar or JSON lines).

    Model pages are rendered by `workers` processes (default: one per core when there are many models).
    `sections` add pages of their own (and a navigation entry each), e.g. the census. SIGTERM during the build
    stops the workers, removes the staging copy and exits with status 143."""
    started = time.perf_counter()
    reports_dir, out_dir = Path(reports_dir), Path(out_dir)
    if not reports_dir.is_dir():
        raise UsageError(f"The reports directory {reports_dir} does not exist.")
    if base_url is not None and not safe_http_url(base_url):
        raise UsageError(f"--base-url must be an http(s) address, got '{base_url}'.")
    summaries, skipped = load_reports(reports_dir)
    if not summaries:
        raise UsageError(f"No reports found in {reports_dir} (expected <namespace>/<name>.json files from "
                         "`audit batch`).")
    with _sigterm_unwinds():
        staging = _staging_for(out_dir)
        try:
            writer = _Writer(staging)
            build = _Build(writer, summaries, base_url, page_size, reports_dir, tuple(sections))
            pages = build.run(workers, progress or NullProgress())
            writer.write(SITE_MARKER, "Built by `audit site build`; a rebuild replaces this directory.\n")
            _swap_in(staging, out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return SiteResult(out_dir=out_dir, models=len(summaries), pages=pages, files=writer.files,
                      total_bytes=writer.bytes, seconds=time.perf_counter() - started, skipped=skipped)


@dataclass(frozen=True)
class _Shared:
    """What every model page needs, picklable so worker processes get it too."""

    staging: Path
    base_url: str | None
    built_at: str
    count: int
    models: frozenset[str]
    licenses: frozenset[str]
    criteria: frozenset[str]
    families: frozenset[str]  # roots with a family page
    nav: tuple[tuple[str, str], ...] = ()  # extra sections: (label, href from the root)

    def links(self, root: str, model_id: str | None = None, revision: str | None = None) -> LinkContext:
        return LinkContext(root=root, model_id=model_id, revision=revision, models=self.models,
                           licenses=self.licenses, criteria=self.criteria)


_renderer_cache: dict[str, Any] = {}


def _renderer(shared: _Shared) -> dict[str, Any]:
    """The compiled templates and knowledge, loaded once per process; the footer facts are this build's."""
    if not _renderer_cache:
        env = environment()
        _renderer_cache.update(env=env, model=env.get_template("model.html"), knowledge=load_knowledge(),
                               titles={c.id: c.title for c in load_criteria()})
    _renderer_cache["env"].globals["site"] = {"version": __version__, "criteria_version": criteria_version(),
                                              "built_at": shared.built_at, "count": shared.count,
                                              "nav": shared.nav}
    return _renderer_cache


def family_page(root_id: str) -> str:
    return f"families/{model_path(root_id)}.html"


def _reread(path: Path, digest: str) -> tuple[dict[str, Any], bytes]:
    """The report validated when the build began, read again: the same bytes, or the build stops."""
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    if hashlib.sha256(raw).hexdigest() != digest:
        raise UsageError(f"{path} changed while the site was being built; build again.")
    return loads_strict(raw), raw


def _render_models(jobs: list[tuple[str, Path, str, tuple[Derivative, ...]]], shared: _Shared) -> tuple[int, int]:
    """Model page, raw report copy and badge for each (id, path, digest, derivatives); returns (files, bytes)."""
    tools = _renderer(shared)
    writer = _Writer(shared.staging)
    badges: dict[str, bytes] = {}
    for repo_id, path, digest, derivatives in jobs:
        report, raw = _reread(path, digest)
        rel = f"models/{model_path(repo_id)}.html"
        ctx = shared.links(_root_of(rel), repo_id, safe_revision(as_dict(report.get("model")).get("revision")))
        family = f"{ctx.root}{family_page(repo_id)}" if repo_id in shared.families else None
        view = model_view(report, ctx, tools["titles"], shared.base_url, tools["knowledge"], derivatives, family)
        writer.write(rel, tools["model"].render(m=view, root=ctx.root, title=repo_id, section="models"))
        writer.write(f"api/models/{model_path(repo_id)}.json", raw)
        classification = class_of(report.get("classification"))
        if classification not in badges:
            badges[classification] = classification_badge({"classification": classification}).encode()
        writer.write(f"badges/{model_path(repo_id)}.svg", badges[classification])
    return writer.files, writer.bytes


def _render_all_models(jobs: list[tuple[str, Path, str, tuple[Derivative, ...]]], shared: _Shared,
                       workers: int | None, progress: ProgressSink) -> tuple[int, int]:
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if len(jobs) >= PARALLEL_FROM else 1
    files = size = 0
    if workers <= 1:
        for job in jobs:
            done_files, done_bytes = _render_models([job], shared)
            files, size = files + done_files, size + done_bytes
            progress.advance(job[0])
        return files, size
    chunk = max(1, -(-len(jobs) // (workers * 4)))
    chunks = [jobs[i:i + chunk] for i in range(0, len(jobs), chunk)]
    # spawn, not fork: the caller may have threads (a test server, a progress bar) that fork would copy mid-state.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_die_with_parent)
    try:
        for done_chunk, (done_files, done_bytes) in zip(chunks, pool.map(_render_models, chunks,
                                                                         [shared] * len(chunks)), strict=True):
            files += done_files
            size += done_bytes
            for job in done_chunk:
                progress.advance(job[0])
    except BaseException:
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    return files, size


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's processes now: shutdown() alone would let every queued chunk run first."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public accessor exists
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()


def matrix_columns(titles: dict[str, str]) -> list[MatrixColumn]:
    columns = [MatrixColumn(cid, SHORT_LABELS.get(cid, titles.get(cid, cid)), titles.get(cid, cid),
                            "Open Source Definition" if cid != "data-transparency" else "Data")
               for cid in CONTRACT_IDS]
    columns += [MatrixColumn(cid, MATRIX_LABELS[cid], titles.get(cid, cid), "OSAID") for cid in OSAID_IDS]
    columns.append(MatrixColumn(MOF_ID, "MOF class", titles.get(MOF_ID, "Model Openness Framework class"), "MOF"))
    return columns


MATRIX_LABELS = {"osaid-data-information": "OSAID data", "osaid-code": "OSAID code",
                 "osaid-parameters": "OSAID weights"}


class _Build:
    """One build: the shared facts, and the pages written from the summaries."""

    def __init__(self, writer: _Writer, summaries: list[ReportSummary], base_url: str | None, page_size: int,
                 reports_dir: Path, sections: tuple[SiteSection, ...]):
        self.writer = writer
        self.summaries = summaries
        self.base_url = base_url
        self.page_size = page_size
        self.reports_dir = reports_dir
        self.sections = sections
        self.criteria = load_criteria()
        self.knowledge = load_knowledge()
        self.titles = {c.id: c.title for c in self.criteria}
        self.by_id = {s.id: s for s in summaries}
        self.lineage: LineageIndex = build_index([Member(s.id, s.classification, s.declared, s.lineage)
                                                  for s in summaries])
        self.shared = _Shared(
            staging=writer.root, base_url=base_url, built_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            count=len(summaries), models=frozenset(s.id for s in summaries),
            licenses=frozenset(lic.key for lic in self.knowledge.licenses),
            criteria=frozenset(c.id for c in self.criteria), families=frozenset(self.lineage.families),
            nav=tuple((section.label, section.href) for section in sections))
        self.env = _renderer(self.shared)["env"]

    def run(self, workers: int | None, progress: ProgressSink) -> int:
        """Model pages (in worker processes when there are many) and, meanwhile, every other page in a thread of
        this process: the shared pages need no model page, so the build takes the longer of the two, not both."""
        jobs = [(s.id, s.path, s.digest, self.lineage.of(s.id)) for s in self.summaries]
        if workers is None:
            workers = min(os.cpu_count() or 1, 8) if len(jobs) >= PARALLEL_FROM else 1
        shared_pages = ThreadPoolExecutor(max_workers=1) if workers > 1 else None
        pending = shared_pages.submit(self.shared_pages) if shared_pages else None
        progress.start(len(jobs), "Model pages")
        try:
            files, size = _render_all_models(jobs, self.shared, workers, progress)
            pages = pending.result() if pending else self.shared_pages()
        except BaseException:
            self.writer.stop()  # the thread's next write raises, so it ends before the staging copy is removed
            if shared_pages:
                shared_pages.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            progress.finish()
        if shared_pages:
            shared_pages.shutdown(wait=True)
        self.writer.files += files
        self.writer.bytes += size
        return pages + len(self.summaries)

    def shared_pages(self) -> int:
        """Everything but the model pages: index, matrix, criteria, licenses, families, changes, about, sections."""
        rows = [s.row for s in self.summaries]
        self.writer.write("api/index.json", json.dumps(index_document(rows), ensure_ascii=False,
                                                       separators=(",", ":")))
        pages = self.index_pages(rows)
        pages += self.matrix_pages()
        pages += self.criterion_pages()
        pages += self.license_pages()
        pages += self.family_pages()
        pages += self.changes_pages()
        self.writer.write("about.html", self.env.get_template("about.html").render(
            root="", title="About", section="about", criteria=self.criteria, page_size=self.page_size))
        pages += 1
        site_pages = SitePages(self.writer, self.env)
        for section in self.sections:
            pages += section.render(site_pages)
        assets = data_dir("site") / "static"
        for asset in sorted(assets.iterdir()):
            if asset.is_file():
                self.writer.write(f"assets/{asset.name}", asset.read_bytes())
        return pages

    # -- the index and its overview --------------------------------------------------------------------------------
    def ranked(self) -> list[ReportSummary]:
        def key(s: ReportSummary) -> tuple:
            return openness_rank(s.classification, len(self.lineage.of(s.id)), [v for _, v in s.verdicts], s.id)

        return sorted(self.summaries, key=key)

    def matrix_rows(self, chosen: list[ReportSummary], ctx: LinkContext) -> list[MatrixRow]:
        columns = matrix_columns(self.titles)
        out = []
        for s in chosen:
            statuses = dict(s.verdicts)
            href = ctx.model_page(s.id)
            cells = []
            for column in columns:
                status = statuses.get(column.id, "unknown")
                word = (s.mof_class or "none") if column.id == MOF_ID else status
                anchor = "mof" if column.id == MOF_ID else f"v-{column.id}"
                cells.append((status, word, f"{href}#{anchor}"))
            out.append(MatrixRow(s.id, href, s.classification, tuple(cells), len(self.lineage.of(s.id))))
        return out

    def overview(self, rows: list[dict[str, Any]], ctx: LinkContext) -> dict[str, Any]:
        counts = class_counts(rows, class_of)
        families = family_counts(rows, class_of)
        return {
            "counts": [(c, counts.get(c, 0)) for c in CLASSES], "total": len(rows),
            "class_chart": bar_chart("chart-classes", "Models by classification",
                                     [(CLASS_LABELS[c], Counter({c: counts.get(c, 0)})) for c in CLASSES]),
            "family_chart": bar_chart("chart-families", "License families by classification", families),
            "families": families,
            "columns": matrix_columns(self.titles),
            "matrix": self.matrix_rows(self.ranked()[:MATRIX_PREVIEW], ctx),
            "matrix_more": max(0, len(rows) - MATRIX_PREVIEW),
        }

    def index_pages(self, rows: list[dict[str, Any]]) -> int:
        template = self.env.get_template("index.html")
        total_pages = max(1, -(-len(rows) // self.page_size))
        families = sorted({r["license_family"] for r in rows if isinstance(r.get("license_family"), str)})
        questions = {c.id: c.question for c in self.criteria}
        columns = [{"id": cid, "label": SHORT_LABELS.get(cid, self.titles.get(cid, cid)),
                    "title": self.titles.get(cid, cid), "question": questions.get(cid, "")} for cid in TABLE_CRITERIA]
        names = {}
        for r in rows:
            names.update(license_names(r, self.knowledge))
        overview = self.overview(rows, self.shared.links(""))
        for number in range(1, total_pages + 1):
            rel = "index.html" if number == 1 else f"pages/{number}.html"
            ctx = self.shared.links(_root_of(rel))
            chunk = rows[(number - 1) * self.page_size: number * self.page_size]

            def page_href(n: int, root: str = ctx.root) -> str:
                return f"{root}index.html" if n == 1 else f"{root}pages/{n}.html"

            config = {"index": f"{ctx.root}api/index.json", "root": ctx.root, "pageSize": self.page_size,
                      "page": number, "criteria": [{"id": c["id"], "label": c["label"]} for c in columns],
                      "classes": {c: {"mark": CLASS_MARKS[c], "label": CLASS_LABELS[c]} for c in CLASSES},
                      "marks": STATUS_MARKS, "licenseNames": names}
            html = template.render(
                root=ctx.root, title="Models", section="models",
                rows=[row_view(r, ctx, TABLE_CRITERIA, self.knowledge) for r in chunk], columns=columns,
                families=families, classes=CLASSES, statuses=STATUSES, number=number, total_pages=total_pages,
                first=(number - 1) * self.page_size + 1 if chunk else 0, last=(number - 1) * self.page_size + len(chunk),
                total=len(rows), page_href=page_href, page_numbers=_page_window(number, total_pages), config=config,
                overview=overview if number == 1 else None, has_changes=self.has_changes)
            self.writer.write(rel, html)
        return total_pages

    def matrix_pages(self) -> int:
        template = self.env.get_template("matrix.html")
        ranked = self.ranked()
        total_pages = max(1, -(-len(ranked) // self.page_size))
        for number in range(1, total_pages + 1):
            rel = "matrix/index.html" if number == 1 else f"matrix/{number}.html"
            ctx = self.shared.links(_root_of(rel))
            chunk = ranked[(number - 1) * self.page_size: number * self.page_size]
            self.writer.write(rel, template.render(
                root=ctx.root, title="Openness matrix", section="models", columns=matrix_columns(self.titles),
                matrix=self.matrix_rows(chunk, ctx), number=number, total_pages=total_pages,
                first=(number - 1) * self.page_size + 1,
                page_href=lambda n: "index.html" if n == 1 else f"{n}.html",
                page_numbers=_page_window(number, total_pages)))
        return total_pages

    # -- criteria and licenses -------------------------------------------------------------------------------------
    def criterion_pages(self) -> int:
        by_criterion: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for s in self.summaries:
            for criterion_id, status in s.verdicts:
                by_criterion[criterion_id][status].append(s.id)
        template = self.env.get_template("criterion.html")
        summary = []
        for c in self.criteria:
            rel = f"criteria/{c.id}.html"
            ctx = self.shared.links(_root_of(rel))
            groups = [{"status": s, "models": [(m, ctx.model_page(m)) for m in by_criterion.get(c.id, {}).get(s, [])]}
                      for s in ("fail", "partial", "unknown", "pass")]
            self.writer.write(rel, template.render(root=ctx.root, title=c.title, section="criteria", c=c,
                                                   groups=groups, in_contract=c.in_contract))
            summary.append({"c": c, "href": f"{c.id}.html",
                            "counts": {s: len(by_criterion.get(c.id, {}).get(s, [])) for s in STATUSES}})
        self.writer.write("criteria/index.html", self.env.get_template("criteria.html").render(
            root="../", title="Criteria", section="criteria", items=summary, statuses=STATUSES))
        return len(self.criteria) + 1

    def license_pages(self) -> int:
        by_license: dict[str, list[str]] = defaultdict(list)
        inheriting: dict[str, list[str]] = defaultdict(list)
        for s in self.summaries:
            if s.license_key:
                by_license[s.license_key].append(s.id)
            for spdx in dict.fromkeys(s.inherited_spdx):
                info = self.knowledge.by_spdx(spdx)
                if info and s.id not in inheriting[info.key]:
                    inheriting[info.key].append(s.id)
        licenses = self.knowledge.licenses
        template = self.env.get_template("license.html")
        known = {lic.key for lic in licenses}
        items = []
        for lic in licenses:
            rel = f"licenses/{lic.key}.html"
            ctx = self.shared.links(_root_of(rel))
            models = [(m, ctx.model_page(m)) for m in by_license.get(lic.key, [])]
            inherited = [(m, ctx.model_page(m)) for m in inheriting.get(lic.key, [])]
            policies = [(p, f"{p}.html" if p in known else None) for p in lic.policies]
            self.writer.write(rel, template.render(root=ctx.root, title=lic.name, section="licenses", lic=lic,
                                                   url=safe_http_url(lic.url), models=models, inherited=inherited,
                                                   policies=policies))
            items.append({"lic": lic, "href": f"{lic.key}.html", "models": len(models), "inherited": len(inherited)})
        self.writer.write("licenses/index.html", self.env.get_template("licenses.html").render(
            root="../", title="Licenses", section="licenses", items=items))
        return len(licenses) + 1

    # -- families --------------------------------------------------------------------------------------------------
    def family_pages(self) -> int:
        template = self.env.get_template("family.html")
        by_id = self.by_id
        items = []
        for root_id, members in sorted(self.lineage.families.items(), key=lambda kv: (-len(kv[1]), kv[0].lower())):
            rel = family_page(root_id)
            ctx = self.shared.links(_root_of(rel))
            root = by_id.get(root_id)
            root_license = self.root_license(root_id, root)
            relabelled = [d for d in members if d.relabels]
            view = {"id": root_id, "href": ctx.model_href(root_id), "audited": root is not None,
                    "classification": root.classification if root else None, "license": root_license,
                    "members": [self.member_view(d, ctx) for d in members], "relabelled": len(relabelled),
                    "drawing": self.family_drawing(root_id, root, members, ctx)}
            self.writer.write(rel, template.render(root=ctx.root, title=f"Family of {root_id}", section="families",
                                                   f=view))
            items.append({"id": root_id, "href": model_path(root_id) + ".html", "license": root_license,
                          "members": len(members), "relabelled": len(relabelled),
                          "classification": root.classification if root else None})
        self.writer.write("families/index.html", self.env.get_template("families.html").render(
            root="../", title="Families", section="families", items=items))
        return len(items) + 1

    def root_license(self, root_id: str, root: ReportSummary | None) -> str:
        if root is not None:
            return license_label(root.row, self.knowledge)
        for member in self.lineage.derivatives.get(root_id, []):
            summary = self.by_id[member.id]
            link = next((a for a in summary.lineage.ancestors if a.id == root_id and a.license), None)
            if link and link.license:
                return spdx_name(link.license, self.knowledge)
        return "not established"

    def member_view(self, d: Derivative, ctx: LinkContext) -> dict[str, Any]:
        return {"id": d.id, "href": ctx.model_page(d.id), "relation": d.relation, "parent": d.parent,
                "parent_href": ctx.model_href(d.parent), "depth": d.depth, "classification": class_of(d.classification),
                "declared": d.declared or "none", "effective": spdx_name(d.license, self.knowledge) if d.license else "",
                "relabels": d.relabels}

    def family_drawing(self, root_id: str, root: ReportSummary | None, members: list[Derivative],
                       ctx: LinkContext) -> Any:
        """The root and its audited descendants, each under the model it is built on (intermediate bases too)."""
        if len(members) + 1 > 60:
            return None
        specs = {root_id: NodeSpec(root_id, 0, self.root_license(root_id, root),
                                   root.classification if root else None, ctx.model_href(root_id))}
        edges: dict[tuple[str, str], EdgeSpec] = {}
        by_id = self.by_id
        for d in members:
            summary = by_id[d.id]
            depth_of_root = max((a.depth for a in summary.lineage.ancestors if a.id == root_id), default=1)
            specs[d.id] = NodeSpec(d.id, depth_of_root, spdx_name(d.license, self.knowledge) if d.license else None,
                                   d.classification, ctx.model_page(d.id))
            for a in summary.lineage.ancestors:
                if a.depth >= depth_of_root and a.id != root_id:
                    continue
                child = a.named_by or d.id
                if a.id not in specs:
                    specs[a.id] = NodeSpec(a.id, depth_of_root - a.depth, spdx_name(a.license, self.knowledge)
                                           if a.license else None, None, ctx.model_href(a.id))
                edges[(a.id, child)] = EdgeSpec(a.id, child, a.relation, True,
                                                child == d.id and a.id in summary.lineage.conflicts)
        return draw(list(specs.values()), list(edges.values()))

    # -- changes ---------------------------------------------------------------------------------------------------
    @property
    def has_changes(self) -> bool:
        return (self.reports_dir / "history").is_dir()

    def changes_pages(self) -> int:
        entries = site_changes.recent_entries(self.reports_dir, frozenset(self.shared.models) | self.lineage_ids())
        ctx = self.shared.links("")
        views = [{"date": e.change.date or "date unknown", "model": e.change.model,
                  "href": ctx.model_href(e.change.model), "parts": e.parts, "commit": e.commit_url,
                  "revision": e.revision} for e in entries[:site_changes.PAGE_LIMIT]]
        self.writer.write("changes.html", self.env.get_template("changes.html").render(
            root="", title="Recent changes", section="changes", entries=views, total=len(entries),
            feed=site_changes.FEED_PATH))
        self.writer.write(site_changes.FEED_PATH, site_changes.feed(entries, self.base_url))
        return 1

    def lineage_ids(self) -> frozenset[str]:
        return frozenset(self.lineage.derivatives)


def license_names(row: dict[str, Any], knowledge: Any) -> dict[str, str]:
    """SPDX id → human name for the ids in one index row (the table script shows names, not ids)."""
    out = {}
    for value in (row.get("license_identified"), row.get("license_effective")):
        for part in re.split(r" AND | OR | WITH ", value) if isinstance(value, str) and value else ():
            info = knowledge.by_spdx(part)
            if info:
                out[part] = info.name
    return out


def _page_window(current: int, total: int, radius: int = 2) -> list[int | None]:
    """Page numbers to show: first, last and a few around the current one; None marks a gap."""
    wanted = {1, total, *range(max(1, current - radius), min(total, current + radius) + 1)}
    out: list[int | None] = []
    for n in sorted(wanted):
        if out and out[-1] is not None and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


__all__ = ["SiteResult", "SiteSection", "SitePages", "build_site", "load_reports", "sweep_stale_staging",
           "Terminated", "PAGE_SIZE", "SITE_MARKER"]
