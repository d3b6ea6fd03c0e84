"""Lineage: walk a model's bases up to the roots; the terms of every ancestor bind its derivatives.

Bases come from the card's `base_model` (string or list) and `base_model_relation`; when the card names none,
from `adapter_config.json` (`base_model_name_or_path`) or from card prose ("fine-tuned from <id or Hub URL>"),
which is reported as an `undeclared-base`. Ancestors are read once per run through a shared, thread-safe
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

import networkx as nx

from auditor.card import as_str_list, card_value, readme
from auditor.errors import AuditError, HubUnreachable
from auditor.evidence import READ_OK, READ_TOO_LARGE, RepoEvidence
from auditor.hub.base import Hub
from auditor.licenses.identify import BindingTerms, LicenseResolution, resolve_license
from auditor.licenses.knowledge import LicenseFact, LicenseInfo
from auditor.probes.publication import config_of
from auditor.repoid import validate_repo_id
from auditor.report import Ancestor, Lineage, LineageFinding

DEFAULT_MAX_DEPTH = 32
RELATIONS = ("adapter", "merge", "quantized", "finetune")
FOUND_IN_CARD, FOUND_IN_ADAPTER_CONFIG, FOUND_IN_PROSE = "card", "adapter-config", "card-prose"
# Files that make a repo a quantisation when its card does not say (AutoGPTQ and AutoAWQ side configs).
QUANTIZATION_FILES = ("quantize_config.json", "quant_config.json")
# Terms a derivative states itself (not policies they pull in, not names met in prose).
OWN_SOURCES = ("license-file", "card", "gate-text")
_LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|notice)([._-].*)?$", re.I)
_PROSE_LIMIT = 200_000


# -- where a model names its bases --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BaseLink:
    id: str
    found_in: str  # card | adapter-config | card-prose
    location: str  # "cardData.base_model", "adapter_config.json", "README.md#L12"


@dataclass(frozen=True)
class Bases:
    links: tuple[BaseLink, ...] = ()
    relation: str = "finetune"
    invalid: tuple[str, ...] = ()  # values named as a base that are not Hub model ids (local paths, junk)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(link.id for link in self.links)


_URL_PAGES = ("tree", "blob", "resolve", "commit", "commits", "discussions", "raw")
_HF_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?:models/)?", re.I)


def normalise_base_id(value: str) -> str | None:
    """A Hub model id from a `base_model` value or URL, or None when it is not one (a local path, a dataset)."""
    text = value.strip().strip("`'\"<>")
    url = _HF_URL.match(text)
    if url:
        rest = text[url.end():]
        if rest.split("/", 1)[0] in ("datasets", "spaces", "docs", "blog", "papers", "collections"):
            return None
        parts = [p for p in rest.split("?", 1)[0].split("#", 1)[0].split("/") if p]
        if len(parts) >= 2 and parts[1] in _URL_PAGES:  # a page of a legacy id: huggingface.co/gpt2/tree/main
            parts = parts[:1]
        text = "/".join(parts[:2])
    text = text.rstrip(".,;:)")
    try:
        return validate_repo_id(text)
    except AuditError:
        return None


def declared_bases(evidence: RepoEvidence) -> list[str]:
    """The card's `base_model` ids (string or list), normalised; values that are not Hub ids are dropped."""
    values, _ = as_str_list(card_value(evidence, "base_model"))
    out = [normalise_base_id(v) for v in values]
    return list(dict.fromkeys(b for b in out if b))


def is_quantized(evidence: RepoEvidence) -> bool:
    """GPTQ/AWQ/bitsandbytes/... `quantization_config` in config.json, a GGUF file, or a quantiser's side config."""
    config = config_of(evidence)
    if config and isinstance(config.get("quantization_config"), dict):
        return True
    return any(p.endswith(".gguf") or p.rsplit("/", 1)[-1] in QUANTIZATION_FILES for p in evidence.file_paths())


def is_adapter(evidence: RepoEvidence) -> bool:
    return any(p == "adapter_config.json" or p.endswith("/adapter_config.json") for p in evidence.file_paths())


def relation_of(evidence: RepoEvidence, n_bases: int) -> str:
    """The card's `base_model_relation`, else the Hub's own, else inferred the way the Hub does."""
    declared = card_value(evidence, "base_model_relation")
    if isinstance(declared, str) and declared.strip().lower() in RELATIONS:
        return declared.strip().lower()
    hub_field = evidence.base_models_field or {}
    if isinstance(hub_field.get("relation"), str) and hub_field["relation"] in RELATIONS:
        return hub_field["relation"]
    if is_adapter(evidence):
        return "adapter"
    if is_quantized(evidence):
        return "quantized"
    if n_bases > 1:
        return "merge"
    return "finetune"


def adapter_base(evidence: RepoEvidence) -> tuple[str | None, str | None]:
    """(Hub id, raw value) of adapter_config.json's `base_model_name_or_path`; the id is None for a local path."""
    config = config_of(evidence, "adapter_config.json")
    raw = config.get("base_model_name_or_path") if config else None
    if not isinstance(raw, str) or not raw.strip():
        return None, None
    return normalise_base_id(raw), raw.strip()


