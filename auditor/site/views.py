"""Reports → plain view dicts for the templates. Reads reports only, and trusts none of their shapes or strings.

Every value a template prints goes through here: statuses and classifications are coerced to the known
vocabularies, lists and mappings of the wrong type become empty, and links come from `LinkContext` only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from auditor.render.badge import badge_html, badge_markdown
from auditor.site.lineage_svg import layout
from auditor.site.links import LinkContext, hub_model_url, safe_revision

STATUSES = ("pass", "partial", "fail", "unknown")
CLASSES = ("open-source", "open-weights", "restricted", "closed", "unknown")
SEVERITIES = ("info", "warning", "critical")
STATUS_MARKS = {"pass": "✓", "partial": "◐", "fail": "✗", "unknown": "?"}
CLASS_MARKS = {"open-source": "★", "open-weights": "◆", "restricted": "▲", "closed": "■", "unknown": "?"}
CLASS_LABELS = {"open-source": "open source", "open-weights": "open weights", "restricted": "restricted",
                "closed": "closed", "unknown": "unknown"}
# The chips are constants built from the vocabularies above, so they are safe markup.
STATUS_HTML = {s: Markup(f'<span class="st st-{s}"><span class="mark" aria-hidden="true">{STATUS_MARKS[s]}</span> {s}</span>')
               for s in STATUSES}
CLASS_HTML = {c: Markup(f'<span class="cls cls-{c}"><span class="mark" aria-hidden="true">{CLASS_MARKS[c]}</span> '
                        f'{CLASS_LABELS[c]}</span>') for c in CLASSES}
# Column headings for the contract criteria; the criterion page gives the full title and question.
SHORT_LABELS = {
    "source": "Source", "free-redistribution": "Redistribution", "derived-works": "Derived works",
    "integrity": "Integrity", "persons-groups": "Persons & groups", "fields-of-endeavor": "Fields of use",
    "license-distribution": "License distribution", "not-product-specific": "Not product-specific",
    "no-restriction-other-software": "Other software", "technology-neutral": "Tech-neutral",
    "data-transparency": "Data transparency",
}


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if isinstance(value, str) else str(value)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def status_of(value: Any) -> str:
    return value if value in STATUSES else "unknown"


def class_of(value: Any) -> str:
    return value if value in CLASSES else "unknown"


def as_count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def human_count(value: Any) -> str:
    n = as_count(value)
    if n is None:
        return "—"
    for unit, size in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= size:
            scaled = n / size
            return f"{scaled:.1f} {unit}" if scaled < 100 else f"{scaled:.0f} {unit}"
    return str(n)


def gated_word(value: Any) -> str:
    if value in (False, None, "", "false", "False"):
        return "no"
    if value is True:
        return "yes"
    return text(value)


def declared_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(text(v) for v in value) or "none"
    return text(value) or "none"


def evidence_views(items: Any, ctx: LinkContext) -> list[dict[str, Any]]:
    out = []
    for item in as_list(items):
        item = as_dict(item)
        location = text(item.get("location") or item.get("file"))
        out.append({"kind": text(item.get("kind")), "detail": text(item.get("detail")), "location": location,
                    "clause": text(item.get("clause")),
                    "severity": item.get("severity") if item.get("severity") in SEVERITIES else None,
                    "href": ctx.location_href(location, item.get("kind"))})
    return out


def verdict_view(verdict: Any, ctx: LinkContext, titles: dict[str, str]) -> dict[str, Any]:
    verdict = as_dict(verdict)
    cid = text(verdict.get("id"))
    return {"id": cid, "title": titles.get(cid, cid), "href": ctx.criterion_page(cid),
            "status": status_of(verdict.get("status")), "summary": text(verdict.get("summary")),
            "evidence": evidence_views(verdict.get("evidence"), ctx), "notes": evidence_views(verdict.get("notes"), ctx)}


def model_path(repo_id: str) -> str:
    """The model's path below models/, badges/ and api/models/ (ids are validated, so no traversal)."""
    return quote(repo_id)


