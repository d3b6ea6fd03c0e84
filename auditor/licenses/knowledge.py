"""License facts as reviewable data: one YAML per license in criteria/licenses/."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from auditor.criteria import SAFE_LOADER
from auditor.paths import data_dir

# Every clause fact the knowledge base may state. The criteria YAML files map these to verdicts,
# so a new kind must be added here and to the criteria that care about it.
FACT_KINDS: frozenset[str] = frozenset(
    {
        "user-threshold",  # rights end above N users (e.g. 700M MAU): persons/groups
        "revenue-threshold",  # rights end above a revenue/company size: persons/groups
        "entity-exclusion",  # named companies, competitors or kinds of entity excluded
        "territory-exclusion",  # countries or regions excluded
        "use-restrictions",  # a list of prohibited uses, or an acceptable-use policy incorporated by reference
        "non-commercial",  # commercial use forbidden
        "research-only",  # only research / evaluation use
        "no-derivatives",  # modified versions may not be shared
        "output-restriction",  # outputs may not be used to train or improve other models
        "redistribution-restriction",  # redistribution forbidden, needs permission, or costs a fee
        "modified-distribution-restriction",  # modified weights may not be distributed (beyond renaming)
        "separate-agreement",  # recipients must accept or sign an extra agreement with the licensor
        "product-specific",  # rights tied to one product, platform or family
        "other-software-restriction",  # conditions on other works distributed alongside
        "technology-specific",  # acceptance or rights tied to one technology or interface
        "derivative-naming",  # derivatives must carry a name/prefix (allowed by OSD 4)
        "attribution-notice",  # notices/attribution required on redistribution (allowed)
        "pass-through-restrictions",  # derivatives must carry the same use restrictions
        "copyleft",  # derivatives must stay under the same license (allowed)
        "patent-grant",  # explicit patent license (informative)
    }
)


# A version marker or alias counts as a whole name: "llama 3" must not match inside "llama 3.1" or "xllama 3".
_BEFORE, _AFTER = r"(?<![\w.])", r"(?![\w]|\.\d)"


def whole_name(alternation: str) -> str:
    """A regex matching `alternation` (already escaped) only as a whole name, not inside a longer name."""
    return _BEFORE + "(" + alternation + ")" + _AFTER


def flatten(text: str) -> str:
    """Lower case with whitespace and Markdown emphasis collapsed, the form version markers are matched in."""
    return re.sub(r"[\s*_]+", " ", text.lower())


def marker_count(flat_text: str, markers: tuple[str, ...]) -> int:
    """How often any of `markers` occurs as a whole name in text already passed through `flatten`."""
    return sum(len(re.findall(whole_name(re.escape(flatten(m).strip())), flat_text)) for m in markers)


@dataclass(frozen=True)
class TextMatch:
    """A license text identified as one knowledge entry, by one detector."""

    key: str  # knowledge key (file stem in criteria/licenses/)
    score: float
    method: str  # "fingerprint" | "scancode"


@dataclass(frozen=True)
class LicenseFact:
    kind: str
    section: str  # where it sits in the license text, e.g. "§2 Additional Commercial Terms"
    summary: str  # our own words, never the license's
    patterns: tuple[str, ...] = ()  # case-insensitive regexes that locate the clause in a copy of the text
    value: int | float | str | None = None  # e.g. 700000000 for a user threshold

    def locate(self, text: str) -> tuple[int, int] | None:
        """1-based (first, last) line of the first pattern match in `text`, or None."""
        for pattern in self.patterns:
            match = re.search(pattern, text, re.IGNORECASE | re.DOTALL)
            if match:
                first = text.count("\n", 0, match.start()) + 1
                last = text.count("\n", 0, max(match.end() - 1, match.start())) + 1
                return first, last
        return None


@dataclass(frozen=True)
class LicenseInfo:
    key: str  # file stem in criteria/licenses/
    spdx: str  # SPDX id, or LicenseRef-scancode-<key> for licenses SPDX does not list
    name: str
    osi_approved: bool
    category: str  # osi-approved | open-data | non-commercial | vendor-community | responsible-ai | other
    hub_ids: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # names and spellings met in cards and gate texts (matched case-insensitively)
    scancode_keys: tuple[str, ...] = ()
    url: str | None = None
    version_markers: tuple[str, ...] = ()  # strings that separate close versions (e.g. "Llama 3.2")
    facts: tuple[LicenseFact, ...] = ()
    # True when every clause that matters has been reviewed, so the absence of a fact means the license passes.
    reviewed: bool = False
    notes: str = ""
    family: str = ""
    policies: tuple[str, ...] = field(default=())  # keys of policies this license incorporates by reference
    # File names under which the licensor ships this license (and the policies it incorporates) in its own
    # repositories: an unread file of that name is a copy of terms we know, not an unknown text.
    copies: tuple[str, ...] = field(default=())

    def facts_of(self, *kinds: str) -> tuple[LicenseFact, ...]:
        return tuple(f for f in self.facts if f.kind in kinds)


class KnowledgeError(ValueError):
    """A YAML file in criteria/licenses/ is malformed."""


def _fact(raw: dict, where: str) -> LicenseFact:
    kind = raw.get("kind")
    if kind not in FACT_KINDS:
        raise KnowledgeError(f"{where}: unknown fact kind {kind!r}")
    patterns = tuple(raw.get("patterns") or ())
    for p in patterns:
        re.compile(p)
    return LicenseFact(
        kind=kind, section=str(raw.get("section", "")), summary=str(raw.get("summary", "")),
        patterns=patterns, value=raw.get("value"),
    )


def _info(raw: dict, path: Path) -> LicenseInfo:
    where = path.name
    for required in ("spdx", "name", "osi_approved", "category"):
        if required not in raw:
            raise KnowledgeError(f"{where}: missing {required!r}")
    return LicenseInfo(
        key=path.stem, spdx=str(raw["spdx"]), name=str(raw["name"]), osi_approved=bool(raw["osi_approved"]),
        category=str(raw["category"]), hub_ids=tuple(str(x) for x in raw.get("hub_ids") or ()),
        aliases=tuple(str(x) for x in raw.get("aliases") or ()),
        scancode_keys=tuple(str(x) for x in raw.get("scancode_keys") or ()), url=raw.get("url"),
        version_markers=tuple(str(x) for x in raw.get("version_markers") or ()),
        facts=tuple(_fact(f, where) for f in raw.get("facts") or ()), reviewed=bool(raw.get("reviewed", False)),
        notes=str(raw.get("notes") or ""), family=str(raw.get("family") or path.stem),
        policies=tuple(str(x) for x in raw.get("policies") or ()),
        copies=tuple(str(x) for x in raw.get("copies") or ()),
    )


_NAMES_A_LICENSE = re.compile(r"licen[cs]e|terms of use|agreement", re.I)


class LicenseKnowledge:
    def __init__(self, licenses: list[LicenseInfo]):
        self.licenses = tuple(sorted(licenses, key=lambda lic: lic.key))
        self._by_key = {lic.key: lic for lic in self.licenses}
        self._by_spdx = {lic.spdx.lower(): lic for lic in self.licenses}
        self._by_hub_id: dict[str, LicenseInfo] = {}
        self._by_scancode: dict[str, LicenseInfo] = {}
        self._matchers: dict[bool, tuple[re.Pattern[str], dict[str, LicenseInfo]]] = {}
        for lic in self.licenses:
            for hub_id in lic.hub_ids:
                if hub_id.lower() in self._by_hub_id:
                    raise KnowledgeError(f"Hub id {hub_id!r} claimed by {lic.key} and {self._by_hub_id[hub_id].key}")
                self._by_hub_id[hub_id.lower()] = lic
            for sc in lic.scancode_keys:
                self._by_scancode[sc.lower()] = lic

    def by_key(self, key: str) -> LicenseInfo | None:
        return self._by_key.get(key)

    def by_spdx(self, spdx: str) -> LicenseInfo | None:
        return self._by_spdx.get(spdx.lower())

    def by_hub_id(self, hub_id: str) -> LicenseInfo | None:
        return self._by_hub_id.get(hub_id.strip().lower())

    def by_scancode_key(self, key: str) -> LicenseInfo | None:
        return self._by_scancode.get(key.lower())

    def mentioned_in(self, text: str, license_names_only: bool = False) -> list[tuple[LicenseInfo, int]]:
        """Licenses whose name or alias appears in free text, with the 1-based line of the first mention.

        Longest aliases win so "Llama 3.1 Community License" is not also reported as "Llama 3". With
        `license_names_only`, only names that say they are a license count ("DeepSeek License", not "deepseek"):
        card prose names models far more often than licenses."""
        pattern, by_alias = self._alias_matcher(license_names_only)
        lowered = text.lower()
        seen: dict[str, tuple[LicenseInfo, int]] = {}
        for match in pattern.finditer(lowered):
            lic = by_alias[match.group(1)]
            if lic.key not in seen:
                seen[lic.key] = (lic, lowered.count("\n", 0, match.start()) + 1)
        return list(seen.values())

    def _alias_matcher(self, license_names_only: bool) -> tuple[re.Pattern[str], dict[str, LicenseInfo]]:
        """One alternation of every alias, longest first, compiled once: a single pass over the text."""
        cached = self._matchers.get(license_names_only)
        if cached is None:
            by_alias: dict[str, LicenseInfo] = {}
            for lic in self.licenses:
                for alias in (lic.name, *lic.aliases):
                    if len(alias) >= 4 and (not license_names_only or _NAMES_A_LICENSE.search(alias)):
                        by_alias.setdefault(alias.lower(), lic)
            ordered = sorted(by_alias, key=len, reverse=True)
            alternation = "|".join(re.escape(alias) for alias in ordered) or "(?!)"
            cached = (re.compile(whole_name(alternation)), by_alias)
            self._matchers[license_names_only] = cached
        return cached


@cache
def load_knowledge(directory: Path | None = None) -> LicenseKnowledge:
    directory = directory or data_dir("criteria") / "licenses"
    licenses = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        except yaml.YAMLError as exc:
            raise KnowledgeError(f"{path.name}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(raw, dict):
            raise KnowledgeError(f"{path.name}: not a mapping")
        licenses.append(_info(raw, path))
    return LicenseKnowledge(licenses)
