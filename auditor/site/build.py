"""`audit site build REPORTS_DIR --out OUT`: the static comparison site, from reports only.

Output (every link relative, so the site works from any path, e.g. a GitHub Pages project site):

    index.html, pages/<n>.html        the comparison table, PAGE_SIZE models per page (works without JS)
    models/<ns>/<name>.html           a page per model: every verdict, evidence, lineage drawing, badge, raw report
    criteria/index.html, <id>.html    a page per criterion (criteria/*.yaml) with the models that pass or fail it
    licenses/index.html, <key>.html   a page per license of the knowledge base with its clause facts and models
    about.html                        the method and its limits
    api/index.json                    one summary row per model (auditor.batch.index_row); the table script reads it
    api/models/<ns>/<name>.json       each report, byte for byte
    badges/<ns>/<name>.svg            the classification badge
    assets/                           CSS, the table script, the icon

The site is built in a staging directory beside OUT and swapped in at the end, so OUT is never half-built."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from auditor import __version__
from auditor.batch import ERRORS_FILE, EVIDENCE_DIR, INDEX_FILE, index_document, index_row, is_complete_report
from auditor.criteria import CONTRACT_IDS, Criterion, criteria_version, load_criteria
from auditor.errors import UsageError
from auditor.licenses.knowledge import LicenseInfo, load_knowledge
from auditor.paths import data_dir
from auditor.render.badge import classification_badge
from auditor.site.links import LinkContext, safe_http_url, safe_revision, valid_repo_id
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
    model_path,
    model_view,
    row_view,
    status_of,
    text,
)

PAGE_SIZE = 100
PARALLEL_FROM = 400  # below this many models, starting worker processes costs more than it saves
SITE_MARKER = ".audit-site"  # marks a directory this command built, so a rebuild may replace it
# Columns of the table: the OSD criteria, then data transparency gets its own column after the license ones.
TABLE_CRITERIA = [c for c in CONTRACT_IDS if c != "data-transparency"]


@dataclass(frozen=True)
class ReportSummary:
    """What the index, criterion and license pages need from one report; the report itself is re-read per page."""

    id: str
    path: Path
    audited_at: str
    row: dict[str, Any]  # auditor.batch.index_row
    verdicts: tuple[tuple[str, str], ...]  # (criterion id, status), contract criteria, OSAID components and MOF
    license_key: str | None
    inherited_spdx: tuple[str, ...]


@dataclass
class SiteResult:
    out_dir: Path
    models: int = 0
    pages: int = 0
    files: int = 0
    total_bytes: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # "path: why" for files that are not usable reports


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
        data = json.loads(raw)
    except (OSError, ValueError) as exc:
        return f"not readable JSON ({type(exc).__name__})"
    if not is_complete_report(data):
        if isinstance(data, dict) and str(data.get("schema", "")).startswith("auditor.report"):
            return "an incomplete report"
        return None  # other JSON (history, exports) is not ours to show
    repo_id = valid_repo_id(data["model"]["id"])
    if repo_id is None:
        return "the model id is not a valid repository id"
    return repo_id, data, raw


def summarize(repo_id: str, path: Path, report: dict[str, Any]) -> ReportSummary:
    verdicts = [(text(v.get("id")), status_of(v.get("status")))
                for v in [*as_list(report.get("criteria")), *as_dict(report.get("osaid")).values()]
                if isinstance(v, dict)]
    verdicts.append(("mof-class", status_of(as_dict(report.get("mof")).get("status"))))
    lic = as_dict(report.get("license"))
    key = lic.get("key")
    inherited = tuple(text(s.get("license")) for s in map(as_dict, as_list(lic.get("sources")))
                      if s.get("source") == "inherited" and s.get("license"))
    return ReportSummary(repo_id, path, text(report.get("audited_at")), index_row(report), tuple(verdicts),
                         key if isinstance(key, str) else None, inherited)


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
        summary = summarize(got[0], path, got[1])
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

    def write(self, rel: str, data: str | bytes) -> None:
        payload = data.encode("utf-8") if isinstance(data, str) else data
        path = self.root / rel
        parent = path.parent
        if parent not in self._made:
            parent.mkdir(parents=True, exist_ok=True)
            self._made.add(parent)
        path.write_bytes(payload)
        self.files += 1
        self.bytes += len(payload)


def _staging_for(out_dir: Path) -> Path:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise UsageError(f"{out_dir} exists and is not a directory.")
        if any(out_dir.iterdir()) and not (out_dir / SITE_MARKER).is_file():
            raise UsageError(f"{out_dir} is not empty and was not built by `audit site build`; choose an empty or "
                             "new directory.")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
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


# -- the build -----------------------------------------------------------------------------------------------------
def build_site(reports_dir: Path, out_dir: Path, *, base_url: str | None = None, page_size: int = PAGE_SIZE,
               workers: int | None = None) -> SiteResult:
    """Build the site from every report below `reports_dir` into `out_dir` (replaced only if a site built here).

    Model pages are rendered by `workers` processes (default: one per core when there are many models)."""
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
    staging = _staging_for(out_dir)
    try:
        writer = _Writer(staging)
        pages = _build_into(writer, summaries, base_url, page_size, workers)
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
                                              "built_at": shared.built_at, "count": shared.count}
    return _renderer_cache


def _render_models(paths: list[tuple[str, Path]], shared: _Shared) -> tuple[int, int]:
    """Model page, raw report copy and badge for each (id, path); returns (files, bytes) written."""
    tools = _renderer(shared)
    writer = _Writer(shared.staging)
    badges: dict[str, bytes] = {}
    for repo_id, path in paths:
        got = read_usable_report(path)
        if not isinstance(got, tuple) or got[0] != repo_id:
            raise UsageError(f"{path} changed while the site was being built; build again.")
        _, report, raw = got
        rel = f"models/{model_path(repo_id)}.html"
        ctx = shared.links(_root_of(rel), repo_id, safe_revision(as_dict(report.get("model")).get("revision")))
        view = model_view(report, ctx, tools["titles"], shared.base_url, tools["knowledge"])
        writer.write(rel, tools["model"].render(m=view, root=ctx.root, title=repo_id, section="models"))
        writer.write(f"api/models/{model_path(repo_id)}.json", raw)
        classification = class_of(report.get("classification"))
        if classification not in badges:
            badges[classification] = classification_badge({"classification": classification}).encode()
        writer.write(f"badges/{model_path(repo_id)}.svg", badges[classification])
    return writer.files, writer.bytes


def _render_all_models(summaries: list[ReportSummary], shared: _Shared, workers: int | None) -> tuple[int, int]:
    paths = [(s.id, s.path) for s in summaries]
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if len(paths) >= PARALLEL_FROM else 1
    if workers <= 1:
        return _render_models(paths, shared)
    chunk = max(1, -(-len(paths) // (workers * 4)))
    files = size = 0
    # spawn, not fork: the caller may have threads (a test server, a progress bar) that fork would copy mid-state.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for done_files, done_bytes in pool.map(_render_models, [paths[i:i + chunk] for i in range(0, len(paths),
                                                                                                   chunk)],
                                               [shared] * -(-len(paths) // chunk)):
            files += done_files
            size += done_bytes
    return files, size


def _build_into(writer: _Writer, summaries: list[ReportSummary], base_url: str | None, page_size: int,
                workers: int | None) -> int:
    criteria = load_criteria()
    knowledge = load_knowledge()
    shared = _Shared(staging=writer.root, base_url=base_url, built_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                     count=len(summaries), models=frozenset(s.id for s in summaries),
                     licenses=frozenset(lic.key for lic in knowledge.licenses),
                     criteria=frozenset(c.id for c in criteria))
    env = _renderer(shared)["env"]
    files, size = _render_all_models(summaries, shared, workers)
    writer.files += files
    writer.bytes += size
    pages = len(summaries)

    by_criterion: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    by_license: dict[str, list[str]] = defaultdict(list)
    inheriting: dict[str, list[str]] = defaultdict(list)
    for s in summaries:
        for criterion_id, status in s.verdicts:
            by_criterion[criterion_id][status].append(s.id)
        if s.license_key:
            by_license[s.license_key].append(s.id)
        for spdx in dict.fromkeys(s.inherited_spdx):
            info = knowledge.by_spdx(spdx)
            if info and s.id not in inheriting[info.key]:
                inheriting[info.key].append(s.id)
    rows = [s.row for s in summaries]
    writer.write("api/index.json", json.dumps(index_document(rows), ensure_ascii=False, separators=(",", ":")))
    pages += _index_pages(writer, env, rows, page_size, shared, criteria)
    pages += _criterion_pages(writer, env, criteria, by_criterion, shared)
    pages += _license_pages(writer, env, knowledge.licenses, by_license, inheriting, shared)
    writer.write("about.html", env.get_template("about.html").render(root="", title="About", section="about",
                                                                     criteria=criteria, page_size=page_size))
    pages += 1
    assets = data_dir("site") / "static"
    for asset in sorted(assets.iterdir()):
        if asset.is_file():
            writer.write(f"assets/{asset.name}", asset.read_bytes())
    return pages


def _index_pages(writer: _Writer, env: Environment, rows: list[dict[str, Any]], page_size: int, shared: _Shared,
                 criteria: tuple[Criterion, ...]) -> int:
    template = env.get_template("index.html")
    titles = {c.id: c.title for c in criteria}
    total_pages = max(1, -(-len(rows) // page_size))
    families = sorted({r["license_family"] for r in rows if isinstance(r.get("license_family"), str)})
    questions = {c.id: c.question for c in criteria}
    columns = [{"id": cid, "label": SHORT_LABELS.get(cid, titles.get(cid, cid)), "title": titles.get(cid, cid),
                "question": questions.get(cid, "")} for cid in TABLE_CRITERIA]
    for number in range(1, total_pages + 1):
        rel = "index.html" if number == 1 else f"pages/{number}.html"
        ctx = shared.links(_root_of(rel))
        chunk = rows[(number - 1) * page_size: number * page_size]

        def page_href(n: int, root: str = ctx.root) -> str:
            return f"{root}index.html" if n == 1 else f"{root}pages/{n}.html"

        config = {"index": f"{ctx.root}api/index.json", "root": ctx.root, "pageSize": page_size, "page": number,
                  "criteria": [{"id": c["id"], "label": c["label"]} for c in columns],
                  "classes": {c: {"mark": CLASS_MARKS[c], "label": CLASS_LABELS[c]} for c in CLASSES},
                  "marks": STATUS_MARKS}
        html = template.render(
            root=ctx.root, title="Models", section="models", rows=[row_view(r, ctx, TABLE_CRITERIA) for r in chunk],
            columns=columns, families=families, classes=CLASSES, statuses=STATUSES, number=number,
            total_pages=total_pages, first=(number - 1) * page_size + 1 if chunk else 0,
            last=(number - 1) * page_size + len(chunk), total=len(rows), page_href=page_href,
            page_numbers=_page_window(number, total_pages), config=config)
        writer.write(rel, html)
    return total_pages


def _page_window(current: int, total: int, radius: int = 2) -> list[int | None]:
    """Page numbers to show: first, last and a few around the current one; None marks a gap."""
    wanted = {1, total, *range(max(1, current - radius), min(total, current + radius) + 1)}
    out: list[int | None] = []
    for n in sorted(wanted):
        if out and out[-1] is not None and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def _criterion_pages(writer: _Writer, env: Environment, criteria: tuple[Criterion, ...],
                     by_criterion: dict[str, dict[str, list[str]]], shared: _Shared) -> int:
    template = env.get_template("criterion.html")
    summary = []
    for c in criteria:
        rel = f"criteria/{c.id}.html"
        ctx = shared.links(_root_of(rel))
        groups = [{"status": s, "models": [(m, ctx.model_page(m)) for m in by_criterion.get(c.id, {}).get(s, [])]}
                  for s in ("fail", "partial", "unknown", "pass")]
        writer.write(rel, template.render(root=ctx.root, title=c.title, section="criteria", c=c, groups=groups,
                                          in_contract=c.in_contract))
        summary.append({"c": c, "href": f"{c.id}.html",
                        "counts": {s: len(by_criterion.get(c.id, {}).get(s, [])) for s in STATUSES}})
    writer.write("criteria/index.html", env.get_template("criteria.html").render(
        root="../", title="Criteria", section="criteria", items=summary, statuses=STATUSES))
    return len(criteria) + 1


def _license_pages(writer: _Writer, env: Environment, licenses: tuple[LicenseInfo, ...],
                   by_license: dict[str, list[str]], inheriting: dict[str, list[str]],
                   shared: _Shared) -> int:
    template = env.get_template("license.html")
    known = {lic.key for lic in licenses}
    items = []
    for lic in licenses:
        rel = f"licenses/{lic.key}.html"
        ctx = shared.links(_root_of(rel))
        models = [(m, ctx.model_page(m)) for m in by_license.get(lic.key, [])]
        inherited = [(m, ctx.model_page(m)) for m in inheriting.get(lic.key, [])]
        policies = [(p, f"{p}.html" if p in known else None) for p in lic.policies]
        writer.write(rel, template.render(root=ctx.root, title=lic.name, section="licenses", lic=lic,
                                          url=safe_http_url(lic.url), models=models, inherited=inherited,
                                          policies=policies))
        items.append({"lic": lic, "href": f"{lic.key}.html", "models": len(models), "inherited": len(inherited)})
    writer.write("licenses/index.html", env.get_template("licenses.html").render(
        root="../", title="Licenses", section="licenses", items=items))
    return len(licenses) + 1


