"""The `audit` command: a thin Typer layer over the library. `audit REPO_ID` and `audit SUBCOMMAND ...` both work.

Options shared by several commands are declared once, below (`TokenOption`, `OfflineOption`, ...); docs/cli.md is
generated from the commands' --help (`python -m auditor.docs cli`) and a test keeps it in step."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # Typer vendors Click
from typer.exceptions import Abort

from auditor import __version__
from auditor.census.cli import census_app
from auditor.errors import EXIT_GATE_FAILED, EXIT_INTERNAL, EXIT_USAGE, AuditError, redact
from auditor.progress import ProgressSink, choose_progress
from auditor.render import clean
from auditor.repoid import validate_repo_id
from auditor.vocabulary import OPENNESS_ORDER, Classification

app = typer.Typer(
    name="audit",
    help="Is this AI model actually open? Audit Hugging Face models against the OSD, the OSAID and data "
    "transparency, with the evidence behind every verdict.\n\n`audit REPO_ID` audits one model (same as "
    "`audit model REPO_ID`). Without network, every read command answers from the bundled snapshot and says so.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def say(message: str) -> None:
    """One line for the user on stderr (notices, summaries), free of terminal control characters."""
    err.print(clean(redact(message)), markup=False)


# -- options shared by several commands (one definition each) ---------------------------------------------------
class ProgressMode(str, Enum):
    auto = "auto"
    bar = "bar"
    json = "json"
    none = "none"

RepoIdArgument = Annotated[str, typer.Argument(help="Hub model id: 'name' or 'namespace/name' (any case).")]
RevisionOption = Annotated[str | None, typer.Option(help="Branch, tag or commit to audit (default: main).",
                                                    show_default=False)]
TokenOption = Annotated[str | None, typer.Option(help="Hub token for gated files (default: HF_TOKEN or the login "
                                                 "file).", show_default=False)]
OfflineOption = Annotated[bool, typer.Option(help="Answer from the bundled snapshot; make no request (also "
                                             "HF_HUB_OFFLINE=1).")]
LineageOption = Annotated[bool, typer.Option(help="Follow base_model to the roots.")]
MaxDepthOption = Annotated[int, typer.Option(help="Deepest ancestor to read.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress and no summary on stderr; errors "
                                           "still get one sentence.")]
ProgressOption = Annotated[ProgressMode, typer.Option(
    "--progress", help="auto: a progress bar when stderr is a terminal; bar; json: one JSON object per item on "
    "stderr (JSON lines); none.")]


def format_option(help: str = "Output format."):  # noqa: ANN201 - an Annotated metadata object
    return typer.Option("--format", "-f", help=help)


def out_option(help: str, required: bool = True):  # noqa: ANN201
    return typer.Option("--out", *(() if required else ("-o",)), help=help, show_default=False)


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class Gate(str, Enum):
    open_source = "open-source"
    open_weights = "open-weights"
    restricted = "restricted"


class ExportFormat(str, Enum):
    cyclonedx = "cyclonedx"
    spdx = "spdx"
    mof = "mof"
    badge = "badge"


class TreeFormat(str, Enum):
    text = "text"
    json = "json"
    mermaid = "mermaid"
    dot = "dot"


# Gate order: a model meets `--require X` when its class is X or more open.
# Least open first, so a class meets a gate when it comes at or after it; unknown meets none.
GATE_ORDER = [c for c in reversed(OPENNESS_ORDER) if c is not Classification.UNKNOWN]


def fail(exc: AuditError) -> None:
    say(exc.message)
    raise typer.Exit(exc.exit_code)


def make_hub(offline: bool, token: str | None):
    """The one fallback rule (auditor.hub.open_hub): live, then the bundled snapshot with one notice on stderr."""
    from auditor.hub import open_hub

    return open_hub(offline=offline, token=token, notice=say)


def audit_with_fallback(repo_id: str, revision: str | None, offline: bool, token: str | None,
                        follow_lineage: bool, max_depth: int, timeout: float | None = None) -> dict:
    """Audit live; when the Hub cannot be reached, answer from the bundled snapshot and say so. `timeout`: the
    audit's wall-clock budget in seconds (default: auditor.hub.DEFAULT_AUDIT_BUDGET)."""
    from auditor.audit import audit
    from auditor.errors import RepoNotFound
    from auditor.hub import DEFAULT_AUDIT_BUDGET, audit_budget
    from auditor.hub.snapshot import one_of

    hub = make_hub(offline, token)
    try:
        with audit_budget(DEFAULT_AUDIT_BUDGET if timeout is None else timeout):
            return audit(repo_id, revision, hub=hub, follow_lineage=follow_lineage, max_depth=max_depth)
    except RepoNotFound as exc:
        close = [] if revision else hub.suggestions(repo_id)
        if close:
            raise RepoNotFound(f"{exc.message} Did you mean {one_of(close)}?") from None
        raise


