"""Sentence-level red flags for custom licenses we have no knowledge file for.

Every flag is a hint (heuristic=True) with the line span and sentence that triggered it, never a verdict."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

MAX_CHARS = 1_000_000  # only the first ~1 MB is read: bounds time on huge or hostile inputs
MAX_SENTENCE = 200

# Simple, linear-time patterns only (bounded gaps, no nested quantifiers) so 5 MB inputs stay fast.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("non-commercial", r"\bnon[- ]?commercial\b|\bnot\s+for\s+commercial\s+(use|purposes)\b"
                           r"|\bno\s+commercial\s+use\b"),
        ("research-only", r"\b(research|evaluation|academic)\s+(purposes?|use)\s+only\b"
                          r"|\bsolely\s+for\s+(non[- ]?commercial\s+)?research\b"),
        ("user-threshold", r"\d[\d,.]*\s*(million|billion|m\b|k\b)?[^.\n]{0,40}\b(monthly|daily)\s+active\s+users\b"
                           r"|\b(monthly|daily)\s+active\s+users\b[^.]{0,60}\d"),
        ("revenue-threshold", r"\bannual\s+(gross\s+)?revenues?\b"
                              r"|\brevenues?\s+(exceeding|in\s+excess\s+of|of\s+more\s+than)\b"),
        ("use-restrictions", r"\bacceptable\s+use\s+polic(y|ies)\b|\bprohibited\s+uses?\b|\buse\s+restrictions\b"),
        ("output-restriction", r"\boutputs?\b[^.]{0,80}\b(train|improve|develop)\b"
                               r"[^.]{0,60}\b(other|another|competing)\b[^.]{0,30}\bmodels?\b"),
        ("territory-exclusion", r"\bmay\s+not\s+be\s+used\s+(in|within)\s+(the\s+)?"
                                r"(european\s+union|EU\b|EEA\b|(?-i:[A-Z][a-z]+))"
                                r"|\b(domiciled|located|resident)\s+in\b[^.]{0,40}\b(european\s+union|EU)\b"),
        ("no-derivatives", r"\bno\s*[- ]?derivatives?\b|\bno\s+derivative\s+works\b"
                           r"|\bmay\s+not\s+(modify|create\s+derivative)"),
    )
)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n\s*\n")


@dataclass(frozen=True)
class RedFlag:
    kind: str  # a FACT_KINDS value
    line_start: int  # 1-based
    line_end: int
    sentence: str  # at most 200 characters of the triggering sentence
    heuristic: bool = True


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if e > s]


def red_flags(text: str) -> list[RedFlag]:
    """Red flags in `text`, one per (kind, sentence), in document order. Never raises on a str."""
    if not isinstance(text, str) or not text:
        return []
    text = text[:MAX_CHARS]
    flags: list[RedFlag] = []
    seen: set[tuple[str, int]] = set()
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for start, end in _sentences(text):
        sentence = text[start:end]
        for kind, rule in _RULES:
            if (kind, start) in seen or not rule.search(sentence):
                continue
            seen.add((kind, start))
            first = bisect.bisect_right(line_starts, start)
            last = bisect.bisect_right(line_starts, max(start, end - 1))
            flags.append(RedFlag(kind, first, last, " ".join(sentence.split())[:MAX_SENTENCE]))
    return flags
