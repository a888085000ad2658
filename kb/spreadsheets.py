"""Cells of the CSV files the bank gives out (search results, collections, statistics), safe to open in a
spreadsheet: a text that begins like a formula («=», «+», «-», «@», a tab or a line break) is prefixed with «'»,
so Excel or LibreOffice shows it as text instead of running it (a practice's title or a collection's note is
anyone's text: «=HYPERLINK(…)» would become a live link, «=cmd|…» a command on old Excel)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """``value`` as a CSV cell: text that would begin a formula gets a leading «'»; numbers stay numbers."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def row(values) -> list:
    """Every cell of a row through ``cell``."""
    return [cell(value) for value in values]
