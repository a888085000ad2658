"""The ZIP of files that accompanies a registry: entries found by name, hostile entries refused one by one.

Nothing here is ever extracted to disk: an entry is read into memory (at most its declared size, which
is checked against the limit first, a piece at a time) and handed to the attachments service.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kb.attachments.extract import MAX_ENTRIES, MAX_RATIO, ZIP_ERRORS, read_member

SMALL_ENTRY = 1024 * 1024  # below this, a high compression ratio is ordinary (plain text compresses well)


class ArchiveError(ValueError):
    """The archive as a whole cannot be used; the message says why, in Russian."""


# Any run of whitespace, a non-breaking space (U+00A0) or a narrow one (U+202F) pasted from Word among them.
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _key(name: str) -> str:
    """What a name is matched by: NFC, «ё» as «е», any case, and any run of spaces as one (a registry typed in
    Word has double and non-breaking spaces the name in the archive has not). The name itself stays as written."""
    name = unicodedata.normalize("NFC", name).replace("ё", "е").replace("Ё", "Е").lower()
    return _SPACES.sub(" ", name).strip()


def _plausible(name: str) -> bool:
    """Whether a decoded name reads as a file name: Cyrillic or Latin letters, digits, spaces and punctuation.
    A name decoded with the wrong code page has box drawing («╨╛╤é») or letters of other scripts («ᠤ»)."""
    for char in name:
        if char.isascii() or char == "№":
            continue
        category = unicodedata.category(char)
        if category.startswith("L"):
            if not unicodedata.name(char, "").startswith(("CYRILLIC", "LATIN")):
                return False
        elif not (category.startswith(("P", "Z")) or category == "Nd"):
            return False
    return True


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name. With the UTF-8 flag it is UTF-8. Without it the bytes are UTF-8 (Info-ZIP's zip on Linux,
    the macOS archiver) or CP866 (archivers on Windows), and some CP866 names are valid UTF-8 too: «сад.docx» is
    «ᠤ.docx» read as UTF-8. So CP866 is taken when it reads as a name (Cyrillic, Latin, digits, punctuation) and
    UTF-8 does not, or when the archive was made on Windows (``create_system`` 0); UTF-8 Cyrillic read as CP866
    is box drawing («╨╛╤é»), never a name."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")  # zipfile decoded the unflagged bytes as CP437
    except UnicodeEncodeError:
        return info.filename
    cp866 = raw.decode("cp866")  # every byte is a character of CP866
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        return cp866
    if _plausible(cp866) and (info.create_system == 0 or not _plausible(utf8)):
        return cp866
    return utf8


def _unsafe(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


@dataclass
class Entry:
    """A file of the archive, or the reason it is refused."""

    name: str
    info: zipfile.ZipInfo | None
    refusal: str = ""


class FileArchive:
    """Look up and read files of a ZIP by the names a registry gives them."""

    def __init__(self, path: Path, max_file_bytes: int):
        self.max_file_bytes = max_file_bytes
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except ZIP_ERRORS as exc:
            raise ArchiveError("Архив с файлами повреждён или это не ZIP.") from exc
        if len(infos) > MAX_ENTRIES:
            raise ArchiveError(f"В архиве больше {MAX_ENTRIES} файлов: разделите его.")
        self._digests: dict[str, str] = {}
        self._by_path: dict[str, Entry] = {}
        self._by_name: dict[str, list[Entry]] = {}
        for info in infos:
            if info.is_dir():
                continue
            name = _entry_name(info)
            entry = Entry(name, info, self._refusal(name, info))
            self._by_path.setdefault(_key(name.replace("\\", "/")), entry)
            self._by_name.setdefault(_key(PurePosixPath(name.replace("\\", "/")).name), []).append(entry)

    def _refusal(self, name: str, info: zipfile.ZipInfo) -> str:
        if _unsafe(name):
            return f"имя «{name}» в архиве ведёт за пределы архива — такой файл не принимается"
        if info.flag_bits & 0x1:
            return "файл в архиве зашифрован паролем — упакуйте его без пароля"
        if info.file_size > self.max_file_bytes:
            return f"файл больше {self.max_file_bytes // (1024 * 1024)} МБ — такой файл не принимается"
        if info.file_size > SMALL_ENTRY and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return "файл сжат подозрительно сильно (похоже на архив-бомбу) и не принят"
        return ""

    def names(self) -> list[str]:
        """Every file name of the archive, as written in it."""
        return [entry.name for entry in self._by_path.values()]

    def find(self, reference: str) -> Entry | str:
        """The entry a registry cell names (a path inside the archive or a bare file name), or a message."""
        wanted = _key(reference.replace("\\", "/").strip("/"))
        entry = self._by_path.get(wanted)
        if entry is None:
            candidates = self._by_name.get(_key(PurePosixPath(wanted).name), [])
            if len(candidates) > 1:
                return (f"в архиве несколько файлов «{reference}» в разных папках — укажите путь, например "
                        f"«{candidates[0].name}»")
            entry = candidates[0] if candidates else None
        if entry is None:
            return f"файла «{reference}» нет в архиве{self._near_misses(reference)}"
        return entry

    def _near_misses(self, reference: str) -> str:
        """«; похожие имена в архиве: «…»» naming up to three files whose names are close to the one asked for."""
        wanted = _key(PurePosixPath(reference.replace("\\", "/")).name)
        close = difflib.get_close_matches(wanted, list(self._by_name), n=3, cutoff=0.6)
        names = [entry.name for key in close for entry in self._by_name[key]][:3]
        return f"; похожие имена в архиве: {', '.join(f'«{name}»' for name in names)}" if names else ""

    def read(self, entry: Entry) -> bytes:
        """The bytes of an accepted entry; raises ArchiveError with a message when they cannot be read."""
        if entry.refusal or entry.info is None:
            raise ArchiveError(entry.refusal)
        try:
            # no more than the declared size, a piece at a time, and the CRC checked: an entry that unpacks
            # to more than it declares fails here instead of filling memory
            data = read_member(self._zip, entry.info)
        except (*ZIP_ERRORS, RuntimeError) as exc:  # RuntimeError: an encrypted entry
            raise ArchiveError("файл в архиве повреждён: не удаётся его распаковать") from exc
        self._digests[entry.name] = hashlib.sha256(data).hexdigest()
        return data

    def digest(self, entry: Entry) -> str:
        """The SHA-256 of an accepted entry's bytes (kept from the last read of it); raises ArchiveError."""
        if entry.name not in self._digests:
            self.read(entry)
        return self._digests[entry.name]

    def close(self) -> None:
        self._zip.close()
