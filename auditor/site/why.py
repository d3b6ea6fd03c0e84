"""The one-sentence answer at the top of a model page: its classification and the clauses that decide it.

"Restricted because: 700M-user cap (§2), acceptable-use policy (§1.b.iv), no improving other LLMs (§1.b.v),
click-through acceptance (preamble)." Every part comes from the report's failing verdicts: a license-clause
evidence item is matched to the knowledge base's fact by its summary (so its kind and section are known), and the
part links to where the report cites it (the file line, or the knowledge-base page). A failing verdict with no
matching clause is named by its criterion instead. Nothing is added that the report does not say."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auditor.criteria import CONTRACT_IDS
from auditor.judge import OSD_LICENSE_IDS
from auditor.site.links import LinkContext
from auditor.vocabulary import Classification, EvidenceKind, Status

# How a reader names each kind of clause, most decisive first (the order the sentence lists them in).
KIND_ORDER = ("user-threshold", "revenue-threshold", "non-commercial", "research-only", "use-restrictions",
              "output-restriction", "no-derivatives", "redistribution-restriction", "territory-exclusion",
              "product-specific", "pass-through-restrictions", "separate-agreement")
KIND_WORDS = {
    "revenue-threshold": "revenue threshold", "non-commercial": "non-commercial use only",
    "research-only": "research use only", "use-restrictions": "use restrictions",
    "output-restriction": "restrictions on using outputs", "no-derivatives": "no sharing of derivatives",
    "redistribution-restriction": "restricted redistribution", "territory-exclusion": "territory exclusion",
    "product-specific": "product-specific terms", "pass-through-restrictions": "restrictions passed on to derivatives",
    "separate-agreement": "acceptance by use",
}
CLAUSE_KINDS = (EvidenceKind.LICENSE_CLAUSE, EvidenceKind.LINEAGE)  # a lineage item cites an inherited clause
_SECTION = re.compile(r"^(§[^\s,;]+|preamble|Attachment [A-Z])", re.I)
OPEN_WORDS = {
    Classification.OPEN_SOURCE: "every Open Source Definition criterion passes, and the training code and data are "
                                "described",
}


@dataclass(frozen=True)
class Reason:
    text: str  # "700M-user cap"
    section: str  # "§2", or "" when the knowledge base gives none
    href: str | None  # where the report cites it


@dataclass(frozen=True)
class Why:
    lead: str  # "Restricted because", "Open weights, not open source, because"...
    reasons: tuple[Reason, ...]
    tail: str = ""  # a closing clause in words when there are no reasons to list


def _short_number(value: int) -> str:
    for unit, size in (("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if value >= size and value % (size // 10) == 0:
            scaled = value / size
            return f"{scaled:g}{unit}"
    return f"{value:,}"


def clause_words(kind: str, summary: str, value: Any = None) -> str:
    """A reader's name for a clause, from its kind and what its summary says."""
    lower = summary.lower()
    if kind == "user-threshold":
        return f"{_short_number(value)}-user cap" if isinstance(value, int) and value > 0 else "user cap"
    if kind == "use-restrictions" and ("acceptable use" in lower or "prohibited use" in lower):
        return "acceptable-use policy"
    if kind == "use-restrictions" and "restrict usage" in lower:
        return "remote use restriction"
    if kind == "output-restriction" and "improve" in lower:
        return "no improving other LLMs" if "language model" in lower else "no improving other models"
    if kind == "separate-agreement" and "click" in lower:
        return "click-through acceptance"
    return KIND_WORDS.get(kind, kind.replace("-", " "))


def short_section(section: str) -> str:
    match = _SECTION.match(section.strip())
    return match.group(1) if match else ""


