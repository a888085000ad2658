"""Russian text analysis for every text field of the index.

Chain: words and numbers (a hyphenated word gives its parts as adjacent tokens) → NFC (a text
not in NFC: see DECOMPOSED_TOKEN_PATTERN) → Latin look-alikes in a Cyrillic word as the Cyrillic letters («OГЭ»
with a Latin O is «ОГЭ») and an abbreviation's case ending dropped («ИОМы» is «ИОМ»): ``plain_token`` → lower case →
ё→е folding (also drops stress marks and soft hyphens) → stop words → term: the Snowball stem of
the word's dictionary lemma (pymorphy3); a word the dictionary does not know is stemmed as it is;
a word in Latin letters gets the English stemmer.

Chosen by measurement (``bench/analyzers.py``: 2 cores, Python 3.11, the first 2,000 articles of
the shared corpus, 300,000 running tokens, 58,855 distinct words; 48 query/document pairs
teachers type, 10 pairs that must stay apart):

===============================  ==========  ==========  ================
                                 PyStemmer   pymorphy3   lemma, then stem
===============================  ==========  ==========  ================
µs per distinct word, no cache   0.5         48          51
µs per running token, LRU cache  0.3         9.4         10.8
pairs joined                     42 of 48    45 of 48    47 of 48
wrong merges                     4 of 10     1 of 10     4 of 10
===============================  ==========  ==========  ================

Snowball alone fails on the product's own word: "опыт" stems to "оп" (it looks like a verb
ending) while "опыта", "опытом" give "опыт", so a search for "опыт" misses "обобщение опыта".
It also fails on fleeting vowels (ребёнок / ребёнка, кружок / кружков) and on "детьми".
pymorphy3 lemmas fix those but keep одарённость apart from одарённых (teachers want them
together) and guess nonsense for unknown words (ГлобалЛаб → "глобаллабнуть"). Stemming the
dictionary lemma, and the word itself when the dictionary does not know it, gets both.

The price: a full rebuild of 4,000 corpus documents (235 words each) runs at 197 documents/s
against 353 with Snowball alone; the dictionary loads in 40–110 ms on first use and takes ~30 MB
per process. Query time does not notice. The wrong merges are Snowball's (математика /
математик, физика / физик, статья / стать, лицей / лицо); the first two rarely hurt here.

The analyzer object is pickled into the index: the filters here keep no state (the stemmers and
the dictionary live in module-level holders, the cache is module-level), and this module's import
path must not change.
"""

from __future__ import annotations

import re
import struct
import threading
import unicodedata
from functools import lru_cache

import pymorphy3
import Stemmer
from whoosh import formats
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    CompositeAnalyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)

# Letters and digits (no underscore), plus stress marks and soft hyphens inside a word: Word
# exports carry U+00AD and textbooks carry U+0301, and neither may split a word. A hyphen is not
# part of a token, so "научно-практический" gives "научно", "практический" at adjacent positions;
# the query parser turns such a word into a phrase of its parts (see ``query.py``).
#
# A class's number written solid with «кл» or «класс» («9кл», «5кл.», «10-11кл», «9класса») is a token of its own:
# «9кл» was a word no text or query wrote otherwise, and «9 класс» did not find it (``GLUED_CLASS``).
GLUED_CLASS = r"\d+(?=(?i:кл(?:асс[а-яё]*)?)(?![^\W_]))"
TOKEN_PATTERN = rf"(?:{GLUED_CLASS}|(?:[^\W_]|[\u0300\u0301\u00ad])+)"
# The words of a text not in Unicode NFC (macOS and many PDFs write «й» as «и» and a combining breve U+0306, «ё» as
# «е» and a diaeresis U+0308): every combining diacritical mark (U+0300–U+036F) stays inside its word, whose NFC
# form is then folded (``fold_word``), so the text gives the terms its NFC form gives, at the offsets of its own
# characters. A text in NFC (nearly every one) is read with TOKEN_PATTERN, as before.
DECOMPOSED_TOKEN_PATTERN = rf"(?:{GLUED_CLASS}|(?:[^\W_]|[\u0300-\u036f\u00ad])+)"
# TOKEN_PATTERN in a text without stress marks or soft hyphens (nearly every text): twice as fast.
PLAIN_TOKEN_PATTERN = rf"{GLUED_CLASS}|[^\W_]+"

# ё and Ё are folded to е; stress marks and soft hyphens are removed. ѐ and ѝ are е and и with a grave stress mark
# as NFC composes them (U+0450, U+045D): folded as the decomposed letter and its mark are.
FOLD_MAP = {ord("ё"): "е", ord("Ё"): "Е", ord("ѐ"): "е", ord("ѝ"): "и", 0x0300: None, 0x0301: None, 0x00AD: None}

