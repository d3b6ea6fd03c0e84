"""Shields-style flat SVG badges, rendered by the tool itself (no badge service, no web fonts).

A badge reads the report only. The SVG is self-contained: text is XML-escaped, the width comes from an
approximation of Verdana 11px glyph widths (what shields.io measures with), and a <title> plus role/aria-label
make it readable by screen readers. Colours are dark enough for white text to reach WCAG AA contrast (4.5:1)."""

from __future__ import annotations

import hashlib
import re
from html import escape as html_escape
from xml.sax.saxutils import escape as xml_escape

LABEL_COLOR = "#555555"
# One colour per classification; each gives white text a contrast ratio of at least 4.5:1 (tests check it).
CLASS_COLORS: dict[str, str] = {
    "open-source": "#2e7d32",   # green
    "open-weights": "#1f5fa8",  # blue
    "restricted": "#b54708",    # dark orange
    "closed": "#b42318",        # red
    "unknown": "#5f6368",       # grey
}
STATUS_COLORS: dict[str, str] = {
    "pass": "#2e7d32", "partial": "#b54708", "fail": "#b42318", "unknown": "#5f6368",
}
CLASS_MESSAGES: dict[str, str] = {
    "open-source": "open source", "open-weights": "open weights", "restricted": "restricted",
    "closed": "closed", "unknown": "unknown",
}
BADGE_LABEL = "openness"

# Approximate advance widths of Verdana at 11px (in px) for printable ASCII; shields.io measures the same font.
_WIDTHS: dict[str, float] = {
    " ": 3.9, "!": 4.3, '"': 5.1, "#": 9.0, "$": 7.0, "%": 11.9, "&": 8.0, "'": 3.0, "(": 5.0, ")": 5.0,
    "*": 7.0, "+": 9.0, ",": 4.0, "-": 5.0, ".": 4.0, "/": 5.0, ":": 5.0, ";": 5.0, "<": 9.0, "=": 9.0,
    ">": 9.0, "?": 6.0, "@": 11.0, "[": 5.0, "\\": 5.0, "]": 5.0, "^": 9.0, "_": 7.0, "`": 7.0, "{": 7.0,
    "|": 5.0, "}": 7.0, "~": 9.0,
    "A": 7.5, "B": 7.6, "C": 7.7, "D": 8.5, "E": 7.0, "F": 6.3, "G": 8.5, "H": 8.3, "I": 4.6, "J": 5.0,
    "K": 7.6, "L": 6.1, "M": 9.3, "N": 8.2, "O": 8.7, "P": 6.6, "Q": 8.7, "R": 7.7, "S": 7.5, "T": 6.8,
    "U": 8.1, "V": 7.5, "W": 10.9, "X": 7.5, "Y": 6.8, "Z": 7.5,
    "a": 6.7, "b": 6.9, "c": 5.8, "d": 6.9, "e": 6.6, "f": 3.9, "g": 6.9, "h": 7.0, "i": 3.0, "j": 3.8,
    "k": 6.5, "l": 3.0, "m": 10.7, "n": 7.0, "o": 6.6, "p": 6.9, "q": 6.9, "r": 4.7, "s": 5.7, "t": 4.3,
    "u": 7.0, "v": 6.5, "w": 9.0, "x": 6.5, "y": 6.5, "z": 5.8,
}
_DIGIT_WIDTH = 7.0
_WIDE_FALLBACK = 8.5  # unknown (often non-Latin) glyphs: err wide so text never overflows its box
_HORIZONTAL_PADDING = 10
_MAX_TEXT = 120
_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def text_width(text: str) -> float:
    """Estimated rendered width of `text` in Verdana 11px."""
    return sum(_DIGIT_WIDTH if ch.isdigit() else _WIDTHS.get(ch, _WIDE_FALLBACK) for ch in text)


def _resolve_color(color: str) -> str:
    """A hex colour, or a classification/status name; anything else is refused (it lands in an attribute)."""
    named = CLASS_COLORS.get(color) or STATUS_COLORS.get(color)
    if named:
        return named
    if _HEX_COLOR.match(color):
        return color.lower()
    raise ValueError(f"badge colour must be #rgb/#rrggbb or a classification/status name, got {color!r}")


