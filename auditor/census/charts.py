"""Inline SVG charts for the Census pages: computed here, escaped here, scaled by their viewBox (no overflow on a
narrow screen). Each chart has a <title>, a <desc> and a stable id; the page adds the same figures as a table."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_W = 200
ROW_H = 24
BAR_FILL = "#2f5d9e"
ALT_FILL = "#b3541e"
TEXT_FILL = "#1f2933"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as printed
    highlight: bool = False


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar]) -> Markup:
    """Horizontal bars, one row per bar, labels on the left and values at the bar's end."""
    height = max(1, len(bars)) * ROW_H + 8
    top = max((b.value for b in bars), default=0) or 1
    span = WIDTH - LABEL_W - 150  # room for the value printed after the longest bar
    parts = [f'<svg id="{escape(chart_id)}" role="img" aria-labelledby="{escape(chart_id)}-title '
             f'{escape(chart_id)}-desc" viewBox="0 0 {WIDTH} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" font-size="13">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>']
    for i, bar in enumerate(bars):
        y = 4 + i * ROW_H
        width = max(1.0, span * bar.value / top) if bar.value else 0
        label = bar.label if len(bar.label) <= 28 else bar.label[:27] + "…"
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 16}" text-anchor="end" fill="{TEXT_FILL}">{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL_W}" y="{y + 4}" width="{width:.1f}" height="{ROW_H - 8}" '
                     f'fill="{ALT_FILL if bar.highlight else BAR_FILL}"/>')
        parts.append(f'<text x="{LABEL_W + width + 6:.1f}" y="{y + 16}" fill="{TEXT_FILL}">{escape(bar.text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(chart_id: str, title: str, description: str, bars: list[Bar]) -> Markup:
    """Vertical columns (a distribution or a time series), labels below, values above."""
    height, base, top_pad = 240, 200, 24
    count = max(1, len(bars))
    margin = 30  # room for the first and last labels, centred under their columns
    slot = (WIDTH - 2 * margin) / count
    top = max((b.value for b in bars), default=0) or 1
    parts = [f'<svg id="{escape(chart_id)}" role="img" aria-labelledby="{escape(chart_id)}-title '
             f'{escape(chart_id)}-desc" viewBox="0 0 {WIDTH} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" font-size="12">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
             f'<line x1="10" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#9aa5b1"/>']
    label_every = max(1, -(-count // 8))  # at most 8 labels: they never overlap
    for i, bar in enumerate(bars):
        h = (base - top_pad) * bar.value / top if bar.value else 0
        x = margin + i * slot
        parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                     f'fill="{ALT_FILL if bar.highlight else BAR_FILL}"><title>{escape(bar.label)}: '
                     f'{escape(bar.text)}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{base + 16}" text-anchor="middle" '
                         f'fill="{TEXT_FILL}">{escape(bar.label)}</text>')
        if count <= 16:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{base - h - 5:.1f}" text-anchor="middle" '
                         f'fill="{TEXT_FILL}">{escape(bar.text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
