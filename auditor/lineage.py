"""Lineage: walk a model's bases up to the roots; the terms of every ancestor bind its derivatives.

Where a model names its bases is read by auditor/bases.py; a base named only in adapter_config.json or card prose
is reported here as an `undeclared-base`. Ancestors are read once per run through a shared, thread-safe
`AncestorCache`, with the Hub's light read (model info, plus a license text only when the card names no license).

Findings along the chain: `license-conflict` (a derivative declaring terms more permissive than an ancestor's),
the obligations an ancestor's license puts on derivatives where it states them (`derivative-naming`,
`attribution-notice`, `pass-through-restrictions`), `relicensed-quantization`, and the walk's own limits
(`cycle`, `missing-base`, `depth-limit`, `ancestor-license-unknown`)."""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import networkx as nx

from auditor.bases import (
    FOUND_IN_ADAPTER_CONFIG,
    FOUND_IN_CARD,
    FOUND_IN_PROSE,
    BaseLink,
    Bases,
    bases_of,
)
from auditor.card import as_str_list, card_value, readme
from auditor.criteria import OSD_LICENSE_IDS
from auditor.errors import AuditError, HubUnreachable, NotInSnapshot
from auditor.evidence import READ_OK, READ_TOO_LARGE, RepoEvidence
from auditor.hub.base import Hub
from auditor.licenses.families import suspected_family
from auditor.licenses.identify import BindingTerms, LicenseResolution, resolve_license
from auditor.licenses.knowledge import LicenseFact, LicenseInfo
from auditor.probes import LINEAGE, Finding
from auditor.vocabulary import Severity

DEFAULT_MAX_DEPTH = 32
# Terms a derivative states itself (not policies they pull in, not names met in prose).
OWN_SOURCES = ("license-file", "card", "gate-text")
_LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|notice)([._-].*)?$", re.I)


# -- what the walk reports ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ancestor:
    id: str
    relation: str  # finetune | adapter | quantized | merge | unknown
    depth: int
    license: str | None  # the ancestor's identified license (SPDX / LicenseRef), else its declared id
    declared: str | None = None
    classification: str | None = None
    named_by: str | None = None  # the derivative that names it as its base
    found_in: str = "card"  # card | adapter-config | card-prose: where that derivative names it


@dataclass(frozen=True)
class LineageFinding:
    kind: str  # license-conflict | undeclared-base | missing-base | cycle | depth-limit | ...
    severity: str  # info | warning | critical
    detail: str
    ancestor: str | None = None
    location: str | None = None
    clause: str | None = None  # the ancestor license's clause behind the finding, e.g. "Llama 3.1 ... §1.b.i"


# Lineage findings that leave inherited terms unknown: a license clause cannot pass while they stand.
UNRESOLVED_KINDS = frozenset({"missing-base", "ancestor-license-unknown", "depth-limit"})


@dataclass(frozen=True)
class Lineage:
    ancestors: tuple[Ancestor, ...] = ()
    inherited: tuple[BindingTerms, ...] = ()  # terms of ancestors that bind this model
    findings: tuple[LineageFinding, ...] = ()
    ancestor_evidence: tuple[Any, ...] = field(default=(), compare=False)  # RepoEvidence, kept for snapshots
    edges: tuple[tuple[str, str, str], ...] = ()  # (base, derivative, relation) for every link walked

    def unresolved(self) -> tuple[Finding, ...]:
        """The findings that leave inherited terms unknown, as probe input (auditor/probes/context.py)."""
        return tuple(
            Finding(kind=f.kind, detail=f.detail, evidence_kind=LINEAGE,
                    location=f.location or (f"lineage:{f.ancestor}" if f.ancestor else "lineage"))
            for f in self.findings
            if f.kind in UNRESOLVED_KINDS and f.severity in (Severity.WARNING, Severity.CRITICAL))


# -- the shared ancestor cache ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CachedRepo:
    """One ancestor as read once per run: its evidence (or why it could not be read), its terms and its bases."""

    evidence: RepoEvidence | None
    error: AuditError | None = None
    resolution: LicenseResolution | None = None
    bases: Bases = field(default_factory=Bases)


