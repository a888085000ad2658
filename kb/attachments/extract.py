"""Recognising an uploaded file by its content and extracting its text with well-kept libraries.

Every refusal raises AttachmentError with a message for the user; nothing here writes anything. A damaged
file makes the reading libraries fail in every way there is (a parse error of the XML inside an XLSX, a
``KeyError`` of a missing part of a PPTX, ``NotImplementedError`` of an unknown PDF filter…), often only
while the document is read and not when it is opened: ``extract_text`` turns whatever they raise into the
same refusal.
"""

from __future__ import annotations

import io
import logging
import os
import re
import selectors
import shutil
import struct
import subprocess
import tempfile
import time
import typing
import unicodedata
import zipfile
import zlib
from pathlib import Path

import filetype

from kb.encodings import cyrillic_encoding
from kb.listnumbers import (
    LEVEL_BULLET,
    LEVEL_IMAGE,
    LEVEL_NUMBER,
    LIST,
    LIST_HEADER,
    LIST_ITEM,
    LIST_STYLE,
    OdfNumbering,
)
from kb.textclean import BULLET_CHARACTERS, paired_surrogates, plain_bullets, xml_text

KINDS = {
    "pdf": ("PDF", "application/pdf"),
    "docx": ("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "doc": ("DOC", "application/msword"),
    "odt": ("ODT", "application/vnd.oasis.opendocument.text"),
    "rtf": ("RTF", "application/rtf"),
    "pptx": ("PPTX", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "ppt": ("PPT", "application/vnd.ms-powerpoint"),
    "odp": ("ODP", "application/vnd.oasis.opendocument.presentation"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xls": ("XLS", "application/vnd.ms-excel"),
    "ods": ("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    # LibreOffice's «Flat XML ODF»: the same document as one XML file (office:document) instead of a ZIP
    "fodt": ("FODT", "application/vnd.oasis.opendocument.text-flat-xml"),
    "fods": ("FODS", "application/vnd.oasis.opendocument.spreadsheet-flat-xml"),
    "fodp": ("FODP", "application/vnd.oasis.opendocument.presentation-flat-xml"),
    "txt": ("TXT", "text/plain"),  # werkzeug adds the charset to text/*
}
# Extensions people use for each kind (a .md or .csv is plain text). An RTF or a DOCX named «.doc» is common (official
# documents are often RTF saved under that name, and Word opens all three alike): it is read as what it is.
EXTENSIONS = {"pdf": {"pdf"}, "docx": {"docx", "doc"}, "doc": {"doc"}, "odt": {"odt"}, "ods": {"ods"}, "odp": {"odp"},
              "rtf": {"rtf", "doc"}, "pptx": {"pptx"}, "xlsx": {"xlsx"}, "xls": {"xls"}, "ppt": {"ppt", "pps"},
              "fodt": {"fodt"}, "fods": {"fods"}, "fodp": {"fodp"}, "txt": {"txt", "md", "csv", "text"}}
# The zip-based kinds: each is checked by ``checked_package`` (a password, a bomb) before its reader opens it (DOCX and
# PPTX by ``checked_archive``, the same checks, their parts then read as a stream).
PACKAGE_KINDS = ("docx", "odt", "ods", "odp", "pptx", "xlsx")
FLAT_KINDS = {"fodt": "odt", "fods": "ods", "fodp": "odp"}  # a flat OpenDocument: the package kind it is one of
MAX_UNPACKED = 200 * 1024 * 1024  # a zip-based document may unpack to this much at most
MAX_RATIO = 200                    # …and compress no better than this (zip bombs do 1000:1 and more)
MAX_ENTRIES = 20_000
READ_PIECE = 1024 * 1024           # a part of a zip is unpacked this much at a time
CHECK_PIECE = 256 * 1024           # …and this much when it is only checked (``check_package``), then let go
SAFE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Office and LibreOffice write
MAX_TEXT = 2_000_000               # characters kept for the index
# XML of a DOCX read by python-docx (a resolution's: numbered lists), which parses it whole: ~1.4 s and 30 MB a MB
MAX_WORD_XML = 5 * 1024 * 1024
ENCRYPTED = "Файл зашифрован паролем: загрузите его без пароля."
DAMAGED = "Файл повреждён: не удаётся прочитать его содержимое."
TOOL_TIMEOUT = 60
TOOL_OUTPUT = MAX_TEXT * 4  # bytes of a reading program's output read at most (UTF-8: up to 4 bytes a character)
TOOL_MEMORY = 1024 * 1024 * 1024  # address space a reading program may take
# What zipfile raises for a damaged archive (NotImplementedError: "zip file version 9.9", an unknown method).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, ValueError)

logger = logging.getLogger(__name__)
# pypdf logs a warning for each damaged object it passes over: one hostile PDF of 450 KB wrote 16,500 lines.
# What the bank needs to know, that a file could not be read, it logs itself.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class AttachmentError(ValueError):
    """The file cannot be taken; the message says why, in Russian."""


class UnsupportedType(AttachmentError):
    """The content is of no kind the bank reads; ``found`` is what it is in words («: архив (ZIP)»), or empty
    when unknown, for a message that lists other formats (a resolution's)."""

    def __init__(self, message: str, found: str = "") -> None:
        super().__init__(message)
        self.found = found


class NotWhatNamed(UnsupportedType):
    """A file named as a kind the bank takes (.pdf, .docx) whose bytes are of no kind any check knows: its message
    says the file is not what its name says (a list of formats taken would name that very one among them)."""


class NotText(NotWhatNamed):
    """A file named as text (.txt, .md, .csv) whose bytes are no text: its message says so (there is no kind to
    name, and a resolution's list of formats would name .txt among them)."""


# A web page saved from a browser: its text is read (a TXT), but its markup would be the practice's words.
WEB_PAGE_EXTENSIONS = {"html", "htm", "xhtml", "shtml", "mht", "mhtml"}
WEB_PAGE = ("Веб-страницы (HTML) не принимаются: сохраните страницу как PDF (в браузере: «Печать» → «Сохранить как "
            "PDF») или скопируйте её текст в документ DOCX.")


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A part of a ZIP, unpacked a piece at a time and never beyond the size it declares; raises one of
    ZIP_ERRORS when its bytes do not match (the CRC) or it is compressed in a way that cannot be bounded.

    ``ZipFile.read`` unpacks all of a part's compressed bytes in one call (up to 2 GiB) before cutting them at
    the declared size: a 1 MB document whose part declared 5 KB and unpacked to 1 GiB took 2 GB of memory."""
    if info.compress_type not in SAFE_METHODS:  # bzip2 and LZMA unpack a piece without a bound on its output
        raise NotImplementedError(f"compression method {info.compress_type}")
    parts = []
    with archive.open(info) as member:
        while piece := member.read(READ_PIECE):
            parts.append(piece)
    return b"".join(parts)


def repack(archive: zipfile.ZipFile) -> bytes:
    """The archive written again, uncompressed, from its parts read by ``read_member``: what the readers of
    DOCX, ODT, ODS, ODP, PPTX and XLSX then unpack is exactly what was checked."""
    parts = {info.filename: info for info in archive.infolist() if not info.is_dir()}  # a name twice: the last, as
    out = io.BytesIO()                                                                   # zipfile reads it
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as clean:
        for name, info in parts.items():
            clean.writestr(name, read_member(archive, info))
    return out.getvalue()


Package = bytes | str | os.PathLike | typing.BinaryIO  # a zip-based document: its bytes, its file's path, or the file


def _open_package(source: Package) -> tuple[zipfile.ZipFile, int]:
    """The ZIP of a package and the package's size; bytes are read in place (``io.BytesIO`` copies none), a path or
    a file from the file, a piece at a time."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return zipfile.ZipFile(io.BytesIO(source)), len(source)
    if isinstance(source, (str, os.PathLike)):
        return zipfile.ZipFile(source), os.path.getsize(source)
    size = source.seek(0, io.SEEK_END)
    source.seek(0)
    return zipfile.ZipFile(source), size


def _check_zip(data: Package) -> zipfile.ZipFile:
    try:
        archive, size = _open_package(data)
        entries = archive.infolist()
    except ZIP_ERRORS as exc:
        raise AttachmentError(DAMAGED) from exc
    refusal = None
    if len(entries) > MAX_ENTRIES:
        refusal = "Файл содержит слишком много частей и похож на архив-бомбу."
    elif any(e.flag_bits & 0x1 for e in entries):
        refusal = ENCRYPTED
    elif (unpacked := sum(e.file_size for e in entries)) > MAX_UNPACKED or unpacked > MAX_RATIO * max(size, 1):
        refusal = "Файл после распаковки слишком велик (похоже на архив-бомбу) и не принят."
    if refusal:
        archive.close()  # a package opened from its path: its file
        raise AttachmentError(refusal)
    return archive


def check_package(source: Package) -> None:
    """``checked_package``'s refusals (encrypted, damaged, bigger unpacked than allowed by what it declares and by
    what it really unpacks to) without the package made again for a reader: each part is unpacked a piece at a time
    from the file (or the bytes) and let go, its CRC checked at its end, and the OpenDocument manifest read for a
    password. What a bulk import's check of its files needs (``precheck_file``): ``checked_package`` keeps all the
    parts, then the package written again from them, in memory — a package unpacking to 200 MB took ~400 MB."""
    archive = _check_zip(source)
    with archive:
        try:
            parts = {info.filename: info for info in archive.infolist() if not info.is_dir()}  # as ``repack``
            for info in parts.values():
                if info.compress_type not in SAFE_METHODS:  # as ``read_member``
                    raise NotImplementedError(f"compression method {info.compress_type}")
                with archive.open(info) as member:
                    while member.read(CHECK_PIECE):
                        pass
            manifest = parts.get("META-INF/manifest.xml")
            odf_encrypted = manifest is not None and \
                _ODF_ENCRYPTION.search(read_member(archive, manifest)) is not None
        except ZIP_ERRORS as exc:
            raise AttachmentError("Файл повреждён: его части не совпадают с заявленными размерами.") from exc
    if odf_encrypted:
        raise AttachmentError(ENCRYPTED)


def checked_package(data: bytes) -> io.BytesIO:
    """A zip-based document (DOCX, ODT, ODS, ODP, PPTX, XLSX) to hand to its reader: refused when encrypted,
    damaged, or bigger unpacked than allowed (by what it declares and by what it really unpacks to)."""
    archive = _check_zip(data)
    try:
        package = repack(archive)
        odf_encrypted = _odf_encrypted(package)
    except ZIP_ERRORS as exc:
        raise AttachmentError("Файл повреждён: его части не совпадают с заявленными размерами.") from exc
    if odf_encrypted:
        raise AttachmentError(ENCRYPTED)
    return io.BytesIO(package)


def checked_archive(data: bytes) -> zipfile.ZipFile:
    """A DOCX or PPTX package refused as ``checked_package`` refuses one (encrypted, damaged, a bomb by what its parts
    declare), opened as it is for its parts to be read as a stream (kb/attachments/ooxml.py): each part is read up to
    what it declares and its CRC checked at its end, so nothing is repacked: a package of 200 MB unpacked was copied
    three times in memory."""
    return _check_zip(data)


def checked_word_package(data: bytes, max_xml: int = MAX_WORD_XML) -> io.BytesIO:
    """``checked_package`` for python-docx, which parses a document's XML parts whole before anything is read:
    refused when they unpack to more than ``max_xml`` bytes (a document.xml of 50 MB took it 53 s and 760 MB)."""
    from kb.attachments.ooxml import xml_size

    try:
        size = xml_size(_check_zip(data))
    except AttachmentError:
        raise
    except Exception as exc:  # noqa: BLE001 - the XML parser and defusedxml raise many kinds for a broken file
        raise AttachmentError(DAMAGED) from exc
    if size > max_xml:
        raise AttachmentError(f"Документ Word слишком велик: его текст с разметкой после распаковки занимает "
                              f"{size / 1024 / 1024:.1f} МБ, допускается не более {max_xml / 1024 / 1024:.0f} МБ.")
    return checked_package(data)


# LibreOffice encrypts each part of an ODF package by itself and says so in the manifest; the ZIP is not
# encrypted, so the parts only fail to parse («ODT повреждён») unless the manifest is read first.
_ODF_ENCRYPTION = re.compile(rb"<(?:[\w.-]+:)?encryption-data\b")


def _odf_encrypted(package: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        if "META-INF/manifest.xml" not in archive.namelist():
            return False
        return _ODF_ENCRYPTION.search(archive.read("META-INF/manifest.xml")) is not None


# An Office file saved with a password (DOCX, XLSX, PPTX) is no ZIP at all: its encrypted package is a stream
# named «EncryptedPackage» in an OLE compound file (MS-OFFCRYPTO), the container of the old DOC, XLS and PPT,
# which content sniffing therefore takes it for. Only the compound file's directory tells them apart.
CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_CFB_SPECIAL = 0xFFFFFFFA  # sector numbers from here on mean "end of chain", "free" and the like


def compound_file_names(data: bytes) -> set[str]:
    """The names of the streams and storages of an OLE compound file, lower-case (CFB compares names without
    case); empty when the bytes are no compound file or its directory cannot be read."""
    return {entry[0] for entry in _compound_file_entries(data) if entry is not None}


def compound_file_root_names(data: bytes) -> set[str]:
    """The names of the streams and storages right under the root of an OLE compound file, lower-case: what
    the file is («WordDocument», «Workbook», «PowerPoint Document»), without the objects embedded in it (an
    Excel sheet inside a DOC is a storage of its own, with a «Workbook» stream deeper down)."""
    entries = _compound_file_entries(data)
    if not entries or entries[0] is None:
        return set()
    names: set[str] = set()
    waiting, seen = [entries[0][2]], set()  # the root's child: the top of a tree of siblings (left, right)
    while waiting:
        number = waiting.pop()
        if number >= len(entries) or number in seen or entries[number] is None:
            continue
        seen.add(number)
        name, left, _child, right = entries[number]
        names.add(name)
        waiting += [left, right]
    return names


def _compound_file_entries(data: bytes) -> list[tuple[str, int, int, int] | None]:
    """The directory of an OLE compound file in its order: (name lower-case, left sibling, child, right
    sibling) for each stream, storage or root, None for an unused or unreadable entry; empty when the bytes are no
    compound file or its directory cannot be read."""
    if not data.startswith(CFB_MAGIC):
        return []
    try:
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):  # 512- or 4096-byte sectors: all there are
            return []
        size = 1 << shift
        most = len(data) // size  # no chain is longer than the file has sectors: damaged loops end
        per_sector = size // 4

        def sector(number: int) -> bytes:
            return data[(number + 1) * size:(number + 2) * size]  # the header takes the place of sector -1

        fat = [n for n in struct.unpack_from("<109I", data, 0x4C) if n < _CFB_SPECIAL]
        difat, seen = struct.unpack_from("<I", data, 0x44)[0], set()
        while difat < _CFB_SPECIAL and difat not in seen and len(seen) < most:
            seen.add(difat)
            numbers = struct.unpack(f"<{per_sector}I", sector(difat))
            fat += [n for n in numbers[:-1] if n < _CFB_SPECIAL]
            difat = numbers[-1]
        entries: list[tuple[str, int, int, int] | None] = []
        current, seen = struct.unpack_from("<I", data, 0x30)[0], set()
        while current < _CFB_SPECIAL and current not in seen and len(seen) < most:
            seen.add(current)
            block = sector(current)
            for entry in range(0, len(block) - 127, 128):
                length = struct.unpack_from("<H", block, entry + 0x40)[0]  # in bytes, with the closing NUL
                if 2 <= length <= 64 and length % 2 == 0 and block[entry + 0x42] in (1, 2, 5):
                    name = block[entry:entry + length - 2].decode("utf-16-le", errors="replace")
                    left, right, child = struct.unpack_from("<3I", block, entry + 0x44)
                    entries.append((name.split("\0", 1)[0].lower(), left, child, right))
                else:
                    entries.append(None)
            current = struct.unpack_from("<I", sector(fat[current // per_sector]), current % per_sector * 4)[0]
        return entries
    except (struct.error, IndexError):
        return []


# The stream right under the root of an OLE compound file that makes it a document of each old Office kind
# («Book»: Excel 5 and 95). Content sniffing (filetype) looks at the file's first sector, which holds whatever the
# program put there: a DOC, an XLS and a PPT whose first sector is their FAT were all taken for PPT.
_COMPOUND_KINDS = (("worddocument", "doc"), ("powerpoint document", "ppt"), ("workbook", "xls"), ("book", "xls"))


def compound_file_kind(data: bytes) -> str | None:
    """"doc", "xls" or "ppt" by the streams under an OLE compound file's root; None when none of them is there
    (or the bytes are no compound file, or its directory cannot be read)."""
    names = compound_file_root_names(data)
    return next((kind for stream, kind in _COMPOUND_KINDS if stream in names), None)


def refuse_encrypted_office(data: bytes) -> None:
    """Raise AttachmentError when the bytes are an Office document saved with a password."""
    if "encryptedpackage" in compound_file_names(data):
        raise AttachmentError(ENCRYPTED)


# Byte order marks of the Unicode encodings whose text holds zero bytes (Notepad's «Юникод» is UTF-16 LE);
# UTF-32 LE's mark begins with UTF-16 LE's, so it is tried first.
WIDE_ENCODINGS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
                  (b"\xfe\xff", "utf-16"))


def wide_encoding(data: bytes) -> str | None:
    """"utf-16" or "utf-32" when the bytes begin with that encoding's byte order mark (Python's codecs of
    those names read the mark and drop it), else None."""
    return next((encoding for mark, encoding in WIDE_ENCODINGS if data.startswith(mark)), None)


def _looks_like_text(data: bytes) -> str | None:
    """The text of a plain text file, None for bytes that are no text. A file in UTF-8 (valid as UTF-8 and with
    letters beyond ASCII, which CP1251 text never is) is read as UTF-8, however short: a private-use bullet
    pasted from Word (U+F0B7), a no-break space or a soft hyphen, which are not «printable» to Python, made a short
    one more than 3 % unprintable, and it was read as CP1251 («Р—Р°РјРµС‚РєРё: п‚·»). Other bytes are CP1251, or
    KOI8-R or CP866 when that reading is clearly the Russian one (``kb.encodings.cyrillic_encoding``)."""
    wide = wide_encoding(data)
    if wide is None and b"\x00" in data[:8192]:
        return None
    for encoding in (wide,) if wide else ("utf-8-sig", None):
        try:
            text = data.decode(encoding or cyrillic_encoding(data))
        except UnicodeDecodeError:
            continue
        sample = text[:4000]
        printable = sum(_printable(ch) for ch in sample)
        return text if not sample or printable / len(sample) > 0.97 else None
    return None


def _printable(character: str) -> bool:
    """Whether a character belongs in a text: printable, a space or a line break, a format character (a soft hyphen,
    a zero-width space) or a private-use one (Word's Symbol-font bullet); not a control character."""
    return character.isprintable() or character.isspace() or unicodedata.category(character) in ("Cf", "Co")


# What the content of a refused file is, in words a teacher knows (by filetype's extension of it): a MIME type
# such as «application/x-msdownload» told nobody anything.
_KIND_WORDS = {
    **dict.fromkeys(("jpg", "png", "apng", "gif", "bmp", "tif", "webp", "heic", "avif", "ico", "psd", "xcf", "jxr",
                     "jpx", "cr2", "dcm"), "изображение"),
    **dict.fromkeys(("mp3", "wav", "ogg", "flac", "aac", "m4a", "amr", "aiff", "midi"), "звукозапись"),
    **dict.fromkeys(("mp4", "avi", "mkv", "mov", "webm", "wmv", "flv", "mpg", "m4v", "3gp", "swf"), "видео"),
    **dict.fromkeys(("zip", "rar", "7z", "gz", "bz2", "xz", "tar", "Z", "lz", "lz4", "lzo", "zst", "br", "cab", "ar",
                     "deb", "rpm", "crx"), "архив"),
    **dict.fromkeys(("exe", "elf", "wasm"), "программа"),
    **dict.fromkeys(("ttf", "otf", "woff", "woff2", "eot"), "шрифт"),
    "epub": "электронная книга",
    "sqlite": "база данных",
    "dwg": "чертёж",
}
# What to save a refused format as, so that it is taken (none now: the old PPT and XLS and LibreOffice's ODS and
# ODP, which were named here, are taken as they are).
_SAVE_AS: dict[str, str] = {}


def describe(extension: str) -> str:
    """A file kind in words for a message: «программа (EXE)», «изображение (PNG)»; with what to save it as, when
    ``_SAVE_AS`` knows."""
    label = extension.upper()
    words = _KIND_WORDS.get(extension)
    described = f"{words} ({label})" if words else label
    if extension in _SAVE_AS:
        described += f" — сохраните файл как {_SAVE_AS[extension]}"
    return described


# The part whose folder tells an Office package's kind (filetype looks for it only among the first four parts).
_OOXML_FOLDERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


def _zip_document(data: bytes, extension: str) -> str:
    """The kind of a ZIP that filetype did not recognise, named as a package document (``extension``: one of
    PACKAGE_KINDS): that kind when its parts say so — an Office package with «[Content_Types].xml» and its
    folder (word/, xl/, ppt/), an OpenDocument whose «mimetype» is its kind's — its reader then reads it;
    refused as damaged otherwise. A DOCX cut short (a download interrupted), or an ODT with a byte changed in
    its first part, was refused as «Неподдерживаемый тип файла: архив (ZIP)», as if DOCX were not taken."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if extension in _OOXML_FOLDERS:
            if "[Content_Types].xml" in names and any(name.startswith(_OOXML_FOLDERS[extension]) for name in names):
                return extension
        else:
            info = archive.getinfo("mimetype")
            if info.file_size < 200 and read_member(archive, info).strip() == KINDS[extension][1].encode():
                return extension
    except (KeyError, *ZIP_ERRORS):
        pass
    raise AttachmentError(DAMAGED)


_OFFICE_DOCUMENT = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}document"  # a flat OpenDocument's root
_XML_PROBE = 64 * 1024  # bytes in which an XML file's root element begins (after its declaration and comments)


def xml_root(data: bytes):
    """The root element of an XML file as the parser gives it at its start tag (its tag and attributes), read with
    defusedxml from the first _XML_PROBE bytes; raises what the parser raises for bytes that are no XML there, or
    for a DOCTYPE declaring entities (defusedxml's EntitiesForbidden: a «billion laughs»)."""
    from openpyxl.xml.functions import iterparse  # defusedxml's

    for _event, element in iterparse(io.BytesIO(data[:_XML_PROBE]), events=("start",)):
        return element
    raise ValueError("no root element")


def xml_start(data: bytes) -> bytes:
    """A file's first bytes (up to _XML_PROBE) without a UTF-8 BOM and the white space before its first tag."""
    return data[:_XML_PROBE].removeprefix(b"\xef\xbb\xbf").lstrip()


def begins_as_xml(data: bytes) -> bool:
    """Whether a file begins as XML: a declaration, or a flat OpenDocument's root (no CSV or plain text does)."""
    return xml_start(data).startswith((b"<?xml", b"<office:document"))


def flat_mimetype(root) -> str | None:
    """The office:mimetype of a flat OpenDocument's root element (office:document): "" when it names none, None
    when the root is another element (not a flat OpenDocument)."""
    if root.tag != _OFFICE_DOCUMENT:
        return None
    return root.get(f"{{{_ODF_OFFICE}}}mimetype") or ""


def _flat_document(data: bytes, extension: str) -> str | None:
    """The kind of a flat OpenDocument (FODT, FODS, FODP: LibreOffice's «Flat XML ODF»), by its root, office:document,
    and the package kind its office:mimetype names; None for bytes that are none. A file named as one
    (``extension``) that is none is refused: as damaged when its XML cannot be read up to its root (a DOCTYPE
    declaring entities is refused by defusedxml), as no OpenDocument when its root is another."""
    named = extension in FLAT_KINDS
    if named and not xml_start(data).startswith(b"<"):
        _not_flat(extension)
    if not named and not begins_as_xml(data):
        return None
    try:
        root = xml_root(data)
    except Exception as exc:  # noqa: BLE001 - the XML parser and defusedxml raise many kinds
        if named:
            raise AttachmentError(DAMAGED) from exc
        return None
    if mimetype := flat_mimetype(root):
        found = next((flat for flat, package in FLAT_KINDS.items() if mimetype == KINDS[package][1]), None)
        if found is not None:
            return found
    return _not_flat(extension) if named else None


def _not_flat(extension: str) -> None:
    raise AttachmentError(f"Файл не похож на документ LibreOffice в формате {KINDS[extension][0]} (OpenDocument в "
                          "одном файле XML): откройте его в LibreOffice и сохраните заново.")


# What a file of each kind is, in words, for the refusal of one that is no such file: «не PDF-документ»
_KIND_NOUNS = {
    "pdf": "{}-документ".format,
    **dict.fromkeys(("docx", "doc", "odt", "rtf", "fodt"), "документ {}".format),
    **dict.fromkeys(("pptx", "ppt", "odp", "fodp"), "презентация {}".format),
    **dict.fromkeys(("xlsx", "xls", "ods", "fods"), "таблица {}".format),
}


def _claimed_kind(extension: str) -> str | None:
    """The kind a file's extension names, of those with a word in _KIND_NOUNS (text has its own refusal)."""
    return next((kind for kind in (extension, *EXTENSIONS) if kind in _KIND_NOUNS and extension in EXTENSIONS[kind]),
                None)


def detect(data: bytes, filename: str) -> str:
    """The kind of the file from its content; refuses unknown types and a misleading extension."""
    if not data:
        raise AttachmentError("Файл пустой.")
    refuse_encrypted_office(data)
    guess = filetype.guess(data)
    kind = guess.extension if guess is not None else None
    # DOC, XLS and PPT share their container: its directory tells them apart; without a known stream, the guess
    # stands (a directory that cannot be read, a DOC by its first sector: its reader then says what is wrong)
    kind = compound_file_kind(data) or kind
    extension = Path(filename).suffix.lower().lstrip(".")
    if kind == "zip":
        # a bare zip archive is not a document; one named as a document is one, or a damaged one (a «.doc»: a DOCX)
        named = "docx" if extension == "doc" else extension
        kind = _zip_document(data, named) if named in PACKAGE_KINDS else None
    if kind is None:  # an XML file: a flat OpenDocument, or text
        kind = _flat_document(data, extension)
    if kind is None and _looks_like_text(data) is not None:
        kind = "txt"
    if extension in WEB_PAGE_EXTENSIONS and kind in (None, "txt"):
        raise UnsupportedType(WEB_PAGE, ": веб-страница (HTML)")
    if kind is None and guess is None and extension in EXTENSIONS["txt"]:
        raise NotText(f"Файл «.{extension}» — не текстовый: в нём двоичные данные, а не текст. Проверьте, тот ли "
                      "это файл.")
    if kind is None and guess is None and (claimed := _claimed_kind(extension)) is not None:
        raise NotWhatNamed(f"Файл назван как {extension.upper()}, но это не {_KIND_NOUNS[claimed](extension.upper())} "
                           "(возможно, он повреждён или переименован).")
    if kind not in KINDS:
        found = f": {describe(guess.extension)}" if guess is not None else ""
        raise UnsupportedType(f"Неподдерживаемый тип файла{found}. Принимаются: "
                              + ", ".join(label for label, _ in KINDS.values()) + ".", found)
    if extension and extension not in EXTENSIONS[kind]:
        raise AttachmentError(f"Расширение «.{extension}» не соответствует содержимому файла ({KINDS[kind][0]}). "
                              "Проверьте, тот ли это файл.")
    return kind


def _pdf(data: bytes, layout: bool = False) -> str:
    """The text of a PDF; ``layout`` gives its paragraphs instead of its lines (see ``_pdf_paragraphs``)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        _open_without_password(reader)
    pages: list[str] = []
    size = 0
    for page in reader.pages[:2000]:
        pages.append(_pdf_paragraphs(page) if layout else page.extract_text() or "")
        size += len(pages[-1]) + 1
        if size > MAX_TEXT:  # the rest would be cut off
            break
    return _join_pages(_drop_running_lines([text.split("\n") for text in pages])) if layout else "\n".join(pages)


def _open_without_password(reader) -> None:
    """Decrypt a PDF that needs no password to open: an empty user password with an owner password that only
    limits printing or copying (common in official documents), which any viewer opens without asking. A PDF
    that asks for a password to be opened is refused."""
    from pypdf import PasswordType
    from pypdf.errors import DependencyError

    try:
        opened = reader.decrypt("")
    except DependencyError as exc:  # AES, and pypdf's crypto library (cryptography) is not installed
        raise AttachmentError(AES_UNSUPPORTED) from exc
    if opened == PasswordType.NOT_DECRYPTED:
        raise AttachmentError("PDF защищён паролем: загрузите его без защиты.")


def pdf_draws_text(data: bytes) -> bool:
    """Whether a PDF has a text layer: a page (or a form it draws) with a font in its resources; a scan has only
    images. The resources, not the pages' content, are read: milliseconds for a long document. When it cannot
    be told (a damaged or locked file: its own check says so), True."""
    from pypdf import PdfReader

    def uses_font(resources, depth: int = 0) -> bool:
        resources = resources.get_object() if resources is not None else None
        if not resources or depth > 5:
            return False
        if resources.get("/Font"):
            return True
        forms = (x.get_object() for x in (resources.get("/XObject") or {}).values())
        return any(form.get("/Subtype") == "/Form" and uses_font(form.get("/Resources"), depth + 1) for form in forms)

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _open_without_password(reader)
        return any(uses_font(page.get("/Resources")) for page in reader.pages[:2000])
    except Exception:  # noqa: BLE001 - as for its text: any damage means «cannot tell»
        return True


AES_UNSUPPORTED = ("PDF защищён шифрованием AES, которое этот сервер не читает: сохраните его заново без защиты "
                   "(например, «Печать» → «Сохранить как PDF»).")


# A line this close to the widest of its page was wrapped by the typesetter, not ended by the author.
_FULL_LINE = 0.85
# A line going on in lower case after no closing punctuation is wrapped too, however short («… в» + «сфере»).
_LOWER_START = re.compile(r"[a-zа-яё]")
_CLOSED = re.compile(r"[.:;!?]$")
# A list item begins: a number, a dash, a bullet — Unicode's, or a Word bullet in its Symbol or Wingdings font as it
# stays in a PDF (U+F0B7 and the other private-use characters of BULLET_CHARACTERS, «•» only later).
_BULLETS = "-–—·•*▪■□◦○●‣⁃►➢✓✔" + BULLET_CHARACTERS
_ITEM_START = re.compile(rf"(?:\d{{1,2}}(?:\.\d{{1,2}})*\s*[).]|[{_BULLETS}])\s")
# A word broken by its own hyphen at a line end: «интернет-» + «портал». Office suites do not hyphenate
# by themselves, so the hyphen stays («интернет-портал»), as in the document's own text.
_HYPHEN_END = re.compile(r"[^\W\d_]-$")


# A page number alone on its line: «Страница 2», «Страница 2 из 5», «стр. 2», «- 2 -», «2 / 5», «2».
_PAGE_NUMBER = re.compile(
    r"(?P<word>(?:страница|стр\.?)\s*)?(?P<dash>[-–—]\s*)?(?P<n>\d{1,4})(?(dash)\s*[-–—])"
    r"(?P<of>\s*(?:из|/)\s*\d{1,4})?",
    re.IGNORECASE,
)


def _is_page_number(line: str, page: int) -> bool:
    m = _PAGE_NUMBER.fullmatch(line.strip())
    if not m:
        return False
    # a bare number is a page number only where this page's number is expected (not a year closing the text)
    return bool(m.group("word") or m.group("dash") or m.group("of")) or int(m.group("n")) == page + 1


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """The pages' lines without their running headers and footers: a line at the top or the bottom of most pages
    (its numbers aside: «Страница 1», «Страница 2»), and a page number alone on its line at either edge."""

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split())).lower()

    def trim(lines: list[str]) -> list[str]:
        while lines and not lines[0].strip():
            lines = lines[1:]
        while lines and not lines[-1].strip():
            lines = lines[:-1]
        return lines

    pages = [trim(lines) for lines in pages]
    needed = max(2, (len(pages) + 1) // 2)
    for _ in range(3):  # a header of two or three lines
        changed = False
        for edge in (0, -1):
            counts: dict[str, int] = {}
            for lines in pages:
                if lines:
                    counts[key(lines[edge])] = counts.get(key(lines[edge]), 0) + 1
            for number, lines in enumerate(pages):
                if lines and (_is_page_number(lines[edge], number)
                              or len(pages) > 1 and counts[key(lines[edge])] >= needed and len(lines) > 1):
                    pages[number] = trim(lines[1:] if edge == 0 else lines[:-1])
                    changed = True
        if not changed:
            break
    return pages


def _join_pages(pages: list[list[str]]) -> str:
    """The pages' lines as one text; a paragraph cut by a page break («… и современными» + «научно-методическими
    …») is put back together."""
    text: list[str] = []
    for lines in pages:
        if not lines:
            continue
        previous = text[-1] if text else ""
        first = lines[0]
        if previous and _LOWER_START.match(first) and not _CLOSED.search(previous) and not _ITEM_START.match(first):
            joiner = "" if _HYPHEN_END.search(previous) else " "
            text[-1] = previous + joiner + first
            lines = lines[1:]
        text.extend(lines)
    return "\n".join(text)


def _pdf_paragraphs(page) -> str:
    """One page's text with one line per paragraph and a blank line for each vertical gap.

    pypdf's layout mode places the text as on the page: gaps become blank lines, and how far a line
    reaches tells a line the typesetter wrapped from the last line of a paragraph.
    """
    try:
        lines = (page.extract_text(extraction_mode="layout") or "").splitlines()
    except Exception:  # noqa: BLE001 - the layout mode fails on some odd pages: the plain mode reads them
        return page.extract_text() or ""
    width = max((len(line.rstrip()) for line in lines), default=0)
    paragraphs: list[str] = []
    wrapped = False  # whether the last line of `paragraphs` goes on in the next one
    for raw in lines:
        line = raw.strip()
        if not line:
            paragraphs.append("")
            wrapped = False
            continue
        previous = paragraphs[-1] if paragraphs else ""
        goes_on = previous and not _ITEM_START.match(line) and (
            wrapped or (_LOWER_START.match(line) and not _CLOSED.search(previous)))
        if goes_on:
            joiner = "" if _HYPHEN_END.search(previous) and _LOWER_START.match(line) else " "
            paragraphs[-1] = previous + joiner + line
        else:
            paragraphs.append(line)
        wrapped = len(raw.rstrip()) >= _FULL_LINE * width
    return "\n".join(paragraphs)


def _docx(data: bytes) -> str:
    """A DOCX's paragraphs, then its tables' rows, then its footnotes and endnotes, read as a stream
    (kb/attachments/ooxml.py): python-docx built the whole document first, 4 minutes and 3.9 GB for a file of 1.4 MB."""
    from kb.attachments.ooxml import docx_text

    return docx_text(checked_archive(data))


_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_PARAGRAPHS = (f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h")
_ODF_ROW = f"{{{_ODF_TABLE}}}table-row"
_ODF_ANNOTATION = f"{{{_ODF_OFFICE}}}annotation"
_ODF_SPACES = f"{{{_ODF_TEXT}}}s"
_ODF_BREAKS = {f"{{{_ODF_TEXT}}}tab": "\t", f"{{{_ODF_TEXT}}}line-break": "\n"}
_ODF_STYLE_NAME = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}name"
_ODF_NOTE = f"{{{_ODF_TEXT}}}note"  # a footnote or endnote: its number (note-citation), then its paragraphs
_ODF_CITATION = f"{{{_ODF_TEXT}}}note-citation"
# The line a resolution's text (``extract_text``'s ``keep_paragraphs``) has before the notes of its file, after its
# body: the resolution's parser reads no structure past it (kb/resolutions/parser.py), and a note is no recommendation.
NOTES_HEADING = "Сноски"
# U+FDD0 marks the notes' heading a resolution's reader asks for (kb.resolutions.parser.NOTES_LINE): dropped from
# what a file holds, so that only that heading has it
NONCHARACTERS = {0xFDD0: None}
# Left out of the text wherever they are: a picture's bytes kept in the document (base64, inside a paragraph's
# frame) and the master pages' headers, footers and placeholders, both of a flat OpenDocument only (a package
# keeps them in files of their own, Pictures/ and styles.xml, which are not read).
_ODF_NOT_TEXT = (f"{{{_ODF_OFFICE}}}binary-data", f"{{{_ODF_OFFICE}}}master-styles")
MAX_SPACES = 1024  # <text:s text:c="…"/>: a run of spaces
MAX_EXTRA_SPACES = 1_000_000  # …and the spaces of all the runs of a document past the first of each
MAX_PARAGRAPH_PARTS = 65_536  # elements in a paragraph (spans, runs of spaces): more are no document's
MAX_ODF_ELEMENTS = 2_000_000  # elements of a content.xml read for its text (each costs the parser some µs)


class OdfText:
    """The text of an OpenDocument's paragraphs (text:p, text:h) while iterparse reads its content.xml.

    The reader hands it each element's start and end; ``end`` gives the text of a paragraph that is not inside
    another (a text box's paragraph is part of the paragraph holding it) when it ends, and None for any other
    element. A footnote's or an endnote's text (text:note) is not part of the paragraph that cites it, nor is its
    citation's mark: its paragraphs go to ``notes``, a line each, for the reader to give after the body's text (in
    the middle of the sentence, «Методика опробована 1» + the note + «в трёх школах.», they broke a phrase), up to
    ``left`` characters of their own (the body's text is not cut for them: the reader cuts the whole). Each element
    inside a paragraph is cleared and taken off its parent once its tail is read: a paragraph of a million spans
    keeps no more than its text. The text stops growing at ``left`` characters in all, and at
    ``piece_left`` in the current cell (set by the reader), and the runs of spaces (``<text:s text:c="1024"/>``, 22
    bytes) give MAX_EXTRA_SPACES spaces past their first in all: a file of a few megabytes made a string of
    gigabytes. What is inside a ``skipped`` element (a comment, a picture's bytes) is left out."""

    def __init__(self, left: int, skipped: tuple[str, ...] = (_ODF_ANNOTATION, *_ODF_NOT_TEXT)):
        self.left = self.piece_left = self.notes_left = left
        self.notes: list[str] = []  # the notes' paragraphs, in the order the notes are cited
        self.spaces_left = MAX_EXTRA_SPACES
        self.skipped = skipped
        self.cut = False  # text was left out past a budget
        self.depth = 0  # of the paragraphs open
        self.parts = 0  # the elements in the paragraph being read
        self._skip = 0  # of the skipped elements open
        self._parts: list[str] = []
        self._text_of = None  # the element whose text is read at the next event
        self._tail_of: tuple | None = None  # the element (and its parent) whose tail is read at the next event
        self._pending_break = False  # a text box's paragraph ended: a line break before any more text
        # the notes open (a note in a note is no document's, but is read as one): each with the paragraph's text and
        # line break it interrupts
        self._open_notes: list[tuple[object, list[str], bool]] = []

    def _flush(self) -> None:
        if self._text_of is not None:  # complete once the parser has seen its first child or its end
            self._add(self._text_of.text)
            self._text_of = None
        if self._tail_of is not None:  # complete once the parser has seen the next element or the parent's end
            element, parent = self._tail_of
            if not self._skip:
                self._add(element.tail)
            element.clear()  # not before: the parser, reading ahead, may have set its tail already
            if parent is not None:
                parent.remove(element)
            self._tail_of = None

    def _add(self, text: str | None) -> None:
        if not text:
            return
        if self._pending_break:
            self._pending_break = False
            self._add("\n")
        if self._open_notes:
            if len(text) > self.notes_left:
                text, self.cut = text[:max(self.notes_left, 0)], True
            self._parts.append(text)
            self.notes_left -= len(text)
            return
        room = min(self.left, self.piece_left)
        if len(text) > room:
            text, self.cut = text[:max(room, 0)], True
        self._parts.append(text)
        self.left -= len(text)
        self.piece_left -= len(text)

    def start(self, element) -> None:
        self._flush()
        tag = element.tag
        self._skip += tag in self.skipped or tag == _ODF_CITATION  # a note's mark is not read
        self.depth += tag in _ODF_PARAGRAPHS
        self.parts += self.depth > 0
        if not self.depth or self._skip:
            return
        if tag == _ODF_NOTE:  # its paragraphs are read apart, for ``notes``
            self._open_notes.append((element, self._parts, self._pending_break))
            self._parts, self._pending_break = [], False
        elif tag in _ODF_PARAGRAPHS and self.depth > 1:  # a text box's or a note's paragraph: a line of its own
            self._add("\n")
        if tag == _ODF_SPACES:
            count = element.get(f"{{{_ODF_TEXT}}}c") or "1"
            spaces = min(int(count) if count.isdigit() else 1, MAX_SPACES)
            extra = min(max(spaces - 1, 0), self.spaces_left)
            self.spaces_left -= extra
            self._add(" " * min(spaces, extra + 1))
        elif tag in _ODF_BREAKS:
            self._add(_ODF_BREAKS[tag])
        else:
            self._text_of = element

    def end(self, element, parent) -> str | None:
        self._flush()
        tag = element.tag
        text = None
        if tag in _ODF_PARAGRAPHS:
            self.depth -= 1
            if not self.depth:
                text = None if self._skip else "".join(self._parts)
                self._parts, self.parts, self._pending_break = [], 0, False
            elif not self._skip:
                self._pending_break = True  # the paragraph around it goes on after a line break, if it goes on
        elif self._open_notes and self._open_notes[-1][0] is element:  # the note's text, and the paragraph's again
            _note, parts, self._pending_break = self._open_notes.pop()
            lines = [line for line in "".join(self._parts).split("\n") if line.strip()]
            self.notes += lines
            self.notes_left -= len(lines)  # their line breaks
            self._parts = parts
        self._skip -= tag in self.skipped or tag == _ODF_CITATION
        if self.depth:  # inside a paragraph: its text is taken, its tail is read next, then it is let go
            self._tail_of = element, parent
        return text


def _odf_content(data: bytes) -> bytes:
    with zipfile.ZipFile(checked_package(data)) as package:  # stored, and checked part by part
        return package.read("content.xml")


def _odf_text(content: bytes, row_lines: bool, numbering: OdfNumbering | None = None,
              notes_heading: str | None = None) -> str:
    """The paragraphs of an OpenDocument's content.xml streamed (defusedxml, as kb/bulkimport/ods reads a
    registry: odfpy's ``load`` builds the whole document in memory), each on its line, up to MAX_TEXT characters;
    every element is let go once read. ``row_lines``: a table's row on one line, its empty paragraphs left out.
    The reading stops, the text read kept, at MAX_ODF_ELEMENTS elements, or a paragraph of MAX_PARAGRAPH_PARTS
    (a file of a few megabytes is hundreds of thousands of elements, and the parser takes some µs for each).
    ``numbering``: a list item's first paragraph begins with the number its list prints («1.», «а)», «–»). The
    footnotes' and endnotes' paragraphs come after the body's text (``OdfText``), each on its line, with a blank line
    and ``notes_heading`` before them when it is given."""
    from openpyxl.xml.functions import iterparse  # defusedxml's

    reader = OdfText(MAX_TEXT + 1)
    marker: str | None = None  # of the paragraph being read
    lines: list[str] = []
    row: list[str] | None = None  # the cells' paragraphs of the table row being read
    path: list = []  # the elements open
    elements = 0
    for event, element in iterparse(io.BytesIO(content), events=("start", "end")):
        tag = element.tag
        if event == "start":
            elements += 1
            if elements > MAX_ODF_ELEMENTS or reader.parts > MAX_PARAGRAPH_PARTS:
                break
            if numbering is not None and not reader.depth:
                if tag == LIST:
                    numbering.start_list(element)
                elif tag in (LIST_ITEM, LIST_HEADER):
                    numbering.start_item(element)
                elif tag in _ODF_PARAGRAPHS:
                    marker = numbering.marker()
            reader.start(element)
            path.append(element)
            if row_lines and tag == _ODF_ROW and not reader.depth:
                row = []
            continue
        path.pop()
        parent = path[-1] if path else None
        text = reader.end(element, parent)
        if reader.depth:
            continue  # taken off by the reader
        if numbering is not None:
            if text is not None and marker and text.strip():
                text = f"{marker} {text}"
            if tag in _ODF_PARAGRAPHS:
                marker = None
            elif tag in (LEVEL_NUMBER, LEVEL_BULLET, LEVEL_IMAGE) and parent is not None and parent.tag == LIST_STYLE:
                numbering.add_level(parent.get(_ODF_STYLE_NAME) or "", element)
            elif tag == LIST:
                numbering.end_list()
            elif tag in (LIST_ITEM, LIST_HEADER):
                numbering.end_item()
        if text is not None and row_lines:
            text = text.strip()
            if text and row is not None:
                row.append(text)
            elif text:
                lines.append(text)
        elif text is not None:
            lines.append(text)
        elif tag == _ODF_ROW and row is not None:
            if row:
                lines.append(" ".join(row))
            row = None
        element.clear()
        if parent is not None:
            parent.remove(element)
        if reader.left <= 0:  # the rest would be cut off
            break
    if row:
        lines.append(" ".join(row))
    lines = [line.translate(NONCHARACTERS) for line in lines]  # a file's own: only the notes' heading has one
    if reader.notes:
        lines += ["", notes_heading] if notes_heading else []
        notes = [line.translate(NONCHARACTERS) for line in reader.notes]
        lines += [line.strip() for line in notes] if row_lines else notes
    return "\n".join(lines)


def _odt(data: bytes, numbered: bool = False, notes_heading: str = NOTES_HEADING) -> str:
    """An ODT's paragraphs and headings, each on its line (an empty paragraph too: a resolution's blank lines), then
    its notes. ``numbered``, for a resolution: a list item begins with its number (the list styles of styles.xml too:
    «Нумерация 123»), and the notes come after ``notes_heading``."""
    if not numbered:
        return _odf_text(_odf_content(data), row_lines=False)
    numbering = OdfNumbering()
    with zipfile.ZipFile(checked_package(data)) as package:
        content = package.read("content.xml")
        styles = package.read("styles.xml") if "styles.xml" in package.namelist() else b""
    if styles:
        _odf_list_styles(styles, numbering)
    return _odf_text(content, row_lines=False, numbering=numbering, notes_heading=notes_heading)


def _odf_list_styles(styles: bytes, numbering: OdfNumbering) -> None:
    """The list styles of an ODT's styles.xml handed to ``numbering`` (streamed; up to MAX_ODF_ELEMENTS)."""
    from openpyxl.xml.functions import iterparse  # defusedxml's

    path: list = []
    for elements, (event, element) in enumerate(iterparse(io.BytesIO(styles), events=("start", "end"))):
        if elements > 2 * MAX_ODF_ELEMENTS:
            break
        if event == "start":
            path.append(element)
            continue
        path.pop()
        parent = path[-1] if path else None
        if element.tag in (LEVEL_NUMBER, LEVEL_BULLET, LEVEL_IMAGE) and parent is not None \
                and parent.tag == LIST_STYLE:
            numbering.add_level(parent.get(_ODF_STYLE_NAME) or "", element)
        element.clear()  # read: a list style's name stays on it until its own end


def _fodt(data: bytes, numbered: bool = False, notes_heading: str = NOTES_HEADING) -> str:
    """A flat ODT (FODT): the same office:body as an ODT's content.xml, inside office:document, read the same way
    (``detect`` has read its root with defusedxml); its office:styles come first in the same file."""
    if not numbered:
        return _odf_text(data, row_lines=False)
    return _odf_text(data, row_lines=False, numbering=OdfNumbering(), notes_heading=notes_heading)


def _odf_sheets_or_slides(data: bytes) -> str:
    """The text of an ODS or an ODP, a table's row on one line. A run of equal cells or rows
    (``number-columns-repeated``, ``number-rows-repeated``: a sheet formatted to its end is a million empty rows)
    is written once in the file and given once here: its words are all the search needs."""
    return _odf_text(_odf_content(data), row_lines=True)


def _flat_sheets_or_slides(data: bytes) -> str:
    """A flat ODS or ODP (FODS, FODP), read as ``_odf_sheets_or_slides`` reads their content.xml."""
    return _odf_text(data, row_lines=True)


def _pptx(data: bytes) -> str:
    """A PPTX's slides' text frames, each slide's speaker notes after its text, read as a stream
    (kb/attachments/ooxml.py), as ``_docx``."""
    from kb.attachments.ooxml import pptx_text

    return pptx_text(checked_archive(data))


def _xlsx(data: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(checked_package(data), read_only=True, data_only=True)
    lines: list[str] = []
    size = 0
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):  # read-only: each row is parsed here
                cells = [str(v) for v in row if v not in (None, "")]
                if cells:
                    lines.append(" ".join(cells))
                    size += len(lines[-1]) + 1
                if size > MAX_TEXT:  # the rest would be cut off: a big sheet is not parsed to its end
                    return "\n".join(lines)
    finally:
        workbook.close()
    return "\n".join(lines)


def _rtf(data: bytes) -> str:
    from striprtf.striprtf import rtf_to_text

    return rtf_to_text(data.decode("latin-1"), encoding="cp1251", errors="ignore")


# The programs that read the old binary Office kinds (Debian's antiword, and catdoc's catdoc, xls2csv and catppt),
# tried in this order, with their arguments before the file's name: one line per paragraph or table row, UTF-8.
LEGACY_TOOLS = {
    "doc": (("antiword", ("-w", "0", "-m", "UTF-8.txt")), ("catdoc", ("-w", "-d", "utf-8"))),
    "xls": (("xls2csv", ("-d", "utf-8", "-q", "0", "-c", "\t")),),  # cells apart by a tab, no quotes
    "ppt": (("catppt", ("-d", "utf-8")),),
}
# What to save a file as when this server has no program to read its kind.
_LEGACY_SAVE_AS = {"doc": "DOCX или PDF", "xls": "XLSX или ODS", "ppt": "PPTX или PDF"}
_LEGACY_WHAT = {"doc": "документ", "xls": "таблицу", "ppt": "презентацию"}


def legacy_tools(kind: str) -> list[tuple[str, tuple[str, ...]]]:
    """The programs installed on this server that read a DOC, XLS or PPT, with their arguments."""
    return [(path, args) for name, args in LEGACY_TOOLS.get(kind, ()) if (path := shutil.which(name))]


def _limited(command: list[str]) -> list[str]:
    """The command run with no more than TOOL_MEMORY of address space: through util-linux's prlimit, which sets the
    limit in the new process itself (preexec_fn would run Python between fork and exec, which is unsafe in a web
    process with threads). Without prlimit the command runs as it is, with the output and time limits only."""
    prlimit = shutil.which("prlimit")
    return [prlimit, f"--as={TOOL_MEMORY}", "--", *command] if prlimit else command


def run_tool(command: list[str]) -> tuple[int, bytes, bytes]:
    """A reading program's exit code (0 when stopped for having written enough), its output (up to TOOL_OUTPUT
    bytes) and the start of its errors; raises subprocess.TimeoutExpired after TOOL_TIMEOUT seconds.

    The output is read a piece at a time and the program stopped once TOOL_OUTPUT bytes have come: xls2csv writes
    a shared string again for each cell that shows it, and a table of 2 MB whose cells all showed one string of
    8000 characters made gigabytes of text. Its errors go to a temporary file (a pipe left unread would block it),
    and it has TOOL_MEMORY of address space."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(_limited(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=errors)
        deadline = time.monotonic() + TOOL_TIMEOUT
        chunks: list[bytes] = []
        size = 0
        enough = False
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(process.stdout, selectors.EVENT_READ)
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise subprocess.TimeoutExpired(command, TOOL_TIMEOUT)
                    if not selector.select(left):
                        continue
                    piece = os.read(process.stdout.fileno(), min(READ_PIECE, TOOL_OUTPUT - size))
                    if not piece:
                        break
                    chunks.append(piece)
                    size += len(piece)
                    if size >= TOOL_OUTPUT:  # the rest would be cut off
                        enough = True
                        break
            if enough:
                process.kill()
            returncode = process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            process.stdout.close()
        errors.seek(0)
        return (0 if enough else returncode), b"".join(chunks), errors.read(4096)


def _legacy(data: bytes, kind: str) -> str:
    """An old binary Office file (DOC, XLS, PPT) read by its programs, which are not Python: each runs without a
    shell on a temporary copy, for TOOL_TIMEOUT seconds at most. For DOC, catdoc reads what antiword refuses (a
    document of a paragraph or two: «the text stream of this file is too small»). catdoc's programs end with
    success on a file they cannot read and say so only in their errors («is not OLE file», «No BOF record»):
    such an answer without any text is a failure too."""
    label = KINDS[kind][0]
    tools = legacy_tools(kind)
    if not tools:
        raise AttachmentError(f"Формат {label} на этом сервере не поддерживается: сохраните файл как "
                              f"{_LEGACY_SAVE_AS[kind]}.")
    with tempfile.NamedTemporaryFile(suffix=f".{kind}") as handle:
        handle.write(data)
        handle.flush()
        for tool, args in tools:
            try:
                returncode, output, errors = run_tool([tool, *args, handle.name])
            except subprocess.TimeoutExpired as exc:
                raise AttachmentError(f"{label} читается слишком долго и не принят.") from exc
            except OSError as exc:  # removed or not executable since it was found
                logger.warning("%s could not be run: %s", tool, exc)
                continue
            if returncode == 0 and (output.strip() or not errors.strip()):
                return output.decode("utf-8", errors="replace")
            logger.info("%s could not read a %s file: %s", tool, label,
                        errors.decode("utf-8", errors="replace").strip()[:200])
    raise AttachmentError(f"{label} повреждён или зашифрован: не удаётся прочитать {_LEGACY_WHAT[kind]}.")


EXTRACTORS = {"pdf": _pdf, "docx": _docx, "doc": lambda data: _legacy(data, "doc"), "odt": _odt,
              "ods": _odf_sheets_or_slides, "odp": _odf_sheets_or_slides, "fodt": _fodt, "fods": _flat_sheets_or_slides,
              "fodp": _flat_sheets_or_slides, "rtf": _rtf, "pptx": _pptx, "xlsx": _xlsx,
              "xls": lambda data: _legacy(data, "xls"), "ppt": lambda data: _legacy(data, "ppt"),
              "txt": lambda data: _looks_like_text(data) or ""}


def extract_text(data: bytes, kind: str, keep_paragraphs: bool = False, notes_heading: str = NOTES_HEADING) -> str:
    """The text of a file of a known kind, whitespace tidied, cut to MAX_TEXT characters.

    ``keep_paragraphs`` keeps one blank line where the document had any (a resolution's structure needs them);
    an ODT's, a FODT's notes then come after ``notes_heading`` (a resolution's reader marks it, to know it).
    """
    try:
        # a PDF has lines, not paragraphs: for a resolution its paragraphs are put back
        if keep_paragraphs and kind == "pdf":
            text = _pdf(data, layout=True)
        elif keep_paragraphs and kind in ("odt", "fodt"):  # a resolution's recommendations need their numbers
            text = (_odt if kind == "odt" else _fodt)(data, numbered=True, notes_heading=notes_heading)
        else:
            text = EXTRACTORS[kind](data)
    except AttachmentError:
        raise
    except Exception as exc:  # noqa: BLE001 - see the module's docstring
        if kind == "pdf":
            from pypdf.errors import DependencyError

            if isinstance(exc, DependencyError):  # an AES-128 PDF opens, and its text then needs AES
                raise AttachmentError(AES_UNSUPPORTED) from exc
        logger.info("the %s file could not be read", kind, exc_info=True)
        raise AttachmentError(f"{KINDS[kind][0]} повреждён: не удаётся прочитать его содержимое.") from exc
    # an emoji that an RTF (striprtf) or a PDF's ToUnicode map (pypdf) gives as two surrogate halves: one character
    text = paired_surrogates(text)
    # Word's bullets as a Symbol-font private-use character (U+F0B7 and the like): «•», which every font draws
    text = plain_bullets(text)
    # NFC: a PDF's «й» is often «и» and a combining breve, which no search found
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # no control characters (a PDF string's «\000», an RTF's «\'00», a zero byte in a text file: a NUL is a row
    # PostgreSQL refuses), then the spaces they stood between tidied
    lines = [" ".join(xml_text(line).split()) for line in text.splitlines()]
    if keep_paragraphs:
        kept = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
        return "\n".join(kept).strip()[:MAX_TEXT]
    return "\n".join(line for line in lines if line)[:MAX_TEXT]