def _clean(text: str) -> str:
    """One line, no control characters, bounded length (a badge is not a paragraph)."""
    spaced = "".join(" " if ch.isspace() else ch for ch in str(text))
    flat = " ".join("".join(ch for ch in spaced if ch.isprintable()).split())
    return flat if len(flat) <= _MAX_TEXT else flat[: _MAX_TEXT - 1] + "…"


def badge_svg(label: str, message: str, color: str) -> str:
    """A flat two-part badge: grey `label` on the left, `message` on a `color` background on the right."""
    label, message = _clean(label), _clean(message)
    fill = _resolve_color(color)
    label_w = round(text_width(label)) + _HORIZONTAL_PADDING if label else 0
    message_w = round(text_width(message)) + _HORIZONTAL_PADDING
    total = label_w + message_w
    title = f"{label}: {message}" if label else message
    # Ids unique per content so several badges can be inlined in one HTML page without clashing.
    uid = hashlib.sha1(f"{label}\0{message}\0{fill}".encode()).hexdigest()[:8]
    esc_title = xml_escape(title, {'"': "&quot;"})

    def text_pair(text: str, left: int, width: int) -> str:
        # Drawn at 10x and scaled by 0.1 (as shields does) for sub-pixel placement; the shadow sits 1px lower.
        x = (left + width / 2) * 10
        length = (width - _HORIZONTAL_PADDING) * 10
        t = xml_escape(text)
        return (f'<text aria-hidden="true" x="{x:.0f}" y="150" fill="#010101" fill-opacity=".3" '
                f'transform="scale(.1)" textLength="{length}">{t}</text>'
                f'<text x="{x:.0f}" y="140" transform="scale(.1)" fill="#fff" textLength="{length}">{t}</text>')

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{esc_title}">',
        f"<title>{esc_title}</title>",
        f'<linearGradient id="s{uid}" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        f'<stop offset="1" stop-opacity=".1"/></linearGradient>',
        f'<clipPath id="r{uid}"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>',
        f'<g clip-path="url(#r{uid})">',
        f'<rect width="{label_w}" height="20" fill="{LABEL_COLOR}"/>' if label else "",
        f'<rect x="{label_w}" width="{message_w}" height="20" fill="{fill}"/>',
        f'<rect width="{total}" height="20" fill="url(#s{uid})"/></g>',
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        'text-rendering="geometricPrecision" font-size="110">',
        text_pair(label, 0, label_w) if label else "",
        text_pair(message, label_w, message_w),
        "</g></svg>",
    ]
    return "".join(parts)


def _classification(report: dict) -> str:
    value = report.get("classification")
    return value if value in CLASS_COLORS else "unknown"


def classification_badge(report: dict) -> str:
    """The report's classification as a badge ("openness | open weights")."""
    cls = _classification(report)
    return badge_svg(BADGE_LABEL, CLASS_MESSAGES[cls], CLASS_COLORS[cls])


def criterion_badge(report: dict, criterion_id: str) -> str:
    """One criterion's status as a badge ("free-redistribution | pass")."""
    for c in report.get("criteria", []):
        if c.get("id") == criterion_id:
            status = c.get("status") if c.get("status") in STATUS_COLORS else "unknown"
            return badge_svg(criterion_id, status, STATUS_COLORS[status])
    raise KeyError(f"criterion {criterion_id!r} is not in this report")


def _alt(report: dict) -> str:
    return f"{BADGE_LABEL}: {CLASS_MESSAGES[_classification(report)]}"


def _link(report: dict, link: str | None) -> str:
    return link or (report.get("model") or {}).get("url") or ""


def badge_markdown(report: dict, url: str, link: str | None = None) -> str:
    """Markdown for a README/model card: the badge image at `url`, linking to `link` (default: the model page)."""
    alt = _alt(report).replace("[", "(").replace("]", ")")
    image = f"![{alt}]({_md_url(url)})"
    target = _link(report, link)
    return f"[{image}]({_md_url(target)})" if target else image


def badge_html(report: dict, url: str, link: str | None = None) -> str:
    """The same snippet as HTML, attribute values escaped."""
    img = f'<img src="{html_escape(url)}" alt="{html_escape(_alt(report))}">'
    target = _link(report, link)
    return f'<a href="{html_escape(target)}">{img}</a>' if target else img


def _md_url(url: str) -> str:
    # Parentheses and spaces would end a Markdown link destination early.
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
