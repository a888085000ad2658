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
