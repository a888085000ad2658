"""Words typed with the English keyboard layout on when Russian was meant: «ghjtrn» for «проект».

A teacher who forgets to switch the layout types Latin letters and punctuation that sit on the keys of
the Russian letters (ЙЦУКЕН over QWERTY): «,» is «б», «.» is «ю», «;» is «ж», «'» is «э», «[» is «х»,
«]» is «ъ», «`» is «ё», and with Shift «<», «>», «:», «{», «}», «~». Such a word is retyped only when the
result is a word: one the caller knows (the index has it, or the dictionary does) and, with the other
keys' characters, nothing else. Latin words that are themselves meant («Scratch», «STEM», «Lego») do not
become Russian words this way, and the caller leaves alone the ones its index holds as written. A retyped word
is ё-folded, as every suggestion is, and in small letters unless typed in capitals or with a capital first.

Runs shorter than MIN_LETTERS and runs that become function words («c» is «с», «gj» is «по», «lkz» is «для») are
no evidence by themselves, but once another run of the query is retyped they are retyped too: «ltnb c JDP» is
«дети с ОВЗ» (left Latin, «c» made the query find nothing).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_LATIN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`QWERTYUIOP{}ASDFGHJKL:ZXCVBNM<>~"
_RUSSIAN_KEYS = "йцукенгшщзхъфывапролджэячсмитьбюёЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЯЧСМИТЬБЮЁ"
_RETYPE = str.maketrans(_LATIN_KEYS, _RUSSIAN_KEYS)

# A whole run of the keys that carry Russian letters, with no letter or digit of another kind next to it.
_RUN = re.compile(r"(?<![\w'`\[\]{}<>~;:,.])[A-Za-z\[\]{};:',.<>`~]++(?!\w)")
# What may end a retyped word as punctuation of the query rather than a letter of it.
_TRAILING = ".,;:"
MIN_LETTERS = 3  # shorter runs are initials, units and abbreviations as often as slips of the layout


def russian_keys(text: str) -> str:
    """``text`` as the same keys give it in the Russian layout (for a prefix, which is no word yet)."""
    return text.translate(_RETYPE)


def _shown(word: str, latin: str) -> str:
    """A retyped word as a suggestion names it: ё-folded, as every suggestion is; in capitals when its Latin
    letters ``latin`` are (Caps Lock leaves the keys of «х», «ж», «б» small: «IF[VFNS» is «ШАХМАТЫ»), with a
    capital first when typed so, else in small letters (Shift on «~» for «ё» gave «одарЁнные»)."""
    word = word.replace("ё", "е").replace("Ё", "Е")
    if len(latin) > 1 and latin.isupper():
        return word.upper()
    return word[:1] + word[1:].lower() if word[:1].isupper() else word.lower()


def retype(text: str, is_word: Callable[[str], bool], is_kept: Callable[[str], bool],
           is_filler: Callable[[str], bool] = lambda word: False) -> str | None:
    """``text`` with every run typed in the wrong layout retyped in Russian, or None when there is none.

    ``is_word(w)`` says whether a lower-case, ё-folded Russian word is known; ``is_kept(w)`` whether a
    lower-case Latin word is to stay as written (the index has it); ``is_filler(w)`` whether a Russian word is a
    function word (a stop word: the index has none). Short runs and those that become a function word or a
    known word shorter than MIN_LETTERS are retyped only beside a run retyped on its own merit."""
    changed = False
    pending: list[int] = []  # the runs left for the second pass, by their number

    def replace(match: re.Match[str], second: bool = False) -> str:
        nonlocal changed
        run = match.group()
        latin = re.sub(r"[^A-Za-z]", "", run)
        letters = latin.lower()
        if not letters or is_kept(letters):
            return run
        # The whole run first («hs,f» is «рыба»); then without a final stop or comma («ghjtrn.» is «проект.»).
        stripped = run.rstrip(_TRAILING)
        for typed, rest in ((run, ""), (stripped, run[len(stripped):])):
            word = typed.translate(_RETYPE)
            folded = word.lower().replace("ё", "е")
            if not typed or not folded.isalpha():
                continue
            if len(folded) >= MIN_LETTERS and is_word(folded):
                changed = True
                return _shown(word, latin) + rest
            if second and (is_filler(folded) or is_word(folded)):
                return _shown(word, latin) + rest
        if not second:
            pending.append(match.start())
        return run

    retyped = _RUN.sub(replace, text)
    if not changed:
        return None
    if pending:  # the short runs and function words beside the retyped ones
        retyped = _RUN.sub(lambda match: replace(match, second=True), retyped)
    return retyped
