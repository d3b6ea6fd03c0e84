"""Which license terms bind a model, from every source, most reliable first.

Sources: the repo's license-type files (identified by text), the card's `license` (through our alias table,
always via SPDX ids), license names in the gate text, and license names in card prose. Each source is kept;
disagreement is a finding and every source's terms bind (the stricter terms win)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.card import as_str_list, card_document, card_value
from auditor.evidence import READ_OK, READ_TOO_LARGE, RepoEvidence
from auditor.licenses.heuristics import RedFlag, red_flags
from auditor.licenses.knowledge import LicenseInfo, LicenseKnowledge, TextMatch, load_knowledge
from auditor.licenses.matching import identify_license_text
from auditor.vocabulary import NON_COMMITTAL_LICENSE_IDS as NON_COMMITTAL_IDS

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

    def unread_copies(self) -> dict[str, LicenseInfo]:
        """Unread files that are known copies of a license positively identified from the card or the gate text
        (`copies` in its knowledge file): their terms are the reviewed ones, so they need not block a verdict."""
        stated = [t.license for t in self.terms if t.source in ("card", "gate-text")]
        out: dict[str, LicenseInfo] = {}
        for path in self.unreadable:
            name = path.rsplit("/", 1)[-1]
            owner = next((lic for lic in stated if name in lic.copies), None)
            if owner is not None:
                out[path] = owner
        return out

    @property
    def blocking_unreadable(self) -> tuple[str, ...]:
        """Unread license-type files that may hold terms we do not know: they keep any clause from passing."""
        copies = self.unread_copies()
        return tuple(p for p in self.unreadable if p not in copies)

    def with_inherited(self, inherited: list[BindingTerms], notes: list[LicenseNote]) -> LicenseResolution:
        return LicenseResolution(self.declared, self.terms + tuple(inherited), self.red_flags,
                                 self.notes + tuple(notes), self.unreadable, self.texts)


def identify_text(text: str, path: str = "LICENSE") -> TextMatch | None:
    """Identify a license text; the ScanCode fallback only for license files proper, not policies or notices."""
    return identify_license_text(text, is_license_file=bool(_LICENSE_FILE_NAME.match(path.rsplit("/", 1)[-1])))


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


class _Collector:
    """The terms, notes and flags gathered from every source during one resolution."""

    def __init__(self, kb: LicenseKnowledge) -> None:
        self.kb = kb
        self.terms: list[BindingTerms] = []
        self.notes: list[LicenseNote] = []
        self.flags: list[FlaggedClause] = []
        self.unreadable: list[str] = []
        self.texts: dict[str, str] = {}

    def add(self, info: LicenseInfo, source: str, location: str, file: str | None = None,
            score: float | None = None) -> None:
        """Terms from one source, followed by the policies the license incorporates by reference."""
        if any(t.license.key == info.key and t.source == source for t in self.terms):
            return
        self.terms.append(BindingTerms(info, source, location, file, None, score))
        for policy_key in info.policies:
            policy = self.kb.by_key(policy_key)
            if policy and not any(t.license.key == policy.key for t in self.terms):
                self.terms.append(BindingTerms(policy, "policy", location, None, info.key))

    def note(self, kind: str, severity: str, detail: str, location: str = "") -> None:
        self.notes.append(LicenseNote(kind, severity, detail, location))


def _from_license_files(evidence: RepoEvidence, c: _Collector) -> None:
    """Source 1: license-type files, identified by their text; unknown texts get the heuristic red-flag analysis."""
    for path in license_files(evidence):
        text = evidence.text(path)
        if text is None:
            continue
        if text.status not in (READ_OK, READ_TOO_LARGE) or text.content is None:
            c.unreadable.append(path)
            c.note("license-unreadable", "info", f"{path} could not be read: {text.detail}.", path)
            continue
        c.texts[path] = text.content
        match = identify_text(text.content, path)
        info = c.kb.by_key(match.key) if match is not None else None
        if info is not None:
            c.add(info, "license-file", path, file=path, score=match.score)  # type: ignore[union-attr]
            continue
        found = [FlaggedClause(path, flag) for flag in red_flags(text.content)]
        c.flags.extend(found)
        if _LICENSE_FILE_NAME.match(path):
            heuristic = f"; {len(found)} restrictive clause(s) found by heuristic analysis." if found else "."
            c.note("unrecognised-license-text", "warning", f"{path} matches no known license{heuristic}", path)


def _from_card_field(evidence: RepoEvidence, c: _Collector) -> tuple[str | list[str] | None, list[str]]:
    """Source 2: the card's license field, through SPDX ids and our alias table. Returns (declared, ids)."""
    raw_declared = card_value(evidence, "license")
    declared_ids, well_typed = as_str_list(raw_declared)
    declared: str | list[str] | None = raw_declared if isinstance(raw_declared, str) else (declared_ids or None)
    if not well_typed:
        c.note("license-field-type", "warning",
               f"The card's license field is a {type(raw_declared).__name__}, not a license id.", "cardData.license")
    for value in declared_ids:
        if value.strip().lower() in NON_COMMITTAL_IDS:
            _from_license_name(evidence, c)
            continue
        info = _map_id(value, c.kb)
        if info:
            c.add(info, "card", "cardData.license")
        else:
            c.note("unrecognised-license", "warning", f"The card's license '{value[:80]}' is not a license id we "
                   "know.", "cardData.license")
    return declared, declared_ids


