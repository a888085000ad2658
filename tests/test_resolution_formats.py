"""A resolution saved as ODT, FODT, RTF or PDF gives the same structure as its TXT (the seeds, made here by
libraries)."""

from pathlib import Path

import pytest

from kb.resolutions.parser import Gazetteer, ResolutionFormatError, extract_text, parse_resolution
from kb.vocabularies import data
from tests.documents import flat_odf, odt_bytes, pdf_bytes, rtf_bytes

SEEDS = ("resolution_chelyabinsk_2017.txt", "resolution_smolensk_2023.txt")


def structure(parsed) -> tuple:
    return (parsed.title, parsed.conference_name, parsed.date_start, parsed.date_end, parsed.place, parsed.format,
            parsed.participants_count, parsed.region_codes,
            [(r.number, r.addressee, r.addressee_type, r.text) for r in parsed.recommendations])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("suffix", "make"), [(".odt", odt_bytes), (".fodt", lambda text: flat_odf(odt_bytes(text))),
                                              (".rtf", rtf_bytes), (".pdf", pdf_bytes)])
def test_every_format_gives_the_structure_of_the_txt(seeds_dir, tmp_path, seed, suffix, make):
    gazetteer = Gazetteer.from_regions(data.REGIONS, data.classify_addressee)
    source = seeds_dir / seed
    expected = structure(parse_resolution(extract_text(source), gazetteer))
    target = tmp_path / (Path(seed).stem + suffix)
    target.write_bytes(make(source.read_text(encoding="utf-8").replace("**", "")))
    assert structure(parse_resolution(extract_text(target), gazetteer)) == expected


def test_a_misnamed_or_broken_office_file_gets_a_message(tmp_path):
    fake = tmp_path / "resolution.pdf"
    fake.write_text("РЕЗОЛЮЦИЯ конференции", encoding="utf-8")
    with pytest.raises(ResolutionFormatError, match="не соответствует содержимому"):
        extract_text(fake)
    broken = tmp_path / "resolution.odt"
    broken.write_bytes(odt_bytes("РЕЗОЛЮЦИЯ\nконференции")[:300])
    with pytest.raises(ResolutionFormatError):
        extract_text(broken)


def test_an_emoji_in_an_rtf_resolution_is_one_character(tmp_path):
    """Word's surrogate pair for an emoji (\\u-10179?\\u-8704?) was two lone halves, which no database stores."""
    target = tmp_path / "resolution.rtf"
    target.write_bytes(rtf_bytes("РЕЗОЛЮЦИЯ\nконференции «Наставничество 😀»"))
    assert extract_text(target) == "РЕЗОЛЮЦИЯ\nконференции «Наставничество 😀»"


def _docx_with_lists(text: str) -> bytes:
    """A DOCX as Word writes a resolution: a «1)» line as an item of an automatically numbered list, a «–» line as
    a bulleted one (their markers are the list's, not the text's)."""
    import io
    import re

    import docx

    document = docx.Document()
    for line in text.splitlines():
        if numbered := re.match(r"\s*\d+\)\s*(.*)", line):
            document.add_paragraph(numbered.group(1), style="List Number")
        elif bulleted := re.match(r"\s*[–·-]\s*(.*)", line):
            document.add_paragraph(bulleted.group(1), style="List Bullet")
        else:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("kind", "make"), [("rtf", rtf_bytes), ("docx", _docx_with_lists)])
def test_a_doc_that_is_really_rtf_or_docx_is_read_as_what_it_is(seeds_dir, tmp_path, seed, kind, make):
    """A resolution in RTF or DOCX saved under the name «.doc» (common for official documents) was refused:
    «Расширение «.doc» не соответствует содержимому файла (RTF)». It is read as what it is: a DOCX's numbered
    lists as a «.docx» gives them."""
    text = (seeds_dir / seed).read_text(encoding="utf-8").replace("**", "")
    (tmp_path / "resolution.doc").write_bytes(make(text))
    (tmp_path / f"resolution.{kind}").write_bytes(make(text))
    assert extract_text(tmp_path / "resolution.doc") == extract_text(tmp_path / f"resolution.{kind}")


@pytest.mark.parametrize(("make", "kind"), [(lambda: pdf_bytes("РЕЗОЛЮЦИЯ"), "PDF"),
                                            (lambda: odt_bytes("РЕЗОЛЮЦИЯ"), "ODT")])
def test_a_doc_of_another_kind_is_still_refused(tmp_path, make, kind):
    (tmp_path / "resolution.doc").write_bytes(make())
    with pytest.raises(ResolutionFormatError, match=rf"не соответствует содержимому файла \({kind}\)"):
        extract_text(tmp_path / "resolution.doc")
