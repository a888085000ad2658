"""The terms of reuse of a practice: the licences a practice may carry, the instance's default, how a registry
writes them."""

import re

from flask import current_app

from kb.vocabularies.data import DEFAULT_LICENCE, LICENCES, Licence, fold

BY_CODE: dict[str, Licence] = {licence["code"]: licence for licence in LICENCES}
CODES = tuple(BY_CODE)
UNKNOWN_LICENCE = ("Лицензия — одно из значений: "
                   + ", ".join(f"{licence['code']} ({licence['label']})" for licence in LICENCES) + ".")
# How a registry may write a licence (the message for one that is none of them).
ACCEPTED_SPELLINGS = ("Допустимо: " + ", ".join(f"«{licence['label']}»" for licence in LICENCES)
                      + " (в любом регистре, через пробел или дефис, версию 4.0 можно не писать; также полностью — "
                      "«Атрибуция — С сохранением условий 4.0 Международная», «Creative Commons Attribution-ShareAlike "
                      "4.0») или коды " + ", ".join(licence["code"] for licence in LICENCES) + ".")


def default_licence() -> str:
    """The licence a practice gets when nobody chose one: DEFAULT_LICENCE of the instance (checked at start)."""
    return current_app.config.get("DEFAULT_LICENCE") or DEFAULT_LICENCE


def licence(code: str | None) -> Licence:
    """The licence of ``code``; a code no longer known (a version saved under another list) as itself."""
    return BY_CODE.get(code or "") or {"code": code or "", "label": code or "", "title": "", "url": "", "allows": ""}


def licence_text(code: str | None) -> str:
    """One line for an export or a harvester: «Лицензия: CC BY 4.0 (https://…)», «Лицензия: Все права защищены»."""
    entry = licence(code)
    return f"Лицензия: {entry['label']}" + (f" ({entry['url']})" if entry["url"] else "")


def rights_statement(code: str | None) -> str:
    """Dublin Core rights: the licence's URL where it has one (what harvesters match), else its name."""
    entry = licence(code)
    return entry["url"] or entry["label"]


# The words a licence is written out with, folded, as the elements of its short name: the deed's title in English or
# Russian («Attribution-ShareAlike», «Атрибуция — С сохранением условий»), the name of Creative Commons.
_ELEMENTS = (
    (r"creative\s*commons|криэйтив\s*коммонс", " cc "),
    (r"attribution|атрибуция", " by "),
    (r"non\s*commercial|некоммерческое(?:\s+использование)?", " nc "),
    (r"share\s*alike|с\s+сохранением\s+условий", " sa "),
    (r"no\s*derivatives?|без\s+производных(?:\s+произведений)?", " nd "),
)
# Words around a licence's name that change nothing: «Лицензия …», «… 4.0 International License», «версия 4.0».
_NOISE = re.compile(r"\b(?:публичная|лицензия|licen[cs]e|international|международная|версия|version|v)\b")
# The short names of the list; the version is optional: every CC licence of the list is 4.0, so a name alone is one.
_CC = {"by": "cc_by_4", "bysa": "cc_by_sa_4", "byncsa": "cc_by_nc_sa_4"}
_ALL_RIGHTS = {"всеправазащищены", "allrightsreserved", "allrights"}


def parse_licence(value: str) -> str | None:
    """The code of a licence as a registry's cell (or anyone) writes it: the code, the short name in any case, with
    dashes, underscores or spaces («CC BY-SA 4.0», «CC-BY-SA», «cc_by_sa»), written out in English or Russian
    («Creative Commons Attribution-ShareAlike 4.0 International», «Атрибуция — С сохранением условий 4.0
    Международная»), «Все права защищены». None when it is none of them: another version (3.0), a licence not in the
    list (without «SA», with «ND»), two licences, a text."""
    if value.strip() in BY_CODE:
        return value.strip()
    text = fold(value)
    for pattern, element in _ELEMENTS:
        text = re.sub(pattern, element, text)
    written_out = text != fold(value)  # a deed's words or «Creative Commons» name a CC licence without «CC»
    text = _NOISE.sub(" ", re.sub(r"\(c\)|[«»\"'()©]", " ", text))
    folded = re.sub(r"[\s\-‐‑‒–—―_.,:;/]+", "", text)
    if folded in _ALL_RIGHTS:
        return "all_rights"
    short = re.fullmatch(r"(cc)?(by(?:nc)?(?:sa)?)(?:40|4)?", folded)
    if short is None or not (short[1] or written_out):
        return None
    return _CC.get(short[2])