def emit(report: dict, fmt: Format) -> None:
    if fmt is Format.json:
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    elif fmt is Format.markdown:
        from auditor.render.markdown import render

        sys.stdout.write(render(report))
    else:
        from auditor.render.text import render

        render(report, Console(highlight=False))


def check_gate(report: dict, require: str | None) -> None:
    if not require:
        return
    cls = report["classification"]
    if cls not in GATE_ORDER or GATE_ORDER.index(cls) < GATE_ORDER.index(require):
        failing = [c["id"] for c in report["criteria"] if c["status"] in ("fail", "unknown")]
        say(f"{report['model']['id']} is classified '{cls}', which does not meet the required '{require}'"
            + (f" (not passing: {', '.join(failing)})." if failing else "."))
        raise typer.Exit(EXIT_GATE_FAILED)


# -- commands --------------------------------------------------------------------------------------------------------
@app.command("model")
def model_command(
    repo_id: RepoIdArgument,
    revision: RevisionOption = None,
    format: Annotated[Format, format_option()] = Format.text,
    token: TokenOption = None,
    offline: OfflineOption = False,
    require: Annotated[Gate | None, typer.Option(help="Exit 1 unless the model is at least this open.",
                                                 show_default=False)] = None,
    lineage: LineageOption = True,
    max_depth: MaxDepthOption = 32,
    timeout: Annotated[float, typer.Option(help="Seconds the audit may spend on the Hub; after that it reports what "
                                           "it has, the rest unknown.", min=0.1)] = 120.0,
) -> None:
    """Audit one model and print the report."""
    try:
        validate_repo_id(repo_id)  # before any import of the Hub client or any request
        report = audit_with_fallback(repo_id, revision, offline, token, lineage, max_depth, timeout)
    except AuditError as exc:
        fail(exc)
    emit(report, format)
    check_gate(report, require.value if require else None)


@app.command("criteria")
def criteria_command(
    format: Annotated[Format, format_option("text or markdown (the source of docs/criteria.md).")] = Format.text,
) -> None:
    """Show every criterion: what it asks, the clause it implements, how it is decided."""
    from auditor.render.criteria import criteria_markdown

    text = criteria_markdown(generated_note=False)
    if format is Format.markdown:
        sys.stdout.write(text)
    else:
        from rich.markdown import Markdown

        Console().print(Markdown(text))


class BatchProgress:
    """The command's progress sink for run_batch, with the Hub's request count reported as "request" events."""

    def __init__(self, sink: ProgressSink, hub: object):
        self.sink = sink
        self.hub = hub
        self.requests = 0

    def start(self, total: int | None, label: str) -> None:
        self.sink.start(total, label)

    def advance(self, item: str, *, ok: bool = True, detail: str | None = None) -> None:
        requests = getattr(self.hub, "requests", None)
        if isinstance(requests, int) and requests > self.requests:
            self.sink.event("request", count=requests - self.requests)
            self.requests = requests
        self.sink.advance(item, ok=ok, detail=detail)

    def event(self, kind: str, **fields: Any) -> None:
        self.sink.event(kind, **fields)

    def finish(self) -> None:
        self.sink.finish()


