"""Suggesting thesaurus topics for a text by its labels, synonyms and abbreviations."""

from __future__ import annotations

import re
from collections.abc import Iterator

import Stemmer
from sqlalchemy import select

_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")
_STEMMER = Stemmer.Stemmer("russian")
# Words of topic labels that say nothing on their own.
_SKIP = {"и", "в", "на", "с", "по", "для", "их", "детей", "дети", "обучающихся", "уровней"}


def _stems(text: str) -> list[str]:
    words = [w.lower().replace("ё", "е") for w in _WORD.findall(text)]
    return _STEMMER.stemWords([w for w in words if w not in _SKIP])


_Patterns = tuple[tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...]], ...]


def _patterns() -> _Patterns:
    """Per topic of the thesaurus in the database (administrators add topics and synonyms): stemmed phrases (label
    and synonyms) and abbreviations (matched as written); kept as the vocabulary labels are."""
    from kb.vocabularies.services import cached_vocabulary  # it reads the database: imported when needed

    return cached_vocabulary("topic_patterns", _build_patterns)


def _build_patterns() -> _Patterns:
    return tuple((code, tuple(stems for _phrase, stems in phrases), abbreviations)
                 for code, phrases, abbreviations in _topic_rows())


def _topic_rows() -> list[tuple[str, list[tuple[str, tuple[str, ...]]], tuple[str, ...]]]:
    """Per topic of the thesaurus: its phrases (label and synonyms, each as written and stemmed) and abbreviations."""
    from kb.extensions import db
    from kb.vocabularies.models import Topic

    rows = db.session.execute(select(Topic.code, Topic.label, Topic.synonyms).order_by(Topic.sort_order, Topic.code))
    return [_topic_phrases(code, label, synonyms or []) for code, label, synonyms in rows]


def _topic_phrases(code: str, label: str, synonyms: list[str]) -> tuple[str, list[tuple[str, tuple[str, ...]]],
                                                                        tuple[str, ...]]:
    phrases, abbreviations = [], []
    for phrase in [label, *synonyms]:
        if phrase.isupper() and " " not in phrase:
            abbreviations.append(phrase)
        elif (stems := tuple(_stems(phrase))) and len(stems) <= 4:
            # A long label ("Интеграция урочной, внеурочной деятельности и …") is matched by its synonyms.
            phrases.append((phrase, stems))
    return code, phrases, tuple(abbreviations)


class StemIndex:
    """The stems of a text with the positions of each: a phrase (stems in a row) is tried only where its rarest
    stem stands, so a long text is read once however many phrases are looked for in it."""

    def __init__(self, stems: list[str]) -> None:
        self.stems = stems
        self.positions: dict[str, list[int]] = {}
        for i, stem in enumerate(stems):
            self.positions.setdefault(stem, []).append(i)

    def starts(self, phrase: tuple[str, ...]) -> Iterator[int]:
        """Where ``phrase`` may begin: the positions of its stem the text has fewest of, less that stem's place in
        the phrase (none at all when a stem of it is not in the text)."""
        occurrences = [self.positions.get(stem, ()) for stem in phrase]
        rarest = min(range(len(phrase)), key=lambda k: len(occurrences[k]))
        last = len(self.stems) - len(phrase)
        return (i - rarest for i in occurrences[rarest] if 0 <= i - rarest <= last)

    def contains(self, phrase: tuple[str, ...]) -> bool:
        """True if the stems of ``phrase`` stand in the text in a row, in its order."""
        if not phrase:
            return True
        n = len(phrase)
        return any(tuple(self.stems[i:i + n]) == phrase for i in self.starts(phrase))


# A contest of teachers («конкурс профессионального мастерства», «конкурс педагогов», «конкурс методических
# разработок», «конкурсе „Учитель года“», «Воспитатель года», «Воспитатели России», «конкурсе педагог года»): no
# olympiad or contest of pupils (its «конкурс» gives that topic no more), but the teachers' professional development
# (_TEACHERS_CONTEST_TOPIC, when the thesaurus has it). Bounded repeats: read in one pass.
_TEACHER = (r"(?:педагог(?:а|у|ом|е|и|ов|ам|ами|ах)?\b|педагогическ[а-яё]*\s+(?:работник|коллектив)|учител"
            r"|воспитател(?!ьн)|преподавател|наставник|классн[а-яё]*\s+руководител)")