# Function words only: prepositions, conjunctions, particles, pronouns and forms of "быть".
# Whoosh's own Russian list also drops words that can matter here (один, два, три, лучше,
# хорошо, другой) and misses это, который, также. Written already folded (е for ё).
_STOP_WORDS_TEXT = """
    а без бы был была были было быть в вам вас ведь во вот все всего всех всю вы где да даже
    для до его ее ей ему если есть еще ж же за здесь и из или им их к как какая какие каким
    какой когда кого кем ком кому кто ли либо меня мне мной мы на над наш наша наше наши не
    него нее ней нем ни нибудь ним ними них но ну о об он она они оно от перед по под при про
    с сам сама сами само свое своего своей свои своих свой свою себе себя со так также такая
    такие такой там тебе тебя тем теми то тогда того тоже той только том тому тот ту ты у уж
    уже чем через что чтоб чтобы чье чья эта эти этим этими этих это этого этой этом этому этот
    эту я которая которого которое которой котором которую которые который которым которыми
    которых мой моя мое мои моего моей моих моим моими мою моем моему твой твоя твое твои твоего твоей
    твоих ваш ваша ваше ваши вашего вашей ваших вашим вашими вашу нашего нашей наших нашим нашими нашу
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# The version of the terms ``term`` makes: an index whose stored analyzer says another one holds terms this code no
# longer makes, and is rebuilt (``indexer.index``). 2: short words are their own terms (below), «мой» and «ваш» are
# stop words. 3: a stem of three letters or fewer is the lemma's first five letters (``term``); 4: and a mark.
# 5: Latin look-alikes in Cyrillic words and abbreviations' case endings (``plain_token``). 6: the solid spelling
# of hyphenated words (``indexer.schema.JOINED_FIELD``). 7: a class's number glued to «кл» apart (GLUED_CLASS),
# «кл» the term of «класс» (``term``), «-ами» after a known abbreviation, Roman numerals written with Cyrillic
# letters in Latin ones (``plain_token``); both 6 and 7 came in one release. 8: words read beside their neighbours
# (``context_words``): «в.» after a Roman numeral is «век», and a number with an ordinal's ending after it («5-й»)
# stands also right before the next word. 9: «ДО» in capitals (CAPITAL_ABBREVIATIONS), and KNOWN_ABBREVIATIONS grown.
ANALYSIS_VERSION = 9
# A Snowball stem of a lemma this short stands for the lemma's first SHORT_STEM_TERM letters and the mark instead
# (version 4; 3 had no mark). No token holds the mark (TOKEN_PATTERN), so no other term ends with it.
SHORT_STEM = 3
SHORT_STEM_TERM = 5
SHORT_TERM_MARK = "_"
# An unknown word this short is an abbreviation (НОО, НОУ, ИОМ, ДОУ, ВПР): stemmed, НОО and НОУ both became «но»
# and «ФГОС НОО» found school science societies; ИИ and ИОМ became «и».
SHORT_ABBREVIATION = 4

# Latin letters that look like Cyrillic ones, as they stand inside a Cyrillic word copied from a PDF, recognised
# from a scan or typed with the other layout on («OГЭ», «мaтематика», «ФГOС»): folded to the Cyrillic letter in a
# word whose Cyrillic letters outnumber its Latin ones (``plain_token``).
_LOOKALIKES = str.maketrans("aeopcxyABEKMHOPCTX", "аеорсхуАВЕКМНОРСТХ")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_CYRILLIC_LETTER = re.compile(r"[А-Яа-яЁё]")
# An abbreviation in capitals with a case ending in small letters («ИОМы», «ИОМа», «ЭОРы», «ФГОСов»): the
# abbreviation (``plain_token``). Not units («МВт», «ГПа») nor abbreviations whose last letter is small.
_CASE_ENDING = re.compile(r"([А-ЯЁ]{2,})[а-яё]{1,2}")
_LOWER_LAST = frozenset({"СПб", "ППк", "ПМПк", "МВт", "ГВт", "ТВт", "ПВт", "МПа", "ГПа"})
# The abbreviations whose ending «-ами» (three letters: ``_CASE_ENDING`` takes one or two) is dropped as well
# («ВПРами», «НПКами» were the unknown words «впрам», «нпкам»): those the search knows (``kb.search.synonyms``, the
# thesaurus; a test keeps them here), not any capitals before «ами». A change here changes terms: ANALYSIS_VERSION.
KNOWN_ABBREVIATIONS = frozenset({
    "АООП", "ВД", "ВКС", "ВПР", "ВсОШ", "ГИА", "ГМО", "ДДТ", "ДО", "ДОД", "ДОО", "ДОТ", "ДОУ", "ДПО", "ЕГЭ", "ИЗО",
    "ИИ", "ИКТ", "ИОМ", "ИОП", "ИП", "ИПК", "ИПКРО", "ИППК", "ИПР", "ИРО", "ИТ", "ИУП", "КПК", "МО", "МЭШ", "НОО",
    "НОУ", "НПК", "ОБЗР", "ОВЗ", "ОГЭ", "ОДО", "ОО", "ООО", "ООП", "ОРКСЭ", "ПД", "ПИЗА", "ПМПК", "ППк", "ППО",
    "РИП", "РМО", "СОО", "СОШ", "СПО", "ТРИЗ", "УИД", "УУД", "ФГ", "ФГОС", "ФОП", "ФРП", "ЦДО", "ЦДТ", "ЦНППМ",
    "ЦОР", "ЦОС", "ЧИППКРО", "ШМО", "ШНО", "ЭОР",
})
# Abbreviations search learnt after ANALYSIS_VERSION 9 (query-side only: the synonym table needs no reindex); they
# join KNOWN_ABBREVIATIONS at the next version change, which rebuilds the index anyway (their «-ами» forms are rare
# enough to wait).
KNOWN_ABBREVIATIONS_NEXT: frozenset[str] = frozenset({"ОМСУ", "УВР", "ЧГ"})
# Abbreviations that are a function word in lower case («до»): the abbreviation only written in capitals (a sentence's
# «До» stays the preposition), read as a word no text has (the mark of SHORT_TERM_MARK, which no token holds), so
# that it is no stop word and its term is its own. «ФГОС ДО», «МБУ ДО» (дошкольное, дополнительное образование).
# A heading typed in capitals reads its «ДО» so as well. A change here changes terms: ANALYSIS_VERSION.
CAPITAL_ABBREVIATIONS = {"ДО": "ДО" + SHORT_TERM_MARK}
# A Roman numeral of I, V and X (1 to 39: the centuries, stages, rounds and degrees texts number so), and the
# Cyrillic letters typed for its Latin ones («ХХ век» with Cyrillic Х, «ХIХ» with one Latin I, Ukrainian І).
ROMAN_NUMERAL = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
_ROMAN_LOOKALIKES = str.maketrans("ХІ", "XI")
_ROMAN_LETTERS = frozenset("IVXХІ")
_ROMAN_CYRILLIC = frozenset("ХІ")

# «в.» and «вв.» after a Roman numeral («XX в.», «ХIХ в.», «XIX–XX вв.», a lone Cyrillic «Х в.») stand for «век»: the
# stop word «в» was dropped, and «20 век» or «XX век» did not find «XX в.» (``context_words``). Only in capitals and
# with the dot: «Иванов В.», «в. 3» and «XX в» stay as they were.
_CENTURY = re.compile(r"(?<![^\W_])([IVXХІ]+)\s*(вв?)\.")
CENTURY_WORD = "век"
# The ending of an ordinal written in figures after its hyphen («5-й класс», «5-го класса», «10-м классе»): the ending
# keeps its own place (a phrase in quotes «"5-м классе"» holds it), and the number stands at that place too, with no
# weight, so that it is also right before the next word, as in «5 класс» (the phrase of a number and the word
# beside it ranks: ``indexer.query._number_phrases``). The endings are those ``indexer.query`` drops from a query.
ORDINAL_ENDINGS = ("й", "я", "е", "ю", "м", "х", "го", "ого", "му", "ому", "ом", "ым", "ми", "ыми", "ти", "ых", "ые",
                   "ый", "ой", "ий", "ая", "ое", "ую", "ья", "ье", "ей")
# («й» of a text not in NFC is «и» and a combining breve)
_ENDINGS_PATTERN = "|".join(ending.replace("й", "(?:й|и\u0306)") for ending in ORDINAL_ENDINGS)
_ORDINAL_ENDING = re.compile(rf"(?<![^\W_])\d+[-\u2010\u2011]({_ENDINGS_PATTERN})(?![^\W_])", re.IGNORECASE)

# Words written shortened whose term is the full word's: «9 кл.» and «9кл» (GLUED_CLASS) are «9 класс» («кл» alone is
# hardly anything else in these texts: «кл. руководитель», «кл. час»).
SHORTENED = {"кл": "класс"}

# Longer tokens are noise (URLs without separators, base64) and only bloat the term list.
MAX_TOKEN_LENGTH = 60

# Distinct words whose terms each process remembers (about 30 MB when full): a search page re-analyses
# the text it highlights, so a warm cache is what keeps it fast.
TERM_CACHE = 100_000
_LATIN_WORD = re.compile(r"[a-z]+")
_CYRILLIC_WORD = re.compile(r"[а-я]+(?:-[а-я]+)?")
_CYRILLIC = re.compile(r"[а-я]")
_local = threading.local()
_morph_lock = threading.Lock()
_morph: pymorphy3.MorphAnalyzer | None = None


def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    """This thread's stemmers: PyStemmer objects are not thread-safe."""
    pair = getattr(_local, "stemmers", None)
    if pair is None:
        pair = _local.stemmers = (Stemmer.Stemmer("russian", 0), Stemmer.Stemmer("english", 0))
    return pair


