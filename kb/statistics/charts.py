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
# A narrow screen (a phone): each label on its own line above its bars, the chart as wide as the label's place;
# there the wide chart kept 640 pixels and scrolled, its longest bars and their numbers out of sight.
NARROW_WIDTH = 300
NARROW_VALUE_WIDTH = 48
LABEL_LINE = 18
LEGEND_LINE = 20
# Room for a number after its bar: 6 pixels of gap and a digit's width in bold DejaVu Sans at 13 px (9 pixels, a
# little more); a practice viewed 10000 times wrote «1000» on a phone, its last digit past the chart's edge.
DIGIT_WIDTH = 10


def value_room(maximum: int, least: int) -> int:
    """The pixels after the longest bar for its number: ``least``, or more for a number of many digits."""
    return max(least, 6 + DIGIT_WIDTH * len(str(maximum)))


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
    label_x: int
    label_anchor: str  # "end": right-aligned before the bars; "start": above them (narrow)
    bar_x: int
    bar_height: int
    rows: list[ChartRow]
    legend: list[tuple[str, int, int]]  # (series heading, x, y) when the table has more than one series
    summary: str
    narrow: bool = False


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


def bar_chart(table: Table, narrow: bool = False) -> Chart:
    """Lay out a table as horizontal bars scaled to its largest number: labels left of the bars, or (``narrow``,
    for a phone) each label on a line of its own above its bars."""
    series = len(table.value_headings)
    slot, thickness, gap = ONE_SERIES if series == 1 else SEVERAL_SERIES
    if narrow:
        width, bar_x, label_line = NARROW_WIDTH, 0, LABEL_LINE
        area = NARROW_WIDTH - value_room(table.maximum, NARROW_VALUE_WIDTH)
        legend = [(heading, 0, 6 + i * LEGEND_LINE) for i, heading in enumerate(table.value_headings)]
        top = series * LEGEND_LINE + 8 if series > 1 else 0
    else:
        width, bar_x, label_line = WIDTH, LABEL_WIDTH, 0
        area = WIDTH - LABEL_WIDTH - value_room(table.maximum, VALUE_WIDTH)
        legend = [(heading, LABEL_WIDTH + i * 220, 6) for i, heading in enumerate(table.value_headings)]
        top = LEGEND_HEIGHT if series > 1 else 0
    row_height = label_line + series * slot + gap
    maximum = table.maximum or 1
    rows = []
    for index, row in enumerate(table.rows):
        y0 = top + index * row_height + gap // 2
        bars = []
        for s, value in enumerate(row.values):
            bar_width = max(round(value / maximum * area), 1 if value else 0)
            y = y0 + label_line + s * slot
            bars.append(Bar(s, y, bar_width, value, bar_x + bar_width + 6, y + thickness // 2))
        label_y = y0 + label_line // 2 if narrow else y0 + (series * slot - slot + thickness) // 2
        rows.append(ChartRow(row, shorten(row.label), label_y, bars))
    return Chart(table, width, top + len(table.rows) * row_height, 0 if narrow else LABEL_WIDTH - 8,
                 "start" if narrow else "end", bar_x, thickness, rows, legend if series > 1 else [], summary(table),
                 narrow)
