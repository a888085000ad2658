"""Layouts of real resolutions the parser reads besides the seeds' own: numbered items under numbered addressees,
a «город, дата» line under the heading, a heading with blank lines between its lines (a Word document's PDF or
DOC), running headers and page numbers of a PDF, dash addressees, letter items, nested bullets, Roman numerals.
"""

from __future__ import annotations

import dataclasses

import pytest

from kb.resolutions.parser import ParsedResolution, parse_resolution
from tests.test_resolution_parser import INLINE_GAZETTEER, _data_gazetteer

HEAD = "РЕЗОЛЮЦИЯ\nконференции «Одарённые дети»\n\n3 марта 2022 г., г. Челябинск.\n\n"
SEEDS = ["resolution_chelyabinsk_2017.txt", "resolution_smolensk_2023.txt"]


def recs(text: str, gazetteer=INLINE_GAZETTEER) -> list[tuple[str, str, str | None, str]]:
    parsed = parse_resolution(text, gazetteer)
    return [(r.number, r.addressee, r.addressee_type, r.text) for r in parsed.recommendations]


def without_text(parsed: ParsedResolution) -> ParsedResolution:
    return dataclasses.replace(parsed, full_text="")


# ------------------------------------------------------------------------------------------------
# The place and the date under the heading


@pytest.mark.parametrize("lines, place", [
    ("3 марта 2022 г., г. Миасс\n\nУчастники конференции рекомендуют:", "Миасс"),
    ("3 марта 2022 г.      г. Златоуст\n\nКонференция прошла очно.", "Златоуст"),
    ("г. Копейск\nЗаседание прошло очно 3 марта 2022 г.", "Копейск"),
])
def test_the_place_ends_with_its_line(lines, place):
    res = parse_resolution("РЕЗОЛЮЦИЯ\nсеминара «Наставничество»\n\n" + lines + "\n– обобщить опыт.", _data_gazetteer())
    assert res.place == place
