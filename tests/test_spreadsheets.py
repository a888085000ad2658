"""CSV cells the bank gives out never begin a spreadsheet formula."""

import pytest

from kb.spreadsheets import cell, row


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+7 351", "'+7 351"), ("-минус", "'-минус"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tтаб", "'\tтаб"), ("\rстрока", "'\rстрока"), ("Обычный текст", "Обычный текст"), ("", ""),
    ("1=1", "1=1"), ("'=уже текст", "'=уже текст"), (2024, 2024), (-5, -5), (None, None),
])
def test_a_cell_that_would_begin_a_formula_gets_a_leading_quote(value, written):
    assert cell(value) == written


def test_a_row_is_its_cells():
    assert row(["=A1", 3, "текст"]) == ["'=A1", 3, "текст"]
