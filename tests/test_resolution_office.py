"""Both seed resolutions saved by an office suite (LibreOffice) as DOC, DOCX, ODT, RTF and PDF give the structure
of their TXT. `.ci/run` installs LibreOffice; elsewhere these tests skip with a message."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kb.resolutions.parser import Gazetteer, extract_text, parse_resolution
from kb.vocabularies import data
from tests.test_resolution_formats import SEEDS, structure

FORMATS = ("doc", "docx", "odt", "fodt", "rtf", "pdf")
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def office_files(tmp_path_factory) -> Path:
    """The seeds converted by LibreOffice into every format, one conversion run per format."""
    from tests.conftest import SEEDS as SEEDS_DIR

    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: `.ci/run` installs libreoffice-writer-nogui")
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"the seed resolutions are not beside the project ({SEEDS_DIR})")
    folder = tmp_path_factory.mktemp("office")
    sources = [SEEDS_DIR / seed for seed in SEEDS]
    for kind in FORMATS:
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
             "--infilter=Text (encoded):UTF8,LF,,,", "--convert-to", kind, "--outdir", str(folder),
             *map(str, sources)],
            check=True, capture_output=True, timeout=180,
        )
    return folder


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", FORMATS)
def test_an_office_suite_file_gives_the_structure_of_the_txt(office_files, seeds_dir, seed, kind):
    gazetteer = Gazetteer.from_regions(data.REGIONS, data.classify_addressee)
    expected = structure(parse_resolution(extract_text(seeds_dir / seed), gazetteer))
    converted = office_files / f"{Path(seed).stem}.{kind}"
    assert converted.is_file(), f"LibreOffice made no {kind}"
    assert structure(parse_resolution(extract_text(converted), gazetteer)) == expected


def test_a_word_97_file_of_two_lines_is_read(tmp_path):
    """antiword refuses a DOC this short («the text stream of this file is too small»): it was refused as
    damaged, as an attachment and as a resolution. catdoc reads it (`.ci/run` installs both)."""
    from kb.attachments.extract import detect
    from kb.attachments.extract import extract_text as extract_file_text

    if SOFFICE is None or shutil.which("catdoc") is None:
        pytest.skip("LibreOffice and catdoc are installed by `.ci/run` (apt-get install catdoc)")
    source = tmp_path / "коротко.txt"
    source.write_text("Резолюция семинара\nРекомендовать школам развивать наставничество.\n", encoding="utf-8")
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--infilter=Text (encoded):UTF8,LF,,,", "--convert-to", "doc", "--outdir", str(tmp_path),
                    str(source)], check=True, capture_output=True, timeout=180)
    data = (tmp_path / "коротко.doc").read_bytes()
    assert detect(data, "коротко.doc") == "doc"
    assert extract_file_text(data, "doc") == "Резолюция семинара\nРекомендовать школам развивать наставничество."
    assert "наставничество" in extract_text(tmp_path / "коротко.doc")


def _word_lists_docx(text: str, target: Path) -> None:
    """The seed as Word keeps it: «1)» lines an automatically numbered list, «–» and «·» lines a bulleted one (the
    Symbol-font bullet U+F0B7), their markers the list's, not the text's; the Markdown and the bookmark left out."""
    import re

    import docx

    document = docx.Document()
    for line in re.sub(r"\[bookmark:[^\]]*\]", "", text.replace("**", "")).splitlines():
        line = line.strip()
        if numbered := re.match(r"(\d+)\)\s*(.*)", line):
            document.add_paragraph(numbered.group(2), style="List Number")
        elif bulleted := re.match(r"[–·-]\s*(.*)", line):
            document.add_paragraph(bulleted.group(1), style="List Bullet")
        elif line:
            document.add_paragraph(line)
    document.save(target)


@pytest.fixture(scope="module")
def word_list_files(tmp_path_factory) -> Path:
    """The seeds as Word documents with real lists, saved by LibreOffice as PDF, RTF, DOC and ODT."""
    from tests.conftest import SEEDS as SEEDS_DIR

    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: `.ci/run` installs libreoffice-writer-nogui")
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"the seed resolutions are not beside the project ({SEEDS_DIR})")
    folder = tmp_path_factory.mktemp("lists")
    for seed in SEEDS:
        _word_lists_docx((SEEDS_DIR / seed).read_text(encoding="utf-8"), folder / f"{Path(seed).stem}.docx")
    for kind in ("pdf", "rtf", "doc", "odt"):
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--convert-to", kind,
             "--outdir", str(folder), *(str(folder / f"{Path(seed).stem}.docx") for seed in SEEDS)],
            check=True, capture_output=True, timeout=180,
        )
    return folder


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", ["docx", "pdf", "rtf", "doc", "odt"])
def test_a_word_document_with_lists_in_any_format_is_the_txt_resolution(word_list_files, seeds_dir, seed, kind):
    """A PDF saved from Word with bulleted lists lost a recommendation: its Symbol-font bullet (U+F0B7) after a
    line that filled the page was read as that line's continuation («…детей); • продолжить…»). And each format
    writes the lists' markers its own way (DOCX «1.» and «–», PDF and RTF «•», antiword none): the same resolution
    uploaded again in another format was saved as a new one. Every format now gives the TXT's structure and is
    found as the resolution already loaded."""
    from kb.resolutions.services import text_checksum

    gazetteer = Gazetteer.from_regions(data.REGIONS, data.classify_addressee)
    expected = parse_resolution(extract_text(seeds_dir / seed), gazetteer)
    converted = word_list_files / f"{Path(seed).stem}.{kind}"
    assert converted.is_file(), f"LibreOffice made no {kind}"
    parsed = parse_resolution(extract_text(converted), gazetteer)
    assert structure(parsed) == structure(expected)
    assert text_checksum(parsed.full_text) == text_checksum(expected.full_text)
