"""Finding the municipalities a resolution names: city okrugs and municipal districts in inflected Russian.

Pure Python, as the parser: the municipality vocabulary is handed in (:meth:`MunicipalityFinder.from_rows`). What it
reads:

* an adjective name with its kind word: «Копейского городского округа», «Агаповского муниципального района»,
  «Сосновский район», «Каслинского МР»;
* lists sharing one kind word, before or after it: «(Кыштымский, Миасский и Троицкий городские округа)»,
  «15 муниципальных районов Челябинской области (Аргаяшский, Ашинский, …)» — a name of such a list misspelt by a
  letter or two («Нагабайкский») is read as the one municipality of the named regions it is closest to, with a
  warning;
* a town that is a city okrug: «г. Магнитогорска», «в Миассе», «из Миасса», «ЗАТО Трёхгорный», «в городе Нижнем
  Новгороде», «в городах Миасс, Златоуст» — such a town is *marked*, and so is a town joined to a marked one by «и»,
  «или» or a comma and written in its case («из Орла и Великого Новгорода», «в Миассе, Златоусте и Копейске»; the list
  stops at anything else: «в Миассе, Мурманск ждёт», «из Миасса и Кирова Елены»); a federal city (handed in as
  well: the vocabulary has no municipality of it) is found as none, but a list runs on past it as past a town («из
  Москвы и Миасса», «из Санкт-Петербурга, Челябинска и Миасса»), and so past a town outside the vocabulary, a word
  pymorphy3 reads as a place's name, marked or in the list's case («из Копейска, Херсона и Миасса», «из Минска и
  Копейска»; not «из Министерства и Миасса»); a hyphenated, two-word or
  indeclinable one in any case as well («в Петропавловске-Камчатском», «из Великого Новгорода», «в Ростове-на-Дону»,
  «в Улан-Удэ», «в Орле»); a town named by an adjective («Грозный») only after «г.», or after «в», written with a
  capital and lower-case letters («в грозном небе», «В ГРОЗНОМ» are none), when no noun agreeing with it follows («в
  Грозном районе»); «В» beginning a sentence marks a town as well («В Миассе прошёл семинар»); a bare «Магнитогорск»
  counts only for a region the resolution names (or a marked town or a name with its kind word tells), and never as a
  person's or a street's name: «Владимир Петрович», «Кирова Елена», «Кирова Е. С.», «им. С. М. Кирова», «ул. Кирова»,
  a given name with a surname in its case («из Владимира Путина»); nor, unmarked, a word pymorphy3 reads as a surname
  or a given name too («доклад Иванова», «выступление Владимира»; «в Иванове», «из Иванова», «Иваново» are the town).

«ё» and «е», a hyphen or none («Южно-Уральский») are alike. A name several regions have («Троицк» — Moscow's and
Chelyabinsk oblast's —, «Озёрск», «Сосновский район») counts only for a region the resolution names; any name a
second municipality of the vocabulary shares, likewise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kb.vocabularies.data import municipality_towns, town_in_name

__all__ = ["FoundMunicipality", "MunicipalityFinder", "TOWN_PREPOSITIONS"]

_WORD = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:-[A-Za-zА-Яа-яЁё]+)*")
_ADJ_ENDINGS = ("ий", "ый", "ой")
_ADJ_FORMS = ("ий", "ый", "ой", "ого", "ому", "ым", "им", "ом", "ие", "ые", "их", "ых", "ими", "ыми")
_OKRUG_KINDS = frozenset({"городской округ", "город"})
_DISTRICT_WORDS = frozenset({"район", "района", "району", "районом", "районе", "районы", "районов", "районам",
                             "районами", "районах", "р-н"})
_TOWN_PREFIXES = frozenset({"г", "гор", "город", "города", "городе", "городу", "городом", "городов", "городам",
                            "городами", "городах", "п", "пос", "поселок",
                            "поселка", "поселке", "зато", "город-герой", "города-героя", "городе-герое", "городу-герою",
                            "городом-героем"})
TOWN_PREPOSITIONS = frozenset({"в", "во", "из", "до"})  # «в Миассе», «из Миасса»: a town, as «г.» tells
_LIST_JOINS = frozenset({"и", "или"})  # «из Орла и Великого Новгорода»: the second town is marked as the first
# the words a town's name written after is a street's or a namesake's («ул. Кирова», «школа им. Кирова»)
_NOT_TOWN_AFTER = frozenset({
    "им", "имени", "ул", "улица", "улицы", "улице", "улицу", "пр", "пр-т", "просп", "проспект", "проспекта",
    "проспекте", "пер", "переулок", "переулка", "переулке", "пл", "площадь", "площади", "б-р", "бул", "бульвар",
    "бульвара", "бульваре", "наб", "набережная", "набережной", "ш", "шоссе", "тракт", "тракта"})
_PATRONYMIC_ENDINGS = ("ович", "евич", "овна", "евна", "ична", "инична")
_FUZZY_MIN = 8  # letters of a list's word read as a misspelt name («Нагабайкский»): shorter words are too alike
_FUZZY_DISTANCE = 2


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def _key(text: str) -> str:
    """A word as compared: folded, without hyphens («Южно-Уральский» is «Южноуральский»)."""
    return _fold(text).replace("-", "")


def _adjective_forms(adjective: str) -> set[str]:
    key = _key(adjective)
    return {key[:-2] + ending for ending in _ADJ_FORMS}


_CASES = ("nom", "gen", "dat", "acc", "loc", "ins")
# pymorphy3's cases as named here («в Крыму», «из лесу»: the second prepositional and genitive are these)
_MORPHOLOGY_CASES = {"nomn": "nom", "gent": "gen", "gen2": "gen", "datv": "dat", "accs": "acc", "loct": "loc",
                     "loc2": "loc", "ablt": "ins"}
_PREPOSITION_CASES = {"в": {"loc", "acc"}, "во": {"loc", "acc"}, "из": {"gen"}, "до": {"gen"}}


def _word_cases(word: str) -> dict[str, set[str]]:
    """A folded word of a town's name in each case (nominative, genitive, dative, accusative, prepositional,
    instrumental), by its ending: a noun of any declension or a plural one («Чебоксарах»), an adjective («Великом»,
    «Нижнем»), one not declined («Удэ», «Кемерово» as well as «Кемерове»), a fleeting «е» («Орёл», «Орле»)."""
    w = word

    def stem(cut: int, gen, dat, loc, ins, acc=()) -> dict[str, set[str]]:
        base = w[:-cut] if cut else w
        return {"nom": {w}, "gen": {base + e for e in gen}, "dat": {base + e for e in dat},
                "acc": {w, *(base + e for e in acc)}, "loc": {base + e for e in loc},
                "ins": {base + e for e in ins}}

    if w.endswith(_ADJ_ENDINGS):  # «Великий», «Нижний», «Грозный»: hard and soft endings alike
        return stem(2, ("ого", "его"), ("ому", "ему"), ("ом", "ем"), ("ым", "им"))
    if w.endswith(("ые", "ие")):  # «Набережные»
        return stem(2, ("ых", "их"), ("ым", "им"), ("ых", "их"), ("ыми", "ими"))
    if w.endswith("ь"):  # «Ярославля», and «Перми» of a feminine one
        return stem(1, ("я", "и"), ("ю", "и"), ("е", "и"), ("ем", "ью"))
    if w.endswith("й"):  # «Уфалея»
        return stem(1, ("я",), ("ю",), ("е",), ("ем",))
    if w.endswith(("а", "я")):
        return stem(1, ("ы", "и"), ("е", "и"), ("е", "и"), ("ой", "ей", "ою", "ею"), ("у", "ю"))
    if w.endswith(("ы", "и")):  # «Чебоксары» (plural), «Сочи», «Ханты» (not declined)
        return {case: {w, *forms} for case, forms in
                stem(1, ("", "ов", "ей"), ("ам", "ям"), ("ах", "ях"), ("ами", "ями")).items()}
    if w.endswith("о"):  # «Иваново», «Кемерово»: declined or not
        return {case: {w, *forms} for case, forms in stem(1, ("а",), ("у",), ("е",), ("ом",)).items()}
    if w[-1:] in "аеиоуыэюя":
        return {case: {w} for case in _CASES}  # «Удэ», «Дону»: not declined
    cases = stem(0, ("а",), ("у",), ("е",), ("ом", "ем"))
    if re.search(r"[^аеиоуыэюя]ел$", w):  # «Орёл»: «Орла», «Орле»
        for case, forms in stem(2, ("ла",), ("лу",), ("ле",), ("лом",)).items():
            if case not in ("nom", "acc"):
                cases[case] |= forms
    return cases


def _noun_forms(word: str, instrumental: bool) -> dict[str, set[str]]:
    """The compared forms of a word of a town's name in each case a resolution names a place in (nominative,
    genitive, dative, accusative, prepositional), the instrumental only when asked: «Челябинском» is as often
    «Челябинском институте». Each part of a hyphenated word («Петропавловске-Камчатском», «Йошкар-Оле»,
    «Ростове-на-Дону», «Улан-Удэ») is inflected in the same case or left as it is; the word left whole in the
    nominative is in another case only if it is one of its forms («Кемерово»): «в Миассе, Мурманск» is no list."""
    parts = [_word_cases(part) for part in _fold(word).split("-") if part]
    nominative = {""}
    for part in parts:
        nominative = {done + form for done in nominative for form in part["nom"]}
    cases = {}
    for case in _CASES if instrumental else _CASES[:-1]:
        forms, own = {""}, {""}
        for part in parts:
            forms = {done + form for done in forms for form in part[case] | part["nom"]}
            own = {done + form for done in own for form in part[case]}
        cases[case] = forms if case == "nom" else own | (forms - nominative)
    return cases


def _all_forms(word: str, instrumental: bool) -> set[str]:
    return set().union(*_noun_forms(word, instrumental).values())


def _is_adjective_town(town: tuple[str, ...]) -> bool:
    """«Локомотивный», «Трёхгорный», «Грозный»: a town named by one adjective, as other words are too."""
    return len(town) == 1 and "-" not in town[0] and _fold(town[0]).endswith(_ADJ_ENDINGS)


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of two letters is one edit); ``limit + 1`` once it is beyond."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@dataclass(frozen=True)
class _Entry:
    code: str
    name: str
    region: str
    okrug: bool  # a city okrug (or a city); else a municipal district or okrug
    adjective: str | None  # the folded adjective of its name («копейский»), if its name is one
    towns: tuple[tuple[str, ...], ...]  # the words of each town it is, as written («Верхний», «Уфалей»)


@dataclass(frozen=True)
class FoundMunicipality:
    """A municipality a text names; ``written`` is the word as written when it was read as a misspelling; ``bare``:
    named only by its town's bare name («Магнитогорск»), which does not tell its region."""

    code: str
    written: str | None = None
    bare: bool = False


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        return _key(self.text)

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()


