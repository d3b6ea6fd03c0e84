"""The census engine (DuckDB, embedded): raw rows -> models and edges -> root ancestry -> relabelled models.

Definitions (census contract): ancestors follow declared bases transitively; a root is an ancestor with no declared
base that exists in the census (a model with no base is its own root); a dangling parent contributes no root; a
cycle that never reaches a root gives no root. The ancestry is one recursive query keyed by (model, root) that only
extends a pair when it finds a shorter path, so it always terminates (cycles included) and yields each model's
depth: the fewest base hops to one of its roots."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from auditor.census.licenses import license_classes, license_name_aliases
from auditor.vocabulary import HUB_RELATIONS


@dataclass(frozen=True)
class Inputs:
    paths: tuple[Path, ...]  # files of raw rows: the dump (parquet) or API pages (JSON arrays)
    columns: dict[str, str]  # column name -> kind ("struct" for a struct cardData; anything else as read)
    format: str = "parquet"  # parquet | json


def connect(work_dir: Path, memory_limit: str = "1200MB") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills to work_dir/.duckdb-tmp beyond `memory_limit` (peak RSS stays < 2 GB)."""
    tmp = work_dir / ".duckdb-tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"threads": max(1, min(os.cpu_count() or 1, 4)), "memory_limit": memory_limit,
                                 "temp_directory": str(tmp), "preserve_insertion_order": False})
    con.execute("SET enable_progress_bar = false")  # its bar would land on the user's stderr
    return con


def _raw_select(inputs: Inputs) -> str:
    files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in inputs.paths)
    cols = inputs.columns

    def col(name: str, cast: str) -> str:
        return f'CAST("{name}" AS {cast})' if name in cols else f"CAST(NULL AS {cast})"

    card = ('CAST(to_json("cardData") AS VARCHAR)' if cols.get("cardData") == "struct"
            else col("cardData", "VARCHAR"))
    return (f'SELECT CAST(id AS VARCHAR) AS id, CAST(tags AS VARCHAR[]) AS tags, {card} AS card, '
            f'{col("downloads", "BIGINT")} AS downloads, {col("likes", "BIGINT")} AS likes, '
            f'{col("createdAt", "VARCHAR")} AS created_at, {col("gated", "VARCHAR")} AS gated, '
            f'{col("pipeline_tag", "VARCHAR")} AS pipeline_tag, {col("library_name", "VARCHAR")} AS library_name '
            f"FROM {_reader(inputs, files)} WHERE id IS NOT NULL")


def _reader(inputs: Inputs, files: str) -> str:
    if inputs.format == "json":
        from auditor.census.rows import PAGE_COLUMNS

        columns = ", ".join(f"'{name}': '{kind}'" for name, kind in PAGE_COLUMNS.items())
        return f"read_json([{files}], format = 'array', columns = {{{columns}}})"
    return f"read_parquet([{files}], union_by_name = true)"


def _load_license_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE lic (cid VARCHAR, name VARCHAR, family VARCHAR, category VARCHAR, "
                "osi BOOLEAN, restrictive BOOLEAN)")
    con.executemany("INSERT INTO lic VALUES (?, ?, ?, ?, ?, ?)",
                    [(c.id, c.name, c.family, c.category, c.osi_approved, c.restrictive) for c in license_classes()])
    con.execute("CREATE TEMP TABLE lic_alias (name VARCHAR, cid VARCHAR)")
    con.executemany("INSERT INTO lic_alias VALUES (?, ?)", list(license_name_aliases()))


# The card keys a census reads, parsed once per row (json_transform); license and base_model may be a string or a
# list, so they stay JSON until normalised below.
CARD_SHAPE = ('{"license": "JSON", "license_name": "VARCHAR", "license_link": "VARCHAR", "base_model": "JSON", '
              '"base_model_relation": "VARCHAR"}')


