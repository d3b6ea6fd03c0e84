"""Optional ScanCode fallback (extra `scancode`): accurate but slow to import, so used only when fingerprints fail."""

from __future__ import annotations

import warnings

from auditor.licenses.knowledge import TextMatch, flatten, load_knowledge, marker_count


def _contradicts_markers(text: str, key: str) -> bool:
    """True when the text names another version of the same family but not the detected one.

    ScanCode reports a Llama 3 (April 2024) text as Llama 3.1; the version strings say otherwise."""
    knowledge = load_knowledge()
    lic = knowledge.by_key(key)
    if lic is None or not lic.version_markers:
        return False
    flat = flatten(text)
    if marker_count(flat, lic.version_markers):
        return False
    return any(o.key != key and o.family == lic.family and marker_count(flat, o.version_markers)
               for o in knowledge.licenses)


def scancode_identify(text: str) -> TextMatch | None:
    try:
        with warnings.catch_warnings():  # ScanCode warns about libmagic on import; not the user's concern
            warnings.simplefilter("ignore")
            from licensedcode.cache import get_index
    except ImportError:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matches = get_index().match(query_string=text)
    except Exception:  # ScanCode internals are not ours to trust with arbitrary input
        return None
    if not matches:
        return None
    best = max(matches, key=lambda m: (m.score(), m.len()))
    # map through explicit scancode_keys only: ScanCode's "bsl-1.0" is the Business Source License, not Boost
    lic = load_knowledge().by_scancode_key(best.rule.license_expression)
    if lic is None or _contradicts_markers(text, lic.key):
        return None
    return TextMatch(lic.key, round(best.score() / 100, 4), "scancode")