def _morphology() -> pymorphy3.MorphAnalyzer:
    """The process's dictionary, loaded on first use (parsing is safe to share, loading is not)."""
    global _morph
    if _morph is None:
        with _morph_lock:
            if _morph is None:
                _morph = pymorphy3.MorphAnalyzer()
    return _morph


_PERSON_GRAMMEMES = frozenset({"Surn", "Name", "Patr"})


@lru_cache(maxsize=TERM_CACHE)
def is_person_name(word: str) -> bool:
    """Whether the dictionary reads a lower-case, ё-folded word first as a surname, a first name or a patronymic
    («ковалева», «кравченко», «мухаметова»; not «смоленск», «школа»)."""
    parses = _morphology().parse(word) if _CYRILLIC_WORD.fullmatch(word) else []
    return bool(parses) and bool(_PERSON_GRAMMEMES & parses[0].tag.grammemes)


@lru_cache(maxsize=TERM_CACHE)
def term(word: str) -> str:
    """The index term of one lower-case, ё-folded word."""
    if word in SHORTENED:
        return term(SHORTENED[word])
    russian, english = _stemmers()
    if _LATIN_WORD.fullmatch(word):
        return english.stemWord(word)
    if not _CYRILLIC.search(word) or len(word) <= 2:  # two letters: nothing to strip, or an abbreviation (МО, ИИ)
        return word
    morphology = _morphology()
    if not morphology.word_is_known(word):
        # what the guess below would come to, without pymorphy3's slow guessing of an unknown word
        return word if len(word) <= SHORT_ABBREVIATION else russian.stemWord(word)
    parse = morphology.parse(word)[0]
    if "Abbr" in parse.tag and parse.normal_form == word:  # НИИ, ООО as the dictionary has them: not stemmed
        return word
    if not parse.is_known:  # a guessed lemma of an unknown word is often wrong (глобаллаб → глобаллабнуть)
        return russian.stemWord(word)
    return _lemma_term(parse.normal_form.translate(FOLD_MAP))


