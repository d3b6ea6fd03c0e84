"""Which license terms bind a model, from every source, most reliable first.

Sources: the repo's license-type files (identified by text), the card's `license` (through our alias table,
always via SPDX ids), license names in the gate text, and license names in card prose. Each source is kept;
disagreement is a finding and every source's terms bind (the stricter terms win)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.card import as_str_list, card_value, readme
from auditor.evidence import READ_OK, READ_TOO_LARGE, RepoEvidence
from auditor.licenses.fingerprint import TextMatch
from auditor.licenses.heuristics import RedFlag, red_flags
from auditor.licenses.knowledge import LicenseInfo, LicenseKnowledge, load_knowledge

# Hub ids that state nothing: the terms must come from elsewhere.
NON_COMMITTAL_IDS = {"other", "unknown", "none", "n/a", ""}
_LICENSE_FILE_NAME = re.compile(r"^(licen[cs]e|copying)", re.I)


@dataclass(frozen=True)
class BindingTerms:
    license: LicenseInfo
    source: str  # license-file | card | gate-text | card-prose | policy | inherited
    location: str  # where the tie was made: "LICENSE.txt", "cardData.license", "README.md#L12"
    file: str | None = None  # repo file whose text is this license, for clause citations
    via: str | None = None  # the ancestor it was inherited from, or the license that incorporates this policy
    score: float | None = None  # text-match score for license files


@dataclass(frozen=True)
class LicenseNote:
    kind: str  # license-mismatch | unrecognised-license | license-field-type | license-unreadable | ...
    severity: str  # info | warning | critical
    detail: str
    location: str = ""


@dataclass(frozen=True)
class FlaggedClause:
    file: str
    flag: RedFlag


@dataclass(frozen=True)
class LicenseResolution:
    declared: str | list[str] | None
    terms: tuple[BindingTerms, ...]
    red_flags: tuple[FlaggedClause, ...] = ()
    notes: tuple[LicenseNote, ...] = ()
    unreadable: tuple[str, ...] = ()  # license-type files that exist but could not be read
    texts: dict[str, str] = field(default_factory=dict)  # readable license-type file texts by path

    @property
    def primary(self) -> BindingTerms | None:
        """The most reliable identification (terms are kept in reliability order)."""
        return self.terms[0] if self.terms else None

    @property
    def established(self) -> bool:
        return bool(self.terms)

    def with_inherited(self, inherited: list[BindingTerms], notes: list[LicenseNote]) -> LicenseResolution:
        return LicenseResolution(self.declared, self.terms + tuple(inherited), self.red_flags,
                                 self.notes + tuple(notes), self.unreadable, self.texts)


def identify_text(text: str, path: str = "LICENSE") -> TextMatch | None:
    """Identify a license text; the ScanCode fallback only for license files proper, not policies or notices."""
    from auditor.licenses.fingerprint import identify_license_text

    return identify_license_text(text, allow_scancode=bool(_LICENSE_FILE_NAME.match(path.rsplit("/", 1)[-1])))


def _map_id(value: str, kb: LicenseKnowledge) -> LicenseInfo | None:
    value = value.strip()
    found = kb.by_hub_id(value) or kb.by_spdx(value) or kb.by_key(value.lower())
    if found:
        return found
    mentions = kb.mentioned_in(value)
    return mentions[0][0] if len(mentions) == 1 else None


def license_files(evidence: RepoEvidence) -> list[str]:
    """Repo files read as license-type texts, in reading order (license_link first)."""
    return [t.path for t in evidence.texts if t.path not in ("README.md", "config.json", "adapter_config.json")]


def resolve_license(evidence: RepoEvidence, kb: LicenseKnowledge | None = None) -> LicenseResolution:
    kb = kb or load_knowledge()
    terms: list[BindingTerms] = []
    notes: list[LicenseNote] = []
    flags: list[FlaggedClause] = []
    unreadable: list[str] = []
    texts: dict[str, str] = {}

    def add(info: LicenseInfo, source: str, location: str, file: str | None = None, score: float | None = None,
            via: str | None = None) -> None:
        if any(t.license.key == info.key and t.source == source for t in terms):
            return
        terms.append(BindingTerms(info, source, location, file, via, score))
        for policy_key in info.policies:
            policy = kb.by_key(policy_key)
            if policy and not any(t.license.key == policy.key for t in terms):
                terms.append(BindingTerms(policy, "policy", location, None, info.key))

    # 1. License-type files, identified by their text.
    for path in license_files(evidence):
        text = evidence.text(path)
        if text is None:
            continue
        if text.status not in (READ_OK, READ_TOO_LARGE) or text.content is None:
            unreadable.append(path)
            notes.append(LicenseNote("license-unreadable", "info", f"{path} could not be read: {text.detail}.", path))
            continue
        texts[path] = text.content
        match = identify_text(text.content, path)
        if match is not None:
            info = kb.by_key(match.key)
            if info is not None:
                add(info, "license-file", path, file=path, score=match.score)
                continue
        found = [FlaggedClause(path, flag) for flag in red_flags(text.content)]
        flags.extend(found)
        if _LICENSE_FILE_NAME.match(path):
            notes.append(LicenseNote(
                "unrecognised-license-text", "warning",
                f"{path} matches no known license"
                + (f"; {len(found)} restrictive clause(s) found by heuristic analysis." if found else "."),
                path,
            ))

    # 2. The card's license field (through SPDX ids / our alias table).
    raw_declared = card_value(evidence, "license")
    declared_ids, well_typed = as_str_list(raw_declared)
    declared: str | list[str] | None = (
        raw_declared if isinstance(raw_declared, str) else (declared_ids or None)
    )
    if not well_typed:
        notes.append(LicenseNote("license-field-type", "warning",
                                 f"The card's license field is a {type(raw_declared).__name__}, not a license id.",
                                 "cardData.license"))
    license_name = card_value(evidence, "license_name")
    for value in declared_ids:
        if value.strip().lower() in NON_COMMITTAL_IDS:
            if isinstance(license_name, str) and license_name.strip():
                info = _map_id(license_name, kb)
                if info:
                    add(info, "card", "cardData.license_name")
                else:
                    notes.append(LicenseNote("unrecognised-license", "info",
                                             f"license_name '{license_name[:80]}' is not a license we know.",
                                             "cardData.license_name"))
            continue
        info = _map_id(value, kb)
        if info:
            add(info, "card", "cardData.license")
        else:
            notes.append(LicenseNote("unrecognised-license", "warning",
                                     f"The card's license '{value[:80]}' is not a license id we know.",
                                     "cardData.license"))

    # 3. License names in the gate text: what recipients are made to accept.
    prompt = card_value(evidence, "extra_gated_prompt")
    if isinstance(prompt, str):
        for info, line in kb.mentioned_in(prompt[:200_000]):
            add(info, "gate-text", f"cardData.extra_gated_prompt#L{line}")

    # 4. License names in card prose: only full license names ("... License"), never bare model names.
    card = readme(evidence)
    if card is not None:
        # Prose mentions bind only when no other source names a license: a card may name other licenses to
        # compare ("unlike the Llama 2 Community License..."); then the mention is a note, not terms.
        named_elsewhere = bool(terms)
        for info, line in kb.mentioned_in(card.body[:500_000], license_names_only=True):
            location = f"README.md#L{card.body_offset + line - 1}"
            if not named_elsewhere:
                add(info, "card-prose", location)
            elif not any(t.license.key == info.key for t in terms):
                notes.append(LicenseNote("license-mentioned", "info",
                                         f"The card text mentions the {info.name}; it is not counted as terms "
                                         "because the license is stated elsewhere.", location))

    # Disagreement between sources is a finding; all terms keep binding.
    by_source: dict[str, set[str]] = {}
    for t in terms:
        if t.source in ("license-file", "card", "gate-text"):
            by_source.setdefault(t.source, set()).add(t.license.key)
    file_keys, card_keys = by_source.get("license-file", set()), by_source.get("card", set())
    if file_keys and card_keys and not (file_keys & card_keys):
        file_names = ", ".join(sorted(kb.by_key(k).name for k in file_keys))  # type: ignore[union-attr]
        notes.append(LicenseNote(
            "license-mismatch", "warning",
            f"The card declares {', '.join(declared_ids) or 'a license'} but the license file is {file_names}; "
            "the stricter terms bind.", "cardData.license",
        ))
    return LicenseResolution(declared, tuple(terms), tuple(flags), tuple(notes), tuple(unreadable), texts)
