"""Identify a license text by hashed word shingles against fingerprints of reference licenses.

Cheap enough for a CLI (no ScanCode import). Answers "unknown" (None) rather than guess between close versions."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from auditor.licenses.knowledge import LicenseInfo, load_knowledge
from auditor.paths import data_dir

SHINGLE = 5  # words per shingle: long enough to be specific, short enough to survive small edits
PROBE = 64  # the bottom-64 hashes of each reference pre-select candidates before exact set intersection
THRESHOLD = 0.5  # below this score the text is "unknown"
MARGIN = 0.1  # candidates this close to the best are treated as rivals
MAX_CHARS = 1_000_000  # a LICENSE larger than this is not a license; bound the work
PARAMETERS = {"shingle_words": SHINGLE, "hash": "blake2b-8", "normalisation": "v1"}

# only real notices ("Copyright (c) 2023 Meta"), not clauses such as "Copyright and Similar Rights means ..."
_COPYRIGHT_LINE = re.compile(r"^\W*(copyright\s*(\(c\)|©|\d{4})|\(c\)\s*\d{4}|©\s*\d{4})", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class TextMatch:
    key: str  # knowledge key (file stem in criteria/licenses/)
    score: float
    method: str  # "fingerprint" | "scancode"


@dataclass(frozen=True)
class Candidate:
    key: str
    score: float
    containment: float  # share of the reference found in the text
    precision: float  # share of the text explained by the reference
    shared: int  # shingles found in both
    text_size: int  # shingles in the text
    ref_size: int  # shingles in the reference

    @property
    def unexplained(self) -> int:  # text shingles the reference does not account for
        return self.text_size - self.shared

    @property
    def missing(self) -> int:  # reference shingles absent from the text
        return self.ref_size - self.shared


def words(text: str) -> list[str]:
    # copyright lines name holders and years that differ between copies of the same license
    kept = [line for line in text[:MAX_CHARS].splitlines() if not _COPYRIGHT_LINE.match(line)]
    return _WORD.findall("\n".join(kept).lower())


def shingle_hashes(text: str) -> set[int]:
    w = words(text)
    if len(w) < SHINGLE:
        return set()
    return {
        int.from_bytes(hashlib.blake2b(" ".join(w[i : i + SHINGLE]).encode(), digest_size=8).digest(), "big")
        for i in range(len(w) - SHINGLE + 1)
    }


@dataclass(frozen=True)
class _Reference:
    hashes: frozenset[int]
    probe: tuple[int, ...]  # bottom-k of the hashes: a cheap unbiased containment estimate


@cache
def _index(path: Path | None = None) -> dict[str, _Reference]:
    path = path or data_dir("criteria") / "licenses" / "fingerprints.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        key: _Reference(frozenset(ref["hashes"]), tuple(ref["hashes"][:PROBE]))  # stored sorted ascending
        for key, ref in data["licenses"].items()
    }


def _scored(text: str) -> list[Candidate]:
    hashes = shingle_hashes(text)
    if not hashes:
        return []
    out = []
    for key, ref in _index().items():
        # exact intersection only for references whose probe shows some overlap (keeps matching ~1 ms)
        if sum(h in hashes for h in ref.probe) < 0.2 * len(ref.probe):
            continue
        shared = len(ref.hashes.intersection(hashes))
        containment = shared / len(ref.hashes)
        precision = shared / len(hashes)
        # containment finds a license inside a README; the geometric mean with precision rescues truncated copies
        score = max(containment, math.sqrt(containment * precision))
        out.append(
            Candidate(
                key, round(score, 4), round(containment, 4), round(precision, 4), shared, len(hashes), len(ref.hashes)
            )
        )
    out.sort(key=lambda c: (-c.score, -c.shared, c.key))
    return out


def candidates(text: str, n: int = 3) -> list[Candidate]:
    """The n best references for diagnostics, best first."""
    try:
        return _scored(text)[:n]
    except Exception:  # diagnostics must never break an audit
        return []


def _marker_hits(text: str, lic: LicenseInfo) -> int:
    flat = re.sub(r"[\s*_]+", " ", text.lower())
    total = 0
    for marker in lic.version_markers:
        m = re.sub(r"\s+", " ", marker.lower())
        # "llama 3" must not count inside "llama 3.1"
        total += len(re.findall(r"(?<![\w.])" + re.escape(m) + r"(?![\w]|\.\d)", flat))
    return total


def _dominates(a: Candidate, b: Candidate) -> bool:
    """`a` is clearly the better explanation: no worse on either axis and better on one by a real margin.

    Coverage of the reference only counts when `a` is (nearly) complete: a truncated BSD-3 text is also a
    truncated BSD-2 text, and nothing in it can tell them apart."""
    slack = max(5, int(0.01 * a.shared))
    if a.unexplained > b.unexplained + slack:
        return False
    if b.unexplained > a.unexplained + slack:
        return True
    return a.containment >= 0.9 and b.missing > a.missing + slack


def _resolve(text: str, ranked: list[Candidate]) -> TextMatch | None:
    top = ranked[0]
    rivals = [c for c in ranked[1:] if c.score >= top.score - MARGIN]
    knowledge = load_knowledge()
    top_lic = knowledge.by_key(top.key)
    family = [
        lic for lic in knowledge.licenses
        if top_lic is not None and lic.family == top_lic.family and lic.version_markers
    ]
    if family and top_lic is not None and top_lic.version_markers:
        # close versions (Llama 3.1/3.2/3.3, Gemma ToU dates) differ only in names and dates: let those decide
        hits = {lic.key: _marker_hits(text, lic) for lic in family}
        best = max(hits.values())
        winners = [k for k, v in hits.items() if v == best]
        if best > 0 and len(winners) == 1:
            winner = winners[0]
            in_race = winner == top.key or any(c.key == winner for c in rivals)
            fingerprinted = winner in _index()
            if in_race or not fingerprinted:  # an unfingerprinted sibling (Llama 3) is reached only via markers
                return TextMatch(winner, top.score, "fingerprint")
            return None
        if best > 0:
            return None  # markers of several versions: do not guess
        family_keys = {lic.key for lic in family}
        if any(c.key in family_keys for c in rivals):
            return None
        return TextMatch(top.key, top.score, "fingerprint")
    group = [top, *rivals]
    for cand in group:
        if all(_dominates(cand, other) for other in group if other is not cand):
            return TextMatch(cand.key, cand.score, "fingerprint")
    return None


def identify_text(text: str) -> TextMatch | None:
    """Best reference license for `text` by fingerprint, or None when unknown or ambiguous."""
    try:
        ranked = _scored(text)
        if not ranked or ranked[0].score < THRESHOLD:
            return None
        return _resolve(text[:MAX_CHARS], ranked)
    except (ValueError, KeyError, OSError):
        return None


# ScanCode costs seconds and ~1.4 GB to load its index: worth it only for a full license text.
SCANCODE_MIN_WORDS = 150
SCANCODE_MAX_CHARS = 60_000  # the longest common licenses (GPL-3.0, Llama 4) are about half of this


@lru_cache(maxsize=512)  # the same LICENSE text (Apache, MIT, Llama) recurs across thousands of repos
def identify_license_text(text: str, allow_scancode: bool = True) -> TextMatch | None:
    """Fingerprint first; ScanCode (optional extra) only when the fingerprints give no answer and the text is long
    enough to be a license rather than a pointer to one."""
    match = identify_text(text)
    if match is not None or not allow_scancode or len(text) > SCANCODE_MAX_CHARS:
        return match  # ScanCode's matching grows quadratically on long texts: a 5 MB file is not one license
    if len(text.split()) < SCANCODE_MIN_WORDS:
        return match
    from auditor.licenses.scancode_detect import scancode_identify

    return scancode_identify(text)