_CONTEST_TITLE = (r"(?:Учитель|Воспитатель|Воспитатели|Педагог|Преподаватель|Классный руководитель|Директор|Наставник"
                  r"|Мастер|Вожатый)(?:-(?!класс)[а-яё]+)?")
_PUPILS = r"(?:(?:школьник|обучающ|учащ|ученик|воспитанник|студент)[а-яё]*|детей\b)"
# The adjectives of pupils' practices and programmes («детских волонтёрских практик», «компьютерных программ»).
_PUPILS_WORKS = r"(?i:ученическ|студенческ|детск|молод[её]жн|волонт[её]рск|добровольческ|компьютерн|игров)"
_TEACHERS_CONTEST = re.compile(
    # the first letters of the alternatives: a position starting none is passed at once
    r"(?=[КкПпУВДНМС«\"„“]|\b[увднм])(?:"
    r"\b[Кк]онкурс[а-яё]*\s+(?:(?:профессиональн|педагогическ)[а-яё]*\s+)?(?:проф)?мастерств[а-яё]*"
    r"|\b[Пп]рофессиональн[а-яё]*\s+конкурс[а-яё]*"
    # teachers' work: «конкурс педагогических проектов», «конкурсе лучших методических разработок», «конкурс на
    # лучшую методическую разработку»; not the pupils' own («конкурс педагогических проектов студентов»)
    r"|\b[Кк]онкурс[а-яё]*\s+(?:на\s+)?(?:[а-яё]+(?:ых|их|ую|юю)\s+){0,2}(?:[а-яё]+-)?(?:педагогическ|методическ)"
    r"[а-яё]*\s+(?:проект|разработ|инновац|иде[йия]|наход|материал|практик|технолог|сценари|кейс)[а-яё]*\b"
    r"(?!\s+" + _PUPILS + ")"
    # practices and programmes (of teachers, of schools): «конкурс инклюзивных практик», «конкурс лучших практик
    # инклюзивного образования», «конкурс на лучшую практику», «конкурсе «Лучшие практики …»», «конкурс
    # дополнительных общеобразовательных программ»; not the pupils' own («конкурс практик обучающихся», «конкурс
    # детских волонтёрских практик», «конкурс компьютерных программ»), nor a contest's programme («конкурсная
    # программа олимпиады»)
    r"|\b[Кк]онкурс(?:а|у|ом|е|ы|ов|ам|ами|ах)?\s+[«\"„“]?(?:на\s+)?"
    r"(?:(?!" + _PUPILS_WORKS + r")(?i:[а-яё]+-)?(?i:[а-яё]+)(?:ых|их|ую|юю|ые|ие|ая|яя)\s+){0,3}"
    r"(?i:практик(?:а|и|у|ой|е|ам|ами|ах|ов)?|программ(?:а|ы|у|ой|е|ам|ами|ах)?)\b"
    r"(?!\s+" + _PUPILS + ")"
    r"|\b[Кк]онкурс[а-яё]*\s+(?:(?:среди|для|молод[а-яё]*|начинающ[а-яё]*|лучш[а-яё]*)\s+){0,3}" + _TEACHER
    + r"[а-яё]*"
    # «Учитель года» right after «конкурс», or in quotation marks, may have words before «года» («конкурсе „Учитель
    # здоровья года“»); else «года» must follow the position («Педагог в течение года ведёт…» is none). In quotation
    # marks the name is a contest's in any letters, after an adjective, with «России» for «года» or a year after it
    # («„педагог года“», «Молодой педагог года», «Педагог-психолог России», «Педагог года – 2024»)
    r"|\b[Кк]онкурс[а-яё]*\s*[«\"„“]?\s*" + _CONTEST_TITLE + r"(?:\s+[а-яё]+){0,2}\s+года\b"
    # without quotation marks the name in any letters a few words after «конкурс» (no pupils' one), or with
    # «конкурс» after a bracket or a dash: «в конкурсе педагог года», «конкурсных испытаниях учитель года»,
    # «конкурсах: педагог года», «воспитатель года (муниципальный конкурс)»; «года два назад» is a time.
    # «Воспитатели России» right after «конкурс», in any letters
    r"|\b[Кк]онкурс[а-яё]*(?:\s+(?!" + _PUPILS + r")[а-яё]+){0,3}?[\s,:–—-]+(?i:" + _CONTEST_TITLE
    + r")\s+года\b(?!\s+(?:два|три|четыре|полтора)\b)"
    r"|(?i:" + _CONTEST_TITLE + r")\s+года\s*[(–—-]\s*(?:[а-яё]+\s+){0,2}конкурс[а-яё]*"
    r"|\b[Кк]онкурс[а-яё]*\s*[«\"„“]?\s*(?i:воспитатели\s+россии)\b[»\"“”]?"
    r"|[«\"„“]\s*(?i:(?:[а-яё]+(?:ый|ий|ой)\s+)?(?!мастер\s+спорт)" + _CONTEST_TITLE
    + r"(?:\s+[а-яё]+){0,2}\s+(?:года|России)(?:\s*[-–—]?\s*\d{4})?)(?=\s*[»\"“”])"
    r"|(?:\b[Кк]онкурс[а-яё]*\s*[«\"„“]?\s*)?\b(?:" + _CONTEST_TITLE + r"\s+года\b"
    r"|Педагогический дебют|Сердце отдаю детям)"
    # unquoted «Воспитатели России» is the contest's name inside a sentence, not at its start («Воспитатели России
    # собрались на форум» are the country's educators)
    r"|(?<=[а-яёa-z0-9,»)]\s)Воспитатели\s+России\b)")
