"""`audit census ...`: the Typer sub-app (registered by auditor/cli.py)."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from auditor.errors import UsageError

census_app = typer.Typer(
    help="Hub-wide census: every model's license and lineage, and how far restrictive terms travel.\n\n"
    "`audit census --out DIR` reads the Hub's model listing (or `--from dump`, a metadata dump) and writes "
    "DIR/summary.json, DIR/models.parquet and DIR/edges.parquet.",
    invoke_without_command=True, no_args_is_help=False, rich_markup_mode=None)


class Source(str, Enum):
    api = "api"
    dump = "dump"


def _say(text: str) -> None:
    print(text, file=sys.stderr)


@census_app.callback()
def census_command(
    ctx: typer.Context,
    source: Annotated[Source, typer.Option("--from", help="api: GET /api/models pages; dump: a parquet dump "
                                                         "in a Hub dataset repository.")] = Source.api,
    out: Annotated[Path | None, typer.Option("--out", help="Directory for summary.json, models.parquet, "
                                                          "edges.parquet (and raw/ pages).", show_default=False)] = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted API census from its last cursor.")] = False,
    dump_repo: Annotated[str, typer.Option(help="Dataset repository holding the dump.")] = "cfahlgren1/hub-stats",
    dump_file: Annotated[str, typer.Option(help="Parquet file of the dump in that repository.")] = "models.parquet",
    token: Annotated[str | None, typer.Option(help="Hub token (default: HF_TOKEN or the login file).",
                                              show_default=False)] = None,
    date: Annotated[str | None, typer.Option(help="Census date to record (default: today, UTC).",
                                             show_default=False)] = None,
) -> None:
    """Count every model on the Hub: licenses, bases, root ancestry, relabelled descendants."""
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        raise UsageError("audit census needs --out DIR (where the census is written).")
    from auditor.census.run import census_from_api, census_from_dump

    if source is Source.api:
        from auditor.hub.live import LiveHub

        summary = census_from_api(out, LiveHub(token=token), resume=resume, census_date=date)
    else:
        summary = census_from_dump(out, dump_repo, dump_file, token=token, census_date=date)
    _say(f"Census of {summary['models']:,} models ({summary['source']}): {summary['no_license']:,} without a "
         f"license, {summary['relabelled']:,} relabelled descendants of restrictive families. Written to {out}.")


class DiffFormat(str, Enum):
    text = "text"
    json = "json"


@census_app.command("diff")
def diff_command(
    old: Annotated[Path, typer.Argument(help="An earlier census directory.")],
    new: Annotated[Path, typer.Argument(help="A later census directory.")],
    format: Annotated[DiffFormat, typer.Option("--format", "-f")] = DiffFormat.text,  # noqa: A002
) -> None:
    """What changed between two census dates: figures, families, and models."""
    from auditor.census.diff import diff_census, diff_text

    diff = diff_census(old, new)
    print(json.dumps(diff, indent=2) if format is DiffFormat.json else diff_text(diff))


@census_app.command("deep-list")
def deep_list_command(
    census: Annotated[Path, typer.Argument(help="A census directory.")],
    out: Annotated[Path, typer.Option("--out", help="File to write the ids to (one per line).")],
    top: Annotated[int, typer.Option(help="How many of the most downloaded models.")] = 1000,
) -> None:
    """The models for full audits: the top N by downloads and every relabelled model."""
    from auditor.census.run import deep_audit_ids
    from auditor.fsutil import atomic_write_bytes

    ids = deep_audit_ids(census, top)
    atomic_write_bytes(out, ("\n".join(ids) + "\n").encode("utf-8"))
    _say(f"Wrote {len(ids):,} model ids to {out}.")


@census_app.command("shard-matrix")
def shard_matrix_command(
    shards: Annotated[int, typer.Argument(help="Number of shards (1 to 256).")],
) -> None:
    """Print the shard indexes as a JSON list, for a GitHub Actions matrix."""
    from auditor.census.shards import shard_matrix

    print(json.dumps(shard_matrix(shards)))


@census_app.command("mark-shard")
def mark_shard_command(
    directory: Annotated[Path, typer.Argument(help="The shard's report directory.")],
    shard: Annotated[str, typer.Option("--shard", help="I/N, as given to audit batch.")],
    exit_code: Annotated[int, typer.Option("--exit-code", help="The exit code of audit batch for this shard.")],
) -> None:
    """Record that a shard job ran to the end (batch exit 0 or 1); the merge counts only marked shards."""
    from auditor.census.shards import parse_shard, write_marker

    index, count = parse_shard(shard)
    write_marker(directory, index, count, exit_code)


@census_app.command("merge-shards")
def merge_shards_command(
    artifacts: Annotated[Path, typer.Argument(help="Directory holding every shard's downloaded artifact.")],
    shards: Annotated[int, typer.Option("--shards", help="How many shards the run had.")],
    out: Annotated[Path, typer.Option("--out", help="The published report directory (replaced only on success).")],
    min_success: Annotated[float, typer.Option(help="Share of shards that must have finished.")] = 0.99,
) -> None:
    """Merge the shards' reports when enough shards finished; otherwise keep the previous publication (exit 1)."""
    from auditor.census.shards import merge_shards

    result = merge_shards(artifacts, shards, out, min_success)
    _say(f"Merged {result.models:,} reports from {len(result.succeeded)} of {result.expected} shards into {out}.")