def _json_strings(expr: str) -> str:
    """A JSON value that is a string or a list of strings, as a list of strings (anything else: empty)."""
    return (f"CASE json_type({expr}) WHEN 'VARCHAR' THEN [json_extract_string({expr}, '$')] "
            f"WHEN 'ARRAY' THEN list_filter(json_extract_string({expr}, '$[*]'), lambda x: x IS NOT NULL) "
            "ELSE [] END")


STEPS = [
    ("declared", """
     CREATE TEMP TABLE declared AS
     WITH src AS ({raw}),
     parsed AS (
       SELECT id, downloads, likes, created_at, gated, pipeline_tag, library_name,
              list_sort(list_transform(list_filter(tags, lambda t: starts_with(t, 'license:')),
                                       lambda t: lower(trim(substr(t, 9)))))[1] AS tag_license,
              list_transform(list_filter(tags, lambda t: starts_with(t, 'base_model:')),
                             lambda t: substr(t, 12)) AS base_tags,
              TRY(json_transform(card, '{card_shape}')) AS c  -- one parse; a malformed card is NULL
       FROM src),
     lists AS (
       SELECT * EXCLUDE (base_tags, c),
              c.license_name AS license_name, c.license_link AS license_link,
              lower(trim(({card_license})[1])) AS card_license,
              list_transform(base_tags, lambda s: CASE WHEN split_part(s, ':', 1) IN ({relations})
                                                       THEN substr(s, strpos(s, ':') + 1) ELSE s END) AS tag_parents,
              list_sort(list_filter(list_transform(base_tags, lambda s: split_part(s, ':', 1)),
                                    lambda r: r IN ({relations})))[1] AS tag_relation,
              {card_bases} AS card_bases, lower(c.base_model_relation) AS card_relation
       FROM parsed)
     SELECT * EXCLUDE (tag_license, card_license, tag_parents, card_bases, tag_relation, card_relation),
            coalesce(tag_license, card_license) AS license,
            list_sort(list_distinct(list_filter(list_transform(list_concat(tag_parents, card_bases),
                                                               lambda x: trim(x)), lambda x: x <> ''))) AS bases,
            coalesce(tag_relation, card_relation) AS relation
     FROM lists"""),
    # One row per id (a listing that shifted while it was paged can repeat a model); skipped when ids are unique.
    ("dedupe", """
     CREATE OR REPLACE TEMP TABLE declared AS SELECT * FROM declared QUALIFY row_number() OVER (PARTITION BY id) = 1
     """),
    ("keyed", """
     CREATE TEMP TABLE keyed AS
     SELECT d.rowid AS k, d.*,
            CASE WHEN d.license = 'other' AND a.cid IS NOT NULL THEN a.cid ELSE d.license END AS license_key
     FROM declared d LEFT JOIN lic_alias a ON d.license = 'other' AND a.name = lower(trim(d.license_name))"""),
    # The model's relation applies to each of its edges (the Hub records one relation per model).
    ("edges", """
     CREATE TEMP TABLE edges AS
     WITH declared_edges AS (SELECT k AS child_k, id AS child, unnest(bases) AS parent, relation FROM keyed
                             WHERE len(bases) > 0)
     SELECT e.*, p.k AS parent_k FROM declared_edges e LEFT JOIN keyed p ON p.id = e.parent"""),
    ("reach", """
     CREATE TEMP TABLE reach AS
     WITH RECURSIVE known_edges AS (SELECT child_k, parent_k FROM edges WHERE parent_k IS NOT NULL),
     seeds AS (SELECT k FROM keyed WHERE len(bases) = 0),
     walk(node, root, depth) USING KEY (node, root) AS (
       SELECT k, k, 0 FROM seeds
       UNION
       SELECT e.child_k, w.root, w.depth + 1 FROM walk w JOIN known_edges e ON e.parent_k = w.node
       LEFT JOIN recurring.walk AS seen ON seen.node = e.child_k AND seen.root = w.root
       WHERE seen.depth IS NULL OR w.depth + 1 < seen.depth
     )
     SELECT node, root, depth FROM walk"""),
    ("ancestry", """
     CREATE TEMP TABLE ancestry AS
     SELECT r.node, min(r.depth) AS depth, count(*) AS roots,
            list_sort(list_distinct(list(m.license_key) FILTER (WHERE m.license_key IS NOT NULL))) AS root_licenses,
            list_sort(list_distinct(list(m.license_key) FILTER (WHERE l.restrictive))) AS restrictive_roots
     FROM reach r JOIN keyed m ON m.k = r.root LEFT JOIN lic l ON l.cid = m.license_key
     GROUP BY r.node"""),
    ("census", """
     CREATE TEMP TABLE census AS
     SELECT m.id, m.license, m.bases, m.relation, m.downloads,
            coalesce(a.root_licenses, []) AS root_licenses,
            (len(m.bases) > 0 AND len(coalesce(a.restrictive_roots, [])) > 0 AND coalesce(l.osi, false))
                AS relabelled,
            m.license_key, m.license_name, m.license_link, l.family AS license_family,
            coalesce(l.osi, false) AS osi_approved, coalesce(l.restrictive, false) AS restrictive,
            coalesce(a.restrictive_roots, []) AS restrictive_roots, a.depth, coalesce(a.roots, 0) AS roots,
            CASE WHEN m.license IS NULL THEN 'none' WHEN l.osi THEN 'osi-approved' WHEN l.restrictive THEN 'restrictive'
                 WHEN l.cid IS NOT NULL THEN 'other-known' ELSE 'unrecognised' END AS openness,
            -- laundered: a restrictive lineage whose own label is more permissive (known, not restrictive) or absent
            (len(m.bases) > 0 AND len(coalesce(a.restrictive_roots, [])) > 0
             AND (m.license IS NULL OR (l.cid IS NOT NULL AND NOT l.restrictive))) AS laundered,
            m.likes, m.created_at, m.gated, m.pipeline_tag, m.library_name
     FROM keyed m LEFT JOIN ancestry a ON a.node = m.k LEFT JOIN lic l ON l.cid = m.license_key"""),
    # Descendants of restrictive roots, one row per (model, root license): what the family figures read.
    ("lineages", """
     CREATE TEMP TABLE lineages AS
     SELECT unnest(restrictive_roots) AS fam, id, license, downloads, relabelled, laundered FROM census
     WHERE len(bases) > 0 AND len(restrictive_roots) > 0"""),
]


