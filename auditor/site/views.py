"""Reports → plain view dicts for the templates. Reads reports only, and trusts none of their shapes or strings.

Every value a template prints goes through here: statuses and classifications are coerced to the known
vocabularies, lists and mappings of the wrong type become empty, and links come from `LinkContext` only."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from auditor.render import gated_word
from auditor.render.badge import badge_html, badge_markdown
from auditor.site.families import Derivative, derivation_summary, read_lineage
from auditor.site.lineage_svg import layout
from auditor.site.links import LinkContext, hub_model_url
from auditor.site.why import why

SHA = re.compile(r"^[0-9a-f]{40}$")
MAX_DERIVATIVES_LISTED = 200  # a model page lists this many; the family page lists them all
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


# Counts beyond this are shown by their order of magnitude: a header can claim 2^1088 parameters, and neither a
# float nor Python's int-to-str (limited to 4,300 digits) may be asked to print it.
HUGE_COUNT = 10**18


def _magnitude(n: int) -> str:
    digits = int(n.bit_length() * 0.30102999566398120) + 1  # log10(2); at most one too many
    if n < 10 ** (digits - 1):
        digits -= 1
    return f"about 10^{digits - 1}"


def human_count(value: Any) -> str:
    """1234567 → "1.2 M"; integer arithmetic only, so no count is too large to print."""
    n = as_count(value)
    if n is None:
        return "—"
    if n >= HUGE_COUNT:
        return _magnitude(n)
    for unit, size in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= size:
            tenths = (n * 10 + size // 2) // size
            return f"{tenths // 10}.{tenths % 10} {unit}" if tenths < 1000 else f"{(n + size // 2) // size} {unit}"
    return str(n)


def exact_count(value: Any) -> str:
    """The exact count with thousands separators, or its magnitude when it is absurdly large."""
    n = as_count(value)
    if n is None:
        return ""
    return _magnitude(n) if n >= HUGE_COUNT else f"{n:,}"


GATED_WORDS = {"auto": "yes, access is granted automatically after accepting the terms",
               "manual": "yes, the author approves each access request"}


def gated_words(value: Any) -> str:
    """The access gate in a reader's words."""
    word = gated_word(value)
    return GATED_WORDS.get(word, "yes" if word == "yes" else "no, anyone can download" if word == "no" else word)


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
    return {"id": cid, "title": titles.get(cid, cid), "short": SHORT_LABELS.get(cid, titles.get(cid, cid)),
            "href": ctx.criterion_page(cid),
            "status": status_of(verdict.get("status")), "summary": text(verdict.get("summary")),
            "evidence": evidence_views(verdict.get("evidence"), ctx), "notes": evidence_views(verdict.get("notes"), ctx)}


def model_path(repo_id: str) -> str:
    """The model's path below models/, badges/ and api/models/ (ids are validated, so no traversal)."""
    return quote(repo_id)


def _files_view(weights: dict[str, Any], ctx: LinkContext) -> list[dict[str, Any]]:
    return [{"path": text(f.get("path")), "format": text(f.get("format")), "size": human_bytes(f.get("size")),
             "href": ctx.location_href(text(f.get("path")), "file")} for f in map(as_dict, as_list(weights.get("files")))]


def _yes_no(value: Any, unknown: str) -> str:
    return "yes" if value is True else "no" if value is False else unknown


def _mof_view(mof: dict[str, Any]) -> dict[str, Any]:
    components = [{"name": text(name), "included": _yes_no(comp.get("included"), "not established"),
                   "license": text(comp.get("license")), "open": _yes_no(comp.get("open"), "—"),
                   "note": text(comp.get("note"))}
                  for name, comp in ((n, as_dict(c)) for n, c in as_dict(mof.get("components")).items())]
    return {"class": text(mof.get("class")) or "none", "status": status_of(mof.get("status")),
            "summary": text(mof.get("summary")), "components": components}


def _weights_view(weights: dict[str, Any], ctx: LinkContext) -> dict[str, Any]:
    exact = exact_count(weights.get("parameters"))
    return {"formats": ", ".join(text(f) for f in as_list(weights.get("formats"))) or "none found",
            "parameters": human_count(weights.get("parameters")),
            "parameters_exact": exact if exact != human_count(weights.get("parameters")) else "",
            "by_dtype": [(text(k), human_count(v)) for k, v in as_dict(weights.get("parameters_by_dtype")).items()],
            "files": _files_view(weights, ctx), "findings": evidence_views(weights.get("findings"), ctx)}


def _license_view(lic: dict[str, Any], effective: str, ctx: LinkContext, knowledge: Any) -> dict[str, Any]:
    key = lic.get("key")
    info = knowledge.by_key(key) if isinstance(key, str) else None
    return {
        "declared": declared_text(lic.get("declared")),
        "effective": effective,
        "effective_name": spdx_name(effective, knowledge),
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
    }


def _lineage_view(repo_id: str, report: dict[str, Any], ctx: LinkContext, classification: str,
                  derivatives: tuple[Derivative, ...], family_href: str | None) -> dict[str, Any]:
    lineage = as_dict(report.get("lineage"))
    lic = as_dict(report.get("license"))
    ancestors = as_list(lineage.get("ancestors"))
    facts = read_lineage(report)
    effective = text(lineage.get("effective_license"))
    return {
        "drawing": layout(repo_id, effective or text(lic.get("identified")) or None, ancestors, ctx, classification,
                          derivatives, facts.conflicts),
        "ancestors": [{"id": text(a.get("id")), "href": ctx.model_href(a.get("id")),
                       "relation": text(a.get("relation")), "depth": text(a.get("depth")),
                       "license": text(a.get("license"))} for a in map(as_dict, ancestors)],
        "findings": evidence_views(lineage.get("findings"), ctx),
        "summary": derivation_summary(repo_id, facts, derivatives, declared_text(lic.get("declared"))),
        "derivatives": [{"id": d.id, "href": ctx.model_page(d.id), "relation": d.relation, "depth": d.depth,
                         "parent": d.parent, "classification": class_of(d.classification),
                         "declared": d.declared or "none", "relabels": d.relabels}
                        for d in derivatives[:MAX_DERIVATIVES_LISTED]],
        "derivatives_total": len(derivatives),
        "relabelled": sum(1 for d in derivatives if d.relabels),
        "family_href": family_href,
    }