def _lemma_term(lemma: str) -> str:
    """The term of the words the dictionary reads first as ``lemma`` (ё-folded)."""
    stem = _stemmers()[0].stemWord(lemma)
    # A stem this short joins unrelated words: «сем» was семья, семь and семя, «цел» цель and целый («в целом»),
    # «лиц» лицо and лицей, «дан» данные and Дания. The lemma's first letters keep them apart (inflection is the
    # lemma's business already, but for forms read as another word: ``form_terms``). Derived words of a short root
    # («игра», «игровой») stay apart: the relatives of indexer/query.py need a longer term.
    # The mark keeps such a term apart from every Snowball stem: «чита» (Чита) was «чита» of «читать».
    return lemma[:SHORT_STEM_TERM] + SHORT_TERM_MARK if len(stem) <= SHORT_STEM else stem


@lru_cache(maxsize=10_000)
def form_terms(word: str) -> frozenset[str]:
    """The terms a query for ``word`` (lower-case, ё-folded) looks for: its own, those of its lemma's forms the
    index holds under another word (``_homonym_terms``), and, for a word of a short stem, those of the forms of
    each of its dictionary readings whose first reading is a word of the same short stem.
    Version 2 joined them under the stem, version 3 gives each lemma its term: «часы» is read first as the clock,
    «утром» and «зимой» as adverbs, «род» as a form of «родиться»; «год» does not reach «лета» (read as «лето»),
    nor a name a common word («Семёнов», read as «Семён», does not find «семена»)."""
    if word in SHORTENED:
        return form_terms(SHORTENED[word])
    own = term(word)
    if not _CYRILLIC.search(word) or not _morphology().word_is_known(word):
        return frozenset({own})
    found = {own} | _homonym_terms(word)
    russian = _stemmers()[0]
    readings = [parse for parse in _morphology().parse(word) if parse.is_known]
    stems = {russian.stemWord(parse.normal_form.translate(FOLD_MAP)) for parse in readings}
    if not any(len(stem) <= SHORT_STEM for stem in stems):
        return frozenset(found)
    firsts: dict[str, pymorphy3.analyzer.Parse] = {}  # a form -> its first reading («тур» has 26 readings)
    for parse in readings:
        for form in parse.lexeme:
            spelt = form.word.translate(FOLD_MAP)
            first = firsts.get(spelt) or firsts.setdefault(spelt, _morphology().parse(spelt)[0])
            if first.normal_form == parse.normal_form or (  # a name only with its own forms: Семён is not семя
                    first.is_known and not _PROPER_NAMES & (parse.tag.grammemes | first.tag.grammemes)
                    and russian.stemWord(first.normal_form.translate(FOLD_MAP)) in stems):
                found.add(term(spelt))
    return frozenset(found)


# A form of a noun that the dictionary reads first as another noun brings that noun's term when more than this share
# of the other noun's forms are forms of the query's noun as well.
HOMONYM_SHARE = 0.5
# A word read first as one noun looks for another noun it is a form of (``_homonym_terms``) when the dictionary
# reads it as that noun at least this often (pymorphy3's score, from its corpus): «кружки» as «кружок» 0.29 of the
# time, «кружке» 0.20; «пушки» as «пушок» (fluff) 0.05, «ставки» as «ставок» (a pond) 0.06.
HOMONYM_SCORE = 0.15


def _homonym_terms(word: str) -> set[str]:
    """The terms of the forms of ``word``'s noun (its first reading, as ``term`` has it) that the index holds under
    another noun: «кружка», «кружки», «кружке» of «кружок» are read first as «кружка» (a mug), whose forms are
    nearly all forms of «кружок»; so are «белки» of «белок» (as «белка»), «десятка» of «десяток».

    Only another noun, not a name, more than half of whose forms are the query noun's: «лета» of «год» is «лето»,
    most of whose forms are not «год»'s, «голов» of «голова» is «гол»; «уха» of «ухо» is «уха» (half of them).
    Verbs and adjectives keep to their own term: their forms are many, and many are read first as another word
    of a neighbouring meaning («пришли» of «прийти» as «прислать», «стоит» of «стоять» as «стоить»).

    And the other way: a word read first as such a noun («кружки» as mugs) that is also a form of a noun of
    another reading («кружок»), whose query reaches this word's term, looks for that noun's terms too («кружок»,
    «кружков», «кружком»): the two find each other. Only when the first reading is a noun («стали», read first as
    «стать», does not look for «сталь»), and the dictionary reads the word as the other noun often enough
    (HOMONYM_SCORE): «пушки» do not look for «пушок», a rare word whose forms are mostly forms of «пушка».
    A fraction of a millisecond a word, once: ``form_terms`` is cached."""
    readings = _morphology().parse(word)
    first = readings[0]
    if not _is_common_noun(first):
        return set()
    own = term(word)
    found = _noun_homonyms(first.normal_form, readings)[1]
    scores: dict[str, float] = {}  # another noun of the word's readings -> how often the dictionary reads it so
    for parse in readings[1:]:
        if parse.normal_form != first.normal_form and _is_common_noun(parse):
            scores[parse.normal_form] = scores.get(parse.normal_form, 0.0) + parse.score
    for other in (lemma for lemma, score in scores.items() if score >= HOMONYM_SCORE):
        itself, reached = _noun_homonyms(other, readings)
        if own in reached:  # «кружок» finds «кружки»: «кружки» finds «кружок» and what «кружок» finds
            found |= reached | ({_lemma_term(other.translate(FOLD_MAP))} if itself else set())
    found.discard(own)
    return found


def _is_common_noun(parse: pymorphy3.analyzer.Parse) -> bool:
    return parse.is_known and parse.tag.POS == "NOUN" and not _PROPER_NAMES & parse.tag.grammemes


