"""The terms of reuse of a practice: the licences a practice may carry, the instance's default, how a registry
writes them."""

import re

from flask import current_app

from kb.vocabularies.data import DEFAULT_LICENCE, LICENCES, Licence, fold

BY_CODE: dict[str, Licence] = {licence["code"]: licence for licence in LICENCES}
CODES = tuple(BY_CODE)
UNKNOWN_LICENCE = ("Лицензия — одно из значений: "
                   + ", ".join(f"{licence['code']} ({licence['label']})" for licence in LICENCES) + ".")


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


# A registry's spelling, folded: «CC BY 4.0», «CC-BY», «cc_by_4», «CC BY-SA», «Все права защищены».
_SPELLINGS = {
    "allrights": "all_rights", "всеправазащищены": "all_rights", "©": "all_rights",
    "ccby": "cc_by_4", "ccbysa": "cc_by_sa_4", "ccbyncsa": "cc_by_nc_sa_4",
}


def parse_licence(value: str) -> str | None:
    """The code of a licence as a registry's cell writes it; None when it is none of them (a CC licence of
    another version, one without «SA», a text)."""
    if value.strip() in BY_CODE:
        return value.strip()
    folded = re.sub(r"[\s\-_.,«»\"()]+", "", fold(value)).removeprefix("creativecommons").removeprefix("лицензия")
    if creative_commons := re.fullmatch(r"(cc(?:by|bysa|byncsa))(?:40|4)?", folded):
        folded = creative_commons[1]
    return _SPELLINGS.get(folded)