# Phrases that introduce a base in card prose. "trained on" is left out on purpose: it introduces datasets.
_PROSE_CUE = re.compile(
    r"\b(?:(?:fine[- ]?tuned|finetuned|quanti[sz]ed|distilled|adapted|converted|merged)\s+"
    r"(?:version\s+of|from|upon|on\s+top\s+of)"
    r"|(?:fine[- ]?tune|finetune|quanti[sz]ation|merge|gguf|gptq|awq|exl2)\s+(?:version\s+)?of"
    r"|(?:lora|adapter)\s+(?:for|of|on)"
    r"|based\s+(?:on|upon)|built\s+(?:on(?:\s+top\s+of)?|upon)|derived\s+from)\b", re.I)
_PROSE_ID = re.compile(
    r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/(?!datasets/|spaces/|docs/|blog/|papers/|collections/)"
    r"(?P<url>[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?)"
    r"|(?<![\w./:@-])(?P<bare>[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*[A-Za-z0-9_])(?![\w/])")
_DATASET_AFTER = re.compile(r"\s*`?\)?\s*(?:dataset|corpus|data\b)", re.I)


def prose_bases(evidence: RepoEvidence) -> tuple[list[str], int | None]:
    """Bases the card's prose names ("a fine-tuned version of <id or Hub URL>"), with the README line."""
    card = readme(evidence)
    if card is None:
        return [], None
    body = card.body[:_PROSE_LIMIT]
    datasets = set(as_str_list(card_value(evidence, "datasets"))[0])
    for cue in _PROSE_CUE.finditer(body):
        line_end = body.find("\n", cue.end())
        window = body[cue.end(): min(cue.end() + 200, line_end if line_end >= 0 else len(body))]
        found: list[str] = []
        for match in _PROSE_ID.finditer(window):
            if match.start() > 120 and not found:
                break  # too far from the cue to be what it introduces
            candidate = normalise_base_id(match.group("url") or match.group("bare"))
            if not candidate or candidate in datasets or _DATASET_AFTER.match(window, match.end()):
                continue
            if candidate not in found:
                found.append(candidate)
            if not cue.group(0).lower().startswith("merge"):
                break  # one base per cue, except "merge of A and B"
        if found:
            return found, card.body_offset + body.count("\n", 0, cue.start())
    return [], None


def bases_of(evidence: RepoEvidence) -> Bases:
    """Where `evidence` says it comes from: the card first, then adapter_config.json, then card prose."""
    values, _ = as_str_list(card_value(evidence, "base_model"))
    links: list[BaseLink] = []
    invalid: list[str] = []
    for value in values:
        base = normalise_base_id(value)
        if base is None:
            invalid.append(value[:120])
        elif base not in [link.id for link in links]:
            links.append(BaseLink(base, FOUND_IN_CARD, "cardData.base_model"))
    declared = len(links)
    adapter_id, adapter_raw = adapter_base(evidence)
    if adapter_id and adapter_id not in [link.id for link in links]:
        # An adapter only runs on the model it was trained on: that model's terms bind even if the card says else.
        links.append(BaseLink(adapter_id, FOUND_IN_ADAPTER_CONFIG, "adapter_config.json#base_model_name_or_path"))
    elif adapter_raw and not adapter_id and not links:
        invalid.append(adapter_raw[:120])
    if not links:
        ids, line = prose_bases(evidence)
        links.extend(BaseLink(i, FOUND_IN_PROSE, f"README.md#L{line}") for i in ids)
    return Bases(tuple(links), relation_of(evidence, max(declared, len(links))), tuple(invalid))


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
            if getattr(hub, "source", "hub") == "snapshot":  # the snapshot simply does not hold it
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
    from auditor.judge import OSD_LICENSE_IDS

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