def _badge_view(repo_id: str, classification: str, ctx: LinkContext, base_url: str | None) -> dict[str, Any]:
    path = model_path(repo_id)
    site = (base_url.rstrip("/") + "/") if base_url else ""
    badge_url, page_url = f"{site}badges/{path}.svg", f"{site}models/{path}.html"
    snippet_report = {"classification": classification, "model": {"url": hub_model_url(repo_id)}}
    return {"badge_src": f"{ctx.root}badges/{path}.svg",
            "badge_markdown": badge_markdown(snippet_report, badge_url, page_url),
            "badge_html": badge_html(snippet_report, badge_url, page_url),
            "badge_relative": not base_url,
            "report_href": f"{ctx.root}api/models/{path}.json",
            "report_name": repo_id.replace("/", "__") + ".json"}


def revision_view(repo_id: str, value: Any) -> dict[str, Any]:
    """The audited commit: shown and linked only when the report holds a real 40-hex sha, never a placeholder."""
    sha = value if isinstance(value, str) and SHA.match(value) else None
    return {"revision": sha or "", "revision_href": f"https://huggingface.co/{repo_id}/tree/{sha}" if sha else None,
            "tree_href": f"https://huggingface.co/{repo_id}/tree/main"}


def model_view(report: dict[str, Any], ctx: LinkContext, titles: dict[str, str], base_url: str | None,
               knowledge: Any, derivatives: tuple[Derivative, ...] = (), family_href: str | None = None
               ) -> dict[str, Any]:
    model = as_dict(report.get("model"))
    repo_id = ctx.model_id or ""
    classification = class_of(report.get("classification"))
    effective = text(as_dict(report.get("lineage")).get("effective_license"))
    return {
        "id": repo_id,
        "url": hub_model_url(repo_id),
        **revision_view(repo_id, model.get("revision")),
        "classification": classification,
        "why": why(report, classification, knowledge, ctx, titles),
        "gated": gated_words(model.get("gated")),
        "audited_at": text(report.get("audited_at")),
        "date": text(report.get("audited_at"))[:10],
        "source": text(report.get("source")),
        "snapshot_date": text(report.get("snapshot_date")),
        "criteria_version": text(report.get("criteria_version")),
        "tool": " ".join(text(v) for v in as_dict(report.get("tool")).values()),
        "license": _license_view(as_dict(report.get("license")), effective, ctx, knowledge),
        "criteria": [verdict_view(c, ctx, titles) for c in as_list(report.get("criteria"))],
        "osaid": [verdict_view(v, ctx, titles) for v in as_dict(report.get("osaid")).values()],
        "mof": _mof_view(as_dict(report.get("mof"))),
        "lineage": _lineage_view(repo_id, report, ctx, classification, derivatives, family_href),
        "weights": _weights_view(as_dict(report.get("weights")), ctx),
        "problems": [{"what": text(p.get("what")), "detail": text(p.get("detail"))}
                     for p in map(as_dict, as_list(report.get("problems")))],
        **_badge_view(repo_id, classification, ctx, base_url),
    }


def human_bytes(value: Any) -> str:
    n = as_count(value)
    if n is None:
        return "—"
    if n >= HUGE_COUNT:
        return _magnitude(n) + " B"
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            tenths = (n * 10 + size // 2) // size
            return f"{tenths // 10}.{tenths % 10} {unit}"
    return f"{n} B"


def spdx_name(spdx: str | None, knowledge: Any) -> str:
    """A license expression with each id the knowledge base knows replaced by its human name."""
    if not spdx:
        return ""
    parts = re.split(r"( AND | OR | WITH )", spdx)
    return "".join(p if p.strip() in ("AND", "OR", "WITH") else (getattr(knowledge.by_spdx(p), "name", None) or p)
                   for p in parts)


def license_label(row: dict[str, Any], knowledge: Any) -> str:
    """A row's license by its human name (the knowledge base's), else as declared."""
    identified = row.get("license_identified")
    info = knowledge.by_spdx(identified) if isinstance(identified, str) else None
    return info.name if info else declared_text(row.get("license_declared"))


def row_view(row: dict[str, Any], ctx: LinkContext, criteria_ids: list[str], knowledge: Any) -> dict[str, Any]:
    """One line of the comparison table, from an index row (the same data the script reads)."""
    statuses = as_dict(row.get("criteria"))
    effective = text(row.get("license_effective"))
    name = license_label(row, knowledge)
    effective_name = spdx_name(effective, knowledge)
    return {
        "id": row["id"], "href": ctx.model_page(row["id"]), "classification": class_of(row.get("classification")),
        "license": name, "license_id": text(row.get("license_identified")) or declared_text(row.get("license_declared")),
        "effective": effective_name if effective and effective_name != name else "",
        "statuses": [status_of(statuses.get(cid)) for cid in criteria_ids],
        "data": status_of(row.get("data_transparency")), "findings": as_count(row.get("lineage_findings")) or 0,
        "parameters": human_count(row.get("parameters")), "parameters_raw": as_count(row.get("parameters")),
        "gated": gated_word(row.get("gated")), "date": text(row.get("audited_at"))[:10],
    }
