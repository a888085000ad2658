"""The encodings of the text files the bank reads that are not UTF-8: a plain text file (.txt) of a practice and a
registry in CSV. A Russian text saved by an old program is in one of three single-byte encodings — Windows-1251
(Windows), KOI8-R (old mail archives, Linux editors) or CP866 (DOS, and school software still written for it) —
which a file does not name: every byte is a character in each, so each reads without an error, and only one of the
readings is Russian. ``cyrillic_encoding`` tells them apart by how Russian each reading of the file's first bytes
is. A file in UTF-16 or UTF-32 carries a byte order mark, and ``Utf8Reader`` reads such a file as UTF-8, a piece
at a time (a flat ODS saved by Notepad as «Юникод»)."""

from __future__ import annotations

import codecs
import io
import math
import re
from collections import Counter

SINGLE_BYTE = ("cp1251", "koi8_r", "cp866")  # the first one is the reading unless another is clearly better
NAMES = {"cp1251": "Windows-1251", "koi8_r": "KOI8-R", "cp866": "CP866 (DOS)"}

# How often each letter comes in Russian text, in percent (the National Corpus's counts, «ё» as often as it is
# written in the bank's texts, «одарённые»). Case does not count: a text typed in capitals is as Russian.
_LETTERS = dict(zip("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё", (
    10.97, 8.45, 8.01, 7.35, 6.70, 6.26, 5.47, 4.73, 4.54, 4.40, 3.49, 3.21, 2.98, 2.81, 2.62, 2.01, 1.90, 1.74, 1.70,
    1.65, 1.59, 1.44, 1.21, 0.97, 0.94, 0.73, 0.64, 0.48, 0.36, 0.32, 0.26, 0.04, 0.2), strict=True))
# Signs beyond ASCII a Russian text has besides letters: quotes, dashes, «№», a no-break space, a bullet, a degree.
_SIGNS = frozenset("«»„“”‘’—–…№•·∙°±€\u00a0")
_SIGN = -8.0  # bits: about as rare as the rarer letters
_OTHER = -12.0  # a box-drawing line, a letter of another language, a byte the encoding has no character for
# The commonest pairs of letters of Russian text; a pair in a reading is a sign of Russian worth this many bits.
_PAIRS = ("ст", "но", "то", "на", "ен", "ов", "ни", "ра", "во", "ко", "ал", "пр", "ро", "ан", "ер", "ос", "ли", "по",
          "ре", "ог", "ть", "ка", "ол", "ор", "ет", "не", "ел", "ин", "ва", "ом", "го", "ой", "ле", "ат", "ит", "ль",
          "де", "за", "ес", "ла", "от", "ри", "ти", "та", "ак", "ие", "да", "тр", "ны", "ем", "ил", "ая", "ск", "ия",
          "ых", "ве")
_PAIR = 2.0
# A reading wins over Windows-1251 when it is better by this many bits, and by this many for each byte beyond
# ASCII: Windows-1251 text is never more than a few bits better read otherwise (a line with one Russian word),
# KOI8-R text is better read so by some 1.5 bits a letter, CP866 text by some 5.
_MARGIN = 24.0
_MARGIN_PER_BYTE = 0.25
_SAMPLE = 1 << 16  # the first bytes of the file looked at
# And it wins only with Russian words in it: this many letters in runs of three or more that have a common pair of
# letters («школа», not the «Т» of «DonТt», which is «Don’t» in Windows-1251 read as CP866, nor the «ннн» of soft
# hyphens).
_WORD_LETTERS = 5
_WORD = re.compile(r"[а-яё]{3,}", re.IGNORECASE)
# The bytes that are punctuation in Windows-1251 — quotes, dashes, «…», «№», a no-break space, a bullet — count
# in no reading: in CP866 they are letters (’ “ « — are Т У л Ч), and an English text with typographic quotes and
# dashes was read as CP866 gibberish for them.
_NEUTRAL = frozenset(byte for byte in range(0x80, 0xC0) if (character := bytes([byte]).decode("cp1251", "replace"))
                     in _SIGNS or (byte < 0xA0 and not character.isalpha() and character != "\ufffd"))


def _value(character: str) -> float:
    """The bits a character beyond ASCII in a reading is worth: the log of its share in Russian text."""
    if (share := _LETTERS.get(character.lower())) is not None:
        return math.log2(share / 100)
    return _SIGN if character in _SIGNS else _OTHER


def _byte_values(encoding: str) -> list[float]:
    return [0.0 if byte in _NEUTRAL else _value(bytes([byte]).decode(encoding, errors="replace"))
            for byte in range(128, 256)]


