"""Identify a license text by hashed word shingles against fingerprints of reference licenses.

Cheap enough for a CLI (no ScanCode import). Answers "unknown" (None) rather than guess between close versions."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from auditor.licenses.knowledge import KnowledgeError, TextMatch, flatten, load_knowledge, marker_count
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


class FingerprintsMissing(KnowledgeError):
    """The fingerprints file shipped with the package is missing or damaged: every license would be unknown."""


@cache
def _index(path: Path | None = None) -> dict[str, _Reference]:
    path = path or data_dir("criteria") / "licenses" / "fingerprints.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        licenses = data["licenses"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FingerprintsMissing(
            f"The license fingerprints file {path} cannot be read ({type(exc).__name__}); reinstall the auditor or "
            "run 'python -m auditor.licenses.build_fingerprints'.") from None
    return {
        key: _Reference(frozenset(ref["hashes"]), tuple(ref["hashes"][:PROBE]))  # stored sorted ascending
        for key, ref in licenses.items()
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
    return _scored(text)[:n]


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


_UNDECIDED = object()  # the family rule does not apply: fall back to dominance between candidates


def _by_version_markers(text: str, top: Candidate, rivals: list[Candidate]) -> TextMatch | None | object:
    """Close versions of one family (Llama 3.1/3.2/3.3, Gemma ToU dates) differ only in names and dates: let the
    version markers decide. None when they name several versions or point outside the race; _UNDECIDED when the
    top candidate has no versioned family."""
    knowledge = load_knowledge()
    top_lic = knowledge.by_key(top.key)
    if top_lic is None or not top_lic.version_markers:
        return _UNDECIDED
    family = [lic for lic in knowledge.licenses if lic.family == top_lic.family and lic.version_markers]
    flat = flatten(text)
    hits = {lic.key: marker_count(flat, lic.version_markers) for lic in family}
    best = max(hits.values())
    winners = [k for k, v in hits.items() if v == best]
    if best == 0:
        family_keys = {lic.key for lic in family}
        rival_in_family = any(c.key in family_keys for c in rivals)
        return None if rival_in_family else TextMatch(top.key, top.score, "fingerprint")
    if len(winners) > 1:
        return None  # markers of several versions: do not guess
    winner = winners[0]
    in_race = winner == top.key or any(c.key == winner for c in rivals)
    # An unfingerprinted sibling (Llama 3) is reached only through its markers.
    return TextMatch(winner, top.score, "fingerprint") if in_race or winner not in _index() else None


def _resolve(text: str, ranked: list[Candidate]) -> TextMatch | None:
    top = ranked[0]
    rivals = [c for c in ranked[1:] if c.score >= top.score - MARGIN]
    decided = _by_version_markers(text, top, rivals)
    if decided is not _UNDECIDED:
        return decided  # type: ignore[return-value]
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
    except KnowledgeError:
        raise  # a missing or damaged fingerprints file must not make every license silently unknown
    except (ValueError, KeyError):  # malformed input text
        return None
