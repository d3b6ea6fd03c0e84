"""The ordered detector list, the shared version-marker rule and a missing fingerprints file."""

import pytest

from auditor.licenses import fingerprint, matching
from auditor.licenses.knowledge import TextMatch, flatten, marker_count


@pytest.mark.parametrize(("text", "markers", "count"), [
    ("Llama 3 Community License", ("Llama 3",), 1),
    ("Llama 3.1 Community License", ("Llama 3",), 0),  # a longer version is not the shorter one
    ("Meta Llama 3.1 and Llama 3", ("Llama 3",), 1),
    ("**Llama**   3 license", ("Llama 3",), 1),  # emphasis and line breaks collapse
    ("xLlama 3 license", ("Llama 3",), 0),
    ("Gemma Terms of Use, Last modified: April 1, 2024", ("April 1, 2024",), 1),
])
def test_marker_count_whole_names(text, markers, count):
    assert marker_count(flatten(text), markers) == count


def test_detectors_are_ordered_cheapest_first():
    assert [d.name for d in matching.DETECTORS] == ["fingerprint", "scancode"]


def _detectors(calls, answers):
    def make(name):
        def identify(text):
            calls.append(name)
            return answers.get(name)
        return identify
    return tuple(matching.Detector(n, make(n), lambda _t, is_license, n=n: is_license or n == "fingerprint")
                 for n in ("fingerprint", "scancode"))


@pytest.mark.parametrize(("answers", "is_license", "calls", "key"), [
    ({"fingerprint": TextMatch("mit", 0.9, "fingerprint")}, True, ["fingerprint"], "mit"),
    ({"scancode": TextMatch("apache-2.0", 0.8, "scancode")}, True, ["fingerprint", "scancode"], "apache-2.0"),
    ({"scancode": TextMatch("apache-2.0", 0.8, "scancode")}, False, ["fingerprint"], None),  # a policy, not a license
    ({}, True, ["fingerprint", "scancode"], None),
])
def test_first_detector_that_answers_wins(monkeypatch, answers, is_license, calls, key):
    seen: list[str] = []
    monkeypatch.setattr(matching, "DETECTORS", _detectors(seen, answers))
    matching.identify_license_text.cache_clear()
    try:
        match = matching.identify_license_text(f"text {answers} {is_license}", is_license)
    finally:
        matching.identify_license_text.cache_clear()
    assert seen == calls
    assert (match.key if match else None) == key


def test_scancode_skips_texts_that_are_not_license_sized():
    short = "Licensed under the MIT license."
    assert not matching._license_sized(short, True)
    assert not matching._license_sized("word " * 20_000, True)
    assert matching._license_sized("word " * 300, True)
    assert not matching._license_sized("word " * 300, False)


def test_missing_fingerprints_file_is_an_error_in_one_sentence(tmp_path):
    with pytest.raises(fingerprint.FingerprintsMissing) as info:
        fingerprint._index(tmp_path / "fingerprints.json")
    message = str(info.value)
    assert "fingerprints.json" in message and "\n" not in message


def test_damaged_fingerprints_file_is_an_error(tmp_path):
    path = tmp_path / "fingerprints.json"
    path.write_text('{"not": "licenses"}', encoding="utf-8")
    with pytest.raises(fingerprint.FingerprintsMissing):
        fingerprint._index(path)


def test_missing_fingerprints_is_not_silently_unknown(monkeypatch, tmp_path):
    """Before: an OSError was swallowed and every license came out unknown."""
    def broken(path=None):
        raise fingerprint.FingerprintsMissing("The license fingerprints file is missing.")
    monkeypatch.setattr(fingerprint, "_index", broken)
    with pytest.raises(fingerprint.FingerprintsMissing):
        fingerprint.identify_text("Permission is hereby granted, free of charge, to any person obtaining a copy")
