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
    data = bytes(pdf.output())
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


def encrypted_office_bytes(package_size: int = 8192) -> bytes:
    """What Word, Excel and PowerPoint save with a password (MS-OFFCRYPTO): no ZIP, but an OLE compound file
    (the container of the old DOC) with the streams «EncryptionInfo» and «EncryptedPackage». Built by hand
    (512-byte sectors, one FAT sector, one directory sector); the streams' bytes are noise, as the
    encrypted ones look."""
    import os
    import struct

    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    info = struct.pack("<HHI", 4, 4, 0x40) + os.urandom(4088)  # version 4.4: «agile» encryption, as Office 2010+
    package = os.urandom(package_size)
    info_start, package_start = 2, 2 + len(info) // 512
    sectors = package_start + -(-len(package) // 512)
    fat = [fat_sector, end]
    for start, count in ((info_start, len(info) // 512), (package_start, sectors - package_start)):
        fat += [start + i + 1 for i in range(count - 1)] + [end]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child: int = none, right: int = none) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1, none, right, child)
                + bytes(16) + bytes(4) + bytes(16) + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, end, 0, child=1) + entry("EncryptionInfo", 2, info_start, len(info), right=2)
                 + entry("EncryptedPackage", 2, package_start, len(package)) + bytes(128))
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16)
              + struct.pack("<HHHHH6x9I", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", 0, *[free] * 108))
    pad = (-len(package)) % 512
    return header + struct.pack("<128I", *fat) + directory + info + package + bytes(pad)


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
