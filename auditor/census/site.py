"""The Census section of the static site: census/index.html (charts, families, our figures next to published
ones) and census/summary.json. The site build calls `CensusSection(...).render(pages)` (its SiteSection protocol),
which wraps the body rendered here in the site's layout; nothing here imports the site package."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from auditor.census.charts import Bar, bar_chart, column_chart
from auditor.census.diff import load_summary
from auditor.errors import UsageError

TOP_LICENSES = 14

# Published figures the issue cites (issue 17), each with its source as given there.
PUBLISHED = [
    {"id": "no-license", "measure": "Models that declare no license",
     "published": "≈ 64 % of ≈ 1.87 M Hub repositories", "source": "a 2025 industry count (as cited in issue 17)",
     "url": None, "ours": "no_license_share",
     "note": "Ours counts models only, from their license: tags and card metadata."},
    {"id": "no-license-popular", "measure": "Models with more than 1,000 downloads that declare no license",
     "published": "≈ 25 %", "source": "the same 2025 industry count (as cited in issue 17)", "url": None,
     "ours": "popular_no_license_share", "note": "Downloads as the Hub reports them (last 30 days)."},
    {"id": "dropped-clauses", "measure": "Derivations that drop the restrictive terms of their base",
     "published": "35.5 % of model→application hops", "source": "Jewitt et al., arXiv:2509.09873",
     "url": "https://arxiv.org/abs/2509.09873", "ours": "dropped_share",
     "note": "Ours: model→model only — descendants of a restrictive root that relabel themselves with an "
             "OSI-approved license or declare none."},
    {"id": "family-trees", "measure": "Models arranged into family trees",
     "published": "1.86 M models, licenses drifting toward permissive", "source": "Laufer et al., arXiv:2508.06811",
     "url": "https://arxiv.org/abs/2508.06811", "ours": "models_with_bases",
     "note": "Ours: models in the census, and how many declare a base model."},
    {"id": "license-conflicts", "measure": "Models whose license conflicts with their base",
     "published": "≈ 211 k; top pairs Apache-2.0 on a Llama 3 base, Apache-2.0 on Gemma",
     "source": "a public dashboard (as cited in issue 17)", "url": None, "ours": "relabelled_pairs",
     "note": "Ours is narrower: an OSI-approved license on a lineage with a restrictive root."},
]


def find_summaries(census_dir: Path) -> list[tuple[dict[str, Any], Path]]:
    """Every census under `census_dir` (the directory itself, or its dated subdirectories), oldest first."""
    candidates = [census_dir] + sorted(p for p in census_dir.iterdir() if p.is_dir()) if census_dir.is_dir() else []
    found = [(load_summary(p), p) for p in candidates if (p / "summary.json").is_file()]
    if not found:
        raise UsageError(f"{census_dir} holds no census (no summary.json in it or in its subdirectories).")
    return sorted(found, key=lambda item: (str(item[0].get("census_date")), str(item[0].get("generated_at"))))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} %"


def _num(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def ours(summary: dict[str, Any]) -> dict[str, str]:
    """Our figure for each published one, as printed."""
    families = summary.get("families") or {}
    groups = (summary.get("groups") or {}).values()
    descendants = sum(f["descendants"] for f in groups)
    dropped = sum(f["relabelled"] + f["no_license"] for f in groups)
    lineage = summary.get("lineage") or {}
    pairs = ", ".join(f"{p['license']} on {p['root_license']} ({p['models']:,})"
                      for p in (summary.get("top_relabel_pairs") or [])[:3])
    popular = (summary.get("license_distribution") or {}).get("popular") or {}
    return {
        "no_license_share": f"{_pct(summary.get('no_license_share'))} of {_num(summary.get('models'))} models",
        "popular_no_license_share": f"{_pct(popular.get('no_license_share'))} of {_num(popular.get('models'))}",
        "dropped_share": f"{_pct(dropped / descendants if descendants else None)} of {descendants:,} descendants",
        "models_with_bases": f"{_num(summary.get('models'))} models, {_num(lineage.get('models_with_bases'))} "
                             "with a declared base",
        "relabelled_pairs": f"{_num(summary.get('relabelled'))} relabelled in {len(families)} families"
                            + (f"; top pairs {pairs}" if pairs else ""),
    }


def license_bars(dist: dict[str, Any]) -> list[Bar]:
    total = dist.get("models") or 0
    rows = [("no license", dist.get("no_license") or 0, True)]
    rows += [(r["license"], r["models"], False) for r in dist.get("licenses") or []][:TOP_LICENSES]
    return [Bar(label, count, f"{count:,} ({count / total * 100:.1f} %)" if total else f"{count:,}", hl)
            for label, count, hl in rows]


def charts(latest: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    dist = latest.get("license_distribution") or {}
    families = latest.get("families") or {}
    lineage = latest.get("lineage") or {}
    family_bars = [Bar(f"{fam}", f.get("relabelled_share") or 0, f"{_pct(f.get('relabelled_share'))} of "
                       f"{f['descendants']:,}") for fam, f in families.items()]
    depth_bars = [Bar(str(r["depth"]), r["models"], f"{r['models']:,}") for r in lineage.get("depth_distribution") or []]
    dates = [Bar(str(s.get("census_date")), s.get("relabelled") or 0, f"{s.get('relabelled') or 0:,}") for s in history]
    months = [Bar(r["month"], r["models"], f"{r['models']:,}") for r in latest.get("growth_by_month") or []]
    return {
        "licenses_all": bar_chart("chart-licenses-all", "Declared licenses, all models",
                                  "Number of models per declared license; the first bar is models with none.",
                                  license_bars(dist.get("all") or {})),
        "licenses_popular": bar_chart("chart-licenses-popular", "Declared licenses, models with > 1,000 downloads",
                                      "The same distribution for models downloaded more than 1,000 times.",
                                      license_bars(dist.get("popular") or {})),
        "families": bar_chart("chart-families", "Share of descendants relabelled, per restrictive family",
                              "For each restrictive root license, the share of its descendants that declare an "
                              "OSI-approved license.", family_bars),
        "depth": column_chart("chart-depth", "Depth of family trees",
                              "Models by the fewest base-model hops to a root (0 = a root).", depth_bars),
        "dates": column_chart("chart-growth-dates", "Relabelled models across census dates",
                              "Relabelled descendants of restrictive families at each census.", dates),
        "months": column_chart("chart-growth-months", "Models created per month",
                               "Models in the latest census by the month the Hub says they were created.", months),
    }


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from auditor.paths import data_dir

    return Environment(loader=FileSystemLoader(str(data_dir("site") / "templates")), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class CensusSection:
    """The site's Census section (auditor.site.build.SiteSection): census/index.html and census/summary.json."""

    census_dir: Path
    label: str = "Census"
    href: str = "census/index.html"

    def render(self, pages: Any) -> int:
        found = find_summaries(self.census_dir)
        latest, _ = found[-1]
        history = [s for s, _ in found]
        body = _environment().get_template("census.html").render(
            root=pages.root(self.href), s=latest, history=history, charts=charts(latest, history),
            published=PUBLISHED, ours=ours(latest), pct=_pct, num=_num)
        pages.page(self.href, "Census", Markup(body), section=self.label)
        pages.write("census/summary.json", json.dumps(latest, ensure_ascii=False, indent=1))
        return 1
