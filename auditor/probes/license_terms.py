"""Clause findings: every fact of every binding license, located in the repo's own file when we can."""

from __future__ import annotations

from auditor.card import card_value
from auditor.evidence import RepoEvidence
from auditor.licenses.identify import BindingTerms, LicenseResolution
from auditor.licenses.knowledge import LicenseFact
from auditor.probes import CARD_FIELD, LICENSE_CLAUSE, LINEAGE, Finding


def _cite(term: BindingTerms, fact: LicenseFact, resolution: LicenseResolution) -> tuple[str, str]:
    """(location, how it was cited): the repo's own file and lines, else the knowledge base section."""
    kb_location = f"criteria/licenses/{term.license.key}.yaml"
    candidates = [term.file] if term.file else []
    # A policy or card-declared license may still sit in one of the repo's readable files.
    candidates += [p for p in resolution.texts if p not in candidates]
    for path in candidates:
        text = resolution.texts.get(path or "")
        if text is None:
            continue
        lines = fact.locate(text)
        if lines:
            first, last = lines
            return f"{path}#L{first}" + (f"-L{last}" if last != first else ""), "in the repository's own file"
    if resolution.unreadable:
        why = f"{', '.join(resolution.unreadable)} could not be read"
    elif term.source == "inherited":
        why = f"inherited from {term.via}"
    else:
        why = "the repository has no readable copy of this license"
    return kb_location, f"cited from the knowledge base: {why}"


def clause_findings(evidence: RepoEvidence, resolution: LicenseResolution) -> list[Finding]:
    """All restrictive or notable clauses binding the model, one finding per (license, fact)."""
    out: list[Finding] = []
    seen: set[str] = set()
    # One finding per license fact even when several sources name the license; own terms before inherited ones,
    # and a term tied to a readable file first, so the citation points into the repo when it can.
    for term in sorted(resolution.terms, key=lambda t: (t.source == "inherited", t.file is None)):
        if term.license.key in seen:
            continue
        seen.add(term.license.key)
        for fact in term.license.facts:
            location, how = _cite(term, fact, resolution)
            origin = {
                "inherited": f" (inherited from {term.via})",
                "policy": f" (policy incorporated by {term.via})",
            }.get(term.source, "")
            section = f" {fact.section}" if fact.section else ""
            if location.startswith("criteria/"):
                detail = f"{term.license.name}{section}: {fact.summary}{origin} [{how}]"
            else:
                detail = f"{term.license.name}{section}: {fact.summary}{origin}"
            out.append(Finding(kind=fact.kind, detail=detail, location=location,
                               evidence_kind=LINEAGE if term.source == "inherited" else LICENSE_CLAUSE,
                               license_key=term.license.key))
    for flagged in resolution.red_flags:
        flag = flagged.flag
        lines = f"#L{flag.line_start}" + (f"-L{flag.line_end}" if flag.line_end != flag.line_start else "")
        out.append(Finding(kind=flag.kind, detail=f"Unrecognised license text: \"{flag.sentence}\"",
                           location=f"{flagged.file}{lines}", evidence_kind=LICENSE_CLAUSE, heuristic=True))
    if card_value(evidence, "extra_gated_eu_disallowed") is True and evidence.gated:
        out.append(Finding(kind="territory-exclusion",
                           detail="The access gate blocks users in the European Union (extra_gated_eu_disallowed).",
                           location="cardData.extra_gated_eu_disallowed", evidence_kind=CARD_FIELD))
    return out
