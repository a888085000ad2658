"""Turning what a user typed into a whoosh query, whatever they typed.

The parser knows only words, "phrases", (groups), the operators AND, OR, NOT and ``-word`` for
NOT word; fields,
wildcards, ranges, boosts and fuzzy terms are not plugged in, so ``title:``, ``*``, ``?``, ``~``
and ``^`` are plain punctuation and no hidden field can be reached. Words are joined with AND:
the result list and its facet counts then describe documents that contain every word. When
that finds nothing, the search layer runs the same words joined with OR (``relaxed``), where
documents with more of the words rank first, and says so; this beats ranking OR matches from
the start, where one rare word can outrank a document with all the words. A word joined by a hyphen or a slash is
the phrase of its parts; where few texts have it, those with all its parts anywhere (``loose``) come before the OR.
An ordinal's ending after figures («5-й», «7-м») is dropped, and a comma or the like joining two words with no
space («дети,олимпиады») is a space.

With a synonym table, a word or a run of words that names a known phrase ("ШНО", "школьное научное
общество") is searched for as itself or as any equivalent phrase, the equivalents weighing less; a word joined by
a hyphen or a slash counts as its words there. An excluded word excludes its other names too ("-ШНО": "школьное
научное общество"), not words of nearly the same meaning.

Anything the parser cannot handle falls back to the plain words of the text. Parsing never
raises: the worst a user gets is a simpler query and a notice saying so.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass, field

from whoosh import query
from whoosh.fields import Schema
from whoosh.qparser import GroupPlugin, MultifieldPlugin, OperatorsPlugin, PhrasePlugin, QueryParser, syntax

from indexer.analysis import (
    CENTURY_WORD,
    MAX_TOKEN_LENGTH,
    ROMAN_NUMERAL,
    STOP_WORDS,
    TOKEN_PATTERN,
    composed,
    fold,
    fold_word,
    form_terms,
    is_century_numeral,
    is_person_name,
    term,
)
from indexer.schema import TEXT_FIELDS
from indexer.scoring import BestOf
from indexer.synonyms import SynonymTable

MAX_QUERY_CHARS = 300
# Words of the same root: only terms this long, cut by this many letters, never below this root length.
RELATIVE_MIN_TERM = 7
RELATIVE_CUT = 2
RELATIVE_MIN_ROOT = 6
# In the relaxed query, documents with more of the words rank first (whoosh's OrGroup "scale").
RELAXED_SCALE = 0.9
# Inside a run of words naming a topic, a word's own synonyms weigh this much less than a lone word's: the run is
# the topic as the user names it, and a text writing their very words («способных детей») comes before one writing
# a synonym («одарённых детей»), which the topic brings in anyway.
RUN_SYNONYM_SCALE = 0.7
# A number and the word beside it standing together as typed score their words this many times more (ranking
# only): once was too little against a text with both words in its title and its body apart.
NUMBER_PHRASE_BOOST = 2.0
# What a person's name found among a document's people (``_people_weighted``) counts more: the field's ×1.5 becomes
# ×2.25, between the title's ×3 (a title naming her says as much) and the annotation's ×2.
PEOPLE_FIELD = "people"
PEOPLE_WEIGHT = 1.5

NOTICE_SIMPLIFIED = "Запрос содержал служебные символы и был упрощён."
NOTICE_TRUNCATED = f"Запрос слишком длинный: учтены первые {MAX_QUERY_CHARS} символов."
NOTICE_ONLY_STOP_WORDS = "Запрос состоит только из служебных слов."
NOTICE_NO_WORDS = "В запросе нет ни одного слова: показаны все материалы."
NOTICE_WORD_TOO_LONG = f"Слово длиннее {MAX_TOKEN_LENGTH} букв слишком длинное для поиска: оно не учтено."
NOTICE_PREFIX = "Поиск по началу слова («{word}*») не поддерживается — наберите слово целиком."
NOTICE_RELAXED = "Документов со всеми словами запроса нет: показаны документы, где есть часть слов."
NOTICE_PARTIAL = "Документов со всеми словами запроса: {count}; за ними показаны документы, где есть часть слов."
NOTICE_CORRECTED = "По запросу в том виде, как он набран, ничего нет: показаны результаты по запросу «{suggestion}»."

# Control and invisible characters (tabs and line breaks are ordinary whitespace).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
# A field prefix such as "title:" or "foo:" (only Latin names: "Тема:" is a word a user means).
_FIELD_PREFIX = re.compile(r"(?<![^\W_])[A-Za-z_][A-Za-z0-9_]*:")
# Query syntax this parser does not offer: wildcards, fuzzy "~2", boosts "^2.5", ranges, escapes.
_SYNTAX = re.compile(r"~\d*|\^\d*(?:\.\d+)?|[*?:\[\]{}\\]")
# A question mark or a colon that ends a word, as in running text («как организовать ШНО?», «ОГЭ: подготовка»,
# «Scratch: первые шаги»): punctuation, not syntax (a field prefix has no space after its colon, a wildcard
# stands inside a word), dropped without a notice.
_PUNCTUATION = re.compile(r'(?:(?<=[^\W_])|(?<=[")]))[?:][?:!.,;…]*(?=\s|$)')
# «ИЛИ» in capitals between words is OR, as teachers write it in Russian (in lower case it is a stop word; «НЕ»
# stays a word: a query typed with Caps Lock has it in capitals as well, and «-слово» excludes); outside quotes.
_OR_RU = re.compile(r"(?<!\S)ИЛИ(?!\S)")
# "-word", -"a phrase" or -(a group) at the start of a word: the exclusion most search boxes know, for NOT.
_MINUS = re.compile(r'(?<!\S)-(?=[^\W_]|["(])')
_BEFORE_PHRASE = re.compile(r"(?<!\S)-$")  # the minus of -"a phrase", at the end of the text before its quote
_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"'})
_OPENING, _CLOSING = "«„", "»"  # marks that only open or only close; «“», «”» and «"» may do either
# The ending of an ordinal written in figures, after its hyphen («5-й», «5-го», «7-м», «90-х», «1-е», «3-ю»):
# dropped, so that «5-й класс» is searched as «5 класс» (the hyphen made a phrase «5 й» with a required «й»). Texts
# keep it as written: their «5-й класс» holds «5» and «класс» as well. Only outside quotes (``_outside_quotes``):
# a phrase in quotes is looked for as typed, «"5-й класс"» beside the «5-й» of the texts.
_ORDINAL = re.compile(
    r"(?<=\d)[-\u2010\u2011](?:й|я|е|ю|м|х|го|ого|му|ому|ом|ым|ми|ыми|ти|ых|ые|ый|ой|ий|ая|ое|ую|ья|ье|ей)(?![^\W_])",
    re.IGNORECASE)
# Words joined by a comma, a semicolon, «+», «&», «|» or a dot with no space («дети,олимпиады», «ОГЭ+ЕГЭ»,
# «ШНО.ВКС»): the analyzer splits them all the same, so the parser made a phrase of them, as of a hyphenated word.
# Searched as if a space followed the mark, but a number keeps its comma («1,5»), and a word joined by «+», «&» or
# «|» to a single letter or digit stays together («R&D», «1+1»); a dot only between Cyrillic words of three letters
# and more, so that abbreviations («т.е.», «г.Смоленск», «ул.Ленина»), domain names and e-mail addresses stay
# phrases as before.
_JOINED = re.compile(r"([^\W_]+)([,;+&|.])(?=([^\W_]+))")
# An excluded run of such words («-ОГЭ+ЕГЭ», «-ОГЭ,ЕГЭ», «-онлайн-курс+химия»): spaced out first, «-ОГЭ ЕГЭ» would
# exclude «ОГЭ» only and require «ЕГЭ»; each of its words is excluded instead («-ОГЭ -ЕГЭ»).
_MINUS_JOINED = re.compile(r"(?<!\S)-([^\W_]+(?:[-/][^\W_]+)*(?:[,;+&|.][^\W_]+(?:[-/][^\W_]+)*)+)")
# The dotted fillers of running text («т.е.», «т. к.», «т.д.», «т.п.», «т.н.», «т.ч.»), typed into a query from a
# sentence: each was the phrase «т е» that a text had to hold. Dropped outside quotes; an excluded one («-т.е.») stays.
_FILLER = re.compile(r"(?<![^\s(])т\.\s?[екдпнч]\.?(?![^\W_])", re.IGNORECASE)
# «в.» or «вв.» after a Roman numeral («XX в.», «хх в.», «XIX–XX вв.»): «век», as the index reads it after a numeral
# (``indexer.analysis.context_words``); the preposition «в» was dropped, and «XIX в.» found any «XIX». Outside quotes
# (a phrase in quotes goes through the analyzer whole, which reads it so itself).
_CENTURY = re.compile(r"(?<![^\W_])([IVXivxХІхі]+)\s*вв?\.(?=\s|$|[,;:)])")
# Initials beside a surname, as a bibliographic reference writes an author («Мухаметова Л.Ф.», «Л. Ф. Мухаметова»,
# «Т.М.Ковалёва»): one or two capitals, each with its dot. Dropped outside quotes when a word stands beside them
# (``_without_initials``): they made the phrase «л ф» that a text had to hold, and texts write a name in full as
# often as with initials (an author «Мухаметова Лилия Фаритовна»).
_INITIALS = re.compile(r"(?<![^\s(])(?:[А-ЯЁ]\.\s?){1,2}(?=\s|$|[,;)]|[А-ЯЁ][а-яё])")
_WORD_BEFORE = re.compile(r"([А-ЯЁа-яё]{2,})\s*$")
# Words a single capital after them names a part of a document by («Приложение А. Анкета», «в разделе Б.», «Таблица
# В.»): that letter is no initial and stays, in any case form of the word (``_named_by_letter``).
LETTER_NAMED = ("приложение", "раздел", "часть", "пункт", "вариант", "таблица", "схема", "рисунок", "форма")
_WORD_AFTER = re.compile(r"^\s*[А-ЯЁа-яё]{2,}")
_CYRILLIC_WORD = re.compile(r"[а-яё]{3,}", re.IGNORECASE)
_WORD = re.compile(TOKEN_PATTERN)
_PLAIN_WORDS = re.compile(rf"{TOKEN_PATTERN}(?: {TOKEN_PATTERN})*")
# «№», and «N» or «No» before a number («Лицей № 15», «СОШ N 5»): no word. Dropped outside quotes, so that the text
# is plain words and gets the phrase of a word and its number (``_number_phrases``); the index passes over «№» too.
_NUMBER_SIGN = re.compile(r"№|(?<!\S)No?\.?(?=\s*\d)")
# A word typed with «*» after it, «олимп*»: the start of a word, which the index does not search by (it searches the
# forms of whole words). The star is dropped, the page says so (NOTICE_PREFIX) and offers the whole word; of a word
# of the bank that no other word begins with («шахматы*»; not «робот*»: «робототехники») the star is only dropped.
_PREFIX_WORD = re.compile(r"([^\W_]+)\*+(?![^\W_])")
_BINARY = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE"})
_OPERATORS = _BINARY | {"NOT"}

Terms = tuple[str, ...]  # the index terms of a word or a phrase


@dataclass
class ParsedQuery:
    """What to search for: ``strict`` is None when the text asks for nothing (list everything)."""

    strict: query.Query | None = None
    # The query with each word joined by a hyphen or a slash («онлайн-урок») looking for its words in any order and
    # place, not side by side: tried after ``strict`` and before ``relaxed`` (None without such a word)
    loose: query.Query | None = None
    relaxed: query.Query | None = None  # the same words joined with OR, when that differs
    matches_nothing: bool = False  # there were words, but none that can be searched for
    notices: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # the user's words, ё-folded, for spelling suggestions
    # Ranks, never matches: the phrases of a number and the word beside it («8 класс», «ОГЭ 2024»), whose
    # matches among ``strict``'s score these words again (a «… в 8 классе» above a text with «8» somewhere)
    bonus: query.Query | None = None


def _parser(schema: Schema, group: type[syntax.GroupNode]) -> QueryParser:
    return QueryParser(
        None,
        schema,
        plugins=[PhrasePlugin(), GroupPlugin(), OperatorsPlugin(), MultifieldPlugin(TEXT_FIELDS)],
        group=group,
    )


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char in "()":
            depth += 1 if char == "(" else -1
            if depth < 0:
                return False
    return depth == 0


def _stray_pieces(pieces: list[str]) -> set[int]:
    """The indexes of the operators without an operand and of the empty groups among ``pieces`` (words,
    parentheses and spaces), outside phrases, as one pass from left to right sees them."""
    at = [i for i, piece in enumerate(pieces) if not piece.isspace()]
    stray: set[int] = set()
    before: str | None = None  # the piece before, of those kept
    in_phrase = False
    for n, i in enumerate(at):
        piece = pieces[i]
        if not in_phrase and i not in stray:
            after = pieces[at[n + 1]] if n + 1 < len(at) else None
            if piece in _OPERATORS:
                has_right = after is not None and after not in _BINARY and after != ")"
                if piece == "NOT":
                    has_left, has_right = True, has_right and after != "NOT"
                else:
                    has_left = before is not None and before not in _OPERATORS and before != "("
                if not (has_left and has_right):
                    stray.add(i)
                    continue
            elif piece == "(" and after == ")":
                stray.update((i, at[n + 1]))
                continue
        if i not in stray:
            before = piece
        in_phrase ^= piece.count('"') % 2 == 1
    return stray


def _drop_stray_operators(text: str) -> str:
    """Remove AND / OR / NOT that lack an operand ("опыт AND", "OR OR дети", "ШНО AND NOT", "(опыт OR)") and empty
    groups ("()", "(NOT)"): left in, the operators would be searched for as the English words. Dropping one can
    leave another without its operand («ШНО AND NOT»: NOT, then AND), so until none is left."""
    if not (_OPERATORS & set(re.findall(r"[A-Z]+", text)) or re.search(r"\(\s*\)", text)):
        return text
    pieces = re.findall(r"[()]|[^\s()]+|\s+", text)
    while stray := _stray_pieces(pieces):
        pieces = [piece for i, piece in enumerate(pieces) if i not in stray]
    return " ".join("".join(pieces).split())


def _apart(match: re.Match) -> str:
    """A word and the mark after it (``_JOINED``), with a space for the mark where it only joins two words."""
    before, mark, after = match.groups()
    if mark in ",;":
        apart = not (before[-1].isdigit() and after[0].isdigit())
    elif mark == ".":
        apart = bool(_CYRILLIC_WORD.fullmatch(before) and _CYRILLIC_WORD.fullmatch(after))
    else:
        apart = len(before) > 1 and len(after) > 1 and not (before.isdigit() and after.isdigit())
    return before + (" " if apart else mark)


def _century(match: re.Match) -> str:
    """A Roman numeral and «в.» after it (``_CENTURY``): the numeral and «век»; anything else as it was."""
    numeral = match.group(1)
    if is_century_numeral(numeral) or _ordinal(fold_word(numeral)) is not None:
        return f"{numeral} {CENTURY_WORD}"
    return match.group()


@functools.cache
def _letter_named_terms() -> frozenset[str]:
    return frozenset(term(word) for word in LETTER_NAMED)


def _named_by_letter(word: str) -> bool:
    """Whether ``word`` is a form of a word of LETTER_NAMED («приложения», «разделе», «части»)."""
    return term(fold_word(word)) in _letter_named_terms()


def _without_initials(text: str) -> str:
    """``text`` with the initials beside a word (``_INITIALS``) left out: «Мухаметова Л.Ф.» is «Мухаметова». A single
    capital after a word of LETTER_NAMED names a part («Приложение А. Анкета») and stays."""
    def dropped(match: re.Match) -> str:
        before = _WORD_BEFORE.search(text, 0, match.start())
        if before and len(match.group().strip()) == 2 and _named_by_letter(before.group(1)):
            return match.group()
        beside = before or _WORD_AFTER.match(text[match.end():])
        return " " if beside else match.group()

    return _INITIALS.sub(dropped, text)


def _exclude_each(text: str) -> str:
    """``text`` with each excluded run of joined words (``_MINUS_JOINED``) as its words, each excluded: «-ОГЭ+ЕГЭ» is
    «-ОГЭ -ЕГЭ»; a run that stays one word («-R&D», «-т.е.») is left as it is."""
    return _MINUS_JOINED.sub(lambda match: " ".join(f"-{word}" for word in _JOINED.sub(_apart, match.group(1)).split()),
                             text)


def _outer_quotes(text: str) -> str:
    """``text`` with its outer quotation marks as «"» and the marks nested inside them dropped: «конкурс „Учитель
    года“» and «"конкурс «Учитель года»"» are one phrase each (every mark used to be a «"», which cut the phrase in
    three). Marks are paired as written: «…» and „…“, «"» or «“» opening a pair that the same «"» or «”»/«“»
    closes; what stays unpaired is left as «"» (and dropped later with a notice, as an odd quote was)."""
    if not any(mark in text for mark in '"«»„“”'):
        return text
    out, stack = [], []
    for char in text:
        if char not in '"«»„“”':
            out.append(char)
            continue
        closes = bool(stack) and (
            (char == "»" and "«" in stack) or (char in '"”' and stack[-1] in '"“') or (char == "“" and stack[-1] == "„")
            or (char == "”" and stack[-1] == "„"))
        if closes:
            if char == "»":
                while stack.pop() != "«":
                    pass
            else:
                stack.pop()
            if not stack:
                out.append('"')
        elif char in _CLOSING or (char == "”" and not stack):
            out.append('"' if not stack else "")  # a closing mark with nothing open: an odd quote, as before
        else:
            if not stack:
                out.append('"')
            stack.append(char)
    if stack:  # left open: each mark an odd quote, as before
        return text.translate(_QUOTES)
    return "".join(out)