@app.command("batch")
def batch_command(
    file: Annotated[Path, typer.Argument(help="Text file: one repo id per line; '#' starts a comment.")],
    out: Annotated[Path, out_option("Directory for the reports, index.json and errors.json.")],
    concurrency: Annotated[int, typer.Option(help="Models audited at the same time.")] = 8,
    offline: OfflineOption = False,
    token: TokenOption = None,
    force: Annotated[bool, typer.Option(help="Re-audit models whose report is already complete.")] = False,
    lineage: LineageOption = True,
    max_depth: MaxDepthOption = 32,
    export: Annotated[ExportFormat | None, typer.Option(
        "--export", help="Also export every report in this format into DIR/exports/<format>/.",
        show_default=False)] = None,
    progress: ProgressOption = ProgressMode.auto,
    quiet: QuietOption = False,
    shard: Annotated[str | None, typer.Option(help="Audit only slice I of N (0 <= I < N <= 256), chosen by id.",
                                              show_default=False)] = None,
) -> None:
    """Audit every model of a list; re-running resumes. Exit 0 all audited, 1 some not, 4 Hub unreachable."""
    from auditor.batch import read_ids, run_batch, write_exports
    from auditor.census.shards import parse_shard, select_shard

    sink = choose_progress(progress.value, quiet=quiet)
    try:
        ids = select_shard(read_ids(file), parse_shard(shard) if shard else None)
        hub = make_hub(offline, token)
        result = run_batch(ids, out, hub=hub, concurrency=concurrency, force=force, follow_lineage=lineage,
                           max_depth=max_depth, progress=BatchProgress(sink, hub))  # run_batch starts and finishes it
    except AuditError as exc:
        fail(exc)
    quiet = quiet or progress is ProgressMode.json  # JSON lines on stderr stay machine-readable
    if not quiet:
        for problem in result.errors[:10]:
            say(f"  {problem.id}: {problem.message}")
        if len(result.errors) > 10:
            say(f"  … and {len(result.errors) - 10} more in {out / 'errors.json'}")
        say(f"Audited {len(result.audited)}, kept {len(result.skipped)} finished earlier, "
            f"{len(result.errors)} could not be audited. Reports in {out}.")
    if result.interrupted:
        say("Interrupted: finished reports are kept; run the same command again to resume.")
        raise typer.Exit(130)
    if export is not None:
        written = write_exports(out, result, export.value)
        if not quiet:
            say(f"Exported {written} report(s) as {export.value} to {out / 'exports' / export.value}.")
    raise typer.Exit(result.exit_code)


