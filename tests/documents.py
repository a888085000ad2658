"""Real office documents made by their own libraries, for the attachment and resolution-import tests."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from kb.pdf import document_bytes

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def odt_bytes(text: str) -> bytes:
    """An ODT with one paragraph per line (odfpy)."""
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for line in text.splitlines():
        document.text.addElement(P(text=line))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def flat_odf(package: bytes) -> bytes:
    """The flat OpenDocument (.fodt, .fods, .fodp: LibreOffice's «Плоский XML ODF») of an ODF package: one XML file
    whose root, office:document, holds its meta, settings, styles and office:body (odfpy writes it as LibreOffice
    does, with office:mimetype on the root)."""
    from odf.opendocument import load

    return load(io.BytesIO(package)).xml()


# A «billion laughs»: entities of entities, a gigabyte of text once expanded, declared in the prolog.
BILLION_LAUGHS = (b'<!DOCTYPE office:document [<!ENTITY lol "lol">'
                  + b"".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
                             for n in range(1, 10))
                  + b"]>")


def with_prolog(flat: bytes, prolog: bytes, entity: bytes = b"&lol9;") -> bytes:
    """A flat OpenDocument with ``prolog`` after its XML declaration and ``entity`` used in its first paragraph."""
    declaration, rest = flat.split(b"?>", 1)
    return declaration + b"?>" + prolog + rest.replace(b"</text:p>", entity + b"</text:p>", 1)


def rtf_bytes(text: str) -> bytes:
    """An RTF in code page 1251, as Word writes Cyrillic: \\'xx escapes, \\par between lines; a character
    code page 1251 has not (an emoji) as Word writes it, its UTF-16 units as signed \\uN? (a surrogate pair)."""

    def char(ch: str) -> str:
        if ch == "\n":
            return "\\par\n"
        try:
            code = ch.encode("cp1251")[0]
        except UnicodeEncodeError:
            units = struct.unpack(f"<{len(ch.encode('utf-16-le')) // 2}h", ch.encode("utf-16-le"))
            return "".join(f"\\u{unit}?" for unit in units)
        return f"\\'{code:02x}" if code > 127 else ("\\" + ch if ch in "\\{}" else ch)

    return (r"{\rtf1\ansi\ansicpg1251 " + "".join(map(char, text)) + "}").encode("ascii")


def pdf_bytes(text: str, size: int = 9, password: str | None = None, owner_password: str | None = None) -> bytes:
    """A PDF with the DejaVu font embedded, a line per line (fpdf2); optionally encrypted (pypdf): with a
    ``password`` to open it, or with only an ``owner_password`` (restrictions; it opens without a password)."""
    if not DEJAVU.is_file():
        pytest.skip("fonts-dejavu-core is not installed (.ci/run installs it)")
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=size)
    for line in text.splitlines():
        pdf.multi_cell(0, 5, text=line or " ", new_x="LMARGIN", new_y="NEXT")
    data = document_bytes(pdf)
    if password or owner_password:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(user_password=password or "", owner_password=owner_password)
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return data


def rewrite_part(data: bytes, part: str, change) -> bytes:
    """The same ZIP-based document with one part's bytes passed through ``change``, CRCs written anew: a
    package any ZIP reader opens, damaged only inside (what the office libraries meet while reading). Each part
    keeps its compression: an OpenDocument's «mimetype», stored, is how its type is recognised."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info)
            archive.writestr(info.filename, change(body) if info.filename == part else body,
                             compress_type=info.compress_type)
    return out.getvalue()


def future_zip_version(data: bytes) -> bytes:
    """The ZIP with its last entry claiming to need a ZIP reader of version 9.9 (zipfile refuses to open it)."""
    blob = bytearray(data)
    blob[blob.rfind(b"PK\x01\x02") + 6] = 99  # "version needed to extract" in the central directory
    return bytes(blob)


def lying_part(data: bytes, part: str, hidden: int) -> bytes:
    """The same ZIP with ``hidden`` zero bytes compressed after ``part``'s real content, while both of its
    headers still give the real content's size and CRC: a reader that stops at the declared size finds
    nothing wrong, but ``ZipFile.read`` unpacks everything (a 200 KB file, ``hidden`` bytes of memory)."""
    import struct
    import zlib

    source = zipfile.ZipFile(io.BytesIO(data))
    real = source.read(part)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, real + bytes(hidden) if info.filename == part else source.read(info))
    blob = bytearray(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as archive:
        local = archive.getinfo(part).header_offset
    central = blob.find(b"PK\x01\x02")
    while bytes(blob[central + 46:central + 46 + struct.unpack_from("<H", blob, central + 28)[0]]) != part.encode():
        central = blob.find(b"PK\x01\x02", central + 4)
    for offset, crc_at, size_at in ((local, 14, 22), (central, 16, 24)):
        struct.pack_into("<I", blob, offset + crc_at, zlib.crc32(real))
        struct.pack_into("<I", blob, offset + size_at, len(real))
    return bytes(blob)


def big_office_file(kind: str, size: int, first: str, words: int = 1) -> bytes:
    """A DOCX or PPTX whose text part (word/document.xml, the slide's) unpacks to ``size`` bytes: a paragraph
    ``first``, then paragraphs of ``words`` random words each (a vocabulary of 4000: it compresses as a document
    does, not as a bomb: a few hundred KB for 50 MB)."""
    import random

    rnd = random.Random(1)
    vocabulary = ["".join(rnd.choice("абвгдежзиклмнопрст") for _ in range(6)) for _ in range(4000)]
    if kind == "docx":
        import docx

        blank, part = docx.Document(), "word/document.xml"
        head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.'
                'openxmlformats.org/wordprocessingml/2006/main"><w:body>')
        paragraph, tail = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>", "</w:body></w:document>"
    else:
        from pptx import Presentation

        blank = Presentation()
        blank.slides.add_slide(blank.slide_layouts[6])
        part = "ppt/slides/slide1.xml"
        head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:sld xmlns:a="http://schemas.openxmlformats'
                '.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
                "<p:cSld><p:spTree><p:sp><p:txBody>")
        paragraph, tail = "<a:p><a:r><a:t>{}</a:t></a:r></a:p>", "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
    block = "".join(paragraph.format(" ".join(rnd.choice(vocabulary) for _ in range(words))) for _ in range(
        max(64 * 1024 // (words * 7 + len(paragraph)), 1))).encode()  # repeated further apart than deflate looks back
    body = head.encode() + paragraph.format(first).encode() + block * (size // len(block) + 1) + tail.encode()
    out = io.BytesIO()
    blank.save(out)
    return rewrite_part(out.getvalue(), part, lambda _: body)


def peak_memory(call) -> int:
    """The most memory Python objects took while ``call()`` ran, in bytes (tracemalloc)."""
    import tracemalloc

    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file (the container of DOC, XLS and PPT) holding ``streams`` beside each other under its
    root. Built by hand: 512-byte sectors, one FAT sector; each stream is padded with zeros to 4096 bytes at least,
    so that it lives in ordinary sectors and not in the mini stream."""
    import struct

    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    names = list(streams)
    bodies = [body.ljust(4096, b"\0") for body in streams.values()]
    bodies = [body + bytes(-len(body) % 512) for body in bodies]
    directory_sectors = -(-(len(names) + 1) // 4)
    fat = [fat_sector] + [1 + i + 1 for i in range(directory_sectors - 1)] + [end]
    starts = []
    for body in bodies:
        starts.append(len(fat))
        count = len(body) // 512
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [end]
    assert len(fat) <= 128, "one FAT sector: a test's file stays under 64 KB"
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child: int = none, right: int = none) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1, none, right, child)
                + bytes(16) + bytes(4) + bytes(16) + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, end, 0, child=1)
    for number, (name, start) in enumerate(zip(names, starts, strict=True), start=1):
        directory += entry(name, 2, start, max(len(streams[name]), 4096),
                           right=number + 1 if number < len(names) else none)
    directory = directory.ljust(directory_sectors * 512, b"\0")
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16)
              + struct.pack("<HHHHH6x9I", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", 0, *[free] * 108))
    return header + struct.pack("<128I", *fat) + directory + b"".join(bodies)


def encrypted_office_bytes(package_size: int = 8192) -> bytes:
    """What Word, Excel and PowerPoint save with a password (MS-OFFCRYPTO): no ZIP, but an OLE compound file
    (the container of the old DOC) with the streams «EncryptionInfo» and «EncryptedPackage»; the streams' bytes
    are noise, as the encrypted ones look."""
    import os
    import struct

    info = struct.pack("<HHI", 4, 4, 0x40) + os.urandom(4088)  # version 4.4: «agile» encryption, as Office 2010+
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": os.urandom(package_size)})


def encrypted_odt_bytes(text: str) -> bytes:
    """An ODT saved with a password, as LibreOffice writes it: a plain ZIP whose content.xml is encrypted
    (here: noise) and whose manifest says so with ``<manifest:encryption-data>``."""
    import os
    import re

    def manifest(body: bytes) -> bytes:
        return re.sub(rb'(<manifest:file-entry[^>]*manifest:full-path="content.xml"[^>]*?)\s*/>',
                      rb'\1><manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">'
                      rb'<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector'
                      rb'="AAAA"/></manifest:encryption-data></manifest:file-entry>', body)

    source = zipfile.ZipFile(io.BytesIO(odt_bytes(text)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():  # "mimetype" stays first and stored: how the type is recognised
            body = source.read(info)
            if info.filename == "META-INF/manifest.xml":
                body = manifest(body)
                assert b"encryption-data" in body
            elif info.filename == "content.xml":
                body = os.urandom(2000)
            archive.writestr(info, body)
    return out.getvalue()


def ods_bytes(rows: list[list[str]]) -> bytes:
    """An ODS (LibreOffice Calc) with one sheet of text cells (odfpy)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Лист1")
    for values in rows:
        row = TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def odp_bytes(slides: list[str]) -> bytes:
    """An ODP (LibreOffice Impress) with a text box of one paragraph on each slide (odfpy)."""
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    document = OpenDocumentPresentation()
    layout = PageLayout(name="Раскладка")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Обычный", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    for number, text in enumerate(slides, start=1):
        page = Page(name=f"Слайд {number}", masterpagename=master)
        frame = Frame(width="20cm", height="3cm", x="2cm", y="2cm")
        box = TextBox()
        box.addElement(P(text=text))
        frame.addElement(box)
        page.addElement(frame)
        document.presentation.addElement(page)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _biff_record(kind: int, body: bytes) -> bytes:
    import struct

    return struct.pack("<HH", kind, len(body)) + body


def xls_bytes(rows: list[list[str]]) -> bytes:
    """An Excel 97–2003 workbook (BIFF8) of one sheet of text cells, as few records as a reader needs: the
    globals (BOF, code page, the sheet's name and place, the shared strings, EOF) and the sheet (BOF, a LABELSST
    for each cell, EOF), in a compound file's «Workbook» stream. No library here writes XLS, and LibreOffice's
    Calc is not installed by `.ci/run`."""
    import struct

    def bof(kind: int) -> bytes:  # BIFF8, 0x0005 the workbook's globals, 0x0010 a sheet
        return _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))

    strings = [value for values in rows for value in values]
    shared = struct.pack("<II", len(strings), len(strings)) + b"".join(
        struct.pack("<HB", len(value), 1) + value.encode("utf-16-le") for value in strings)
    cells = [struct.pack("<HHHI", r, c, 15, sum(map(len, rows[:r])) + c)  # row, column, format, string
             for r, values in enumerate(rows) for c in range(len(values))]
    sheet = bof(0x10) + b"".join(_biff_record(0x00FD, cell) for cell in cells) + _biff_record(0x000A, b"")
    name = "Лист1"

    def globals_(sheet_at: int) -> bytes:
        return (bof(0x05) + _biff_record(0x0042, struct.pack("<H", 1200))
                + _biff_record(0x0085, struct.pack("<IHBB", sheet_at, 0, len(name), 1) + name.encode("utf-16-le"))
                + _biff_record(0x00FC, shared) + _biff_record(0x000A, b""))

    return compound_file({"Workbook": globals_(len(globals_(0))) + sheet})


def ppt_bytes(slides: list[str]) -> bytes:
    """A PowerPoint 97–2003 file reduced to what a reader of its text needs: a «PowerPoint Document» stream whose
    Document container holds a slide list of text atoms (TextHeaderAtom + TextCharsAtom in UTF-16). No library
    here writes PPT, and LibreOffice's Impress is not installed by `.ci/run`."""
    import struct

    def atom(kind: int, body: bytes) -> bytes:
        return struct.pack("<HHI", 0, kind, len(body)) + body

    def container(kind: int, body: bytes) -> bytes:
        return struct.pack("<HHI", 0xF, kind, len(body)) + body

    texts = b"".join(atom(0x0F9F, struct.pack("<I", 1)) + atom(0x0FA0, text.encode("utf-16-le")) for text in slides)
    return compound_file({"PowerPoint Document": container(0x03E8, container(0x0FF0, texts))})
