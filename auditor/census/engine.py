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

RELATIONS = ("adapter", "merge", "quantized", "finetune")


@dataclass(frozen=True)
class Inputs:
    paths: tuple[Path, ...]  # parquet files of raw rows (API pages, or the dump)
    columns: dict[str, str]  # column name -> kind ("struct" for a struct cardData; anything else as read)


def connect(work_dir: Path, memory_limit: str = "1500MB") -> duckdb.DuckDBPyConnection:
    tmp = work_dir / ".duckdb-tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"threads": max(1, min(os.cpu_count() or 1, 4)), "memory_limit": memory_limit,
                                 "temp_directory": str(tmp), "preserve_insertion_order": False})
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
            f"FROM read_parquet([{files}], union_by_name = true) WHERE id IS NOT NULL")


def _load_license_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE lic (cid VARCHAR, name VARCHAR, family VARCHAR, category VARCHAR, "
                "osi BOOLEAN, restrictive BOOLEAN)")
    con.executemany("INSERT INTO lic VALUES (?, ?, ?, ?, ?, ?)",
                    [(c.id, c.name, c.family, c.category, c.osi_approved, c.restrictive) for c in license_classes()])
    con.execute("CREATE TEMP TABLE lic_alias (name VARCHAR, cid VARCHAR)")
    con.executemany("INSERT INTO lic_alias VALUES (?, ?)", list(license_name_aliases()))


def _card_list(path: str) -> str:
    """A card field that is a string or a list of strings, as a list (anything else: NULL)."""
    return (f"CASE json_type(card, '{path}') WHEN 'VARCHAR' THEN [json_extract_string(card, '{path}')] "
            f"WHEN 'ARRAY' THEN json_extract_string(card, '{path}[*]') END")


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
              CASE WHEN json_valid(card) THEN lower(trim(({card_license})[1])) END AS card_license,
              CASE WHEN json_valid(card) THEN json_extract_string(card, '$.license_name') END AS license_name,
              CASE WHEN json_valid(card) THEN json_extract_string(card, '$.license_link') END AS license_link,
              CASE WHEN json_valid(card) THEN {card_bases} END AS card_bases,
              CASE WHEN json_valid(card) THEN lower(json_extract_string(card, '$.base_model_relation')) END
                  AS card_relation
       FROM src)
     SELECT p.* EXCLUDE (tag_license, card_license), coalesce(p.tag_license, p.card_license) AS license
     FROM parsed p"""),
    # One row per id (a listing that shifted while it was paged can repeat a model); skipped when ids are unique.
    ("dedupe", """
     CREATE OR REPLACE TEMP TABLE declared AS SELECT * FROM declared QUALIFY row_number() OVER (PARTITION BY id) = 1
     """),
    ("keyed", """
     CREATE TEMP TABLE keyed AS
     SELECT d.rowid AS k, d.*,
            CASE WHEN d.license = 'other' AND a.cid IS NOT NULL THEN a.cid ELSE d.license END AS license_key
     FROM declared d LEFT JOIN lic_alias a ON d.license = 'other' AND a.name = lower(trim(d.license_name))"""),
    ("edges", """
     CREATE TEMP TABLE edges AS
     WITH declared_edges AS (
       SELECT k AS child_k, id AS child,
              trim(CASE WHEN split_part(s, ':', 1) IN ({relations}) THEN substr(s, strpos(s, ':') + 1) ELSE s END)
                  AS parent,
              CASE WHEN split_part(s, ':', 1) IN ({relations}) THEN split_part(s, ':', 1) END AS relation, 0 AS rank
       FROM (SELECT k, id, unnest(base_tags) AS s FROM keyed)
       UNION ALL
       SELECT k, id, trim(b), card_relation, 1 FROM (SELECT k, id, card_relation, unnest(card_bases) AS b FROM keyed
                                                     WHERE card_bases IS NOT NULL)
     ),
     grouped AS (
       SELECT child_k, any_value(child) AS child, parent,
              arg_min(relation, rank) FILTER (WHERE relation IS NOT NULL) AS relation
       FROM declared_edges WHERE parent IS NOT NULL AND parent <> '' GROUP BY child_k, parent)
     SELECT g.*, p.k AS parent_k FROM grouped g LEFT JOIN keyed p ON p.id = g.parent"""),
    ("reach", """
     CREATE TEMP TABLE reach AS
     WITH RECURSIVE known_edges AS (SELECT child_k, parent_k FROM edges WHERE parent_k IS NOT NULL),
     seeds AS (SELECT k FROM keyed ANTI JOIN edges e ON e.child_k = keyed.k),
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
     WITH bases AS (SELECT child_k, list(parent ORDER BY parent) AS bases, min(relation) AS relation
                    FROM edges GROUP BY child_k)
     SELECT m.id, m.license, coalesce(b.bases, []) AS bases, b.relation, m.downloads,
            coalesce(a.root_licenses, []) AS root_licenses,
            (b.bases IS NOT NULL AND len(coalesce(a.restrictive_roots, [])) > 0 AND coalesce(l.osi, false))
                AS relabelled,
            m.license_key, m.license_name, m.license_link, l.family AS license_family,
            coalesce(l.osi, false) AS osi_approved, coalesce(l.restrictive, false) AS restrictive,
            coalesce(a.restrictive_roots, []) AS restrictive_roots, a.depth, coalesce(a.roots, 0) AS roots,
            m.likes, m.created_at, m.gated, m.pipeline_tag, m.library_name
     FROM keyed m LEFT JOIN bases b ON b.child_k = m.k LEFT JOIN ancestry a ON a.node = m.k
     LEFT JOIN lic l ON l.cid = m.license_key"""),
    # Descendants of restrictive roots, one row per (model, root license): what the family figures read.
    ("lineages", """
     CREATE TEMP TABLE lineages AS
     SELECT unnest(restrictive_roots) AS fam, id, license, downloads, relabelled FROM census
     WHERE len(bases) > 0 AND len(restrictive_roots) > 0"""),
]


def build(con: duckdb.DuckDBPyConnection, inputs: Inputs, timings: dict[str, float] | None = None) -> None:
    """Create the temp table `census` (one row per model) and `edges` from the raw rows."""
    _load_license_tables(con)
    values = {"raw": _raw_select(inputs), "relations": ", ".join(f"'{r}'" for r in RELATIONS),
              "card_license": _card_list("$.license"), "card_bases": _card_list("$.base_model")}
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