def _facts_for(report: dict[str, Any], knowledge: Any) -> list[Any]:
    """The knowledge-base facts of the model's own license and of every license it inherits."""
    lic = report.get("license") if isinstance(report.get("license"), dict) else {}
    infos = []
    key = lic.get("key")
    if isinstance(key, str) and knowledge.by_key(key):
        infos.append(knowledge.by_key(key))
    for source in lic.get("sources") if isinstance(lic.get("sources"), list) else []:
        spdx = source.get("license") if isinstance(source, dict) else None
        info = knowledge.by_spdx(spdx) if isinstance(spdx, str) else None
        if info and info not in infos:
            infos.append(info)
    return [fact for info in infos for fact in info.facts]


def _clause_reasons(verdict: dict[str, Any], facts: list[Any], ctx: LinkContext) -> list[tuple[int, Reason]]:
    found = []
    for item in verdict.get("evidence") if isinstance(verdict.get("evidence"), list) else []:
        if not isinstance(item, dict) or item.get("kind") not in CLAUSE_KINDS:
            continue
        detail = item.get("detail") if isinstance(item.get("detail"), str) else ""
        fact = next((f for f in facts if f.summary and f.summary in detail), None)
        if fact is None:
            continue
        rank = KIND_ORDER.index(fact.kind) if fact.kind in KIND_ORDER else len(KIND_ORDER)
        found.append((rank, Reason(clause_words(fact.kind, fact.summary, fact.value), short_section(fact.section),
                                   ctx.location_href(item.get("location"), item.get("kind")))))
    return found


def _failing_reasons(report: dict[str, Any], knowledge: Any, ctx: LinkContext, titles: dict[str, str],
                     wanted: set[str], among: tuple[str, ...] = CONTRACT_IDS) -> tuple[Reason, ...]:
    """One reason per distinct failing clause (by words and section); criteria without one by their title."""
    facts = _facts_for(report, knowledge)
    ranked: list[tuple[int, Reason]] = []
    for verdict in report.get("criteria") if isinstance(report.get("criteria"), list) else []:
        if not isinstance(verdict, dict) or verdict.get("status") not in wanted or verdict.get("id") not in among:
            continue
        clauses = _clause_reasons(verdict, facts, ctx)
        if not clauses:
            cid = verdict.get("id") if isinstance(verdict.get("id"), str) else ""
            word = "fails" if verdict.get("status") == Status.FAIL else "is not established"
            clauses = [(len(KIND_ORDER) + 1, Reason(f"{titles.get(cid, cid)} {word}", "", ctx.criterion_page(cid)))]
        ranked.extend(clauses)
    seen: set[tuple[str, str]] = set()
    out = []
    for _, reason in sorted(ranked, key=lambda pair: pair[0]):
        if (reason.text, reason.section) not in seen:
            seen.add((reason.text, reason.section))
            out.append(reason)
    return tuple(out)


def why(report: dict[str, Any], classification: str, knowledge: Any, ctx: LinkContext,
        titles: dict[str, str]) -> Why:
    """The sentence for `classification`, built from the verdicts that decide it."""
    if classification == Classification.RESTRICTED:
        return Why("Restricted because", _failing_reasons(report, knowledge, ctx, titles, {Status.FAIL},
                                                          OSD_LICENSE_IDS))
    if classification == Classification.CLOSED:
        return Why("Closed", (), "the repository publishes no weights.")
    if classification == Classification.OPEN_SOURCE:
        return Why("Open source", (), OPEN_WORDS[Classification.OPEN_SOURCE] + ".")
    if classification == Classification.OPEN_WEIGHTS:
        short = _failing_reasons(report, knowledge, ctx, titles, {Status.PARTIAL, Status.UNKNOWN, Status.FAIL})
        return Why("Open weights, not open source, because", short,
                   "" if short else "the license passes every criterion but source or data is not established.")
    unknown = _failing_reasons(report, knowledge, ctx, titles, {Status.UNKNOWN}, OSD_LICENSE_IDS)
    return Why("Unknown because", unknown, "" if unknown else "the license could not be established.")