class MunicipalityFinder:
    """Finds the municipalities of the vocabulary a text names (see the module's description)."""

    def __init__(self, entries: list[_Entry], homonyms: Iterable[str] = (), cities: Iterable[str] = ()) -> None:
        self._entries = entries
        self._homonyms = {_key(word) for word in homonyms}
        # a federal city: a town of a list, no municipality (its entry is None)
        self._cities: dict[str, list[tuple[None, tuple[str, ...]]]] = {}
        for city in cities:
            town = tuple(_WORD.findall(city))
            for form in _all_forms(town[0], instrumental=True):
                self._cities.setdefault(form, []).append((None, town))
        self._adjectives: dict[str, list[_Entry]] = {}
        self._towns: dict[str, list[tuple[_Entry, tuple[str, ...]]]] = {}
        for entry in entries:
            if entry.adjective:
                for form in _adjective_forms(entry.adjective):
                    self._adjectives.setdefault(form, []).append(entry)
            for town in entry.towns:
                for form in _all_forms(town[0], instrumental=True):
                    self._towns.setdefault(form, []).append((entry, town))

    @classmethod
    def from_rows(cls, rows: Iterable[dict], towns: dict[str, Iterable[str]] | None = None,
                  homonyms: Iterable[str] = (), cities: Iterable[str] = ()) -> MunicipalityFinder:
        """Build from municipality dicts with keys ``code``, ``name``, ``kind`` and ``region``; ``towns``: the towns a
        municipality named by an adjective is (code → names: «Миасский городской округ» is Миасс; see
        kb.vocabularies.data.municipality_towns); ``homonyms``: names other regions' municipalities or towns have too
        («Троицк»); ``cities``: the federal cities (kb.vocabularies.data.FEDERAL_CITIES), towns of a list that are no
        municipality of the vocabulary."""
        towns = towns or {}
        entries = []
        for row in rows:
            name = " ".join((row["name"] or "").split())
            okrug = row["kind"] in _OKRUG_KINDS
            own = municipality_towns(row["code"], name, towns)
            adjective = None
            if town_in_name(name) is None and (first := name.split(" ", 1)[0]) and _fold(first).endswith(_ADJ_ENDINGS):
                adjective = _key(first)
            entries.append(_Entry(row["code"], name, row["region"], okrug, adjective,
                                  tuple(tuple(_WORD.findall(t)) for t in own if _WORD.findall(t))))
        return cls(entries, homonyms, cities)

    def placed(self, found: Iterable[FoundMunicipality], regions: Iterable[str]) -> tuple[list[str], list[str]]:
        """The rule a resolution of ``regions`` keeps what :meth:`find` found by, on import as later: (the codes of the
        municipalities it keeps, the regions it gains). A municipality of another region is kept, and its region
        gained, only when the text names it as a place («г. Магнитогорск», «в Миассе», «Копейского городского
        округа»); one named by its town's bare name is dropped."""
        own = list(dict.fromkeys(regions))
        codes: list[str] = []
        gained: list[str] = []
        for item in found:
            region = self.region_of(item.code)
            if region is None or (region not in own and item.bare):
                continue
            codes.append(item.code)
            if region not in own:
                own.append(region)
                gained.append(region)
        return codes, gained

    def region_of(self, code: str) -> str | None:
        """The region of a municipality of the vocabulary."""
        return next((e.region for e in self._entries if e.code == code), None)

    def name_of(self, code: str) -> str:
        """The name of a municipality of the vocabulary."""
        return next((e.name for e in self._entries if e.code == code), code)

    # -- reading ---------------------------------------------------------------------------------

    def find(self, text: str, named_regions: Iterable[str] = ()) -> list[FoundMunicipality]:
        """The municipalities ``text`` names, in order of first mention, each once; ``named_regions``: the regions it
        names, whose municipalities a name several regions share is taken for."""
        named = set(named_regions)
        tokens = [_Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
        found: dict[str, FoundMunicipality] = {}
        mentions: list[tuple[int, FoundMunicipality]] = []

        def take(position: int, candidates: list[_Entry], word: str, written: str | None = None,
                 bare: bool = False) -> None:
            for entry in self._chosen(candidates, word, named):
                mentions.append((position, FoundMunicipality(entry.code, written, bare)))

        for i, _token in enumerate(tokens):
            kind = self._kind_at(tokens, i)
            if kind is None:
                continue
            okrug, length = kind
            for j, exact in self._list_before(text, tokens, i) + self._list_after(text, tokens, i + length):
                self._read_listed(tokens[j], okrug, exact, named, j, take)
        towns: list[tuple[int, tuple[list[_Entry], str, bool]]] = []
        listed: dict[int, set[str]] = {}  # the word after a marked town → the cases it was written in
        for i, token in enumerate(tokens):
            if not token.cap:
                continue
            joined = _listed_cases(text, tokens, i, listed)
            if match := self._town_at(text, tokens, i, joined):
                candidates, word, marked, end, cases = match
                towns.append((i, (candidates, word, marked)))
                if marked:
                    listed[end] = cases
            elif cases := self._other_town_at(text, tokens, i, joined):
                listed[i + 1] = cases  # «из Копейска, Херсона и Миасса»: no municipality, the list runs on
        for i, (candidates, word, marked) in towns:
            if marked:
                take(i, candidates, word)
        named |= {self.region_of(item.code) for _position, item in mentions}  # «г. Магнитогорск», then «Миасса»
        for i, (candidates, word, marked) in towns:
            if not marked:
                take(i, [e for e in candidates if e.region in named], word, bare=True)
        for _position, item in sorted(mentions, key=lambda pair: pair[0]):
            if item.code not in found or (found[item.code].bare and not item.bare):  # named bare, then as a place
                found[item.code] = item
        return list(found.values())

    def _chosen(self, candidates: list[_Entry], word: str, named: set[str]) -> list[_Entry]:
        """Those of a name's municipalities a resolution naming ``named`` means: the named regions' ones; else the
        only one, unless its name is a known homonym."""
        candidates = list(dict.fromkeys(candidates))
        preferred = [e for e in candidates if e.region in named]
        if preferred:
            return preferred
        if len(candidates) == 1 and _key(word) not in self._homonyms:
            return candidates
        return []

    @staticmethod
    def _kind_at(tokens: list[_Token], i: int) -> tuple[bool, int] | None:
        """(a city okrug?, words) of a kind word at ``i``: «городских округов», «муниципального района», «районы»."""
        word = _fold(tokens[i].text)
        following = _fold(tokens[i + 1].text) if i + 1 < len(tokens) else ""
        if word.startswith("городск") and following.startswith("округ"):
            return True, 2
        if word.startswith("муниципальн") and following.startswith(("район", "округ")):
            return False, 2
        if word in _DISTRICT_WORDS:
            return False, 1
        if tokens[i].text in ("ГО", "МР", "МО"):
            return tokens[i].text == "ГО", 1
        return None

    def _is_name(self, token: _Token) -> bool:
        return token.key in self._adjectives or (token.cap and len(token.key) >= _FUZZY_MIN
                                                 and token.key.endswith(_ADJ_FORMS))

    def _list_before(self, text: str, tokens: list[_Token], i: int) -> list[tuple[int, bool]]:
        """Indexes of the names before the kind word at ``i`` («Копейского», «Кыштымский, Миасский и Троицкий»)."""
        listed: list[tuple[int, bool]] = []
        j = i - 1
        while j >= 0:
            gap = text[tokens[j].end:tokens[j + 1].start]
            if not re.fullmatch(r"[\s,;]*", gap) if not listed else not re.fullmatch(r"[\s,;(]*", gap):
                break
            if _fold(tokens[j].text) == "и" and listed:
                j -= 1
                continue
            if not self._is_name(tokens[j]):
                break
            listed.append((j, not listed))
            j -= 1
        return listed

    def _list_after(self, text: str, tokens: list[_Token], k: int) -> list[tuple[int, bool]]:
        """Indexes of the names listed after a kind word, in brackets or after a colon, maybe past the region's name
        («районов Челябинской области (Аргаяшский, …)», «городских округов: Копейского, Миасского»)."""
        skipped = 0
        while k < len(tokens) and skipped <= 3:
            gap = text[tokens[k - 1].end:tokens[k].start]
            if "(" in gap or ":" in gap:
                break
            if not re.fullmatch(r"\s*", gap):
                return []
            k += 1
            skipped += 1
        else:
            return []
        listed: list[tuple[int, bool]] = []
        while k < len(tokens):
            if listed and not re.fullmatch(r"[\s,;]*", text[tokens[k - 1].end:tokens[k].start]):
                break
            if _fold(tokens[k].text) == "и" and listed:
                k += 1
                continue
            if not self._is_name(tokens[k]):
                break
            listed.append((k, False))
            k += 1
        return listed

    def _read_listed(self, token: _Token, okrug: bool, exact: bool, named: set[str], position: int, take) -> None:
        """A name written with a kind word: the municipalities of that kind it is, or the one of a named region it is
        a misspelling of."""
        candidates = [e for e in self._adjectives.get(token.key, ()) if e.okrug == okrug]
        if candidates:
            take(position, candidates, candidates[0].adjective)
            return
        if token.key in self._adjectives or not token.cap or len(token.key) < _FUZZY_MIN:
            return
        best: dict[str, int] = {}
        for entry in self._entries:
            if entry.okrug != okrug or not entry.adjective or entry.region not in named:
                continue
            distance = min(_distance(token.key, form, _FUZZY_DISTANCE) for form in _adjective_forms(entry.adjective))
            if distance <= _FUZZY_DISTANCE:
                best[entry.code] = distance
        if best:
            nearest = min(best.values())
            closest = [e for e in self._entries if best.get(e.code) == nearest]
            if len(closest) == 1:
                take(position, closest, closest[0].adjective, token.text)

    def _town_at(self, text: str, tokens: list[_Token], i: int, listed: set[str] = frozenset()
                 ) -> tuple[list[_Entry], str, bool, int, set[str]] | None:
        """The city okrugs whose town is written at ``i`` («г. Магнитогорска», «в Миассе», «Миассе», «ЗАТО
        Трёхгорный»; none for a federal city: «из Москвы»), the word, whether the town is marked as a place (by «г.»,
        «в», …), the index of the word after it and the cases it is written in. ``listed``: the cases of a marked town
        it is joined to by «и», «или» or a comma («из Орла и Великого Новгорода»); written in one of them, it is marked
        too."""
        if (marking := _marking(text, tokens, i)) is None:
            return None
        prefixed, marked = marking
        # a town of a list: marked when written in the case of the one before it
        if not marked and listed and (found := self._towns_at(text, tokens, i, prefixed, True, listed)):
            return found
        return self._towns_at(text, tokens, i, prefixed, marked, None)

    def _towns_at(self, text: str, tokens: list[_Token], i: int, prefixed: bool, marked: bool,
                  cases: set[str] | None) -> tuple[list[_Entry], str, bool, int, set[str]] | None:
        """:meth:`_town_at` once it is known whether the town is marked; ``cases``: the only cases it may be in."""
        matched: list[_Entry] = []
        written = ""
        end = i + 1
        written_in: set[str] = set()
        for entry, town in (*self._towns.get(tokens[i].key, ()), *self._cities.get(tokens[i].key, ())):
            if _is_adjective_town(town) and not prefixed and (
                    not marked or not tokens[i].text[1:].islower() or _noun_follows(text, tokens, i + 1)):
                continue  # «Трёхгорный», «в Грозном районе», «в ГРОЗНОМ»: an adjective; a town after «г.», «ЗАТО», «в»
            town_cases = self._town_cases(tokens, i, town, instrumental=prefixed or bool(cases and "ins" in cases))
            if cases is not None:
                town_cases &= cases
            if not town_cases:
                continue
            if not prefixed and _person_follows(text, tokens, i + len(town), tokens[i].text):
                continue  # «Владимир Петрович», «Кирова Елена», «Кирова Е. С.», «Владимира Путина»: a person
            if not marked and len(town) == 1 and _personal_name(tokens[i].text):
                continue  # «доклад Иванова», «выступление Владимира»: a surname or a given name, unless a place's
            if entry is not None:  # a federal city is a town of a list, found as no municipality
                matched.append(entry)
            written = town[0]
            end = max(end, i + len(town))
            written_in |= town_cases
        return (matched, written, marked, end, written_in) if written_in else None

    def _other_town_at(self, text: str, tokens: list[_Token], i: int, listed: set[str]) -> set[str]:
        """The cases a town outside the vocabulary («Запорожья», «Херсона», «Минска») is written in at ``i`` when it
        is a town of a list: marked itself («из Херсона», «г. Минск») or joined to a marked town in its case
        (``listed``: «из Копейска, Херсона»); none else. Such a town is no municipality, but the list runs on past it
        («из Копейска, Херсона и Миасса»). A town is a word pymorphy3 reads as a place's name («Министерства»,
        «Положении», «Шмелёва» are none); a name of the vocabulary is read by :meth:`_town_at` alone («из Миасса и
        Кирова Елены» stops the list)."""
        token = tokens[i]
        if (token.key in self._towns or token.key in self._cities or token.text.isupper()
                or (marking := _marking(text, tokens, i)) is None):
            return set()
        prefixed, marked = marking
        if listed:
            cases = listed
        elif prefixed:
            cases = set(_CASES)
        elif marked:
            cases = _PREPOSITION_CASES[_fold(tokens[i - 1].text)]
        else:
            return set()
        if _person_follows(text, tokens, i + 1, token.text):
            return set()  # «из Херсона и Киева Ивана»
        return _place_cases(token.text) & cases

    @staticmethod
    def _town_cases(tokens: list[_Token], i: int, town: tuple[str, ...], instrumental: bool) -> set[str]:
        """The cases the words from ``i`` on are ``town`` in («Великом Новгороде»: the words in one case)."""
        if i + len(town) > len(tokens):
            return set()
        forms = [_noun_forms(word, instrumental) for word in town]
        return {case for case in forms[0] if all(tokens[i + n].key in word[case] for n, word in enumerate(forms))}


def _marking(text: str, tokens: list[_Token], i: int) -> tuple[bool, bool] | None:
    """Whether the capitalised word at ``i`` is written after a town's word («г.», «городах», «ЗАТО») and whether it
    is marked as a place (so, or after «в», «из», …); None when it cannot be a town there: right after another name
    («Иван Троицк»), after a street's word or an initial («ул. Кирова», «им. С. М. Кирова», «Т. Чита»)."""
    before = _fold(tokens[i - 1].text) if i else ""
    gap = text[tokens[i - 1].end:tokens[i].start] if i else ""
    prefixed = before in _TOWN_PREFIXES and re.fullmatch(r"\.?\s*", gap) is not None
    if not prefixed:
        if i and tokens[i - 1].cap and gap.isspace() and not (
                before in TOWN_PREPOSITIONS and _sentence_starts(text, tokens[i - 1])):
            return None  # right after another name («Иван Троицк»): not a town; «В Миассе прошёл» is one
        if before in _NOT_TOWN_AFTER or (i and _initial(text, tokens[i - 1])):
            return None  # «ул. Кирова», «им. С. М. Кирова», «Т. Чита»
    return prefixed, prefixed or (before in TOWN_PREPOSITIONS and gap.isspace())


def _place_cases(word: str) -> set[str]:
    """The cases pymorphy3 reads ``word`` in as a place's name (a noun tagged Geox: «Херсона», «Минске»)."""
    from indexer.analysis import morphology  # pymorphy3, loaded once for the process

    return {_MORPHOLOGY_CASES[p.tag.case] for p in morphology().parse(_fold(word))
            if p.tag.POS == "NOUN" and "Geox" in p.tag.grammemes and p.tag.case in _MORPHOLOGY_CASES}


def _listed_cases(text: str, tokens: list[_Token], i: int, listed: dict[int, set[str]]) -> set[str]:
    """The cases of the marked town the word at ``i`` is joined to by a comma, «и» or «или» («в Миассе, Златоусте и
    Копейске»), from ``listed`` (the word after a marked town → its cases); none if it follows no such town."""
    if i in listed and re.fullmatch(r"\s*,\s*", text[tokens[i - 1].end:tokens[i].start]):
        return listed[i]
    if (i >= 2 and i - 1 in listed and _fold(tokens[i - 1].text) in _LIST_JOINS
            and text[tokens[i - 1].end:tokens[i].start].isspace()
            and re.fullmatch(r"\s*,?\s*", text[tokens[i - 2].end:tokens[i - 1].start])):
        return listed[i - 1]
    return set()


def _initial(text: str, token: _Token) -> bool:
    """«С.» of «С. М. Кирова»: a capital letter alone before a full stop."""
    return len(token.text) == 1 and token.cap and text[token.end:token.end + 1] == "."


def _noun_follows(text: str, tokens: list[_Token], k: int) -> bool:
    """Whether the word at ``k``, right after an adjective, is a lower-case noun that agrees with it in case («в
    Грозном районе»; not «в Грозном педагоги»)."""
    if k >= len(tokens) or tokens[k].cap or not text[tokens[k - 1].end:tokens[k].start].isspace():
        return False
    from indexer.analysis import morphology  # pymorphy3, loaded once for the process

    adjective = {p.tag.case for p in morphology().parse(_fold(tokens[k - 1].text)) if p.tag.POS == "ADJF"}
    noun = morphology().parse(_fold(tokens[k].text))[0]  # its likeliest reading: «и» is no noun
    return noun.tag.POS == "NOUN" and noun.tag.case in adjective


def _sentence_starts(text: str, token: _Token) -> bool:
    """Whether ``token`` begins a sentence, a line or a quotation («В Миассе прошёл семинар»): its capital tells
    nothing."""
    before = text[:token.start].rstrip(" \t")
    return not before or before[-1] in ".!?…\n«\"„“("


def _personal_name(word: str) -> bool:
    """Whether pymorphy3 reads ``word``, as written, as a surname or a given name too («Иванова», «Кирова»,
    «Владимира»; not «Иваново», «Миасса»)."""
    from indexer.analysis import morphology  # pymorphy3, loaded once for the process

    return any({"Surn", "Name"} & parse.tag.grammemes for parse in morphology().parse(_fold(word)))


def _person_follows(text: str, tokens: list[_Token], k: int, name: str = "") -> bool:
    """Whether the words from ``k`` on, right after a town's name, make it a person's: a given name or a patronymic
    («Владимир Петрович», «Кирова Елена»), initials («Кирова Е. С.»), or a surname in the case of the town's word
    read as a given name (``name``: «Владимира Путина»; not «во Владимире Путин»)."""
    if k >= len(tokens) or not tokens[k].cap or not text[tokens[k - 1].end:tokens[k].start].isspace():
        return False
    if _initial(text, tokens[k]):
        return True
    word = _fold(tokens[k].text)
    if word.endswith(_PATRONYMIC_ENDINGS):
        return True
    from indexer.analysis import morphology  # pymorphy3, loaded once for the process

    parses = morphology().parse(word)
    if any({"Name", "Patr"} & parse.tag.grammemes for parse in parses):
        return True
    given = {p.tag.case for p in morphology().parse(_fold(name)) if "Name" in p.tag.grammemes} if name else set()
    return any("Surn" in p.tag.grammemes and p.tag.case in given for p in parses)
