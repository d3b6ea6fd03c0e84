"""The `audit` command: a thin Typer layer over the library. `audit REPO_ID` and `audit SUBCOMMAND ...` both work."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # Typer vendors Click
from typer.exceptions import Abort

from auditor import __version__
from auditor.errors import EXIT_GATE_FAILED, AuditError, HubUnreachable, redact
from auditor.repoid import validate_repo_id

app = typer.Typer(
    name="audit",
    help="Is this AI model actually open? Audit Hugging Face models against the OSD, the OSAID and data "
    "transparency, with the evidence behind every verdict.\n\n`audit REPO_ID` audits one model (same as "
    "`audit model REPO_ID`).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


# Gate order: a model meets `--require X` when its class is X or more open.
GATE_ORDER = ["closed", "restricted", "open-weights", "open-source"]


def fail(exc: AuditError) -> None:
    err.print(redact(exc.message), markup=False)
    raise typer.Exit(exc.exit_code)


def make_hub(offline: bool, token: str | None):
    if offline:
        from auditor.hub.snapshot import SnapshotHub

        return SnapshotHub()
    from auditor.hub.live import LiveHub

    return LiveHub(token=token)


def audit_with_fallback(repo_id: str, revision: str | None, offline: bool, token: str | None,
                        follow_lineage: bool, max_depth: int) -> dict:
    """Audit live; when the Hub cannot be reached, answer from the bundled snapshot and say so."""
    from auditor.audit import audit

    if offline:
        return audit(repo_id, revision, hub=make_hub(True, token), follow_lineage=follow_lineage, max_depth=max_depth)
    try:
        return audit(repo_id, revision, hub=make_hub(False, token), follow_lineage=follow_lineage,
                     max_depth=max_depth)
    except HubUnreachable as exc:
        from auditor.hub.snapshot import SnapshotHub

        snapshot = SnapshotHub()
        if not snapshot.has(repo_id):
            raise HubUnreachable(f"{exc.message.rstrip('.')}, and the bundled snapshot does not hold {repo_id}.") \
                from None
        err.print(f"The Hub could not be reached; answering from the bundled snapshot. ({exc.message})", markup=False)
        return audit(repo_id, revision, hub=snapshot, follow_lineage=follow_lineage, max_depth=max_depth)


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
        err.print(f"{report['model']['id']} is classified '{cls}', which does not meet the required '{require}'"
                  + (f" (not passing: {', '.join(failing)})." if failing else "."), markup=False)
        raise typer.Exit(EXIT_GATE_FAILED)


class Gate(str, Enum):
    open_source = "open-source"
    open_weights = "open-weights"
    restricted = "restricted"


@app.command("model")
def model_command(
    repo_id: Annotated[str, typer.Argument(help="Hub model id: 'name' or 'namespace/name'.")],
    revision: Annotated[str | None, typer.Option(help="Branch, tag or commit to audit (default: main).")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    token: Annotated[str | None, typer.Option(help="Hub token for gated files (default: HF_TOKEN or the login file).",
                                              show_default=False)] = None,
    offline: Annotated[bool, typer.Option(help="Answer from the bundled snapshot; make no request.")] = False,
    require: Annotated[Gate | None, typer.Option(help="Exit 1 unless the model is at least this open.")] = None,
    lineage: Annotated[bool, typer.Option(help="Follow base_model to the roots.")] = True,
    max_depth: Annotated[int, typer.Option(help="Deepest ancestor to read.")] = 32,
) -> None:
    """Audit one model and print the report."""
    try:
        validate_repo_id(repo_id)  # before any import of the Hub client or any request
        report = audit_with_fallback(repo_id, revision, offline, token, lineage, max_depth)
    except AuditError as exc:
        fail(exc)
    emit(report, format)
    check_gate(report, require.value if require else None)


@app.command("criteria")
def criteria_command(
    format: Annotated[Format, typer.Option("--format", "-f", help="text or markdown (docs/criteria.md).")] = Format.text,
) -> None:
    """Show every criterion: what it asks, the clause it implements, how it is decided."""
    from auditor.docs import criteria_markdown

    text = criteria_markdown()
    if format is Format.markdown:
        sys.stdout.write(text)
    else:
        from rich.markdown import Markdown

        Console().print(Markdown(text))


@app.command("batch")
def batch_command(
    file: Annotated[Path, typer.Argument(help="Text file: one repo id per line; '#' starts a comment.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the reports, index.json and errors.json.")],
    concurrency: Annotated[int, typer.Option(help="Models audited at the same time.")] = 8,
    offline: Annotated[bool, typer.Option(help="Answer from the bundled snapshot; make no request.")] = False,
    token: Annotated[str | None, typer.Option(help="Hub token for gated files (default: HF_TOKEN or the login file).",
                                              show_default=False)] = None,
    force: Annotated[bool, typer.Option(help="Re-audit models whose report is already complete.")] = False,
    lineage: Annotated[bool, typer.Option(help="Follow base_model to the roots.")] = True,
    max_depth: Annotated[int, typer.Option(help="Deepest ancestor to read.")] = 32,
) -> None:
    """Audit every model of a list; re-running resumes. Exit 0 all audited, 1 some not, 4 Hub unreachable."""
    from auditor.batch import progress_bar, read_ids, run_batch

    try:
        ids = read_ids(file)
        hub = make_hub(offline, token)
        with progress_bar(err, len(ids)) as on_model:
            result = run_batch(ids, out, hub=hub, concurrency=concurrency, force=force, follow_lineage=lineage,
                               max_depth=max_depth, progress=on_model)
    except AuditError as exc:
        fail(exc)
    for problem in result.errors[:10]:
        err.print(f"  {problem.id}: {problem.message}", markup=False)
    if len(result.errors) > 10:
        err.print(f"  … and {len(result.errors) - 10} more in {out / 'errors.json'}", markup=False)
    err.print(f"Audited {len(result.audited)}, kept {len(result.skipped)} finished earlier, "
              f"{len(result.errors)} could not be audited. Reports in {out}.", markup=False)
    if result.interrupted:
        err.print("Interrupted: finished reports are kept; run the same command again to resume.", markup=False)
        raise typer.Exit(130)
    raise typer.Exit(result.exit_code)


site_app = typer.Typer(help="The static comparison site.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(site_app, name="site")


@site_app.command("build")
def site_build_command(
    reports: Annotated[Path, typer.Argument(help="Directory of reports (what `audit batch --out` wrote).")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write the site to (replaced if it is a site).")],
    base_url: Annotated[str | None, typer.Option(help="Public address of the site, for the badge snippets.",
                                                 show_default=False)] = None,
) -> None:
    """Build the static site: comparison table, a page per model, criterion and license, JSON API, badges."""
    from auditor.site.build import build_site

    try:
        result = build_site(reports, out, base_url=base_url)
    except AuditError as exc:
        fail(exc)
    for problem in result.skipped[:10]:
        err.print(f"  skipped {problem}", markup=False)
    err.print(f"Built {result.pages} pages for {result.models} models in {out} "
              f"({result.total_bytes / 1e6:.1f} MB, {result.seconds:.1f} s).", markup=False)


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


ROOT_OPTIONS = {"--help", "-h", "--version"}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    commands = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    if args and args[0] not in commands and args[0] not in ROOT_OPTIONS:
        args = ["model", *args]  # `audit REPO_ID ...`: a legacy id like `gpt2` is a repo id too
    try:
        code = app(args=args, prog_name="audit", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        print(exc.ctx.get_help() if exc.ctx else "Usage: audit REPO_ID | audit COMMAND ...")
        sys.exit(0)
    except UsageError as exc:  # one sentence instead of Click's multi-line usage block
        err.print(f"{exc.format_message().rstrip('.')}. Run 'audit --help' for usage.", markup=False)
        sys.exit(2)
    except (KeyboardInterrupt, Abort):
        err.print("Interrupted.")
        sys.exit(130)
    except AuditError as exc:
        err.print(exc.message, markup=False)
        sys.exit(exc.exit_code)
    except Exception as exc:  # never a traceback for users; say what broke in one sentence
        first = str(exc).splitlines()[0] if str(exc).strip() else ""
        err.print(redact(f"Internal error: {type(exc).__name__}{': ' + first if first else ''}"), markup=False)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
