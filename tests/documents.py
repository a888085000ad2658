"""Real office documents made by their own libraries, for the attachment and resolution-import tests."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

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


def rtf_bytes(text: str) -> bytes:
    """An RTF in code page 1251, as Word writes Cyrillic: \\'xx escapes, \\par between lines."""

    def char(ch: str) -> str:
        if ch == "\n":
            return "\\par\n"
        code = ch.encode("cp1251", "replace")[0]
        return f"\\'{code:02x}" if code > 127 else ("\\" + ch if ch in "\\{}" else ch)

    return (r"{\rtf1\ansi\ansicpg1251 " + "".join(map(char, text)) + "}").encode("ascii")


def pdf_bytes(text: str, size: int = 9, password: str | None = None) -> bytes:
    """A PDF with the DejaVu font embedded, a line per line (fpdf2); optionally encrypted (pypdf)."""
    if not DEJAVU.is_file():
        pytest.skip("fonts-dejavu-core is not installed (.ci/run installs it)")
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=size)
    for line in text.splitlines():
        pdf.multi_cell(0, 5, text=line or " ", new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    if password:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(password)
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return data


def rewrite_part(data: bytes, part: str, change) -> bytes:
    """The same ZIP-based document with one part's bytes passed through ``change``, CRCs written anew: a
    package any ZIP reader opens, damaged only inside (what the office libraries meet while reading)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info)
            archive.writestr(info.filename, change(body) if info.filename == part else body)
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


def peak_memory(call) -> int:
    """The most memory Python objects took while ``call()`` ran, in bytes (tracemalloc)."""
    import tracemalloc

    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
