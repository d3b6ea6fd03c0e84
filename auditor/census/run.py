"""`audit census`: read every model (API pages or a dump), compute the census, write the contract's files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from auditor.census import engine
from auditor.census.fetch import check_dump_columns, fetch_api, fetch_dump
from auditor.census.rows import PAGE_COLUMNS
from auditor.census.summary import summarize
from auditor.errors import UsageError
from auditor.fsutil import atomic_write_json
from auditor.progress import ProgressSink


def compute(out_dir: Path, inputs: engine.Inputs, source: str, census_date: str | None = None,
            timings: dict[str, float] | None = None) -> dict[str, Any]:
    """Raw rows -> DIR/models.parquet, DIR/edges.parquet, DIR/summary.json (written last: its presence means the
    census is complete)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = engine.connect(out_dir)
    try:
        engine.build(con, inputs, timings)
        started = time.perf_counter()
        engine.write_tables(con, out_dir)
        summary = summarize(con, source, census_date)
        if timings is not None:
            timings["write+summary"] = round(time.perf_counter() - started, 3)
    finally:
        con.close()
        engine.cleanup(out_dir)
    atomic_write_json(out_dir / "summary.json", summary)
    return summary


def census_from_api(out_dir: Path, hub, *, resume: bool = False, progress: ProgressSink | None = None,
                    census_date: str | None = None) -> dict[str, Any]:
    fetched = fetch_api(out_dir / "raw", hub, resume=resume, progress=progress)
    paths = tuple(sorted(fetched.pages_dir.glob("page-*.json")))
    if not paths:
        raise UsageError("The Hub's model listing returned no page, so there is nothing to count.")
    return compute(out_dir, engine.Inputs(paths, {name: "" for name in PAGE_COLUMNS}, "json"), "api", census_date)


def census_from_dump(out_dir: Path, repo_id: str, filename: str, *, endpoint: str | None = None,
                     token: str | bool | None = None, revision: str | None = None,
                     census_date: str | None = None, timings: dict[str, float] | None = None) -> dict[str, Any]:
    path = fetch_dump(repo_id, filename, endpoint=endpoint, token=token, revision=revision)
    columns = check_dump_columns(path, f"{repo_id}/{filename}")
    return compute(out_dir, engine.Inputs((path,), columns), "dump", census_date, timings)


def deep_audit_ids(census_dir: Path, top: int) -> list[str]:
    """The models worth a full audit: the `top` most downloaded, then every relabelled model (by downloads)."""
    import duckdb

    path = census_dir / "models.parquet"
    if not path.is_file():
        raise UsageError(f"{census_dir} holds no census (models.parquet is missing).")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        rows = con.execute(f"""
            SELECT id FROM (SELECT id, downloads FROM read_parquet('{path}') ORDER BY downloads DESC NULLS LAST, id
                            LIMIT {int(top)})
            UNION ALL
            SELECT id FROM (SELECT id, downloads FROM read_parquet('{path}') WHERE relabelled
                            ORDER BY downloads DESC NULLS LAST, id)""").fetchall()
    finally:
        con.close()
    return list(dict.fromkeys(r[0] for r in rows))
