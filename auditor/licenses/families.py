"""Model families: which family a repository says it belongs to when it declares no base model.

A fine-tune that names its family in its Hub tags, its repo name or its card prose ("fine-tuned from Llama 2") but
declares no `base_model` is still bound by that family's terms. The family and its license come from the reviewed
table in criteria/families/families.yaml; the match is a *suspected* base, labelled so wherever it is shown, and
never an invented repository id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from auditor.card import card_document
from auditor.evidence import RepoEvidence
from auditor.licenses.knowledge import KnowledgeError, LicenseInfo, load_knowledge
from auditor.paths import data_dir

# A family name in prose counts only right after a derivation cue: "based on Llama 2", not "unlike Llama 2".
_CUE = re.compile(
    r"\b(?:fine[- ]?tuned|finetuned|quanti[sz]ed|distilled|adapted|converted|merged|built|based|derived|"
    r"instruction[- ]tuned|version|variant|fine[- ]?tune|finetune|lora|adapter|merge|quanti[sz]ation)"
    r"\s+(?:(?:on|from|upon|of|for|top\s+of)\s+){1,2}(?:the\s+|a\s+|an\s+|meta'?s?\s+|google'?s?\s+)?", re.I)
_CUE_REACH = 40  # characters between the cue and the family name


@dataclass(frozen=True)
class Family:
    id: str
    name: str
    license_key: str | None  # None: the family's releases differ in license, so no terms are inherited
    publishers: tuple[str, ...]
    tags: tuple[str, ...]
    names: tuple[re.Pattern[str], ...]
    prose: tuple[str, ...]

    @property
    def license(self) -> LicenseInfo | None:
        return load_knowledge().by_key(self.license_key) if self.license_key else None


@dataclass(frozen=True)
class FamilyMatch:
    family: Family
    signal: str  # in words: "the Hub tag 'llama-2'", "the repo name 'Nous-Hermes-Llama2-13b'"
    location: str  # "tags", "id", "README.md#L12"


def _token(pattern: str) -> re.Pattern[str]:
    # a whole token of the name: "llama-3" must not match inside "llama-3.1" or "openllama-3"
    return re.compile(r"(?<![a-z0-9])(?:" + pattern + r")(?![a-z0-9]|\.\d)", re.I)


@cache
def load_families(path: Path | None = None) -> tuple[Family, ...]:
    path = path or data_dir("criteria") / "families" / "families.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = raw["families"]
        families = tuple(
            Family(str(e["id"]), str(e["name"]), e.get("license"), tuple(e.get("publishers") or ()),
                   tuple(str(t).lower() for t in e.get("tags") or ()), tuple(_token(n) for n in e.get("names") or ()),
                   tuple(e.get("prose") or ()))
            for e in entries)
    except (OSError, yaml.YAMLError, KeyError, TypeError, re.error) as exc:
        raise KnowledgeError(f"{path.name}: the model family table cannot be read ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''}).") from None
    for family in families:
        if family.license_key and load_knowledge().by_key(family.license_key) is None:
            raise KnowledgeError(f"{path.name}: family {family.id} names unknown license {family.license_key!r}.")
    return families


def _by_tag(evidence: RepoEvidence, families: tuple[Family, ...]) -> FamilyMatch | None:
    tags = {t.lower() for t in evidence.tags}
    for family in families:
        for tag in family.tags:
            if tag in tags:
                return FamilyMatch(family, f"the Hub tag '{tag}'", "tags")
    return None


def _by_name(evidence: RepoEvidence, families: tuple[Family, ...]) -> FamilyMatch | None:
    name = evidence.repo_id.rsplit("/", 1)[-1]
    for family in families:
        if any(p.search(name) for p in family.names):
            return FamilyMatch(family, f"the repo name '{name}'", "id")
    return None


def _by_prose(evidence: RepoEvidence, families: tuple[Family, ...]) -> FamilyMatch | None:
    document = card_document(evidence)
    if document is None:
        return None
    patterns = [(f, re.compile(r"(?<![\w.-])(" + "|".join(re.escape(p) for p in f.prose) + r")(?![\w]|\.\d)", re.I))
                for f in families if f.prose]
    for block in document.blocks:
        if block.kind not in ("paragraph", "heading"):
            continue
        for cue in _CUE.finditer(block.text):
            window = block.text[cue.end(): cue.end() + _CUE_REACH]
            for family, pattern in patterns:
                found = pattern.match(window) or pattern.search(window)
                if found and found.start() <= _CUE_REACH:
                    return FamilyMatch(family, f"the card's prose ('{cue.group(0).strip()} {found.group(1)}')",
                                       f"README.md#L{block.line}")
    return None


def suspected_family(evidence: RepoEvidence) -> FamilyMatch | None:
    """The family a repository belongs to by its tags, its name, then its card prose; None for the family's own
    publisher (its repos are the bases themselves) or when nothing names a known family."""
    families = load_families()
    namespace = evidence.repo_id.split("/", 1)[0] if "/" in evidence.repo_id else ""
    for finder in (_by_tag, _by_name, _by_prose):
        match = finder(evidence, families)
        if match is not None:
            if namespace.lower() in {p.lower() for p in match.family.publishers}:
                return None
            return match
    return None
