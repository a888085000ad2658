"""Characters no text of the bank needs: the C0 control characters other than tab and line breaks, which a form,
a query string or an imported file can carry and which XML 1.0 (OAI-PMH, the Atom feed, DOCX) cannot; and DEL and
the C1 controls (U+007F–U+009F), which XML allows but no font draws (a box in the PDF export, in Word); and the
halves of UTF-16 surrogate pairs that some readers of files give instead of the character (``paired_surrogates``);
and the private-use characters Word's bullets are read as (``plain_bullets``)."""

import re
import unicodedata

# What XML 1.0 does not allow, and DEL and C1, which it allows but no text of the bank needs. A lone surrogate
# is no character (UTF-8 cannot store it): the API refuses one with a 422, forms and query strings are decoded with
# replacement characters, and a file's text has its pairs joined by ``paired_surrogates``; one left is dropped.
UNWANTED_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
SURROGATES = re.compile("[\ud800-\udfff]")


def paired_surrogates(text: str) -> str:
    """``text`` with each pair of UTF-16 surrogate halves made the one character it stands for, and a half without
    its other half dropped. Word writes an emoji in an RTF as a pair (``\\u-10179?\\u-8704?``), which striprtf
    gives as two lone halves, and a PDF's ToUnicode map may do the same (pypdf decodes it with «surrogatepass»):
    such a text could not be stored (UnicodeEncodeError, a 500). A text without them (nearly every one) is only
    looked at."""
    if not SURROGATES.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")


# Word keeps a list's bullet, and a symbol inserted from the Symbol or Wingdings font, as a character of the Unicode
# private-use area at U+F000 + its code in that font: U+F0B7 is the Symbol font's «•». What reads an RTF (striprtf),
# a DOC (antiword, catdoc) or a PDF (pypdf) gives that character, which no other font draws (a box, «□»). The bullets
# Word offers in its list of bullets are the usual ones: each is read as «•», which the resolution parser takes for
# a list marker. Wingdings' «❖», «■», «❑», «◆» (U+F076, U+F06E, U+F071, U+F075) are also the Symbol font's Greek ϖ, ν,
# θ, υ of a formula («Угол θ = 30°»): they are bullets only where a list item begins, at a line's start before a
# space or a tab. Other private-use characters (U+F061 «α») are left as they are.
SYMBOL_BULLETS = str.maketrans({
    "\uf0b7": "•",  # Symbol 0xB7: the bullet
    "\uf0a7": "•",  # Wingdings 0xA7: the small square («§» in the font list)
    "\uf0a8": "•",  # Wingdings 0xA8 and Symbol 0xA8: the hollow square, the diamond
    "\uf0d8": "•",  # Wingdings 0xD8: the arrowhead «➢»
    "\uf0fc": "•",  # Wingdings 0xFC: the check mark «✓»
})
# Every private-use character that may be a bullet: those above, and the four of a list item's start.
BULLET_CHARACTERS = "\uf0b7\uf0a7\uf0a8\uf0d8\uf0fc\uf076\uf06e\uf071\uf075"
_SYMBOL_BULLET = re.compile(f"[{BULLET_CHARACTERS}]")
_LETTER_BULLET = re.compile("^([ \t]*)[\uf076\uf06e\uf071\uf075](?=[ \t])", re.MULTILINE)


def plain_bullets(text: str) -> str:
    """``text`` with the Symbol- and Wingdings-font bullets of a Word document (private-use characters: see
    SYMBOL_BULLETS) as «•». A text without them (nearly every one) is only looked at."""
    if not _SYMBOL_BULLET.search(text):
        return text
    return _LETTER_BULLET.sub(r"\1•", text.translate(SYMBOL_BULLETS))


# Characters a page does not show and that take no room: the soft hyphen, the zero-width space, non-joiner and
# joiner, the Mongolian vowel separator, the left-to-right and right-to-left marks, the word joiner and the invisible
# operators, the byte order mark (a zero-width no-break space). Pasted from Word or a web page around a text.
INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"


def visible_strip(text: str) -> str:
    """``text`` without the spaces and the invisible characters (INVISIBLE) at its ends: a title of «\u200b» alone
    is an empty one. Those inside the text stay. (No regex: «[\\s…]+$» was tried at each space of a long run of them,
    quadratic: 30 KB took 6 s.)"""
    while True:
        stripped = text.strip().strip(INVISIBLE)
        if stripped == text:
            return text
        text = stripped


_WITHOUT_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))


def visible_length(text: str) -> int:
    """How many characters of ``text`` a page shows: those in INVISIBLE, wherever they stand, are not counted
    («А\u200b\u200b\u200b\u200bБ» is two)."""
    return len(text.translate(_WITHOUT_INVISIBLE))


def visible_stripped(value: object) -> object:
    """A form field's filter: ``visible_strip`` of a string; any other value as it is."""
    return visible_strip(value) if isinstance(value, str) else value


def blank_if_invisible(value: object) -> object:
    """A text area's filter: "" for a string of nothing but spaces and invisible characters (INVISIBLE); any other
    value as it is (its spaces at the ends, which a text area's lines may need, are the field's to keep)."""
    return "" if isinstance(value, str) and not visible_strip(value) else value


def xml_text(text: object) -> str:
    """``text`` without the characters XML 1.0 cannot carry, nor DEL and C1 ("" for None)."""
    return UNWANTED_CONTROLS.sub("", "" if text is None else str(text))


def without_controls(value: object) -> object:
    """A form field's filter: a string without those characters; any other value as it is."""
    return UNWANTED_CONTROLS.sub("", value) if isinstance(value, str) else value


def composed(text: str) -> str:
    """``text`` in Unicode NFC: «й» one character, not «и» and a combining breve (U+0306), «ё» not «е» and a diaeresis
    (U+0308), as macOS and many PDFs give them on copy and paste. Stored so, such a word was found by no search, and
    a title so written was not the same title. A text in NFC already (nearly every one) is only looked at."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def composed_text(value: object) -> object:
    """A form field's filter: ``composed`` of a string; any other value as it is."""
    return composed(value) if isinstance(value, str) else value


def composed_json(value: object) -> object:
    """Every string of a JSON value (keys too) ``composed``."""
    if isinstance(value, str):
        return composed(value)
    if isinstance(value, dict):
        return {composed_json(key): composed_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [composed_json(item) for item in value]
    return value


def unix_line_breaks(text: str) -> str:
    """Every line break as LF: a browser sends a text area's line breaks as CR LF, the API and the imports as LF,
    and the same text saved again from the form must be the same text (an untouched save made a new version)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def form_line_breaks(value: object) -> object:
    """A text area's filter: ``unix_line_breaks`` of a string; any other value as it is."""
    return unix_line_breaks(value) if isinstance(value, str) else value


def clipped(text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters, else its beginning cut after a whole word with «…» (the
    «…» counted: the result fits a column of ``limit``)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2 and not text[limit - 1].isspace():  # a word cut in the middle: end before it
        head = head[:space]
    return head.rstrip(" ,;:—–-") + "…"


def contains(text: str) -> str:
    """A LIKE pattern (``escape="\\"``) for the values holding ``text``: its «%», «_» and «\\» are letters, not
    wildcards."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