site_app = typer.Typer(help="The static comparison site.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(site_app, name="site")
app.add_typer(census_app, name="census")


@site_app.command("build")
def site_build_command(
    reports: Annotated[Path, typer.Argument(help="Directory of reports (what `audit batch --out` wrote).")],
    out: Annotated[Path, out_option("Directory to write the site to (replaced if it is a site).")],
    base_url: Annotated[str | None, typer.Option(help="Public address of the site, for the badge snippets.",
                                                 show_default=False)] = None,
    progress: ProgressOption = ProgressMode.auto,
    quiet: QuietOption = False,
    census: Annotated[Path | None, typer.Option(help="A census directory (or one holding dated censuses) for the "
                                                     "Census section.", show_default=False)] = None,
) -> None:
    """Build the static site: comparison table, a page per model, criterion and license, JSON API, badges."""
    from auditor.site.build import build_site

    try:
        from auditor.census.site import CensusSection

        result = build_site(reports, out, base_url=base_url, progress=choose_progress(progress.value, quiet=quiet),
                            sections=(CensusSection(census),) if census else ())
    except AuditError as exc:
        fail(exc)
    if quiet or progress is ProgressMode.json:
        return
    for problem in result.skipped[:10]:
        say(f"  skipped {problem}")
    say(f"Built {result.pages} pages for {result.models} models in {out} "
        f"({result.total_bytes / 1e6:.1f} MB, {result.seconds:.1f} s).")


@app.command("rescore")
def rescore_command(
    reports: Annotated[Path | None, typer.Argument(help="Directory of reports with its evidence/ (default: the "
                                                        "bundled reports, when writable).", show_default=False)] = None,
    check: Annotated[bool, typer.Option(help="Write nothing; exit 1 when a report would change.")] = False,
    progress: ProgressOption = ProgressMode.auto,
    quiet: QuietOption = False,
) -> None:
    """Judge every stored report again from its stored evidence (after the criteria change); no network."""
    from auditor.rescore import default_reports_dir, rescore, summary_lines

    try:
        result = rescore(reports if reports is not None else default_reports_dir(), check=check,
                         progress=choose_progress(progress.value, quiet=quiet))
    except AuditError as exc:
        fail(exc)
    for line in [] if quiet else summary_lines(result):
        print(clean(line))
    if result.failed or (check and result.changed):
        raise typer.Exit(EXIT_GATE_FAILED)


def diff_side(target: str, options: dict) -> tuple[dict | None, str]:
    """A diff argument: an existing file or directory (None: diff_paths reads it), else a model id audited now —
    live, or from the snapshot when the Hub cannot be reached (the same fallback as `audit`)."""
    if Path(target).exists() or not looks_like_repo_id(target):
        return None, target
    report = audit_with_fallback(target, None, **options)
    return report, f"{report['model']['id']} ({'snapshot' if report.get('source') == 'snapshot' else 'live Hub'})"


def looks_like_repo_id(target: str) -> bool:
    """A valid Hub id that is not a path's shape (a missing `old.json` is a missing file, not a model)."""
    from auditor.errors import InvalidRepoId

    if target.endswith(".json"):
        return False
    try:
        validate_repo_id(target)
    except InvalidRepoId:
        return False
    return True


@app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="The older report file or directory of reports, or a model id "
                                            "(audited now).")],
    new: Annotated[str, typer.Argument(help="The newer report file or directory of reports, or a model id "
                                            "(audited now: `audit diff saved.json org/name` shows what changed "
                                            "since).")],
    format: Annotated[Format, format_option()] = Format.text,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when anything changed.")] = False,
    token: TokenOption = None,
    offline: OfflineOption = False,
) -> None:
    """What changed between two reports or two report directories: license, classification, criteria, revision."""
    from auditor.diff import (
        diff_paths,
        diff_reports,
        different_models_warning,
        load_report,
        render_json,
        render_markdown,
        render_text,
    )

    options = {"offline": offline, "token": token, "follow_lineage": True, "max_depth": 32}
    try:
        (old_report, old_label), (new_report, new_label) = diff_side(old, options), diff_side(new, options)
        if old_report is None and new_report is None:
            result = diff_paths(Path(old), Path(new))
        else:
            if old_report is None and Path(old).is_dir() or new_report is None and Path(new).is_dir():
                from auditor.errors import UsageError as BadInput

                raise BadInput("A model id is compared with a report file, not with a directory of reports.")
            result = diff_reports(old_report or load_report(Path(old)), new_report or load_report(Path(new)),
                                  old_label, new_label)
    except AuditError as exc:
        fail(exc)
    warning = different_models_warning(result)
    if warning:
        say(warning)
    render = {Format.json: render_json, Format.markdown: render_markdown}.get(format, render_text)
    sys.stdout.write(render(result))
    if exit_code and result.has_changes:
        raise typer.Exit(EXIT_GATE_FAILED)


@app.command("history")
def history_command(
    repo_id: RepoIdArgument,
    reports: Annotated[Path | None, typer.Option("--reports", help="Reports directory (default: the bundled one).",
                                                 show_default=False)] = None,
    format: Annotated[Format, format_option()] = Format.text,
) -> None:
    """The timeline of one model: when its license, classification or criteria changed (commit dates)."""
    from auditor.errors import RepoNotFound
    from auditor.history import events, find_history, render_events
    from auditor.paths import data_dir

    try:
        validate_repo_id(repo_id)
        repo_id, rows, close = find_history(reports if reports is not None else data_dir("reports"), repo_id)
        if not rows:
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise RepoNotFound(f"No audit history of {repo_id} is recorded"
                               f"{f' in {reports}' if reports is not None else ' in the bundled reports'}.{hint}")
    except AuditError as exc:
        fail(exc)
    timeline = events(rows)
    if format is Format.json:
        sys.stdout.write(clean(json.dumps([e.to_dict() for e in timeline], indent=2, ensure_ascii=False) + "\n"))
    else:
        sys.stdout.write(render_events(repo_id, timeline, markdown=format is Format.markdown))


def load_report_file(path: Path) -> dict:
    """A report written by `audit --format json`; anything else is one clear usage error."""
    from auditor.errors import UsageError as BadInput  # not Click's UsageError imported above
    from auditor.export import check_report

    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"No such report file: {path}.") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"Could not read {path} as a JSON report ({type(exc).__name__}).") from None
    check_report(report)
    return report


