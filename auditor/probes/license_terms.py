"""Clause findings: every fact of every binding license, located in the repo's own file when we can."""

from __future__ import annotations

from auditor.card import card_value
from auditor.evidence import RepoEvidence
from auditor.licenses.identify import BindingTerms, LicenseResolution
from auditor.licenses.knowledge import LicenseFact, LicenseInfo
from auditor.probes import CARD_FIELD, LICENSE_CLAUSE, LINEAGE, Finding, ProbeResult, false, not_available, true
from auditor.probes.context import ProbeContext
from auditor.vocabulary import LicenseSource

# Licenses the MOF counts as open: OSI-approved or open-data categories, or OpenMDW-1.0 (frameworks.md §2a).
OPEN_CATEGORIES = {"osi-approved", "open-data"}


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
    copies = resolution.unread_copies()
    if copies:
        why = (f"{', '.join(copies)} not readable without access; terms from the identified "
               f"{' and '.join(dict.fromkeys(lic.name for lic in copies.values()))}")
    elif resolution.unreadable:
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
                               license_key=term.license.key, statement=f"{fact.summary}{origin}"))
    for flagged in resolution.red_flags:
        flag = flagged.flag
        lines = f"#L{flag.line_start}" + (f"-L{flag.line_end}" if flag.line_end != flag.line_start else "")
        out.append(Finding(kind=flag.kind, detail=f"Unrecognised license text: \"{flag.sentence}\"",
                           location=f"{flagged.file}{lines}", evidence_kind=LICENSE_CLAUSE, heuristic=True,
                           statement=f"\"{flag.sentence}\""))
    if card_value(evidence, "extra_gated_eu_disallowed") is True and evidence.gated:
        out.append(Finding(kind="territory-exclusion",
                           detail="The access gate blocks users in the European Union (extra_gated_eu_disallowed).",
                           location="cardData.extra_gated_eu_disallowed", evidence_kind=CARD_FIELD))
    return out


# -- probes (registered in auditor/probes/registry.py) -----------------------------------------------------------------
def probe_license_clauses(ctx: ProbeContext) -> ProbeResult:
    """Every restrictive or notable clause of the binding terms; criteria pick the kinds they fail on."""
    found = clause_findings(ctx.evidence, ctx.resolution)
    if found:
        return true(found, f"{len(found)} clause(s) of the binding terms are on record.")
    if not ctx.resolution.terms:
        return not_available("No license was identified, so its clauses are unknown.")
    return false("The binding terms contain no restrictive or notable clause.")


def license_basis(resolution: LicenseResolution) -> tuple[Finding, ...]:
    """The licenses that bind the model, each with where it was identified."""
    out = []
    for t in resolution.terms[:4]:
        osi = "an OSI-approved license" if t.license.osi_approved else f"category {t.license.category}"
        out.append(Finding("license", f"{t.license.name} ({t.license.spdx}), {osi}; identified from {t.source}.",
                           t.location, LICENSE_CLAUSE if t.source == LicenseSource.LICENSE_FILE else
                           (LINEAGE if t.source == LicenseSource.INHERITED else CARD_FIELD),
                           license_key=t.license.key))
    return tuple(out)


def _unestablished(resolution: LicenseResolution) -> str | None:
    """Why the binding terms cannot be cleared, or None when every one is known, reviewed and fully read."""
    terms = resolution.terms
    if not terms:
        why = "the license files could not be read" if resolution.unreadable else "no known license was identified"
        if resolution.red_flags:
            why = "the license text is not one we know; heuristic analysis found nothing on this clause"
        return f"Unknown: {why}."
    unreviewed = [t for t in terms if not (t.license.osi_approved or t.license.reviewed)]
    if unreviewed:
        return f"{unreviewed[0].license.name} was identified but its clauses have not been reviewed."
    if resolution.red_flags:
        return "An unrecognised license text also binds the model; it cannot be cleared."
    if not any(t.source != LicenseSource.INHERITED for t in terms):
        # Inherited terms bound a derivative from above; they never stand in for its own, unestablished license.
        return "The model's own license could not be established; inherited terms alone cannot clear it."
    if resolution.blocking_unreadable:
        # Unread known copies of a positively identified license do not block: their terms are the reviewed ones.
        return f"{', '.join(resolution.blocking_unreadable)} could not be read and may add terms, so this cannot pass."
    return None


def copies_note(resolution: LicenseResolution) -> str:
    """Said on every verdict judged from the knowledge base because the repo's own copies were not readable."""
    copies = resolution.unread_copies()
    if not copies:
        return ""
    names = " and ".join(dict.fromkeys(lic.name for lic in copies.values()))
    return f" {', '.join(copies)} not readable without access; terms from the identified {names} (reviewed knowledge base)."


def probe_license_established(ctx: ProbeContext) -> ProbeResult:
    """The binding terms are identified, reviewed and fully read: a clause absent from them is really absent."""
    basis = license_basis(ctx.resolution)
    why = _unestablished(ctx.resolution)
    if why:
        return not_available(why, basis)
    names = list(dict.fromkeys(t.license.name for t in ctx.resolution.terms))
    listed = ", ".join(names[:3]) + (" and others" if len(names) > 3 else "")
    every_osi = all(t.license.osi_approved for t in ctx.resolution.terms)
    kind = "OSI-approved" if every_osi else "reviewed and contain no such clause"
    note = copies_note(ctx.resolution)  # `value`: for the verdicts that fail on a clause of the same terms
    return true(basis, f"The binding terms ({listed}) are {kind}.{note}", value=note)


def is_open(lic: LicenseInfo | None) -> bool:
    return lic is not None and (lic.osi_approved or lic.category in OPEN_CATEGORIES or lic.spdx == "OpenMDW-1.0")


def probe_license_open(ctx: ProbeContext) -> ProbeResult:
    """The model's primary license is open in the MOF's sense; `value` is that license."""
    primary = ctx.resolution.primary
    if primary is None:
        return not_available("The license could not be established.")
    lic = primary.license
    basis = license_basis(ctx.resolution)[:1]
    if is_open(lic):
        return true(basis, f"{lic.name} is an open license.", value=lic)
    return false(f"{lic.name} is not an open license.", basis, value=lic)


def probe_ancestors_resolved(ctx: ProbeContext) -> ProbeResult:
    """Every ancestor's terms were read, so what the model inherits is known."""
    if ctx.unresolved_ancestors:
        return not_available("The terms of an ancestor could not be established, so inherited terms cannot be "
                             "cleared.", ctx.unresolved_ancestors[:3])
    return true((), "Every ancestor's terms were read.")
