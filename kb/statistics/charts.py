"""Horizontal bar charts drawn on the server: the geometry here, the SVG markup in templates/statistics/."""

from __future__ import annotations

from dataclasses import dataclass

from kb.statistics.services import Row, Table

WIDTH = 760
LABEL_WIDTH = 300
VALUE_WIDTH = 64
# (slot of one bar, its thickness, gap between rows): one series, and the denser bars of several series
ONE_SERIES = (18, 14, 10)
SEVERAL_SERIES = (12, 10, 6)
LEGEND_HEIGHT = 28
# Characters of a label, so the longest names of the vocabularies fit LABEL_WIDTH at 13 px (DejaVu Sans, wider
# than most system fonts: 40 letters took 333 pixels, and the chart cut their beginnings off).
MAX_LABEL = 34
SUMMARY_ROWS = 5


@dataclass(frozen=True)
class Bar:
    """One bar of a row, with where its number is written."""

    series: int
    y: int
    width: int
    value: int
    value_x: int
    value_y: int


@dataclass(frozen=True)
class ChartRow:
    """A row of the chart: the table row, its label as drawn (shortened) and its bars."""

    row: Row
    label: str
    label_y: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw a table as horizontal bars."""

    table: Table
    width: int
    height: int
    label_width: int
    bar_height: int
    rows: list[ChartRow]
    legend: list[tuple[str, int]]  # (series heading, x) when the table has more than one series
    summary: str


def shorten(label: str, limit: int = MAX_LABEL) -> str:
    """The label cut to ``limit`` characters with «…» (the full one is in the bar's tooltip and the table)."""
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"


def summary(table: Table) -> str:
    """What the chart shows in words, for screen readers: the first rows, or each series' total."""
    if not table.rows:
        return f"{table.title}: нет данных"
    if len(table.value_headings) > 1:
        totals = [sum(row.values[i] for row in table.rows) for i in range(len(table.value_headings))]
        parts = [f"{heading} — всего {total}" for heading, total in zip(table.value_headings, totals, strict=True)]
        return f"{table.title}: " + "; ".join(parts)
    text = "; ".join(f"{row.label} — {row.values[0]}" for row in table.rows[:SUMMARY_ROWS])
    rest = len(table.rows) - SUMMARY_ROWS
    return f"{table.title}: {text}" + (f" и ещё {rest}" if rest > 0 else "")


def bar_chart(table: Table) -> Chart:
    """Lay out a table as horizontal bars scaled to its largest number."""
    series = len(table.value_headings)
    slot, thickness, gap = ONE_SERIES if series == 1 else SEVERAL_SERIES
    top = LEGEND_HEIGHT if series > 1 else 0
    row_height = series * slot + gap
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    maximum = table.maximum or 1
    rows = []
    for index, row in enumerate(table.rows):
        y0 = top + index * row_height + gap // 2
        bars = []
        for s, value in enumerate(row.values):
            width = max(round(value / maximum * area), 1 if value else 0)
            y = y0 + s * slot
            bars.append(Bar(s, y, width, value, LABEL_WIDTH + width + 6, y + thickness // 2))
        rows.append(ChartRow(row, shorten(row.label), y0 + (series * slot - slot + thickness) // 2, bars))
    legend = [(heading, LABEL_WIDTH + i * 220) for i, heading in enumerate(table.value_headings)] if series > 1 else []
    return Chart(table, WIDTH, top + len(table.rows) * row_height, LABEL_WIDTH, thickness, rows, legend,
                 summary(table))