class AncestorCache:
    """Ancestors shared across the audits of one run: a batch of 1,000 fine-tunes reads their base once.

    Thread-safe: one lock per repo id, so two audits reaching the same base at once fetch it once; other repos
    are fetched in parallel. A Hub that cannot be reached is not cached (the next audit tries again)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], CachedRepo] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._memo: dict[tuple[str, ...], object] = {}
        self._guard = threading.Lock()
        self.fetches = 0  # Hub reads made through this cache (for budgets and tests)

    @property
    def evidence(self) -> dict[str, RepoEvidence | AuditError]:
        with self._guard:
            return {rid: (e.evidence or e.error) for (_, rid), e in self._entries.items()}  # type: ignore[misc]

    def entry(self, hub: Hub, repo_id: str) -> CachedRepo:
        key = (getattr(hub, "source", "hub"), repo_id)
        with self._guard:
            if key in self._entries:
                return self._entries[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._entries:
                    return self._entries[key]
            got = self._read(hub, repo_id)
            with self._guard:
                self._entries[key] = got
            return got

    def get(self, hub: Hub, repo_id: str) -> RepoEvidence | AuditError:
        got = self.entry(hub, repo_id)
        return got.evidence if got.evidence is not None else got.error  # type: ignore[return-value]

    def memo(self, key: tuple[str, ...], compute):  # noqa: ANN001, ANN201 - any pure function of cached evidence
        """A value computed once per run from cached evidence (e.g. an ancestor's classification)."""
        with self._guard:
            if key in self._memo:
                return self._memo[key]
        value = compute()  # pure: two threads computing it at once get equal values
        with self._guard:
            return self._memo.setdefault(key, value)

    def _read(self, hub: Hub, repo_id: str) -> CachedRepo:
        try:
            with self._guard:
                self.fetches += 1
            evidence = hub.repo(repo_id, texts=False)
            resolution = resolve_license(evidence)
            if not resolution.terms and _unread_license_files(evidence):
                # The card names a license we do not know and its license file was skipped: read it after all.
                with self._guard:
                    self.fetches += 1
                evidence = hub.repo(repo_id, evidence.revision or None)
                resolution = resolve_license(evidence)
        except HubUnreachable as exc:
            if isinstance(exc, NotInSnapshot):  # the snapshot simply does not hold it: a gap, not a failure
                return CachedRepo(None, exc)
            raise
        except AuditError as exc:
            return CachedRepo(None, exc)
        return CachedRepo(evidence, None, resolution, bases_of(evidence))


def _unread_license_files(evidence: RepoEvidence) -> bool:
    read = {t.path for t in evidence.texts}
    return any("/" not in p and _LICENSE_FILE.match(p) and p not in read for p in evidence.file_paths())


# -- license comparisons ----------------------------------------------------------------------------------------------
@cache
def restrictive_fact_kinds() -> frozenset[str]:
    """Fact kinds that fail an OSD license criterion, read from criteria/*.yaml (so the two never drift apart)."""
    from auditor.criteria import load_criteria

    return frozenset(kind for c in load_criteria() if c.id in OSD_LICENSE_IDS for kind in c.fails_on)


def own_terms(resolution: LicenseResolution) -> list[BindingTerms]:
    return [t for t in resolution.terms if t.source in OWN_SOURCES]


def _restrictions(licenses: list[LicenseInfo]) -> dict[str, tuple[LicenseInfo, LicenseFact]]:
    out: dict[str, tuple[LicenseInfo, LicenseFact]] = {}
    for lic in licenses:
        for fact in lic.facts:
            if fact.kind in restrictive_fact_kinds():
                out.setdefault(fact.kind, (lic, fact))
    return out


def with_policies(licenses: list[LicenseInfo]) -> list[LicenseInfo]:
    from auditor.licenses.knowledge import load_knowledge

    kb = load_knowledge()
    out = list(licenses)
    for lic in licenses:
        out.extend(p for p in (kb.by_key(k) for k in lic.policies) if p is not None and p not in out)
    return out


# The clause a conflict cites first: the restrictions readers know a license by, before formalities.
_SALIENCE = ("non-commercial", "research-only", "no-derivatives", "use-restrictions", "user-threshold",
             "revenue-threshold", "entity-exclusion", "territory-exclusion", "output-restriction")


@dataclass(frozen=True)
class Conflict:
    severity: str  # critical: an open license over a restricted base; warning: another mismatch
    reason: str
    clause: str


def license_conflict(derivative: list[LicenseInfo], ancestor: list[LicenseInfo]) -> Conflict | None:
    """Does a derivative declaring `derivative` claim more than an ancestor under `ancestor` allows?

    Nothing declared is no conflict (the ancestor's terms simply apply). A derivative keeping a license of the
    ancestor's family is no conflict either; otherwise every restrictive clause of the ancestor's terms must be in
    the derivative's own terms, and a copyleft ancestor needs a copyleft derivative."""
    if not derivative or not ancestor:
        return None
    families = {lic.family for lic in derivative}
    if families & {lic.family for lic in ancestor}:
        return None
    theirs = _restrictions(with_policies(ancestor))
    ours = _restrictions(with_policies(derivative))
    dropped = sorted(((kind, lic, fact) for kind, (lic, fact) in theirs.items() if kind not in ours),
                     key=lambda item: _SALIENCE.index(item[0]) if item[0] in _SALIENCE else len(_SALIENCE))
    declared = ", ".join(dict.fromkeys(lic.name for lic in derivative))
    open_terms = all(lic.category in ("osi-approved", "open-data") for lic in derivative)
    if dropped:
        kind, lic, fact = dropped[0]
        what = ", ".join(dict.fromkeys(k.replace("-", " ") for k, _, _ in dropped))
        return Conflict("critical" if open_terms else "warning",
                        f"declares {declared}, which drops the {what} of {lic.name}",
                        f"{lic.name} {fact.section}".strip())
    copyleft = [(lic, fact) for lic in ancestor for fact in lic.facts_of("copyleft")]
    if copyleft and not any(lic.facts_of("copyleft") for lic in derivative):
        lic, fact = copyleft[0]
        return Conflict("warning", f"declares {declared}, but {lic.name} requires derivatives to keep its terms",
                        f"{lic.name} {fact.section}".strip())
    return None


def _names(licenses: list[LicenseInfo]) -> str:
    return ", ".join(dict.fromkeys(lic.name for lic in licenses))


def _quoted(summary: str) -> str | None:
    """The quoted word or phrase a fact's summary names ('... a name beginning with "Llama" ...')."""
    match = re.search(r"\"([^\"]{2,60})\"", summary)
    return match.group(1) if match else None


# -- the walk -----------------------------------------------------------------------------------------------------------
@dataclass
class _Reached:
    """An ancestor reached by the walk: its nearest depth, how it was named, and its cached read."""

    ancestor: Ancestor
    cached: CachedRepo


class _Walk:
    """One breadth-first walk from a model up to its roots: the state the steps share."""

    def __init__(self, hub: Hub, cache: AncestorCache, focal: str, max_depth: int) -> None:
        self.hub, self.cache, self.focal, self.max_depth = hub, cache, focal, max_depth
        self.up = nx.DiGraph()  # derivative -> base, the direction of the walk
        self.up.add_node(focal)
        self.reached: dict[str, _Reached] = {}
        self.findings: list[LineageFinding] = []
        self.edges: list[tuple[str, str, str]] = []
        self.queue: deque[tuple[str, Bases, int]] = deque()
        self.depth_limited = False

    def run(self, bases: Bases) -> None:
        self.queue.append((self.focal, bases, 0))
        while self.queue:
            child, bases, depth = self.queue.popleft()
            self.findings.extend(_declaration_findings(child, bases, child == self.focal))
            for link in bases.links:
                self.follow(child, link, bases.relation, depth)

    def _link(self, child: str, base_id: str, relation: str) -> None:
        self.up.add_edge(child, base_id, relation=relation)
        self.edges.append((base_id, child, relation))

    def follow(self, child: str, link: BaseLink, relation: str, depth: int) -> None:
        """One base named by `child` at `depth`: checked for loops and the depth limit, read, and queued."""
        base_id = link.id
        if base_id == child or (base_id in self.up and nx.has_path(self.up, base_id, child)):
            self.findings.append(LineageFinding(
                "cycle", "warning", f"{child} names {base_id} as its base, but {base_id} already descends from "
                f"{child}: the chain loops, and the walk stops there.", ancestor=base_id, location=link.location))
            return
        if base_id in self.up:  # reached before along another path (a merge of relatives): link it, read it once
            self._link(child, base_id, relation)
            return
        if depth + 1 > self.max_depth:
            self._depth_limit(child, link)
            return
        cached = self.cache.entry(self.hub, base_id)
        self._link(child, base_id, relation)
        self.reached[base_id] = _Reached(_ancestor(base_id, relation, depth + 1, child, link, cached), cached)
        if cached.evidence is None:
            reason = cached.error.message if cached.error else "it could not be read"
            self.findings.append(LineageFinding(
                # A base met only in prose may be a false reading, except for a merge: a merge is nothing but its
                # parts, so parts whose terms are unknown leave its terms unknown.
                "missing-base", "info" if link.found_in == FOUND_IN_PROSE and relation != "merge" else "warning",
                f"{child} names {base_id} as its base, but it cannot be read: {reason.rstrip('.')}. Its terms are "
                "unknown and not counted.", ancestor=base_id, location=link.location))
            return
        if cached.resolution is not None and not cached.resolution.terms:
            self.findings.append(LineageFinding(
                "ancestor-license-unknown", "warning", f"The license of {base_id} could not be identified; "
                "whatever terms it imposes on its derivatives are not counted.", ancestor=base_id))
        self.queue.append((base_id, cached.bases, depth + 1))

    def _depth_limit(self, child: str, link: BaseLink) -> None:
        if self.depth_limited:
            return
        self.depth_limited = True
        self.findings.append(LineageFinding(
            "depth-limit", "warning", f"The walk stopped at depth {self.max_depth}: {child} names {link.id} as its "
            "base, and it and any older ancestors were not read; their terms are not counted.", ancestor=link.id,
            location=link.location))

    def inherited(self) -> tuple[BindingTerms, ...]:
        return tuple(
            BindingTerms(term.license, "inherited", f"lineage:{rid}", None, rid)
            for rid, r in self.reached.items() if r.cached.resolution is not None
            for term in r.cached.resolution.terms if term.source != "inherited")


def family_base(evidence: RepoEvidence) -> tuple[tuple[BindingTerms, ...], list[LineageFinding]]:
    """A repo that declares no base but names a known family (tags, repo name, card prose): an `undeclared-base`
    finding, and the family's terms inherited from the *suspected* base when the family has one license."""
    match = suspected_family(evidence)
    if match is None:
        return (), []
    family, lic = match.family, match.family.license
    if lic is None:
        return (), [LineageFinding(
            "undeclared-base", "info", f"{evidence.repo_id} declares no base_model, but {match.signal} names the "
            f"{family.name} family (suspected base); its releases differ in license, so no terms are inherited.",
            location=match.location)]
    via = f"the suspected {family.name} base"
    terms = [BindingTerms(lic, "inherited", f"family:{family.id}", None, via)]
    terms += [BindingTerms(p, "inherited", f"family:{family.id}", None, via) for p in with_policies([lic])[1:]]
    return tuple(terms), [LineageFinding(
        "undeclared-base", "warning", f"{evidence.repo_id} declares no base_model, but {match.signal} names the "
        f"{family.name} family: the {lic.name} is inherited from the suspected base (not a declared one).",
        location=match.location)]


def trace_ancestors(hub: Hub, evidence: RepoEvidence, max_depth: int = DEFAULT_MAX_DEPTH,
                    cache: AncestorCache | None = None) -> Lineage:
    """Walk from `evidence` up to the roots (breadth first, nearest depth wins) and check the chain."""
    walk = _Walk(hub, cache or AncestorCache(), evidence.repo_id, max_depth)
    focal_bases = bases_of(evidence)
    walk.run(focal_bases)
    findings = [*walk.findings, *chain_findings(evidence, focal_bases, walk.reached)]
    inherited = walk.inherited()
    if not focal_bases.links and not focal_bases.invalid:
        suspected, family_findings = family_base(evidence)
        inherited += suspected
        findings.extend(family_findings)
    reached = walk.reached.values()
    return Lineage(tuple(r.ancestor for r in reached), inherited, tuple(findings),
                   tuple(r.cached.evidence for r in reached if r.cached.evidence is not None), tuple(walk.edges))


def _ancestor(base_id: str, relation: str, depth: int, child: str, link: BaseLink, cached: CachedRepo) -> Ancestor:
    declared_ids = as_str_list(card_value(cached.evidence, "license"))[0] if cached.evidence else []
    res = cached.resolution
    primary = own_terms(res)[0] if res and own_terms(res) else (res.primary if res else None)
    license_id = primary.license.spdx if primary else (declared_ids[0] if declared_ids else None)
    return Ancestor(base_id, relation, depth, license_id, declared_ids[0] if declared_ids else None,
                    named_by=child, found_in=link.found_in)


def _declaration_findings(child: str, bases: Bases, is_focal: bool) -> list[LineageFinding]:
    out = []
    carded = [link.id for link in bases.links if link.found_in == FOUND_IN_CARD]
    for link in bases.links:
        if link.found_in == FOUND_IN_CARD:
            continue
        where = ("adapter_config.json (base_model_name_or_path)" if link.found_in == FOUND_IN_ADAPTER_CONFIG
                 else f"the card's prose ({link.location})")
        also = f"; the card's base_model names {', '.join(carded)} instead" if carded else \
            "; the card's base_model field is empty"
        out.append(LineageFinding(
            "undeclared-base", ("warning" if is_focal and not carded else "info"),
            f"{child} is built on {link.id} according to {where}{also}. Its terms are counted.",
            ancestor=link.id, location=link.location))
    for value in bases.invalid:
        out.append(LineageFinding(
            "missing-base", "warning" if is_focal else "info",
            f"{child} names '{value}' as its base, which is not a Hub model id (a local path?): the base cannot "
            "be followed and its terms are unknown.", location="cardData.base_model"))
    return out


def chain_findings(evidence: RepoEvidence, bases: Bases, reached: dict[str, _Reached]) -> list[LineageFinding]:
    """What the audited model owes its ancestors, and where it claims more than they allow."""
    own = own_terms(resolve_license(evidence))
    own_licenses = list(dict.fromkeys(t.license for t in own))
    findings: list[LineageFinding] = []
    by_license: dict[str, tuple[str, LicenseInfo]] = {}  # nearest ancestor per license key
    for rid, r in sorted(reached.items(), key=lambda item: item[1].ancestor.depth):
        if r.cached.resolution is None:
            continue
        for term in own_terms(r.cached.resolution) or list(r.cached.resolution.terms):
            by_license.setdefault(term.license.key, (rid, term.license))

    flagged: set[str] = set()
    for rid, lic in by_license.values():
        conflict = license_conflict(own_licenses, [lic])
        if conflict and rid + lic.family not in flagged:
            flagged.add(rid + lic.family)
            findings.append(LineageFinding(
                "license-conflict", conflict.severity,
                f"{evidence.repo_id} {conflict.reason} ({rid}, depth {reached[rid].ancestor.depth}). A derivative "
                f"cannot grant more than its base allows: the ancestor's terms still bind.",
                ancestor=rid, location=own[0].location if own else "cardData.license", clause=conflict.clause))
    findings.extend(_obligations(evidence, own_licenses, by_license))
    findings.extend(_relicensed_quantizations(evidence, own_licenses, bases, reached))
    return findings


def _notices(evidence: RepoEvidence) -> list[str]:
    """The texts where a derivative shows required notices: its card and NOTICE files."""
    card = readme(evidence)
    notices = [card.body] if card else []
    return notices + [t.content for t in evidence.texts if t.content and t.status in (READ_OK, READ_TOO_LARGE)
                      and t.path.lower().startswith("notice")]


def _naming(evidence: RepoEvidence, rid: str, lic: LicenseInfo, fact: LicenseFact, clause: str) -> LineageFinding | None:
    prefix = _quoted(fact.summary)
    name = evidence.repo_id.rsplit("/", 1)[-1]
    if not prefix or name.lower().startswith(prefix.lower()):
        return None
    return LineageFinding("derivative-naming", "warning", f"{lic.name} (inherited from {rid}) requires a derivative's "
                          f"name to begin with \"{prefix}\"; '{name}' does not.", ancestor=rid, location="id",
                          clause=clause)


def _attribution(notices: list[str], rid: str, lic: LicenseInfo, fact: LicenseFact,
                 clause: str) -> LineageFinding | None:
    phrase = _quoted(fact.summary)
    if not notices:
        return LineageFinding("attribution-notice", "info", f"{lic.name} (inherited from {rid}) requires derivatives "
                              f"to show \"{phrase}\"; the card could not be read to check.", ancestor=rid,
                              location="README.md", clause=clause)
    if any(re.search(p, text, re.I) for p in fact.patterns for text in notices):
        return None
    return LineageFinding("attribution-notice", "warning", f"{lic.name} (inherited from {rid}) requires derivatives "
                          f"to display \"{phrase}\"; the card and notice files do not.", ancestor=rid,
                          location="README.md", clause=clause)


def _pass_through(own_licenses: list[LicenseInfo], rid: str, lic: LicenseInfo, clause: str) -> LineageFinding | None:
    if any(o.family == lic.family for o in own_licenses):
        return None
    declared = (f"its own license ({', '.join(o.name for o in own_licenses)}) is not of the {lic.family} family"
                if own_licenses else "it declares no license of its own")
    return LineageFinding("pass-through-restrictions", "warning", f"{lic.name} (inherited from {rid}) requires every "
                          f"derivative to carry its use restrictions in its own terms; {declared}, so they are not "
                          "passed on.", ancestor=rid, location="cardData.license", clause=clause)


def _obligations(evidence: RepoEvidence, own_licenses: list[LicenseInfo],
                 by_license: dict[str, tuple[str, LicenseInfo]]) -> list[LineageFinding]:
    """What each ancestor's license asks of derivatives (naming, attribution, passing restrictions on), once per
    license family and obligation, checked against the derivative."""
    out: list[LineageFinding] = []
    notices = _notices(evidence)
    seen: set[tuple[str, str]] = set()
    for rid, lic in by_license.values():
        for fact in lic.facts:
            if (lic.family, fact.kind) in seen:
                continue
            clause = f"{lic.name} {fact.section}".strip()
            found: LineageFinding | None
            if fact.kind == "derivative-naming":
                found = _naming(evidence, rid, lic, fact, clause)
            elif fact.kind == "attribution-notice" and _quoted(fact.summary) and fact.patterns:
                found = _attribution(notices, rid, lic, fact, clause)
            elif fact.kind == "pass-through-restrictions":
                found = _pass_through(own_licenses, rid, lic, clause)
            else:
                continue
            seen.add((lic.family, fact.kind))
            if found:
                out.append(found)
    return out


def _relicensed_quantizations(evidence: RepoEvidence, own_licenses: list[LicenseInfo], bases: Bases,
                              reached: dict[str, _Reached]) -> list[LineageFinding]:
    if bases.relation != "quantized" or not own_licenses:
        return []
    out = []
    ours = {lic.key for lic in own_licenses}
    for link in bases.links:
        r = reached.get(link.id)
        if r is None or r.cached.resolution is None:
            continue
        base_licenses = [t.license for t in own_terms(r.cached.resolution)]
        if base_licenses and {lic.key for lic in base_licenses} != ours:
            out.append(LineageFinding(
                "relicensed-quantization", "warning",
                f"{evidence.repo_id} is a quantisation of {link.id} but declares {_names(own_licenses)} where its "
                f"base declares {_names(base_licenses)}; quantising does not change the license.",
                ancestor=link.id, location="cardData.license"))
    return out