@app.command("export")
def export_command(
    target: Annotated[str, typer.Argument(help="Hub model id to audit, or a report file (*.json) to convert.")],
    format: Annotated[ExportFormat, format_option("cyclonedx (1.6 JSON ML-BOM), spdx (3.0.1 JSON-LD, AI profile), "
                                                  "mof (Model Openness Tool YAML) or badge (SVG).")
                      ] = ExportFormat.cyclonedx,
    out: Annotated[Path | None, out_option("Write to this file instead of stdout.", required=False)] = None,
    revision: RevisionOption = None,
    token: TokenOption = None,
    offline: OfflineOption = False,
    lineage: LineageOption = True,
    max_depth: MaxDepthOption = 32,
) -> None:
    """Export an audit as a CycloneDX ML-BOM, an SPDX 3 AI document, a MOF record or a badge."""
    from auditor.export import export

    try:
        if target.endswith(".json") or Path(target).is_file():
            report = load_report_file(Path(target))
        else:
            validate_repo_id(target)
            report = audit_with_fallback(target, revision, offline, token, lineage, max_depth)
        text = export(report, format.value)
        if out is None:
            sys.stdout.write(text)
        else:
            try:
                out.write_text(text, encoding="utf-8")
            except OSError as exc:
                from auditor.errors import UsageError as BadInput

                raise BadInput(f"Could not write {out}: {exc.strerror or exc}.") from None
            say(f"Wrote {format.value} export of {report['model']['id']} to {out}.")
    except AuditError as exc:
        fail(exc)


@app.command("tree")
def tree_command(
    repo_id: RepoIdArgument,
    up: Annotated[bool, typer.Option("--up", help="Draw the bases, up to the roots.")] = False,
    down: Annotated[bool, typer.Option("--down", help="Draw the derivatives (the Hub's base_model: tags).")] = False,
    depth: Annotated[int | None, typer.Option(min=0, help="Levels to walk (default: 32 up, 1 down).",
                                              show_default=False)] = None,
    limit: Annotated[int, typer.Option(min=1, help="Derivatives listed per model.")] = 50,
    format: Annotated[TreeFormat, format_option("text (a tree), json (networkx node-link data, edges under "
                                                "'links'), mermaid or dot.")] = TreeFormat.text,
    revision: RevisionOption = None,
    token: TokenOption = None,
    offline: OfflineOption = False,
) -> None:
    """Show the derivation graph around a model: its bases (--up), its derivatives (--down), or both."""
    try:
        validate_repo_id(repo_id)
        from auditor.graph import build_tree, node_link

        graph = build_tree(make_hub(offline, token), repo_id, up=up or not down, down=down or not up, depth=depth,
                           limit=limit, revision=revision)
    except AuditError as exc:
        fail(exc)
    from auditor.render import tree as render_tree

    data = node_link(graph)
    if format is TreeFormat.json:
        sys.stdout.write(render_tree.render_json(data))
    elif format is TreeFormat.mermaid:
        sys.stdout.write(render_tree.render_mermaid(data))
    elif format is TreeFormat.dot:
        sys.stdout.write(render_tree.render_dot(data))
    else:
        render_tree.render_text(data, Console(highlight=False))


snapshot_app = typer.Typer(help="What the bundled snapshot holds: the models `audit` answers for without network.",
                           no_args_is_help=True, rich_markup_mode=None)
app.add_typer(snapshot_app, name="snapshot")


class ListFormat(str, Enum):
    text = "text"
    json = "json"