def trace_ancestors(hub: Hub, evidence: RepoEvidence, max_depth: int = DEFAULT_MAX_DEPTH,
                    cache: AncestorCache | None = None) -> Lineage:
    """Walk from `evidence` up to the roots (breadth first, nearest depth wins) and check the chain."""
    cache = cache or AncestorCache()
    focal = evidence.repo_id
    up = nx.DiGraph()  # derivative -> base, the direction of the walk
    up.add_node(focal)
    reached: dict[str, _Reached] = {}
    findings: list[LineageFinding] = []
    edges: list[tuple[str, str, str]] = []
    focal_bases = bases_of(evidence)
    queue: deque[tuple[str, Bases, int]] = deque([(focal, focal_bases, 0)])
    depth_limited = False
    while queue:
        child, bases, depth = queue.popleft()
        findings.extend(_declaration_findings(child, bases, child == focal))
        for link in bases.links:
            base_id = link.id
            if base_id == child or (base_id in up and nx.has_path(up, base_id, child)):
                findings.append(LineageFinding(
                    "cycle", "warning", f"{child} names {base_id} as its base, but {base_id} already descends from "
                    f"{child}: the chain loops, and the walk stops there.", ancestor=base_id, location=link.location))
                continue
            if base_id in up:  # reached before along another path (a merge of relatives): link it, read it once
                up.add_edge(child, base_id, relation=bases.relation)
                edges.append((base_id, child, bases.relation))
                continue
            if depth + 1 > max_depth:
                if not depth_limited:
                    depth_limited = True
                    findings.append(LineageFinding(
                        "depth-limit", "warning", f"The walk stopped at depth {max_depth}: {child} names {base_id} "
                        "as its base, and it and any older ancestors were not read; their terms are not counted.",
                        ancestor=base_id, location=link.location))
                continue
            cached = cache.entry(hub, base_id)
            up.add_edge(child, base_id, relation=bases.relation)
            edges.append((base_id, child, bases.relation))
            reached[base_id] = _Reached(_ancestor(base_id, bases.relation, depth + 1, child, link, cached), cached)
            if cached.evidence is None:
                reason = cached.error.message if cached.error else "it could not be read"
                severity = "info" if link.found_in == FOUND_IN_PROSE else "warning"
                findings.append(LineageFinding(
                    "missing-base", severity, f"{child} names {base_id} as its base, but it cannot be read: "
                    f"{reason.rstrip('.')}. Its terms are unknown and not counted.", ancestor=base_id,
                    location=link.location))
                continue
            if cached.resolution is not None and not cached.resolution.terms:
                findings.append(LineageFinding(
                    "ancestor-license-unknown", "warning", f"The license of {base_id} could not be identified; "
                    "whatever terms it imposes on its derivatives are not counted.", ancestor=base_id))
            queue.append((base_id, cached.bases, depth + 1))
    ancestors = tuple(r.ancestor for r in reached.values())
    inherited = tuple(
        BindingTerms(term.license, "inherited", f"lineage:{rid}", None, rid)
        for rid, r in reached.items() if r.cached.resolution is not None
        for term in r.cached.resolution.terms if term.source != "inherited"
    )
    findings.extend(chain_findings(evidence, focal_bases, reached))
    return Lineage(ancestors, inherited, tuple(findings),
                   tuple(r.cached.evidence for r in reached.values() if r.cached.evidence is not None), tuple(edges))


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
    findings.extend(_obligations(evidence, own_licenses, by_license, reached))
    findings.extend(_relicensed_quantizations(evidence, own_licenses, bases, reached))
    return findings


def _obligations(evidence: RepoEvidence, own_licenses: list[LicenseInfo], by_license: dict[str, tuple[str, LicenseInfo]],
                 reached: dict[str, _Reached]) -> list[LineageFinding]:
    out: list[LineageFinding] = []
    name = evidence.repo_id.rsplit("/", 1)[-1]
    card = readme(evidence)
    notices = [card.body] if card else []
    notices += [t.content for t in evidence.texts if t.content and t.status in (READ_OK, READ_TOO_LARGE)
                and t.path.lower().startswith("notice")]
    seen: set[tuple[str, str]] = set()
    for rid, lic in by_license.values():
        for fact in lic.facts:
            if (lic.family, fact.kind) in seen:
                continue
            clause = f"{lic.name} {fact.section}".strip()
            if fact.kind == "derivative-naming":
                prefix = _quoted(fact.summary)
                seen.add((lic.family, fact.kind))
                if prefix and not name.lower().startswith(prefix.lower()):
                    out.append(LineageFinding(
                        "derivative-naming", "warning", f"{lic.name} (inherited from {rid}) requires a derivative's "
                        f"name to begin with \"{prefix}\"; '{name}' does not.", ancestor=rid, location="id",
                        clause=clause))
            elif fact.kind == "attribution-notice" and _quoted(fact.summary) and fact.patterns:
                seen.add((lic.family, fact.kind))
                phrase = _quoted(fact.summary)
                if not notices:
                    out.append(LineageFinding(
                        "attribution-notice", "info", f"{lic.name} (inherited from {rid}) requires derivatives to "
                        f"show \"{phrase}\"; the card could not be read to check.", ancestor=rid,
                        location="README.md", clause=clause))
                elif not any(re.search(p, text, re.I) for p in fact.patterns for text in notices):
                    out.append(LineageFinding(
                        "attribution-notice", "warning", f"{lic.name} (inherited from {rid}) requires derivatives to "
                        f"display \"{phrase}\"; the card and notice files do not.", ancestor=rid,
                        location="README.md", clause=clause))
            elif fact.kind == "pass-through-restrictions":
                seen.add((lic.family, fact.kind))
                if any(o.family == lic.family for o in own_licenses):
                    continue
                declared = (f"its own license ({', '.join(o.name for o in own_licenses)}) is not of the "
                            f"{lic.family} family" if own_licenses else "it declares no license of its own")
                out.append(LineageFinding(
                    "pass-through-restrictions", "warning", f"{lic.name} (inherited from {rid}) requires every "
                    f"derivative to carry its use restrictions in its own terms; {declared}, so they are not "
                    "passed on.", ancestor=rid, location="cardData.license", clause=clause))
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

