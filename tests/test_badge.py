"""Badges: well-formed, escaped, accessible, sized to their text, readable colours."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from auditor.render.badge import (
    CLASS_COLORS,
    LABEL_COLOR,
    STATUS_COLORS,
    badge_html,
    badge_markdown,
    badge_svg,
    classification_badge,
    criterion_badge,
    text_width,
)

SVG = "{http://www.w3.org/2000/svg}"


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast_with_white(hex_color: str) -> float:
    return 1.05 / (_luminance(hex_color) + 0.05)


def _report(classification: str) -> dict:
    return {"classification": classification,
            "model": {"id": "acme/tiny-apache", "url": "https://huggingface.co/acme/tiny-apache"},
            "criteria": [{"id": "free-redistribution", "status": "pass"}, {"id": "integrity", "status": "odd"}]}


@pytest.mark.parametrize("color", [*CLASS_COLORS.values(), *STATUS_COLORS.values(), LABEL_COLOR])
def test_white_text_meets_wcag_aa_contrast(color: str) -> None:
    assert _contrast_with_white(color) >= 4.5


def test_classification_colours_are_distinct() -> None:
    assert len(set(CLASS_COLORS.values())) == len(CLASS_COLORS)


def test_svg_is_well_formed_with_accessible_title() -> None:
    root = ET.fromstring(badge_svg("openness", "open weights", "open-weights"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "openness: open weights"
    assert root.find(f"{SVG}title").text == "openness: open weights"
    assert "@font-face" not in ET.tostring(root, encoding="unicode")
    assert "http" not in (root.get("href") or "")


def test_text_is_escaped_not_interpreted() -> None:
    svg = badge_svg("a<b>", 'x & "y" </text><script>alert(1)</script>', "#123456")
    root = ET.fromstring(svg)  # would raise if the escaping were wrong
    assert root.find(f"{SVG}script") is None and "<script>" not in svg
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert 'x & "y" </text><script>alert(1)</script>' in texts


def test_width_grows_with_text_and_matches_rectangles() -> None:
    short = ET.fromstring(badge_svg("openness", "closed", "closed"))
    long = ET.fromstring(badge_svg("openness", "closed but with a much longer message", "closed"))
    assert int(long.get("width")) > int(short.get("width")) + 100
    rects = [r for r in long.iter(f"{SVG}rect") if r.get("fill", "").startswith("#") and r.get("rx") is None]
    assert sum(int(r.get("width")) for r in rects) == int(long.get("width"))
    assert text_width("WWW") > text_width("iii")


def test_unknown_colour_is_refused() -> None:
    with pytest.raises(ValueError):
        badge_svg("a", "b", 'red" onload="x')


def test_control_characters_and_newlines_are_flattened() -> None:
    root = ET.fromstring(badge_svg("lab\nel", "mes\x00sage", "#abc"))
    assert root.get("aria-label") == "lab el: message"


@pytest.mark.parametrize("classification", list(CLASS_COLORS))
def test_classification_badge_uses_its_colour(classification: str) -> None:
    svg = classification_badge(_report(classification))
    assert CLASS_COLORS[classification] in svg
    assert classification.replace("-", " ") in ET.fromstring(svg).get("aria-label")


def test_unexpected_classification_renders_as_unknown() -> None:
    assert CLASS_COLORS["unknown"] in classification_badge(_report("bogus"))


def test_criterion_badge_and_missing_criterion() -> None:
    assert "free-redistribution: pass" in criterion_badge(_report("open-source"), "free-redistribution")
    assert "integrity: unknown" in criterion_badge(_report("open-source"), "integrity")
    with pytest.raises(KeyError):
        criterion_badge(_report("open-source"), "nope")


def test_snippets_link_to_the_model_and_escape() -> None:
    report = _report("restricted")
    md = badge_markdown(report, "https://example.org/badge (1).svg")
    assert md == ("[![openness: restricted](https://example.org/badge%20%281%29.svg)]"
                  "(https://huggingface.co/acme/tiny-apache)")
    html = badge_html(report, "https://example.org/b.svg?a=1&b=2", link="https://example.org/r?x=1&y=2")
    assert html == ('<a href="https://example.org/r?x=1&amp;y=2"><img src="https://example.org/b.svg?a=1&amp;b=2" '
                    'alt="openness: restricted"></a>')