def _minus_as_not(text: str) -> str:
    """``text`` with each «-» that excludes (``_MINUS``) as NOT, outside quotes only: inside a phrase a hyphen
    before a word («"учитель -наставник"») is the phrase's, not an operator that put the word «not» into it."""
    parts = text.split('"')
    if len(parts) % 2 == 0:  # an unpaired quote: dropped later, all of it is outside
        return _MINUS.sub("NOT ", text)
    changed = []
    for i, part in enumerate(parts):
        if i % 2 == 0:  # outside quotes
            part = _MINUS.sub("NOT ", part)
            if i < len(parts) - 1:  # -"a phrase": the minus before the quote excludes the phrase
                part = _BEFORE_PHRASE.sub("NOT ", part)
        changed.append(part)
    return '"'.join(changed)


def _outside_quotes(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` made to each part outside a pair of quotes (all of it with a quote left unpaired:
    such quotes are dropped)."""
    parts = text.split('"')
    if len(parts) % 2 == 0:
        return change(text)
    return '"'.join(change(part) if i % 2 == 0 else part for i, part in enumerate(parts))


def prefix_words(text: str) -> list[str]:
    """The words of a query typed with «*» after them outside quotes, «олимп*», as typed."""
    found: list[str] = []
    _outside_quotes(text, lambda part: found.extend(_PREFIX_WORD.findall(part)) or part)
    return found


def _clean(text: str, notices: list[str], whole: frozenset[str] = frozenset()) -> str:
    """The text with unsupported syntax removed, in NFC (its words and suggestions as the index has them);
    notes what was changed. ``whole``: the words typed with «*» (folded) searched as words (``_whole_word``)."""
    text = composed(text or "")
    had_control = bool(_CONTROL.search(text))
    text = " ".join(_CONTROL.sub(" ", text).split())
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        # do not leave half a word at the end
        text = cut.rsplit(" ", 1)[0] if text[MAX_QUERY_CHARS] != " " and " " in cut else cut
        notices.append(NOTICE_TRUNCATED)
    text = _JOINED.sub(_apart, _outside_quotes(_outer_quotes(text), _exclude_each))
    text = _outside_quotes(text, lambda part: _without_initials(_NUMBER_SIGN.sub(" ", _FILLER.sub(" ", _ORDINAL.sub(
        "", _CENTURY.sub(_century, part))))))
    if starred := prefix_words(text):
        # «шахматы*»: a whole word with a star is the word, searched as such without a word about starts of words
        if starts := [word for word in starred if fold_word(word) not in whole]:
            notices.append(NOTICE_PREFIX.format(word=starts[0]))
        text = _outside_quotes(text, lambda part: _PREFIX_WORD.sub(r"\1", part))
    text = " ".join(text.split())
    # «ИЛИ» inside a phrase is its word («"МАОУ ИЛИ"»), not the operator: the phrase then looked for «or»
    text = _outside_quotes(_PUNCTUATION.sub("", _minus_as_not(text)), lambda part: _OR_RU.sub("OR", part))
    cleaned = _SYNTAX.sub(" ", _FIELD_PREFIX.sub(" ", text))
    if cleaned.count('"') % 2:
        cleaned = cleaned.replace('"', " ")
    if not _balanced(cleaned):
        cleaned = cleaned.replace("(", " ").replace(")", " ")
    cleaned = _drop_stray_operators(cleaned)
    if had_control or cleaned != text:
        notices.append(NOTICE_SIMPLIFIED)
    return cleaned


def _broken(q: query.Query) -> bool:
    """True if the parser gave up on some part of the text."""
    return any(getattr(node, "error", None) for node in q.leaves()) or bool(getattr(q, "error", None))


def _terms(q: query.Query) -> bool:
    return any(q.iter_all_terms())


def _plain(text: str, schema: Schema,
           combine: Callable[[list[query.Query]], query.Query]) -> query.Query | None:
    """The words of the text, each looked for in every text field, joined by ``combine`` (query.And, query.Or or
    a relaxed Or); None if there are none."""
    analyzer = schema[TEXT_FIELDS[0]].analyzer
    words = list(dict.fromkeys(t.text for t in analyzer(text, mode="query")))
    if not words:
        return None
    return combine([query.Or([query.Term(name, word) for name in TEXT_FIELDS]) for word in words])


def _words_only(text: str, schema: Schema,
                synonyms: SynonymTable | None) -> tuple[query.Query | None, query.Query | None] | None:
    """(strict, relaxed) as the parser makes them of a text of plain words (no operators, quotes or groups:
    what nearly everyone types), built without running it, which took 0.1 ms a word, twice; None for any
    other text, or a word the analyzer splits in several terms (the parser decides about those)."""
    if not _PLAIN_WORDS.fullmatch(text) or _OPERATORS & set(text.split(" ")):
        return None
    words: list[query.Query] = []
    for word in text.split(" "):
        terms: list[query.Query] = []
        for name in TEXT_FIELDS:
            texts = list(schema[name].process_text(word, mode="query"))
            if len(texts) > 1:
                return None
            terms += [query.Term(name, texts[0])] if texts else []
        if terms:
            words.append(query.Or(terms))
    if not words:
        return None, None
    if len(words) == 1 and len(words[0].subqueries) > 1:
        return words[0], words[0]
    if len(set(words)) == len(words) and all(len(word.subqueries) > 1 for word in words):
        # The AND is normal already. With synonyms the relaxed query is made anew of the strict one's words
        # (parse_text): not worth normalizing then.
        relaxed = query.Or(words, scale=RELAXED_SCALE)
        return query.And(words), (relaxed if synonyms is not None else relaxed.normalize())
    return query.And(words).normalize(), query.Or(words, scale=RELAXED_SCALE).normalize()


def _number_phrases(text: str, schema: Schema) -> query.Query | None:
    """For a text of plain words, the phrases of each number and the word next to it, in every text field
    («для 7 класса»: «7 класса»; «ОГЭ 2024»), or None. Teachers write a class or a year beside its noun, and a
    text with «8» in one place and «классов» in another outranked «Финансовая грамотность в 8 классе»."""
    if not _PLAIN_WORDS.fullmatch(text) or _OPERATORS & set(text.split(" ")):
        return None
    tokens = text.split(" ")
    phrases: list[query.Query] = []
    for first, second in zip(tokens, tokens[1:], strict=False):
        if first.isdigit() == second.isdigit() or fold(first) in STOP_WORDS or fold(second) in STOP_WORDS:
            continue
        fields = []
        for name in TEXT_FIELDS:
            terms = [list(schema[name].process_text(word, mode="query")) for word in (first, second)]
            if all(len(found) == 1 for found in terms):
                fields.append(query.Phrase(name, [found[0] for found in terms], boost=NUMBER_PHRASE_BOOST))
        if fields:
            phrases.append(query.Or(fields))
    if not phrases:
        return None
    return phrases[0] if len(phrases) == 1 else query.Or(phrases)


def _parse(text: str, schema: Schema, group: type[syntax.GroupNode]) -> query.Query | None:
    """The parsed query, or None when the parser failed on this text."""
    try:
        q = _parser(schema, group).parse(text)
    except Exception:  # noqa: BLE001 - whatever the parser trips on, the plain words remain
        return None
    if q is query.NullQuery or _broken(q) or not _terms(q):
        return None
    return q


def _has_phrase(node: query.Query) -> bool:
    return isinstance(node, query.Phrase) or any(_has_phrase(child) for child in node.children())


def _is_word(node: query.Query) -> bool:
    """A plain word as the multifield parser gives it: the same term looked for in every text field."""
    return (
        isinstance(node, query.Or)
        and len(node.subqueries) == len(TEXT_FIELDS)
        and all(isinstance(sub, query.Term) for sub in node.subqueries)
        and len({sub.text for sub in node.subqueries}) == 1
        and node.boost == 1.0
    )


def _joined(node: query.Query) -> bool:
    """A word joined by a hyphen or a slash («научно-практическая», «ОГЭ/ЕГЭ») as the multifield parser gives it:
    the phrase of its parts in every text field (a phrase in quotes looks the same: ``literal`` tells them apart)."""
    return (
        isinstance(node, query.Or)
        and len(node.subqueries) == len(TEXT_FIELDS)
        and all(isinstance(sub, query.Phrase) for sub in node.subqueries)
        and len({tuple(sub.words) for sub in node.subqueries}) == 1
        and node.boost == 1.0
    )


def _typed_terms(node: query.Query, literal: frozenset[Terms]) -> Terms | None:
    """The terms of a plain word or of a word joined by a hyphen or a slash, which a phrase of the synonym table may
    take in; None for anything else and for what was typed in quotes (``literal``)."""
    if _is_word(node):
        terms: Terms = (node.subqueries[0].text,)
    elif _joined(node):
        terms = tuple(node.subqueries[0].words)
    else:
        return None
    return None if terms in literal else terms


def _phrase_query(terms: tuple[str, ...], boost: float) -> query.Query:
    if len(terms) == 1:
        return query.Or([query.Term(name, terms[0]) for name in TEXT_FIELDS], boost=boost)
    return query.Or([query.Phrase(name, list(terms)) for name in TEXT_FIELDS], boost=boost)


def _alternatives(terms: Terms, table: SynonymTable, asked: frozenset[str] | None = None,
                  concepts: bool = True) -> query.Query | None:
    """What else ``terms`` may be written as. In a NOT clause (``asked``: the terms the rest of the query looks for)
    only another name of the same thing (``SynonymTable.names``: an abbreviation and its words, «ВКС» and
    «видеоконференцсвязь», «детский сад» and «детсад»), and never one the query asks for itself («школьное научное
    общество -ШНО» keeps the texts that spell it out): words of nearly the same meaning («учитель» / «педагог»),
    topics of the thesaurus and words of the same root are kin, and excluding them with the word would take away
    far more than the user asked. Without ``concepts`` (a word inside a run), the table's phrases only (no topics of
    the thesaurus), at RUN_SYNONYM_SCALE of their weight."""
    if asked is not None:
        others = [e for e in table.names(terms) if not set(e) <= asked]
        return query.Or([_phrase_query(e, 1.0) for e in others]) if others else None
    # A phrase scores about once per word: divide, so that "школьное научное общество" found for
    # "ШНО" does not outrank a document that has "ШНО" itself.
    weight = table.weight if concepts else table.weight * RUN_SYNONYM_SCALE
    alternatives = [_phrase_query(e, weight * min(1.0, len(terms) / len(e))) for e in table.expansions(terms)]
    alternatives += [
        query.ConstantScoreQuery(query.Term(name, value), table.concept_score)
        for name, value in (table.concepts(terms) if concepts else ())
    ]
    return query.Or(alternatives) if alternatives else None


def _with_relatives(word: query.Query, table: SynonymTable) -> query.Query:
    """A word, or at a lower weight any indexed word of the same root with another suffix.

    Inflection is the analyzer's business; this is about derivation, which it leaves apart:
    "краеведение" / "краеведческий", "исследование" / "исследовательский". The root is the
    term less its last letters, kept long enough not to reach unrelated words.
    """
    text = word.subqueries[0].text
    if table.relatives_weight <= 0 or len(text) < RELATIVE_MIN_TERM:
        return word
    root = text[: max(RELATIVE_MIN_ROOT, len(text) - RELATIVE_CUT)]
    relatives = query.Or([query.Prefix(name, root) for name in TEXT_FIELDS], boost=table.relatives_weight)
    return query.Or([word, relatives])


def _expand_children(children: list[query.Query], table: SynonymTable, conjunction: bool,
                     literal: frozenset[Terms] = frozenset(), asked: frozenset[str] = frozenset(),
                     excluded: bool = False, solid: dict[Terms, str] | None = None,
                     within: int = 0) -> list[query.Query]:
    """Each longest run of plain words and words joined by a hyphen or a slash that names a phrase of the table,
    with its equivalents added («научно-практическая конференция»: «НПК»); what is in quotes (``literal``: its
    terms) stays as typed. Inside a NOT clause (``excluded``) only what ``_alternatives`` allows there. A word
    joined by a hyphen names a phrase also by its parts written solid (``solid``: «видеоконференц-связь» is
    «видеоконференцсвязь», whose abbreviation is «ВКС»). The words of a run keep their own synonyms beside the
    run's (``within``: the run's length, which the runs inside it are shorter than): «талантливые дети» names a
    topic, and «талантливые» is «одарённые» as well; inside a run no topics and no words of the same root."""
    solid = solid or {}
    typed = [_typed_terms(node, literal) for node in children]
    written = [(solid[terms],) if terms is not None and len(terms) > 1 and terms in solid else None
               for terms in typed]
    longest = min(table.longest, within - 1) if within else table.longest
    result: list[query.Query] = []
    i = 0
    while i < len(children):
        for size in range(min(longest, len(children) - i), 0, -1):
            if any(terms is None for terms in typed[i : i + size]):
                continue
            spellings = [tuple(itertools.chain.from_iterable(typed[i : i + size]))]
            if any(written[i : i + size]):
                spellings.append(tuple(itertools.chain.from_iterable(
                    written[j] or typed[j] for j in range(i, i + size))))
            alternatives = None
            for terms in spellings:
                if len(terms) <= table.longest:
                    alternatives = _alternatives(terms, table, asked if excluded else None, concepts=not within)
                if alternatives is not None:
                    break
            if alternatives is None:
                continue
            span = children[i : i + size]
            if size > 1:
                span = _expand_children(span, table, True, literal, asked, excluded, solid, within=size)
            if conjunction:
                # inside a run, a text that writes the word and its synonyms side by side («одарённых и высоко
                # мотивированных детей») scores as for the better of them, not for both
                either = BestOf if within else query.Or
                result.append(either([span[0] if size == 1 else query.And(span), alternatives]))
            else:
                result.extend([*span, alternatives])
            i += size
            break
        else:
            node = children[i]
            if _is_word(node):
                result.append(node if typed[i] is None or excluded or within else _with_relatives(node, table))
            elif _joined(node):
                result.append(node)
            else:
                result.append(_expand(node, table, literal, asked, excluded, solid))
            i += 1
    return result


def _words_of_or(node: query.Query) -> query.Query:
    """An OR of plain words («ШНО OR ВКС») as the multifield parser flattens it, one list of every word's term in
    every text field, regrouped into one node a word, so that each word can be told apart and expanded."""
    if not isinstance(node, query.Or) or _is_word(node) or node.boost != 1.0:
        return node
    terms = node.subqueries
    size = len(TEXT_FIELDS)
    if not terms or len(terms) % size or not all(isinstance(term, query.Term) for term in terms):
        return node
    words = [query.Or(terms[i : i + size]) for i in range(0, len(terms), size)]
    if not all(_is_word(word) and tuple(sub.fieldname for sub in word.subqueries) == TEXT_FIELDS for word in words):
        return node
    return query.Or(words)


def _expand(node: query.Query, table: SynonymTable, literal: frozenset[Terms] = frozenset(),
            asked: frozenset[str] = frozenset(), excluded: bool = False,
            solid: dict[Terms, str] | None = None) -> query.Query:
    """The query with synonyms of its words and runs of words added (words in quotes are left alone). A NOT clause
    is expanded for ``_alternatives`` with ``asked``, the terms the rest of the query looks for: «-ШНО» excludes
    «школьное научное общество» as well. ``solid``: the term of each hyphenated word's parts written solid
    (``_solid_terms``)."""
    node = _words_of_or(node)
    if isinstance(node, query.Not):
        if excluded:
            return node
        return query.Not(_expand(node.query, table, literal, asked, True, solid), boost=node.boost)
    if isinstance(node, query.AndNot):
        if excluded:
            return node
        return query.AndNot(_expand(node.a, table, literal, asked, False, solid),
                            _expand(node.b, table, literal, asked, True, solid))
    if _is_word(node) or _joined(node):
        return _expand_children([node], table, True, literal, asked, excluded, solid)[0]
    if isinstance(node, query.And | query.Or):
        expanded = copy(node)
        expanded.subqueries = _expand_children(list(node.subqueries), table, isinstance(node, query.And), literal,
                                               asked, excluded, solid)
        return expanded
    return node


MAX_PHRASE_FORMS = 16  # phrases a phrase of words with other forms' terms becomes at most (else it stays as typed)


def _with_forms(node: query.Query | None, forms: dict[str, frozenset[str]]) -> query.Query | None:
    """The query with each word whose forms have other terms (``form_terms``: «час» and «часы», «утро» and
    «утром») looking for those too, at the word's own weight, in NOT clauses as well."""
    if node is None or not forms:
        return node
    if _is_word(node):
        text = node.subqueries[0].text
        others = sorted(forms.get(text, frozenset()) - {text})
        if not others:
            return node
        return query.Or([node, *(query.Or([query.Term(name, other) for name in TEXT_FIELDS]) for other in others)])
    if isinstance(node, query.Phrase):  # «"классный час"» finds «классные часы»: a phrase of each combination
        choices = [sorted(forms.get(word, frozenset()) | {word}) for word in node.words]
        combinations = math.prod(map(len, choices))
        if combinations == 1 or combinations > MAX_PHRASE_FORMS:
            return node
        return query.Or([query.Phrase(node.fieldname, list(words), slop=node.slop, boost=node.boost)
                         for words in itertools.product(*choices)])
    if isinstance(node, query.Or) and node.subqueries and all(isinstance(sub, query.Term) for sub in node.subqueries):
        # the OR of words the parser flattened into one list of terms (the relaxed query): each term's others beside it
        flat = copy(node)
        flat.subqueries = [other for sub in node.subqueries for other in [sub, *(
            query.Term(sub.fieldname, extra) for extra in sorted(forms.get(sub.text, frozenset()) - {sub.text}))]]
        return flat
    return node.apply(lambda child: _with_forms(child, forms))


def _quoted(text: str, schema: Schema) -> frozenset[Terms]:
    """The terms of each word and phrase typed in quotes («"ШНО"», «"научно-практическая конференция"»): the user
    asks for it as typed, not for its synonyms or expansions."""
    analyzed = (tuple(schema[TEXT_FIELDS[0]].process_text(quoted, mode="query"))
                for quoted in re.findall(r'"([^"]*)"', text))
    return frozenset(terms for terms in analyzed if terms)


def _positive_terms(node: query.Query) -> list[str]:
    """The terms the query looks for, in order, outside its NOT clauses."""
    if isinstance(node, query.Not):
        return []
    if isinstance(node, query.AndNot):
        return _positive_terms(node.a)
    if isinstance(node, query.Term | query.Phrase):
        if node.fieldname != TEXT_FIELDS[0]:
            return []
        return list(node.words) if isinstance(node, query.Phrase) else [node.text]
    return [found for child in node.children() for found in _positive_terms(child)]


def _exclusions(node: query.Query) -> list[query.Query]:
    """The NOT clauses that hold for the whole query (those of its top AND), as NOT queries."""
    if isinstance(node, query.Not):
        return [node]
    if isinstance(node, query.AndNot):
        return [*_exclusions(node.a), query.Not(node.b)]
    if isinstance(node, query.And):
        return [found for child in node.subqueries for found in _exclusions(child)]
    return []


def _by_words(strict: query.Query) -> query.Query | None:
    """The relaxed query of a text with a word joined by a hyphen or a slash: its words, each in every text field,
    joined with OR (documents with more of them first), and the NOT clauses of the whole query kept (None without a
    word): «онлайн-курс -химии» looked for «химии» among the words, and brought back what it excluded."""
    words = list(dict.fromkeys(_positive_terms(strict)))
    if not words:
        return None
    relaxed = query.Or([query.Or([query.Term(name, word) for name in TEXT_FIELDS]) for word in words],
                       scale=RELAXED_SCALE)
    exclusions = _exclusions(strict)
    return query.And([relaxed, *exclusions]) if exclusions else relaxed


def _loosened(node: query.Query) -> query.Query:
    """The query with each word joined by a hyphen or a slash (the phrase of its parts in every text field) made
    the AND of its parts, each in every text field; NOT clauses are left as typed (excluding «онлайн-курс» is not
    excluding every text with «курс» and «онлайн»). A range of numbers («10-11 класс») stays as typed: its numbers
    apart are in most texts, as a page or a date."""
    if _joined(node) and not all(word.isdigit() for word in node.subqueries[0].words):
        return query.And([query.Or([query.Term(name, word) for name in TEXT_FIELDS])
                          for word in dict.fromkeys(node.subqueries[0].words)])
    if isinstance(node, query.Not):
        return node
    if isinstance(node, query.AndNot):
        return query.AndNot(_loosened(node.a), node.b)
    if isinstance(node, query.And | query.Or):
        loosened = copy(node)
        loosened.subqueries = [_loosened(child) for child in node.subqueries]
        return loosened.normalize() if isinstance(node, query.And) else loosened
    return node


# A word written solid is looked for split in two where the index has both parts («естественнонаучная»:
# «естественно-научная»); only a term this long.
COMPOUND_MIN_TERM = 8
_HYPHENATED = re.compile(rf"{TOKEN_PATTERN}(?:-{TOKEN_PATTERN})+")
_QUOTED = re.compile(r'"[^"]*"')


def _solid_terms(text: str, schema: Schema) -> dict[tuple[str, ...], str]:
    """The phrase terms of each word joined by hyphens outside quotes («естественно-научная») -> the term of its
    parts written solid («естественнонаучная»)."""
    found: dict[tuple[str, ...], str] = {}
    field = schema[TEXT_FIELDS[0]]
    for match in _HYPHENATED.finditer(_QUOTED.sub(" ", text)):
        parts = tuple(field.process_text(match.group(), mode="query"))
        solid = list(field.process_text(match.group().replace("-", ""), mode="query"))
        if len(parts) > 1 and len(solid) == 1:
            found[parts] = solid[0]
    return found


def _one_term(node: query.Query) -> str | None:
    """The term of a word looked for in every text field (a typed word, or a synonym's at its weight), or None."""
    if (isinstance(node, query.Or) and len(node.subqueries) == len(TEXT_FIELDS)
            and all(isinstance(sub, query.Term) and sub.boost == 1.0 for sub in node.subqueries)
            and len(texts := {sub.text for sub in node.subqueries}) == 1):
        return texts.pop()
    return None


def _with_compounds(node: query.Query | None, solid: dict[tuple[str, ...], str],
                    split: Callable[[str], list[tuple[str, str]]] | None) -> query.Query | None:
    """The query with each word joined by hyphens looking for its parts written solid too (``solid``: «медиа-
    грамотность» finds «медиаграмотность»), and each long word written solid for the phrase of the two parts the
    index has it split into (``split``: «естественнонаучная» finds «естественно-научной»)."""
    if node is None or (not solid and split is None):
        return node
    if _joined(node) and (joined := solid.get(tuple(node.subqueries[0].words))):
        return query.Or([node, query.Or([query.Term(name, joined) for name in TEXT_FIELDS])])
    if split is not None and (word := _one_term(node)) is not None:
        if len(word) < COMPOUND_MIN_TERM or not (pairs := split(word)):
            return node
        plain = copy(node)
        plain.boost = 1.0
        return query.Or([plain, *(query.Or([query.Phrase(name, list(pair)) for name in TEXT_FIELDS])
                                  for pair in pairs)], boost=node.boost)
    return node.apply(lambda child: _with_compounds(child, solid, split))


# Nouns texts count with an ordinal written in figures or in Roman numerals («2 этап», «II этап», «XXI век», «III
# четверть», «I квалификационная категория»): a query with one before such a noun finds the other as well.
ORDINAL_NOUNS = ("этап", "век", "четверть", "тур", "степень", "уровень", "ступень", "место", "категория",
                 "квалификационный", "полугодие", "триместр", "семестр", "квартал", "класс", "съезд", "созыв")
MAX_ORDINAL = 39  # XXXIX: Roman numerals of I, V and X only (``ROMAN_NUMERAL``), so «XL», «МИД», «CD» are no number
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}


@functools.lru_cache(maxsize=1)
def _ordinal_noun_terms() -> frozenset[str]:
    return frozenset(term(noun) for noun in ORDINAL_NOUNS)


def _roman(number: int) -> str:
    tens, units = divmod(number, 10)
    return "X" * tens + ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")[units]


# The Cyrillic letters a Roman numeral typed in lower case is written with («хх век», «хiх», Ukrainian «іі»).
_LOWER_ROMAN = str.maketrans("хі", "xi")
_LOWER_ROMAN_LETTERS = frozenset("хіxiv")


def _ordinal(word: str) -> int | None:
    """The number of a folded word written in figures («21») or in Roman numerals («xxi», «ххi» with Cyrillic
    letters: ``fold_word`` made them Latin), from 1 to MAX_ORDINAL; None for any other word. A numeral typed in
    lower case with Cyrillic letters («хх», «хiх», «іі») counts from two letters on: a lone «х» or «і» is a letter,
    and «и», «в» never were numeral letters."""
    if word.isdecimal():  # not isdigit(): «²», «①» are digits int() cannot read
        number = int(word) if word[0] != "0" and len(word) <= 3 else 0
    elif not word.isascii():
        if len(word) < 2 or not _LOWER_ROMAN_LETTERS.issuperset(word):
            return None
        return _ordinal(word.translate(_LOWER_ROMAN))
    elif (roman := word.upper()) and ROMAN_NUMERAL.fullmatch(roman):
        number = sum(_ROMAN_VALUES[a] * (-1 if _ROMAN_VALUES[a] < _ROMAN_VALUES[b] else 1)
                     for a, b in zip(roman, roman[1:], strict=False)) + _ROMAN_VALUES[roman[-1]]
    else:
        return None
    return number if 1 <= number <= MAX_ORDINAL else None


def _other_numerals(number: int, written: str) -> list[str]:
    """The terms the texts write ``number`` with other than ``written`` (a term): in figures, in Roman numerals, and
    a lone Cyrillic «Х» for 10 (a single letter is not taken for a numeral in the index: ``plain_token``)."""
    spellings = [str(number), _roman(number)] + (["Х"] if number == 10 else [])
    return [found for found in dict.fromkeys(term(fold_word(spelt)) for spelt in spellings) if found != written]


def _ordinal_alternatives(words: list[str]) -> dict[str, list[tuple[str, str]]]:
    """The term of each number of ``words`` (the query's, folded) that stands before a counting noun (ORDINAL_NOUNS:
    «2 этап», «XXI века») -> (the other numeral's term, the noun's term) pairs: «2» -> («ii», «этап»)."""
    found: dict[str, list[tuple[str, str]]] = {}
    nouns = _ordinal_noun_terms()
    for word, after in zip(words, words[1:], strict=False):
        if (number := _ordinal(word)) is None or not (noun := form_terms(after) & nouns):
            continue
        written = term(word)
        for other in _other_numerals(number, written):
            found.setdefault(written, []).extend((other, noun_term) for noun_term in sorted(noun))
    return found


def _with_ordinals(node: query.Query | None, alternatives: dict[str, list[tuple[str, str]]]) -> query.Query | None:
    """The query with each number typed before a counting noun (``_ordinal_alternatives``) looking also for the
    phrase of the number written otherwise and the noun: «2 этап» finds «II этап», «XXI век» finds «21 веке»."""
    if node is None or not alternatives:
        return node
    if _is_word(node):
        pairs = alternatives.get(node.subqueries[0].text)
        if not pairs:
            return node
        return query.Or([node, *(query.Or([query.Phrase(name, list(pair)) for name in TEXT_FIELDS])
                                 for pair in dict.fromkeys(pairs))])
    return node.apply(lambda child: _with_ordinals(child, alternatives))


def _people_weighted(node: query.Query | None, names: frozenset[str]) -> query.Query | None:
    """The query with each person's name it looks for (``names``: their terms) weighing PEOPLE_WEIGHT times more in
    the people around a document (its authors): the field is a line or two, and a name in it (a practice's author)
    said less than the same name cited a few times in a long text (a practice drawing on «Т. М. Ковалёва» above
    Ковалёва's own)."""
    if node is None or not names:
        return node
    if isinstance(node, query.Term) and node.fieldname == PEOPLE_FIELD and node.text in names:
        weighted = copy(node)
        weighted.boost = node.boost * PEOPLE_WEIGHT
        return weighted
    return node.apply(lambda child: _people_weighted(child, names))


def parse_text(text: str, schema: Schema, synonyms: SynonymTable | None = None,
               split: Callable[[str], list[tuple[str, str]]] | None = None,
               whole: frozenset[str] = frozenset()) -> ParsedQuery:
    """Parse a user's search text against the schema of the index it will run on. ``split(term)`` gives the pairs
    of terms a long word's term is written apart as in the index (``_with_compounds``); ``whole``, the words typed
    with «*» (folded) searched as words (the index's ``_whole_word``): no start of a word, no NOTICE_PREFIX."""
    notices: list[str] = []
    cleaned = _clean(text, notices, whole)
    words = [fold_word(match.group()) for match in _WORD.finditer(cleaned) if match.group() not in _OPERATORS]
    if not words:
        if text.strip() and not notices:  # «!!!», «—», an emoji: something was typed, and it says so
            notices.append(NOTICE_NO_WORDS)
        return ParsedQuery(notices=notices)
    if any(len(word) > MAX_TOKEN_LENGTH for word in words):  # the index keeps no word so long
        notices.append(NOTICE_WORD_TOO_LONG)
    plain = _words_only(cleaned, schema, synonyms)
    if plain is not None:
        strict, relaxed = plain
    else:
        strict = _parse(cleaned, schema, syntax.AndGroup)
        # Operators the user wrote are meant: "опыт NOT дети" must not turn into "опыт OR NOT дети".
        relaxed = (
            None if _OPERATORS & set(cleaned.split())
            else _parse(cleaned, schema, syntax.OrGroup.factory(RELAXED_SCALE))
        )
    if strict is None:
        strict = _plain(cleaned, schema, query.And)
        relaxed = _plain(cleaned, schema, query.Or)
        if strict is not None and NOTICE_SIMPLIFIED not in notices:
            notices.append(NOTICE_SIMPLIFIED)
    if strict is None:
        if all(word in STOP_WORDS for word in words):
            notices.append(NOTICE_ONLY_STOP_WORDS)
        elif NOTICE_SIMPLIFIED not in notices and NOTICE_WORD_TOO_LONG not in notices:
            notices.append(NOTICE_SIMPLIFIED)
        return ParsedQuery(matches_nothing=True, notices=notices, words=words)
    relaxed = relaxed if relaxed != strict else None
    # A word joined by a hyphen or a slash («онлайн-урок», «олимпиада/конкурс») is a phrase of its parts, so the
    # relaxed query held the same phrase and a miss found nothing: where few texts have the phrase, the texts with
    # all its words in any order and place follow (``loose``), then those with some of them, more of them first.
    # A phrase in quotes is what the user asked for: kept.
    by_words = '"' not in cleaned and _has_phrase(strict)
    loose = None
    if by_words:
        relaxed = _by_words(strict)
        loose = _loosened(strict)
        loose = None if loose == strict else loose
    solid = _solid_terms(cleaned, schema) if "-" in cleaned else {}
    if synonyms is not None:
        asked = frozenset(_positive_terms(strict))
        if loose is not None:
            loose = _expand(loose, synonyms, frozenset(), asked)
        strict = _expand(strict, synonyms, _quoted(cleaned, schema) if '"' in cleaned else frozenset(), asked,
                         solid=solid)
        if by_words and relaxed is not None:  # each of the words with its synonyms beside it («ОГЭ/ЕГЭ»)
            relaxed = _expand(relaxed, synonyms, frozenset(), asked)
        # The parser flattens the OR of words into one list of terms, where the words can no longer
        # be told apart: join the expanded words of the strict query instead.
        elif relaxed is not None and isinstance(strict, query.And):
            relaxed = query.Or(list(strict.subqueries), scale=RELAXED_SCALE)
    strict = _with_compounds(strict, solid, split)
    if ordinals := _ordinal_alternatives(words):
        strict, loose = _with_ordinals(strict, ordinals), _with_ordinals(loose, ordinals)
    forms = {term(word): found for word in dict.fromkeys(words) if len(found := form_terms(word)) > 1}
    strict, loose, relaxed = _with_forms(strict, forms), _with_forms(loose, forms), _with_forms(relaxed, forms)
    if names := frozenset(term(word) for word in words if is_person_name(word)):
        strict, loose, relaxed = (_people_weighted(strict, names), _people_weighted(loose, names),
                                  _people_weighted(relaxed, names))
    bonus = _number_phrases(cleaned, schema) if plain is not None else None
    return ParsedQuery(strict=strict, loose=loose, relaxed=relaxed, notices=notices, words=words, bonus=bonus)