@snapshot_app.command("list")
def snapshot_list_command(
    format: Annotated[ListFormat, format_option("text (a table) or json.")] = ListFormat.text,
) -> None:
    """Every model the bundled snapshot holds: id, declared license, gate, commit and when its facts were compiled."""
    from auditor.hub import SnapshotHub

    entries = SnapshotHub().entries()
    if format is ListFormat.json:
        rows = [{"id": e.id, "revision": e.revision or None, "snapshot_date": e.snapshot_date, "license": e.license,
                 "gated": e.gated} for e in entries]
        sys.stdout.write(clean(json.dumps(rows, indent=2, ensure_ascii=False) + "\n"))
        return
    from auditor.render import gated_word

    rows = [("Model", "License", "Gated", "Commit", "Compiled")]
    rows += [(clean(e.id), clean(e.license or "none"), gated_word(e.gated), (e.revision or "not known")[:12],
              e.snapshot_date or "not known") for e in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:  # plain columns: readable on a terminal, and grep/awk-friendly in a pipe
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    say(f"{len(entries)} models. `audit ID --offline` audits one; `audit snapshot show ID` shows where its facts "
        "come from.")


def snapshot_facts(repo_id: str) -> dict:
    """One model of the snapshot as `audit snapshot show` tells it (RepoNotFound, with suggestions, if not held)."""
    from auditor.errors import RepoNotFound
    from auditor.hub import SnapshotHub

    snapshot = SnapshotHub()
    held = snapshot.canonical_id(repo_id)
    if held is None:
        raise RepoNotFound(snapshot.missing_message(repo_id))
    evidence = snapshot.repo(held)
    license_field = evidence.card_data.get("license")
    return {"id": held, "revision": evidence.revision, "revision_short": evidence.revision_short,
            "snapshot_date": evidence.snapshot_date,
            "license": license_field, "gated": evidence.gated, "files": len(evidence.files),
            "provenance": [dict(entry) for entry in evidence.provenance]}


def commit_shown(short: str | None) -> str:
    return f"not known in full (a page showed {short})" if short else "not known"


@snapshot_app.command("show")
def snapshot_show_command(
    repo_id: RepoIdArgument,
    format: Annotated[ListFormat, format_option("text or json.")] = ListFormat.text,
) -> None:
    """One model of the snapshot: its commit, license, gate and every fact with the public page it was read from."""
    from auditor.render import gated_word, human

    try:
        validate_repo_id(repo_id)
        facts = snapshot_facts(repo_id)
    except AuditError as exc:
        fail(exc)
    if format is ListFormat.json:
        sys.stdout.write(clean(json.dumps(facts, indent=2, ensure_ascii=False) + "\n"))
        return
    lines = [f"{facts['id']} in the bundled snapshot (compiled {facts['snapshot_date'] or 'on a date not recorded'})",
             f"  Commit    {facts['revision'] or commit_shown(facts['revision_short'])}",
             f"  License   {human(facts['license'])} (card)",
             f"  Gated     {gated_word(facts['gated'])}", f"  Files     {facts['files']}", "",
             "Facts and the pages they were read from:"]
    for entry in facts["provenance"]:
        basis = {"commit": "commit of", "consulted": "consulted"}.get(entry.get("date_basis", ""), "dated")
        where = f" — {entry['url']}" if entry.get("url") else ""
        lines.append(f"  - {entry.get('fact', '')}{where} ({basis} {entry.get('date') or 'no date'})")
    lines += ["", f"Audit it: audit {facts['id']} --offline"]
    sys.stdout.write(clean("\n".join(lines) + "\n"))


def _version(value: bool) -> None:
    if value:
        print(f"audit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    pass


ROOT_OPTIONS = {"--help", "-h", "--version", "--install-completion", "--show-completion"}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    commands = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    if args and args[0] not in commands and args[0] not in ROOT_OPTIONS:
        args = ["model", *args]  # `audit REPO_ID ...`: a legacy id like `gpt2` is a repo id too
    try:
        code = app(args=args, prog_name="audit", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # `audit` or `audit site` alone: the help, and the exit code of bad usage
        err.print(exc.ctx.get_help() if exc.ctx else "Usage: audit REPO_ID | audit COMMAND ...", markup=False)
        sys.exit(EXIT_USAGE)
    except UsageError as exc:  # one sentence instead of Click's multi-line usage block
        say(f"{exc.format_message().rstrip('.')}. Run 'audit --help' for usage.")
        sys.exit(EXIT_USAGE)
    except (KeyboardInterrupt, Abort):
        say("Interrupted.")
        sys.exit(130)
    except AuditError as exc:
        say(exc.message)
        sys.exit(exc.exit_code)
    except Exception as exc:  # never a traceback for users; say what broke in one sentence
        first = str(exc).splitlines()[0] if str(exc).strip() else ""
        say(f"Internal error: {type(exc).__name__}{': ' + first if first else ''}")
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
