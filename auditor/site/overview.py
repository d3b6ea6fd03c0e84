"""The index's overview: counts by classification, two bar charts and the openness matrix, computed at build time.

Charts are plain coordinates for inline SVG (no script, no external asset); each comes with a table holding the
same numbers. The matrix ranks models by openness, then by how many audited models derive from them (the
popularity signal the reports carry), then by how many criteria pass, then by id."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from auditor.vocabulary import OPENNESS_ORDER, Status

CHART_W = 460
BAR_H = 26
BAR_GAP = 10
LABEL_W = 116  # left column for the category name
COUNT_W = 44  # right margin for the count
NO_FAMILY = "not identified"
STATUS_RANK = {Status.PASS: 0, Status.PARTIAL: 1, Status.UNKNOWN: 2, Status.FAIL: 3}


@dataclass(frozen=True)
class Segment:
    key: str  # classification
    count: int
    x: int
    w: int


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    label_w: int = LABEL_W
    bar_h: int = BAR_H


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, Counter[str]]]) -> Chart:
    """Horizontal bars, one per row, each split into segments by classification (in openness order)."""
    largest = max((sum(c.values()) for _, c in rows), default=0) or 1
    span = CHART_W - LABEL_W - COUNT_W
    bars = []
    for n, (label, counts) in enumerate(rows):
        x = LABEL_W
        segments = []
        for key in OPENNESS_ORDER:
            if counts.get(key):
                w = max(2, round(span * counts[key] / largest))
                segments.append(Segment(str(key), counts[key], x, w))
                x += w
        bars.append(Bar(label, sum(counts.values()), n * (BAR_H + BAR_GAP), tuple(segments)))
    height = max(1, len(bars)) * (BAR_H + BAR_GAP) - BAR_GAP
    return Chart(chart_id, title, CHART_W, height, tuple(bars))


def class_counts(rows: list[dict[str, Any]], class_of: Any) -> Counter[str]:
    return Counter(class_of(r.get("classification")) for r in rows)


def family_counts(rows: list[dict[str, Any]], class_of: Any) -> list[tuple[str, Counter[str]]]:
    """(license family, counts by classification), largest family first; unidentified licenses last."""
    by_family: dict[str, Counter[str]] = {}
    for row in rows:
        family = row.get("license_family") if isinstance(row.get("license_family"), str) else NO_FAMILY
        by_family.setdefault(family, Counter())[class_of(row.get("classification"))] += 1
    return sorted(by_family.items(), key=lambda kv: (kv[0] == NO_FAMILY, -sum(kv[1].values()), kv[0]))


# -- the openness matrix -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MatrixColumn:
    id: str
    label: str
    title: str
    group: str  # "Open Source Definition", "OSAID", "MOF"


@dataclass(frozen=True)
class MatrixRow:
    id: str
    href: str
    classification: str
    cells: tuple[tuple[str, str, str], ...]  # (status, word shown, link to the verdict)
    derivatives: int

    def html(self, columns: list[MatrixColumn], class_html: dict[str, Markup], marks: dict[str, str]) -> Markup:
        """The row's markup, built here rather than in the template: the matrix has 15 links per model, and
        Jinja's per-value escaping made it the slowest page of a 10,000-model site. Every value is escaped."""
        href = escape(self.href)
        cells = "".join(
            f'<td class="cell"><a class="st st-{status}" href="{escape(link)}" data-status="{status}">'
            f'<span class="mark" aria-hidden="true">{marks[status]}</span> {escape(word)}'
            f'<span class="visually-hidden"> — {escape(column.title)}</span></a></td>'
            for (status, word, link), column in zip(self.cells, columns, strict=True))
        model = escape(self.id)
        return Markup(f'<tr data-model="{model}" data-classification="{self.classification}">'
                      f'<th scope="row" class="col-model"><a href="{href}">{model}</a></th>'
                      f"<td>{class_html[self.classification]}</td>{cells}</tr>")


def openness_rank(classification: str, derivatives: int, statuses: list[str], model_id: str) -> tuple:
    order = [str(c) for c in OPENNESS_ORDER]
    position = order.index(classification) if classification in order else len(order)
    passes = sum(1 for s in statuses if s == Status.PASS)
    return position, -derivatives, -passes, model_id.lower(), model_id