def _noun_homonyms(lemma: str, readings: list[pymorphy3.analyzer.Parse]) -> tuple[bool, set[str]]:
    """(whether the dictionary reads any form of the noun ``lemma`` first as itself, the terms of its forms it reads
    first as another noun more than HOMONYM_SHARE of whose forms are ``lemma``'s), the noun's forms taken from
    ``readings`` (a word's readings: one noun can have several paradigms)."""
    morphology = _morphology()
    mine: set[str] = set()
    for parse in readings:
        if parse.normal_form == lemma and _is_common_noun(parse):
            mine.update(form.word.translate(FOLD_MAP) for form in parse.lexeme)
    itself = False
    found: set[str] = set()
    others: dict[str, bool] = {}  # another lemma -> whether most of its forms are ours
    for spelt in mine:
        other = morphology.parse(spelt)[0]
        if other.normal_form == lemma:
            itself = True
            continue
        if not _is_common_noun(other):
            continue
        shared = others.get(other.normal_form)
        if shared is None:
            theirs = {form.word.translate(FOLD_MAP) for form in other.lexeme}
            shared = others[other.normal_form] = len(theirs & mine) > HOMONYM_SHARE * len(theirs)
        if shared:
            found.add(term(spelt))
    return itself, found


_PROPER_NAMES = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn"})


def morphology() -> pymorphy3.MorphAnalyzer:
    """The process's pymorphy3 dictionary (shared, loaded on first use)."""
    return _morphology()


def is_dictionary_word(word: str) -> bool:
    """Whether the Russian dictionary knows this lower-case, ё-folded word (a typo it does not know)."""
    return _morphology().word_is_known(word)


class RussianTermFilter(Filter):
    """Replaces each token's text with its index term (state-free but for its version, so cheap to pickle)."""

    is_morph = True

    def __init__(self):
        self.version = ANALYSIS_VERSION  # pickled with the index's schema

    def __eq__(self, other: object) -> bool:
        return other is not None and self.__class__ is other.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(self, tokens):
        for t in tokens:
            if not t.stopped:
                t.text = term(t.text)
            yield t


_MARKS = {ord("ѐ"): "е", ord("ѝ"): "и", 0x0300: None, 0x0301: None, 0x00AD: None}


