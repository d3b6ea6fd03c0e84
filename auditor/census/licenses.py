"""Census license classes from the project's knowledge base: every Hub license id (and the names cards give
with `license: other`) mapped to its family, whether it is OSI-approved, and whether its terms fail an OSD clause."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from auditor.criteria import load_criteria
from auditor.licenses.knowledge import LicenseInfo, LicenseKnowledge, load_knowledge


@dataclass(frozen=True)
class LicenseClass:
    id: str  # the Hub id when the knowledge base gives one, else its key (licenses the Hub list lacks, e.g. qwen)
    name: str
    family: str
    category: str
    osi_approved: bool
    restrictive: bool  # the terms (or a policy they incorporate) state a fact that fails an OSD criterion
    failing_facts: tuple[str, ...]


def osd_failing_kinds() -> frozenset[str]:
    """Fact kinds that fail at least one Open Source Definition criterion (criteria/*.yaml, section osd)."""
    return frozenset(kind for c in load_criteria() if c.section == "osd" for kind in c.fails_on)


def _facts_with_policies(lic: LicenseInfo, kb: LicenseKnowledge) -> set[str]:
    kinds = {fact.kind for fact in lic.facts}
    for key in lic.policies:
        policy = kb.by_key(key)
        if policy is not None:
            kinds |= {fact.kind for fact in policy.facts}
    return kinds


def census_id(lic: LicenseInfo) -> str:
    return lic.hub_ids[0].lower() if lic.hub_ids else lic.key


@cache
def license_classes() -> tuple[LicenseClass, ...]:
    kb = load_knowledge()
    failing = osd_failing_kinds()
    out = []
    for lic in kb.licenses:
        fails = tuple(sorted(_facts_with_policies(lic, kb) & failing))
        out.append(LicenseClass(id=census_id(lic), name=lic.name, family=lic.family, category=lic.category,
                                osi_approved=lic.osi_approved, restrictive=bool(fails) and not lic.osi_approved,
                                failing_facts=fails))
    return tuple(sorted(out, key=lambda c: c.id))


@cache
def license_name_aliases() -> tuple[tuple[str, str], ...]:
    """(lower-case name, census id) pairs that a card's `license_name` (with `license: other`) may use: the
    knowledge base keys, Hub ids, SPDX ids, names and aliases. An ambiguous name (two licenses) is left out."""
    kb = load_knowledge()
    seen: dict[str, str | None] = {}
    for lic in kb.licenses:
        for name in {lic.key, lic.spdx, lic.name, *lic.hub_ids, *lic.aliases}:
            key = name.strip().lower()
            if key in seen and seen[key] != census_id(lic):
                seen[key] = None
            else:
                seen[key] = census_id(lic)
    return tuple(sorted((name, cid) for name, cid in seen.items() if cid is not None))