def build(con: duckdb.DuckDBPyConnection, inputs: Inputs, timings: dict[str, float] | None = None) -> None:
    """Create the temp table `census` (one row per model) and `edges` from the raw rows."""
    _load_license_tables(con)
    values = {"raw": _raw_select(inputs), "relations": ", ".join(f"'{r}'" for r in HUB_RELATIONS),
              "card_license": _json_strings("c.license"), "card_bases": _json_strings("c.base_model"),
              "card_shape": CARD_SHAPE}
    for name, sql in STEPS:
        if name == "dedupe" and con.execute("SELECT count(*) = count(DISTINCT id) FROM declared").fetchone()[0]:
            continue
        started = time.perf_counter()
        con.execute(sql.format(**values))
        if timings is not None:
            timings[name] = round(time.perf_counter() - started, 3)


def write_tables(con: duckdb.DuckDBPyConnection, out_dir: Path) -> None:
    """models.parquet and edges.parquet (contract columns first, extensions after), each replaced atomically."""
    for name, sql in (("models", "SELECT * FROM census"), ("edges", "SELECT child, parent, relation FROM edges")):
        final = out_dir / f"{name}.parquet"
        tmp = out_dir / f".{name}.parquet.tmp"
        con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
        os.replace(tmp, final)


def cleanup(work_dir: Path) -> None:
    shutil.rmtree(work_dir / ".duckdb-tmp", ignore_errors=True)
