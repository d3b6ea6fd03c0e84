"""License text matching: one ordered list of detectors, tried in turn until one answers (as ScanCode does with
its hash, SPDX-id, sequence and approximate matchers, cheapest and most exact first).

A detector answers a `TextMatch` or None ("not mine to say"); None from every detector means "unknown", never a
guess."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from auditor.licenses.fingerprint import identify_text as fingerprint_identify
from auditor.licenses.knowledge import TextMatch

# ScanCode costs seconds and ~1.4 GB to load its index: worth it only for a full license text.
SCANCODE_MIN_WORDS = 150
SCANCODE_MAX_CHARS = 60_000  # the longest common licenses (GPL-3.0, Llama 4) are about half of this


@dataclass(frozen=True)
class Detector:
    name: str
    identify: Callable[[str], TextMatch | None]
    # Whether this detector may look at the text (`is_license_file`: the file is a license proper, not a policy).
    applies: Callable[[str, bool], bool]


def _scancode(text: str) -> TextMatch | None:
    from auditor.licenses.scancode_detect import scancode_identify  # imported late: the extra is optional

    return scancode_identify(text)


def _license_sized(text: str, is_license_file: bool) -> bool:
    # ScanCode's matching grows quadratically on long texts: a 5 MB file is not one license; a short text is a
    # pointer to a license, not one.
    return is_license_file and len(text) <= SCANCODE_MAX_CHARS and len(text.split()) >= SCANCODE_MIN_WORDS


DETECTORS: tuple[Detector, ...] = (
    Detector("fingerprint", fingerprint_identify, lambda _text, _is_license: True),
    Detector("scancode", _scancode, _license_sized),
)


@lru_cache(maxsize=512)  # the same LICENSE text (Apache, MIT, Llama) recurs across thousands of repos
def identify_license_text(text: str, is_license_file: bool = True) -> TextMatch | None:
    """The first detector's answer for `text`, in DETECTORS order; None when no detector knows the text."""
    for detector in DETECTORS:
        if detector.applies(text, is_license_file):
            match = detector.identify(text)
            if match is not None:
                return match
    return None