_TEACHERS_CONTEST_TOPIC = "teacher_development"


def _without_teachers_contests(text: str, separator: str) -> tuple[str, bool]:
    """``text`` with its teachers' contests put out (each replaced by ``separator``), and whether it had one."""
    stripped, count = _TEACHERS_CONTEST.subn(separator, text)
    return stripped, count > 0


def suggest_topics(text: str) -> list[str]:
    """Topic codes whose label, a synonym or an abbreviation occurs in ``text`` (a teachers' contest is their
    professional development, not an olympiad or contest of pupils)."""
    text, contest = _without_teachers_contests(text, " ")
    stems = StemIndex(_stems(text))
    tokens = set(_WORD.findall(text))
    return [
        code
        for code, phrases, abbreviations in _patterns()
        if (contest and code == _TEACHERS_CONTEST_TOPIC) or any(a in tokens for a in abbreviations)
        or any(stems.contains(p) for p in phrases)
    ]


# Words a long text may put between the words of a synonym («выявления, сопровождения и поддержки одарённых»,
# «выявления и развития потенциала одаренных детей» are «выявление одарённых детей»).
_GAP = 2
# (a line break alone is none: a paragraph of a PDF is broken into lines)
_SENTENCE_END = re.compile(r"[.!?;:]+|\n\s*\n")
# Nor does a phrase run into a quoted title or a bracket, or out of one («научно-практической конференции
# «Функциональная грамотность школьника»» is no «научно-практическая конференция школьников»).
_QUOTE_OR_BRACKET = re.compile(r"[«»“”„\"()\[\]]")
# The words naming the format of an event («Конференция проходила в режиме ВКС», «Формат: онлайн
# (видеоконференцсвязь)»): a resolution says how the event was held with them, not what it discussed.
_EVENT_FORMAT = ("ВКС", "видеоконференцсвязь", "вебинар")
# The name of an institution («Института изучения детства, семьи и воспитания», «Центра дополнительного
# образования»): its words name no theme of the text. It starts with a capitalised institution word (or one after a
# capitalised adjective: «Челябинском институте») and runs through lower-case words (a few at most) to a capitalised
# word, a bracket, a preposition or the end of the sentence.
_INSTITUTION_NAME = re.compile(
    r"(?:\b[А-ЯЁ][а-яё]+\s+(?:институт|университет|академи|центр|колледж)|\b(?:Институт|Университет|Академи|Центр"
    r"|Колледж))[а-яё]*(?:[\s,-]+(?!(?:по|при|для|в|во|на|с|со|к|о|об|от|из|за|у|через)\b)[а-яё]+){0,6}")