def model_view(report: dict[str, Any], ctx: LinkContext, titles: dict[str, str], base_url: str | None,
               knowledge: Any) -> dict[str, Any]:
    model = as_dict(report.get("model"))
    repo_id = ctx.model_id or ""
    lic = as_dict(report.get("license"))
    lineage = as_dict(report.get("lineage"))
    weights = as_dict(report.get("weights"))
    mof = as_dict(report.get("mof"))
    revision = safe_revision(model.get("revision"))
    key = lic.get("key")
    info = knowledge.by_key(key) if isinstance(key, str) else None
    classification = class_of(report.get("classification"))
    path = model_path(repo_id)
    site = (base_url.rstrip("/") + "/") if base_url else ""
    badge_url, page_url = f"{site}badges/{path}.svg", f"{site}models/{path}.html"
    snippet_report = {"classification": classification, "model": {"url": hub_model_url(repo_id)}}
    ancestors = as_list(lineage.get("ancestors"))
    effective = text(lineage.get("effective_license"))
    files = []
    for f in as_list(weights.get("files")):
        f = as_dict(f)
        files.append({"path": text(f.get("path")), "format": text(f.get("format")), "size": human_bytes(f.get("size")),
                      "href": ctx.location_href(text(f.get("path")), "file")})
    by_dtype = [(text(k), human_count(v)) for k, v in as_dict(weights.get("parameters_by_dtype")).items()]
    components = []
    for name, comp in as_dict(mof.get("components")).items():
        comp = as_dict(comp)
        included = comp.get("included")
        components.append({"name": text(name), "included": "yes" if included is True else "no" if included is False
                           else "not established", "license": text(comp.get("license")),
                           "open": "yes" if comp.get("open") is True else "no" if comp.get("open") is False else "—",
                           "note": text(comp.get("note"))})
    return {
        "id": repo_id,
        "url": hub_model_url(repo_id),
        "revision": text(model.get("revision")),
        "revision_href": f"https://huggingface.co/{repo_id}/tree/{quote(revision, safe='')}" if revision else None,
        "classification": classification,
        "gated": gated_word(model.get("gated")),
        "audited_at": text(report.get("audited_at")),
        "date": text(report.get("audited_at"))[:10],
        "source": text(report.get("source")),
        "snapshot_date": text(report.get("snapshot_date")),
        "criteria_version": text(report.get("criteria_version")),
        "tool": " ".join(text(v) for v in as_dict(report.get("tool")).values()),
        "license": {
            "declared": declared_text(lic.get("declared")),
            "effective": effective,
            "identified": text(lic.get("identified")),
            "name": text(lic.get("name")),
            "osi": {True: "yes", False: "no"}.get(lic.get("osi_approved"), "could not tell"),  # type: ignore[arg-type]
            "source": text(lic.get("source")),
            "href": ctx.license_page(key),
            "family": info.family if info else "",
            "sources": [{"license": text(s.get("license")), "name": text(s.get("name")), "source": text(s.get("source")),
                         "via": text(s.get("via")), "location": text(s.get("location")),
                         "href": ctx.location_href(text(s.get("location")))}
                        for s in map(as_dict, as_list(lic.get("sources")))],
            "findings": evidence_views(lic.get("findings"), ctx),
        },
        "criteria": [verdict_view(c, ctx, titles) for c in as_list(report.get("criteria"))],
        "osaid": [verdict_view(v, ctx, titles) for v in as_dict(report.get("osaid")).values()],
        "mof": {"class": text(mof.get("class")) or "none", "status": status_of(mof.get("status")),
                "summary": text(mof.get("summary")), "components": components},
        "lineage": {
            "drawing": layout(repo_id, effective or text(lic.get("identified")) or None, ancestors, ctx),
            "ancestors": [{"id": text(a.get("id")), "href": ctx.model_href(a.get("id")),
                           "relation": text(a.get("relation")), "depth": text(a.get("depth")),
                           "license": text(a.get("license"))} for a in map(as_dict, ancestors)],
            "findings": evidence_views(lineage.get("findings"), ctx),
        },
        "weights": {"formats": ", ".join(text(f) for f in as_list(weights.get("formats"))) or "none found",
                    "parameters": human_count(weights.get("parameters")),
                    "parameters_exact": f"{weights['parameters']:,}" if as_count(weights.get("parameters")) else "",
                    "by_dtype": by_dtype, "files": files,
                    "findings": evidence_views(weights.get("findings"), ctx)},
        "problems": [{"what": text(p.get("what")), "detail": text(p.get("detail"))}
                     for p in map(as_dict, as_list(report.get("problems")))],
        "badge_src": f"{ctx.root}badges/{path}.svg",
        "badge_markdown": badge_markdown(snippet_report, badge_url, page_url),
        "badge_html": badge_html(snippet_report, badge_url, page_url),
        "badge_relative": not base_url,
        "report_href": f"{ctx.root}api/models/{path}.json",
        "report_name": repo_id.replace("/", "__") + ".json",
    }


def human_bytes(value: Any) -> str:
    n = as_count(value)
    if n is None:
        return "—"
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def row_view(row: dict[str, Any], ctx: LinkContext, criteria_ids: list[str]) -> dict[str, Any]:
    """One line of the comparison table, from an index row (the same data the script reads)."""
    statuses = as_dict(row.get("criteria"))
    return {
        "id": row["id"], "href": ctx.model_page(row["id"]), "classification": class_of(row.get("classification")),
        "declared": declared_text(row.get("license_declared")), "effective": text(row.get("license_effective")),
        "statuses": [status_of(statuses.get(cid)) for cid in criteria_ids],
        "data": status_of(row.get("data_transparency")), "findings": as_count(row.get("lineage_findings")) or 0,
        "parameters": human_count(row.get("parameters")), "parameters_raw": as_count(row.get("parameters")),
        "gated": gated_word(row.get("gated")), "date": text(row.get("audited_at"))[:10],
    }