def _pair_codes(encoding: str) -> frozenset[int]:
    """The pairs of bytes that are a common pair of letters in ``encoding``, as ``first << 8 | second``, in small
    letters, in capitals and with the first one a capital; none with Windows-1251's punctuation."""
    codes = set()
    for pair in _PAIRS:
        for form in (pair, pair.upper(), pair.capitalize()):
            first, second = form.encode(encoding)
            if first not in _NEUTRAL and second not in _NEUTRAL:  # «‘’» is no «СТ»
                codes.add(first << 8 | second)
    return frozenset(codes)


_VALUES = {encoding: _byte_values(encoding) for encoding in SINGLE_BYTE}
_COMMON_PAIR = re.compile("|".join(_PAIRS))
_PAIR_CODES = {encoding: _pair_codes(encoding) for encoding in SINGLE_BYTE}
_ASCII = bytes(range(128))


def scores(data: bytes) -> tuple[dict[str, float], int]:
    """How Russian each single-byte reading of ``data``'s first bytes is, in bits, and how many of those bytes are
    beyond ASCII and not Windows-1251's punctuation: each such byte counts by the share in Russian text of the
    character it is in that reading, and each pair of them that is a common pair of letters in it by a bonus."""
    sample = data[:_SAMPLE]
    counts = Counter(sample.translate(None, _ASCII))
    pairs = Counter(first << 8 | second for first, second in zip(sample, sample[1:], strict=False)
                    if first & second & 0x80)
    return {encoding: sum(count * _VALUES[encoding][byte - 128] for byte, count in counts.items())
            + _PAIR * sum(count for code, count in pairs.items() if code in _PAIR_CODES[encoding])
            for encoding in SINGLE_BYTE}, sum(count for byte, count in counts.items() if byte not in _NEUTRAL)


def _has_words(data: bytes, encoding: str) -> bool:
    """Whether ``data``'s first bytes read in ``encoding`` have Russian words: ``_WORD_LETTERS`` letters in them."""
    letters = 0
    for word in _WORD.finditer(data[:_SAMPLE].decode(encoding, errors="replace")):
        if _COMMON_PAIR.search(word[0].lower()):
            letters += len(word[0])
        if letters >= _WORD_LETTERS:
            return True
    return False


def cyrillic_encoding(data: bytes) -> str:
    """The single-byte encoding of ``data`` (a file that is no UTF-8): "cp1251" unless KOI8-R or CP866 reads it as
    clearly more Russian, with Russian words in it — in capitals or small letters alike; a short file, which a few
    letters could tip either way, stays Windows-1251, and so does an English one with typographic quotes and
    dashes (Windows-1251's punctuation counts in no reading)."""
    score, beyond = scores(data)
    chosen = SINGLE_BYTE[0]
    for encoding in SINGLE_BYTE[1:]:
        if score[encoding] - score[chosen] >= max(_MARGIN, _MARGIN_PER_BYTE * beyond) and _has_words(data, encoding):
            chosen = encoding
    return chosen


# The XML declaration that begins a text, with the encoding it names: matched at the start only (after a byte order
# mark and a few blanks at most), each run bounded. Searched for across the first piece, with runs unbounded, it
# took seconds on a piece of many «<?xml » or of many blanks.
_DECLARED = re.compile(
    rb"""((?:\xef\xbb\xbf)?\s{0,64}<\?xml\s[^>]{0,200}?encoding\s{0,20}=\s{0,20})(["'])[^"'<>]{0,40}\2""")


class Utf8Reader(io.RawIOBase):
    """A file in UTF-16 or UTF-32 with its byte order mark (``encoding``: "utf-16" or "utf-32") read as UTF-8, a
    piece at a time: in memory a piece of it, not a copy of the file. An XML declaration that names the encoding
    is made to name UTF-8 (what the text is now); a byte sequence that is no character of the encoding raises
    UnicodeDecodeError."""

    def __init__(self, data: bytes, encoding: str, piece: int = 1 << 16):
        super().__init__()
        self._data = memoryview(data)
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._piece = piece
        self._position = 0
        self._pending = b""
        self._started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self._pending) < len(buffer) and self._position < len(self._data):
            chunk = self._data[self._position:self._position + self._piece]
            self._position += len(chunk)
            text = self._decoder.decode(chunk, final=self._position >= len(self._data)).encode()
            if not self._started and text:
                self._started = True
                if declared := _DECLARED.match(text):
                    text = declared.group(1) + b'"UTF-8"' + text[declared.end():]
            self._pending += text
        taken = self._pending[:len(buffer)]
        buffer[:len(taken)] = taken
        self._pending = self._pending[len(taken):]
        return len(taken)