_DiscussedPatterns = tuple[tuple[str, tuple[tuple[tuple[str, ...], int], ...], tuple[str, ...]], ...]


def _discussed_patterns() -> _DiscussedPatterns:
    """Per topic: its stemmed phrases, each with the words a text may put between its words, and its abbreviations;
    the words of an event's format left out."""
    from kb.vocabularies.services import cached_vocabulary

    return cached_vocabulary("discussed_topic_patterns", _build_discussed_patterns)


def _build_discussed_patterns() -> _DiscussedPatterns:
    format_stems = {tuple(_stems(word)) for word in _EVENT_FORMAT}
    return tuple(
        (code,
         tuple((stems, _phrase_gap(phrase, stems)) for phrase, stems in phrases if stems not in format_stems),
         tuple(a for a in abbreviations if a not in _EVENT_FORMAT))
        for code, phrases, abbreviations in _topic_rows())


def _phrase_gap(phrase: str, stems: tuple[str, ...]) -> int:
    """How many words may stand between the words of ``phrase`` in a text: none between an adjective and its noun
    (a word there changes the meaning: «дополнительного профессионального образования» is no «дополнительное
    образование»), _GAP otherwise («выявления и развития потенциала одаренных детей»)."""
    from indexer.analysis import morphology

    if len(stems) != 2:
        return _GAP
    first = next(w for w in _WORD.findall(phrase.lower().replace("ё", "е")) if w not in _SKIP)
    return 0 if morphology().parse(first)[0].tag.POS in {"ADJF", "PRTF"} else _GAP


def _near(haystack: list[str], needle: tuple[str, ...], gap: int = _GAP) -> bool:
    """Whether the words of ``needle`` occur in order in ``haystack``, each at most ``gap`` words after the one
    before."""
    for start, stem in enumerate(haystack):
        if stem != needle[0]:
            continue
        position = start
        for word in needle[1:]:
            position = next((i for i in range(position + 1, min(len(haystack), position + 2 + gap))
                             if haystack[i] == word), -1)
            if position < 0:
                break
        else:
            return True
    return False


def discussed_topics(text: str) -> list[str]:
    """Topic codes a long text (a resolution's full text) discusses: a label's or synonym's words in one sentence,
    outside a quoted title or a bracket or all in it, in order, a few words apart at most (an adjective next to its
    noun), or an abbreviation; the names of institutions and the words of the event's format (ВКС) left out (they
    are no theme: «Институт … семьи и воспитания»); a teachers' contest is their professional development, not an
    olympiad or contest of pupils («конкурс профессионального мастерства», «конкурсе „Учитель года“»)."""
    text, contest = _without_teachers_contests(text, ";")  # the words before it and after it are not one phrase
    found: set[str] = {_TEACHERS_CONTEST_TOPIC} if contest else set()
    patterns = _discussed_patterns()
    parts = (part for sentence in _SENTENCE_END.split(text) for piece in _QUOTE_OR_BRACKET.split(sentence)
             for part in _INSTITUTION_NAME.split(piece))  # the words before a name and after it are not one phrase
    for part in parts:
        tokens = set(_WORD.findall(part))
        stems = _stems(part)
        present = set(stems)  # a phrase is looked for only in a part that has all its words
        found.update(code for code, phrases, abbreviations in patterns if code not in found and (
            any(a in tokens for a in abbreviations)
            or any(present.issuperset(p) and _near(stems, p, gap) for p, gap in phrases)))
    return [code for code, _phrases, _abbreviations in patterns if code in found]