def composed(text: str) -> str:
    """``text`` in Unicode NFC; a text in NFC already (nearly every one) is only looked at, and an ASCII one not
    even that."""
    return text if text.isascii() or unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case and ё-fold a string the way the analyzer does (for callers' own comparisons), in NFC.

    ``composed(text).lower().translate(FOLD_MAP)``, at a fraction of the cost: a translate table is looked up
    character by character in Python's dict (a second for 100,000 titles), str.replace is not."""
    folded = composed(text).lower().replace("ё", "е")
    if "\u0301" in folded or "\u0300" in folded or "\u00ad" in folded or "ѐ" in folded or "ѝ" in folded:
        folded = folded.translate(_MARKS)
    return folded


def plain_token(word: str) -> str:
    """A token (in NFC, before lower case) with the Latin look-alikes of a Cyrillic word as the Cyrillic letters
    («OГЭ» with a Latin O → «ОГЭ»; a word with more Latin letters than Cyrillic ones is left alone) and an
    abbreviation's case ending dropped («ИОМы» → «ИОМ»; «ВПРами» → «ВПР» for a KNOWN_ABBREVIATIONS one), and a
    Roman numeral typed with Cyrillic letters in Latin ones («ХХ» → «XX»). A lower-case Cyrillic or an ASCII word
    (nearly every one) costs a few checks."""
    if len(word) > 1 and not word.isascii() and word[0] in _ROMAN_LETTERS and _ROMAN_LETTERS.issuperset(word) and (
            ROMAN_NUMERAL.fullmatch(latin := word.translate(_ROMAN_LOOKALIKES))):
        return latin  # a Roman numeral with Cyrillic letters («ХХ», «ХIХ»): in Latin ones (a lone «Х» stays a letter)
    if not word.isascii() and _LATIN_LETTER.search(word) and (
            len(_CYRILLIC_LETTER.findall(word)) > len(_LATIN_LETTER.findall(word))):
        word = word.translate(_LOOKALIKES)
    if not word.islower():
        if word in CAPITAL_ABBREVIATIONS:
            return CAPITAL_ABBREVIATIONS[word]
        if (ending := _CASE_ENDING.fullmatch(word)) and word not in _LOWER_LAST:
            return ending.group(1)
        if word.endswith("ами") and word[:-3] in KNOWN_ABBREVIATIONS:
            return word[:-3]
    return word


def fold_word(word: str) -> str:
    """One word (a token of TOKEN_PATTERN or DECOMPOSED_TOKEN_PATTERN) as the analyzer folds it."""
    return plain_token(composed(word)).lower().translate(FOLD_MAP)


def is_century_numeral(word: str) -> bool:
    """Whether a token as written is a Roman numeral a century is written with: «XX», «ХIХ» (Cyrillic letters), «ІІ»,
    or a lone Cyrillic «Х» (which is otherwise a letter: ``plain_token``)."""
    return word == "Х" or ROMAN_NUMERAL.fullmatch(word.translate(_ROMAN_LOOKALIKES)) is not None


def context_words(text: str) -> dict[int, tuple[str | None, str | None]] | None:
    """The words of ``text`` read beside their neighbours, by their number among the text's tokens (``find_tokens``):
    (the word to read instead of the token, a word standing at the token's place as well, with no weight); None for
    a text with none (nearly every one: two regex scans in C).

    «в.» or «вв.» after a Roman numeral is «век» (``_CENTURY``); the ending of «5-й», «10-м» has the number beside it
    (``_ORDINAL_ENDING``). ``find_tokens`` and this agree: both read the text with ``token_pattern``."""
    centuries = [m for m in _CENTURY.finditer(text) if is_century_numeral(m.group(1))] if _CENTURY.search(text) else []
    endings = list(_ORDINAL_ENDING.finditer(text)) if _ORDINAL_ENDING.search(text) else []
    if not centuries and not endings:
        return None
    spans = [(m.start(), m.group()) for m in token_pattern(text).finditer(text)]
    at = {start: i for i, (start, _raw) in enumerate(spans)}
    found: dict[int, tuple[str | None, str | None]] = {}
    for m in centuries:
        if (i := at.get(m.start(2))) is not None and i > 0 and at.get(m.start(1)) == i - 1:
            found[i] = (CENTURY_WORD, None)
    for m in endings:
        if (i := at.get(m.start(1))) is not None and i > 0:
            found[i] = (None, fold_word(spans[i - 1][1]))
    return found or None


_PLAIN_TOKEN_NEEDED = re.compile(r"[А-ЯЁ]{2}[а-яё]|[A-Za-z][А-Яа-яЁё]|[А-Яа-яЁё][A-Za-z]|[ХІ][ХІIVX]|[IVX]І")


def needs_plain_tokens(text: str) -> bool:
    """Whether ``plain_token`` may change a word of ``text`` (a look at the text, not at each word)."""
    return not text.isascii() and _PLAIN_TOKEN_NEEDED.search(text) is not None


@lru_cache(maxsize=100_000)
def snowball_term(word: str) -> str:
    """The Snowball stem alone (the alternative ``bench/search_quality.py`` compares)."""
    russian, english = _stemmers()
    return english.stemWord(word) if _LATIN_WORD.fullmatch(word) else russian.stemWord(word)


@lru_cache(maxsize=100_000)
def lemma_term(word: str) -> str:
    """The pymorphy3 lemma alone (the other alternative ``bench/search_quality.py`` compares)."""
    if not _CYRILLIC.search(word):
        return word
    return _morphology().parse(word)[0].normal_form.translate(FOLD_MAP)


class SnowballTermFilter(RussianTermFilter):
    """Snowball stems only: measured against the default, not used by the index."""

    def __call__(self, tokens):
        for t in tokens:
            if not t.stopped:
                t.text = snowball_term(t.text)
            yield t


class LemmaTermFilter(RussianTermFilter):
    """pymorphy3 lemmas only: measured against the default, not used by the index."""

    def __call__(self, tokens):
        for t in tokens:
            if not t.stopped:
                t.text = lemma_term(t.text)
            yield t


_TOKEN = re.compile(TOKEN_PATTERN)
_DECOMPOSED_TOKEN = re.compile(DECOMPOSED_TOKEN_PATTERN)
_PLAIN_TOKEN = re.compile(PLAIN_TOKEN_PATTERN)
# The same in a text with no figure before «кл» (nearly every one: ASCII texts all), a fifth faster; the look for one
# costs a scan in C.
_SOLID_TOKEN = re.compile(r"[^\W_]+")
_MAY_BE_GLUED = re.compile(r"\d[кК][лЛ]")


def token_pattern(text: str) -> re.Pattern:
    """What reads the words of ``text``: TOKEN_PATTERN, or DECOMPOSED_TOKEN_PATTERN for a text not in NFC."""
    return _TOKEN if text.isascii() or unicodedata.is_normalized("NFC", text) else _DECOMPOSED_TOKEN


def find_tokens(text: str) -> list[str]:
    """The raw tokens of ``text`` (``token_pattern``'s matches; ``fold_word`` folds each)."""
    if text.isascii():
        return _SOLID_TOKEN.findall(text)
    if not unicodedata.is_normalized("NFC", text):
        return _DECOMPOSED_TOKEN.findall(text)
    if "\u0301" in text or "\u0300" in text or "\u00ad" in text:
        return _TOKEN.findall(text)
    return (_PLAIN_TOKEN if _MAY_BE_GLUED.search(text) else _SOLID_TOKEN).findall(text)


_TERM_FUNCTIONS = {"lemma_stem": term, "snowball": snowball_term, "lemma": lemma_term}
_FILTER_TERMS = {RussianTermFilter: "lemma_stem", SnowballTermFilter: "snowball", LemmaTermFilter: "lemma"}


class RussianAnalyzer(Analyzer):
    """Tokens, lower case, ё→е, stop words and terms in one pass: the chain ``composite_analyzer`` builds
    from whoosh's tokenizer and filters, with the same tokens, positions and offsets.

    Indexing spends most of its analysis time passing each token through five generators; one loop
    does the same work at about twice the speed (``bench/scale.py``). State-free apart from the name
    of its term function, so it pickles small; indexes built with the composite chain keep working.
    """

    is_morph = True

    def __init__(self, terms: str = "lemma_stem"):
        self.terms = terms
        self.version = ANALYSIS_VERSION  # pickled with the index's schema

    @property
    def term_function(self):
        """word (lower case, ё-folded) -> its index term."""
        return _TERM_FUNCTIONS[self.terms]

    def __eq__(self, other: object) -> bool:
        return other is not None and self.__class__ is other.__class__ and self.terms == other.terms

    def __hash__(self) -> int:
        return hash((self.__class__, self.terms))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", no_morph=False, **kwargs):
        make_term = None if no_morph else _TERM_FUNCTIONS[self.terms]
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = value  # as whoosh's tokenizer does, asked or not
            matches = [(0, value, 0, len(value))]
            decomposed = True
        else:
            pattern = token_pattern(value)
            matches = ((i, m.group(), m.start(), m.end()) for i, m in enumerate(pattern.finditer(value)))
            # a text not in NFC: its words' NFC forms are folded (offsets stay those of the text's characters)
            decomposed = pattern is _DECOMPOSED_TOKEN
        pos = None
        context = context_words(value) if tokenize else None
        for i, text, start, end in matches:
            t.boost = 1.0
            if keeporiginal:
                t.original = text
            folded = (fold_word(text) if decomposed else plain_token(text).lower().translate(FOLD_MAP))
            if context is not None and i in context:
                instead, beside = context[i]
                folded = instead or folded
                if beside and positions and mode == "index" and pos is not None and folded not in STOP_WORDS \
                        and beside not in STOP_WORDS and len(beside) <= MAX_TOKEN_LENGTH:
                    # the number stands at the ending's place too, with no weight: whoosh's Positions format adds
                    # the token's boost to its term's weight
                    t.stopped = False
                    t.pos = pos + 1
                    t.boost = 0.0
                    t.text = make_term(beside) if make_term else beside
                    if chars:
                        t.startchar = start_char + start
                        t.endchar = start_char + end
                    yield t
                    t.boost = 1.0
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            if not folded or len(folded) > MAX_TOKEN_LENGTH or folded in STOP_WORDS:
                if not removestops:
                    t.text = folded
                    t.stopped = True
                    if positions:
                        t.pos = start_pos + i
                    yield t
                continue
            if positions:
                pos = start_pos + i if pos is None else pos + 1
                t.pos = pos
            t.stopped = False
            t.text = make_term(folded) if make_term else folded
            yield t


class WordTokenizer(RegexTokenizer):
    """whoosh's tokenizer of TOKEN_PATTERN, or of DECOMPOSED_TOKEN_PATTERN for a text not in NFC (``token_pattern``;
    ``ComposedFilter`` then gives each word in NFC)."""

    def __init__(self):
        super().__init__(TOKEN_PATTERN)

    def __call__(self, value, *args, **kwargs):
        if isinstance(value, str) and kwargs.get("tokenize", True) and token_pattern(value) is _DECOMPOSED_TOKEN:
            return _DECOMPOSED_TOKENIZER(value, *args, **kwargs)
        return super().__call__(value, *args, **kwargs)


_DECOMPOSED_TOKENIZER = RegexTokenizer(DECOMPOSED_TOKEN_PATTERN)


class ComposedFilter(Filter):
    """Each token's text in NFC (``composed``)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = composed(t.text)
            yield t


class PlainTokenFilter(Filter):
    """Each token's look-alike letters and an abbreviation's case ending dealt with (``plain_token``)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = plain_token(t.text)
            yield t


def composite_analyzer(terms: type[RussianTermFilter] = RussianTermFilter) -> CompositeAnalyzer:
    """The same analysis as whoosh's tokenizer and filters (what indexes built before ``RussianAnalyzer`` hold)."""
    return (
        WordTokenizer()
        | ComposedFilter()
        | PlainTokenFilter()
        | LowercaseFilter()
        | CharsetFilter(FOLD_MAP)
        | StopFilter(stoplist=STOP_WORDS, minsize=1, maxsize=MAX_TOKEN_LENGTH)
        | terms()
    )


def russian_analyzer(terms: type[RussianTermFilter] = RussianTermFilter) -> RussianAnalyzer:
    """The analyzer of every text field: tokens, lower case, ё→е, stop words, terms."""
    return RussianAnalyzer(_FILTER_TERMS[terms])


def surface_analyzer() -> CompositeAnalyzer:
    """Words as written, lower-cased and ё-folded, no stemming: the dictionary of spelling suggestions."""
    return (
        WordTokenizer()
        | ComposedFilter()
        | PlainTokenFilter()
        | LowercaseFilter()
        | CharsetFilter(FOLD_MAP)
        | StopFilter(stoplist=STOP_WORDS, minsize=3, maxsize=MAX_TOKEN_LENGTH)
    )


# -- indexing without token objects --------------------------------------------------------------------

# Raw token -> its index term ("" for a token the analyzer drops), per term function: most running
# words of a text repeat, and a look-up here replaces the whole per-token pass of the analyzer.
_INDEX_TERMS: dict[str, dict[str, str]] = {}
INDEX_TERM_CACHE = 50_000  # a web process (similar practices analyse a text); a rebuild raises it


def _index_term(raw: str, make_term, cache: dict[str, str]) -> str:
    folded = fold_word(raw)
    found = "" if not folded or len(folded) > MAX_TOKEN_LENGTH or folded in STOP_WORDS else make_term(folded)
    if len(cache) >= INDEX_TERM_CACHE:
        cache.clear()
    cache[raw] = found
    return found


# A single position -> its encoding, per encoding (packed or whoosh's; the same for every field).
_ONE_POSITION: dict[bool, dict[int, bytes]] = {False: {}, True: {}}
_ONE_POSITION_CACHE = 1 << 16


_PACKED_HEAD = struct.Struct("!I")  # the count of positions, as whoosh's pack_uint writes it


class RussianPositions(formats.Positions):
    """whoosh's Positions format, with the words of a text field worked out in one tight loop when its
    analyzer is ``RussianAnalyzer`` (the same terms, positions and weights: tests compare them).

    Building the index spent most of its time passing each running word through the analyzer's token
    objects and the format's grouping; this does the same with a regex ``findall`` and dictionaries.
    Pickled into the index schema: this module's import path must not change.

    A schema built now stores a posting's positions packed (``packed``): whoosh's count header, then each
    position as a little-endian uint32. whoosh pickles the list of gaps between them, and a phrase search
    unpickled the position lists of thousands of candidate postings, a Python int per position; packed
    ones are read as one array (``docsets._packed_positions``). A schema pickled before has no ``packed``
    in its ``__dict__`` and keeps whoosh's encoding (the class attribute), until its index is rebuilt.
    """

    packed = False

    def __init__(self, field_boost: float = 1.0, **options):
        super().__init__(field_boost=field_boost, **options)
        self.packed = True

    def encode(self, poslist):
        if not self.packed:
            return formats.Positions.encode(self, poslist)
        return _PACKED_HEAD.pack(len(poslist)) + struct.pack(f"<{len(poslist)}I", *poslist)

    def decode_positions(self, valuestring):
        if not self.packed:
            return formats.Positions.decode_positions(self, valuestring)
        count = (len(valuestring) - _PACKED_HEAD.size) // 4
        return list(struct.unpack_from(f"<{count}I", valuestring, _PACKED_HEAD.size))

    def word_values(self, value, analyzer, **kwargs):
        if not (isinstance(analyzer, RussianAnalyzer) and isinstance(value, str) and kwargs.get("mode") == "index"
                and not kwargs.get("start_pos") and not kwargs.get("no_morph")):
            yield from formats.Positions.word_values(self, value, analyzer, **kwargs)
            return
        make_term = analyzer.term_function
        cache = _INDEX_TERMS.setdefault(analyzer.terms, {})
        poses: dict[str, list[int]] = {}
        pos = -1
        context = context_words(value)
        if context is None:
            for i, raw in enumerate(find_tokens(value)):
                found = cache.get(raw)
                if found is None:
                    found = _index_term(raw, make_term, cache)
                if not found:
                    continue
                pos = i if pos < 0 else pos + 1  # the first word kept counts the dropped ones before it
                poses.setdefault(found, []).append(pos)
        else:
            yield from self._context_values(value, context, make_term, cache)
            return
        boost = self.field_boost
        once = 1.0 * boost
        encode = self.encode
        single = _ONE_POSITION[self.packed]
        for word, positions in poses.items():
            if len(positions) == 1 and positions[0] < _ONE_POSITION_CACHE:
                # most words of a text occur once: their encoded positions are looked up
                value = single.get(positions[0])
                if value is None:
                    value = single[positions[0]] = encode(positions)
                yield word, 1, once, value
            else:
                yield word, len(positions), float(len(positions)) * boost, encode(positions)


    def _context_values(self, value: str, context: dict[int, tuple[str | None, str | None]], make_term,
                        cache: dict[str, str]):
        """``word_values`` of a text with words read beside their neighbours (``context_words``): a word read
        instead of its token, and a word standing at a token's place as well, which counts in the term's frequency
        and positions but adds nothing to its weight (as the analyzer's token of boost 0 does in whoosh's
        format)."""
        poses: dict[str, list[int]] = {}
        unweighted: dict[str, int] = {}
        pos = -1
        for i, raw in enumerate(find_tokens(value)):
            instead, beside = context.get(i, (None, None))
            if instead is not None:
                found = "" if instead in STOP_WORDS else make_term(instead)
            else:
                found = cache.get(raw)
                if found is None:
                    found = _index_term(raw, make_term, cache)
            if not found:
                continue
            pos = i if pos < 0 else pos + 1
            if beside and poses and beside not in STOP_WORDS and len(beside) <= MAX_TOKEN_LENGTH:
                extra = make_term(beside)
                poses.setdefault(extra, []).append(pos)
                unweighted[extra] = unweighted.get(extra, 0) + 1
            poses.setdefault(found, []).append(pos)
        boost = self.field_boost
        for word, positions in poses.items():
            yield (word, len(positions), float(len(positions) - unweighted.get(word, 0)) * boost,
                   self.encode(positions))


class SurfaceExistence(formats.Existence):
    """whoosh's Existence format for the spelling field (``surface_analyzer``): each distinct word once,
    folded, stop words and words shorter than 3 letters dropped, without token objects. A value folded as a
    whole has each of its words folded (lower-casing a lower-case letter and the fold map keep it): then
    they are not folded one by one."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(value, str) or kwargs.get("mode") != "index":
            yield from formats.Existence.word_values(self, value, analyzer, **kwargs)
            return
        tokens = set(find_tokens(value))
        # folded already (the field's value is: ``spelling_words``), with no word ``plain_token`` would change
        if fold(value) == value and not needs_plain_tokens(value):
            words = {raw for raw in tokens if 3 <= len(raw) <= MAX_TOKEN_LENGTH and raw not in STOP_WORDS}
        else:
            words = set()
            for raw in tokens:
                folded = fold_word(raw)
                if 3 <= len(folded) <= MAX_TOKEN_LENGTH and folded not in STOP_WORDS:
                    words.add(folded)
        boost = self.field_boost
        for word in words:
            yield word, 1, boost, b""


def analysis_version(analyzer: object) -> int | None:
    """The ANALYSIS_VERSION an index's stored analyzer was built with; None for an analyzer that is not ours."""
    if isinstance(analyzer, RussianAnalyzer):
        return getattr(analyzer, "version", 1)  # pickled before versions were written: the first
    filters = [item for item in getattr(analyzer, "items", ()) if isinstance(item, RussianTermFilter)]
    return min(getattr(item, "version", 1) for item in filters) if filters else None
