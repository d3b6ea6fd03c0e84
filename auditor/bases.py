"""Where a model says it comes from: its declared bases, read from the card, adapter_config.json and card prose.

Bases come from the card's `base_model` (string or list) and `base_model_relation`; when the card names none,
from `adapter_config.json` (`base_model_name_or_path`) or from card prose ("fine-tuned from <id or Hub URL>").
Pure functions of one repository's evidence: no Hub reads, no judgement (auditor/lineage.py walks the chain)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from auditor.card import as_str_list, card_value, readme
from auditor.errors import AuditError
from auditor.evidence import READ_OK, RepoEvidence
from auditor.repoid import validate_repo_id
from auditor.vocabulary import HUB_RELATIONS

FOUND_IN_CARD, FOUND_IN_ADAPTER_CONFIG, FOUND_IN_PROSE = "card", "adapter-config", "card-prose"
# Files that make a repo a quantisation when its card does not say (AutoGPTQ and AutoAWQ side configs).
QUANTIZATION_FILES = ("quantize_config.json", "quant_config.json")
_PROSE_LIMIT = 200_000


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


def config_of(evidence: RepoEvidence, path: str = "config.json") -> dict | None:
    """A JSON object file of the repo (config.json, adapter_config.json), or None when unread or not an object."""
    text = evidence.text(path)
    if text is None or text.status != READ_OK or not text.content:
        return None
    try:
        value = json.loads(text.content)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


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
    if isinstance(declared, str) and declared.strip().lower() in HUB_RELATIONS:
        return declared.strip().lower()
    hub_field = evidence.base_models_field or {}
    if isinstance(hub_field.get("relation"), str) and hub_field["relation"] in HUB_RELATIONS:
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
    r"|based\s+(?:on|upon)|built\s+(?:on(?:\s+top\s+of)?|upon)|derived\s+from"
    r"|(?:built|created|made|obtained)\s+by\s+(?:fine[- ]?tuning|finetuning|quanti[sz]ing|merging))\b", re.I)
_PROSE_ID = re.compile(
    r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/(?!datasets/|spaces/|docs/|blog/|papers/|collections/)"
    r"(?P<url>[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?)"
    r"|(?<![\w./:@-])(?P<bare>[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*[A-Za-z0-9_])(?![\w/])")
_DATASET_AFTER = re.compile(r"\s*`?\)?\s*(?:dataset|corpus|data\b|tokenizer|vocab)", re.I)
_MODEL_NAME = re.compile(r"[\d.A-Z_-]")  # model names carry a digit, a capital, a dot or a dash; word pairs do not


def _looks_like_model_id(bare: str, window: str, start: int) -> bool:
    """A bare `owner/name` in prose names a repository only when quoted as code or shaped like a model name."""
    quoted = start > 0 and window[start - 1] == "`"
    return quoted or bool(_MODEL_NAME.search(bare.split("/", 1)[1]))


_LIST_ITEM = re.compile(r"^\s{0,6}(?:[-*+]|\d+[.)])\s+")


def _cue_window(body: str, start: int) -> tuple[str, bool]:
    """The text a cue introduces: the rest of its line, or, when the line ends with a colon ("a merge of the
    following models:"), the list right below it. Returns (window, is a list)."""
    line_end = body.find("\n", start)
    line_end = line_end if line_end >= 0 else len(body)
    window = body[start: min(start + 200, line_end)]
    if not window.rstrip().endswith(":"):
        return window, False
    items: list[str] = []
    for line in body[line_end + 1: line_end + 2000].splitlines()[:12]:
        if _LIST_ITEM.match(line):
            items.append(line)
        elif items or line.strip():
            break
    return (window + "\n" + "\n".join(items), True) if items else (window, False)


def prose_bases(evidence: RepoEvidence) -> tuple[list[str], int | None]:
    """Bases the card's prose names ("a fine-tuned version of <id or Hub URL>"), with the README line."""
    card = readme(evidence)
    if card is None:
        return [], None
    body = card.body[:_PROSE_LIMIT]
    datasets = set(as_str_list(card_value(evidence, "datasets"))[0])
    for cue in _PROSE_CUE.finditer(body):
        window, listed = _cue_window(body, cue.end())
        found: list[str] = []
        for match in _PROSE_ID.finditer(window):
            if match.start() > 120 and not found and not listed:
                break  # too far from the cue to be what it introduces
            candidate = normalise_base_id(match.group("url") or match.group("bare"))
            if not candidate or candidate in datasets or _DATASET_AFTER.match(window, match.end()):
                continue
            if match.group("bare") and not _looks_like_model_id(match.group("bare"), window, match.start()):
                continue  # "instruction/response", "and/or": a phrase, not a repository
            if candidate not in found:
                found.append(candidate)
            if not cue.group(0).lower().startswith("merge") and not listed:
                break  # one base per cue, except "merge of A and B" and a list introduced by the cue
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