def _from_license_name(evidence: RepoEvidence, c: _Collector) -> None:
    """`license: other` defers to `license_name`."""
    license_name = card_value(evidence, "license_name")
    if not isinstance(license_name, str) or not license_name.strip():
        return
    info = _map_id(license_name, c.kb)
    if info:
        c.add(info, "card", "cardData.license_name")
    else:
        c.note("unrecognised-license", "info", f"license_name '{license_name[:80]}' is not a license we know.",
               "cardData.license_name")


def _from_gate_text(evidence: RepoEvidence, c: _Collector) -> None:
    """Source 3: license names in the gate text, which is what recipients are made to accept."""
    prompt = card_value(evidence, "extra_gated_prompt")
    if isinstance(prompt, str):
        for info, line in c.kb.mentioned_in(prompt[:200_000]):
            c.add(info, "gate-text", f"cardData.extra_gated_prompt#L{line}")


# A sentence licensing code, not the model: "the training code is released under Apache 2.0".
_ABOUT_CODE = re.compile(r"\b(code|codebase|source\s+code|scripts?|repositor(y|ies)|software|library|toolkit|"
                         r"implementation)\b", re.I)
_ABOUT_MODEL = re.compile(r"\b(model|weights?|checkpoints?|parameters|this\s+release)\b", re.I)


# Link targets are already out of a block's text (card.py), so a sentence ends at a full stop before a capital.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[(*_`])")
_URL_IN_TEXT = re.compile(r"https?://\S+")


def _mentions(kb: LicenseKnowledge, text: str) -> list[tuple[LicenseInfo, str]]:
    """License names in a block of prose, each with the sentence that names it."""
    out = []
    for sentence in _SENTENCE_END.split(_URL_IN_TEXT.sub("URL", text[:100_000])):
        out.extend((info, sentence) for info, _ in kb.mentioned_in(sentence, license_names_only=True))
    return out


def _from_card_prose(evidence: RepoEvidence, c: _Collector) -> None:
    """Source 4: full license names ("... License") in card prose, never bare model names.

    Prose mentions bind only when no other source names a license: a card may name other licenses to compare
    ("unlike the Llama 2 Community License..."); then the mention is a note, not terms. A paragraph that licenses
    code and says nothing of the model or its weights does not bind the weights either."""
    document = card_document(evidence)
    if document is None:
        return
    named_elsewhere = bool(c.terms)
    noted: set[str] = set()
    for block in document.blocks:
        if block.kind == "code":
            continue
        for info, sentence in _mentions(c.kb, block.text):
            location = f"README.md#L{block.line}"
            if info.key in noted or any(t.license.key == info.key for t in c.terms):
                continue
            noted.add(info.key)
            if _ABOUT_CODE.search(sentence) and not _ABOUT_MODEL.search(sentence):
                c.note("license-mentioned", "info", f"The card says the {info.name} covers code, not the model; it "
                       "is not counted as the model's terms.", location)
            elif not named_elsewhere:
                c.add(info, "card-prose", location)
            else:
                c.note("license-mentioned", "info", f"The card text mentions the {info.name}; it is not counted as "
                       "terms because the license is stated elsewhere.", location)


def _mismatch(c: _Collector, declared_ids: list[str]) -> None:
    """A license file and a card field naming different licenses: a finding; all terms keep binding."""
    file_keys = {t.license.key for t in c.terms if t.source == "license-file"}
    card_keys = {t.license.key for t in c.terms if t.source == "card"}
    if file_keys and card_keys and not (file_keys & card_keys):
        file_names = ", ".join(sorted(c.kb.by_key(k).name for k in file_keys))  # type: ignore[union-attr]
        c.note("license-mismatch", "warning", f"The card declares {', '.join(declared_ids) or 'a license'} but the "
               f"license file is {file_names}; the stricter terms bind.", "cardData.license")


def resolve_license(evidence: RepoEvidence, kb: LicenseKnowledge | None = None) -> LicenseResolution:
    """Every source's terms, most reliable first; disagreement between sources is a note."""
    c = _Collector(kb or load_knowledge())
    _from_license_files(evidence, c)
    declared, declared_ids = _from_card_field(evidence, c)
    _from_gate_text(evidence, c)
    _from_card_prose(evidence, c)
    _mismatch(c, declared_ids)
    return LicenseResolution(declared, tuple(c.terms), tuple(c.flags), tuple(c.notes), tuple(c.unreadable), c.texts)
