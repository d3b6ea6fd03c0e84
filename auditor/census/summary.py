"""summary.json: the contract's figures plus the findings readers want, all computed from the `census` table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb

from auditor.census import SCHEMA
from auditor.census.licenses import license_classes

POPULAR_DOWNLOADS = 1000  # "popular" = more than this many downloads (the published 25 % figure uses > 1k)
TOP = 10


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    return con.execute(sql, params or []).fetchone()[0]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def family_figures(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Per restrictive root license: descendants, relabelled, no_license (contract) and the top pairs/models."""
    rows = _rows(con, """
        SELECT fam, count(*) AS descendants, count(*) FILTER (WHERE relabelled) AS relabelled,
               count(*) FILTER (WHERE laundered) AS laundered,
               count(*) FILTER (WHERE license IS NULL) AS no_license
        FROM lineages GROUP BY fam ORDER BY descendants DESC, fam""")
    roots = dict(con.execute("""SELECT license_key, count(*) FROM census WHERE len(bases) = 0 AND restrictive
                                GROUP BY license_key""").fetchall())
    classes = {c.id: c for c in license_classes()}
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        fam = row["fam"]
        pairs = _rows(con, """SELECT license, count(*) AS models FROM lineages WHERE relabelled AND fam = ?
                              GROUP BY license ORDER BY models DESC, license LIMIT ?""", [fam, TOP])
        top = _rows(con, """SELECT id, license, downloads FROM lineages WHERE relabelled AND fam = ?
                            ORDER BY downloads DESC NULLS LAST, id LIMIT ?""", [fam, TOP])
        cls = classes.get(fam)
        out[fam] = {"descendants": row["descendants"], "relabelled": row["relabelled"],
                    "no_license": row["no_license"], "relabelled_share": _share(row["relabelled"], row["descendants"]),
                    "laundered": row["laundered"],
                    "roots": roots.get(fam, 0), "name": cls.name if cls else fam,
                    "group": cls.family if cls else fam, "failing_facts": list(cls.failing_facts) if cls else [],
                    "top_relabel_pairs": pairs, "top_relabelled": top}
    return out


def group_figures(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """Per license group of the knowledge base (llama, gemma, qwen, rail, cc-nc, ...): a merge counts once."""
    groups: dict[str, list[str]] = {}
    for c in license_classes():
        if c.restrictive:
            groups.setdefault(c.family, []).append(c.id)
    out = {}
    for group, ids in sorted(groups.items()):
        row = con.execute("""SELECT count(*), count(*) FILTER (WHERE relabelled),
                                    count(*) FILTER (WHERE license IS NULL)
                             FROM (SELECT DISTINCT id, relabelled, license FROM lineages WHERE list_contains(?, fam))""",
                          [ids]).fetchone()
        if row[0]:
            out[group] = {"descendants": row[0], "relabelled": row[1], "no_license": row[2],
                          "relabelled_share": _share(row[1], row[0]), "licenses": sorted(ids)}
    return out


def distribution(con: duckdb.DuckDBPyConnection, where: str) -> dict[str, Any]:
    total = _one(con, f"SELECT count(*) FROM census WHERE {where}")
    none = _one(con, f"SELECT count(*) FROM census WHERE {where} AND license IS NULL")
    rows = _rows(con, f"""SELECT license, count(*) AS models FROM census WHERE {where} AND license IS NOT NULL
                          GROUP BY license ORDER BY models DESC, license""")
    return {"models": total, "no_license": none, "no_license_share": _share(none, total), "licenses": rows}


def lineage_figures(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    depth = _rows(con, "SELECT depth, count(*) AS models FROM census WHERE depth IS NOT NULL GROUP BY depth ORDER BY depth")
    return {
        "edges": _one(con, "SELECT count(*) FROM edges"),
        "dangling_edges": _one(con, "SELECT count(*) FROM edges WHERE parent_k IS NULL"),
        "models_with_bases": _one(con, "SELECT count(*) FROM census WHERE len(bases) > 0"),
        "roots": _one(con, "SELECT count(*) FROM census WHERE len(bases) = 0"),
        "without_root": _one(con, "SELECT count(*) FROM census WHERE roots = 0"),
        "merges": _one(con, "SELECT count(*) FROM census WHERE len(bases) > 1"),
        "max_depth": _one(con, "SELECT max(depth) FROM census"),
        "depth_distribution": depth,
    }


def growth_by_month(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Models created per month (from createdAt), and how many of them are relabelled or restricted descendants."""
    return _rows(con, """
        SELECT substr(created_at, 1, 7) AS month, count(*) AS models,
               count(*) FILTER (WHERE len(bases) > 0 AND len(restrictive_roots) > 0) AS restrictive_descendants,
               count(*) FILTER (WHERE relabelled) AS relabelled, count(*) FILTER (WHERE license IS NULL) AS no_license
        FROM census WHERE regexp_matches(created_at, '^\\d{4}-\\d{2}') GROUP BY month ORDER BY month""")


def summarize(con: duckdb.DuckDBPyConnection, source: str, census_date: str | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    models = _one(con, "SELECT count(*) FROM census")
    no_license = _one(con, "SELECT count(*) FROM census WHERE license IS NULL")
    relabelled = _one(con, "SELECT count(*) FROM census WHERE relabelled")
    return {
        "schema": SCHEMA,
        "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "census_date": census_date or now.strftime("%Y-%m-%d"),
        "source": source,
        "models": models,
        "no_license": no_license,
        "families": family_figures(con),
        "relabelled": relabelled,
        "no_license_share": _share(no_license, models),
        "license_distribution": {"all": distribution(con, "true"),
                                 "popular": {"min_downloads_exclusive": POPULAR_DOWNLOADS,
                                             **distribution(con, f"downloads > {POPULAR_DOWNLOADS}")}},
        "groups": group_figures(con),
        "top_relabel_pairs": _rows(con, f"""
            SELECT license, fam AS root_license, count(*) AS models
            FROM lineages WHERE relabelled GROUP BY license, fam ORDER BY models DESC, license, fam LIMIT {TOP}"""),
        "lineage": lineage_figures(con),
        "growth_by_month": growth_by_month(con),
        "method": {
            "restrictive_licenses": sorted(c.id for c in license_classes() if c.restrictive),
            "osi_approved_licenses": sorted(c.id for c in license_classes() if c.osi_approved),
            "relabelled": "a model with a declared base, a restrictive root, and an OSI-approved declared license",
            "laundered": "a model with a declared base and a restrictive root whose own license is absent or a known "
                         "license without terms failing the OSD (more permissive than the root's)",
        },
    }
