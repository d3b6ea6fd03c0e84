"""`audit census diff OLD NEW`: what changed between two census dates (figures, families, and models)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from auditor.census import SCHEMA
from auditor.errors import UsageError

EXAMPLES = 10


def load_summary(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UsageError(f"{directory} holds no readable census (summary.json is missing or not JSON).") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise UsageError(f"{directory}/summary.json is not an {SCHEMA} census summary.")
    return data


def _delta(old: int | None, new: int | None) -> dict[str, int | None]:
    return {"old": old, "new": new, "change": (new - old) if isinstance(old, int) and isinstance(new, int) else None}


def _model_changes(old_dir: Path, new_dir: Path) -> dict[str, Any]:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        con.execute(f"CREATE VIEW o AS SELECT id, license, relabelled FROM read_parquet('{old_dir / 'models.parquet'}')")
        con.execute(f"CREATE VIEW n AS SELECT id, license, relabelled FROM read_parquet('{new_dir / 'models.parquet'}')")

        def ids(sql: str) -> dict[str, Any]:
            count = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
            rows = con.execute(f"{sql} ORDER BY 1 LIMIT {EXAMPLES}").fetchall()
            return {"count": count, "examples": [list(r) if len(r) > 1 else r[0] for r in rows]}

        return {
            "added": ids("SELECT id FROM n ANTI JOIN o USING (id)"),
            "removed": ids("SELECT id FROM o ANTI JOIN n USING (id)"),
            "license_changed": ids("SELECT n.id, o.license, n.license FROM n JOIN o USING (id) "
                                   "WHERE o.license IS DISTINCT FROM n.license"),
            "newly_relabelled": ids("SELECT n.id FROM n LEFT JOIN o USING (id) WHERE n.relabelled "
                                    "AND NOT coalesce(o.relabelled, false)"),
            "no_longer_relabelled": ids("SELECT o.id FROM o LEFT JOIN n USING (id) WHERE o.relabelled "
                                        "AND NOT coalesce(n.relabelled, false)"),
        }
    except duckdb.Error:
        raise UsageError(f"models.parquet in {old_dir} or {new_dir} could not be read.") from None
    finally:
        con.close()


def diff_census(old_dir: Path, new_dir: Path) -> dict[str, Any]:
    old, new = load_summary(old_dir), load_summary(new_dir)
    families = {}
    for fam in sorted(set(old.get("families") or {}) | set(new.get("families") or {})):
        o, n = (old.get("families") or {}).get(fam, {}), (new.get("families") or {}).get(fam, {})
        families[fam] = {key: _delta(o.get(key), n.get(key)) for key in ("descendants", "relabelled", "no_license")}
    return {
        "old": {"date": old.get("census_date"), "source": old.get("source")},
        "new": {"date": new.get("census_date"), "source": new.get("source")},
        "models": _delta(old.get("models"), new.get("models")),
        "no_license": _delta(old.get("no_license"), new.get("no_license")),
        "relabelled": _delta(old.get("relabelled"), new.get("relabelled")),
        "families": families,
        "changes": _model_changes(old_dir, new_dir),
    }


def _signed(value: int | None) -> str:
    return "n/a" if value is None else f"{value:+,}"


def diff_text(diff: dict[str, Any]) -> str:
    lines = [f"Census {diff['old']['date']} -> {diff['new']['date']}"]
    for key in ("models", "no_license", "relabelled"):
        d = diff[key]
        lines.append(f"  {key}: {d['old']:,} -> {d['new']:,} ({_signed(d['change'])})"
                     if d["change"] is not None else f"  {key}: {d['old']} -> {d['new']}")
    for fam, figures in diff["families"].items():
        parts = [f"{k} {_signed(v['change'])}" for k, v in figures.items() if v["change"]]
        if parts:
            lines.append(f"  {fam}: {', '.join(parts)}")
    for key, change in diff["changes"].items():
        lines.append(f"  {key.replace('_', ' ')}: {change['count']:,}")
    return "\n".join(lines)
