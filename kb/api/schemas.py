"""Marshmallow schemas of the API: the shapes of requests and responses, and the source of the OpenAPI document.

Request schemas check only the JSON shape (types, nesting). What the values may be — lengths, vocabulary
codes, the region of a municipality — is checked by the same form the pages use (kb/practices/forms.py); the
limits of lengths and years are written into the document from the form's own rules (kb/practices/rules.py).
"""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from kb.attachments.extract import KINDS
from kb.collections.models import ITEM_TYPES
from kb.practices import rules
from kb.practices.licences import CODES as LICENCE_CODES
from kb.practices.models import SECTION_KEYS, STATUSES
from kb.practices.policy import TRANSITIONS


def _section_key() -> fields.String:
    return fields.String(validate=validate.OneOf(SECTION_KEYS, error="Неизвестный раздел: {input}."))


def _utc_time(**kwargs) -> fields.String:
    """A moment as the API writes it: ISO 8601 (RFC 3339) in UTC with «Z»."""
    return fields.String(metadata={"format": "date-time", "description": "Время UTC, ISO 8601 с «Z»"}, **kwargs)


class CodeLabel(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class LicenceOutput(Schema):
    code = fields.String(required=True, validate=validate.OneOf(LICENCE_CODES))
    label = fields.String(required=True)
    url = fields.String(allow_none=True, required=True,
                        metadata={"description": "Страница лицензии Creative Commons; null — все права защищены"})


class MunicipalityRef(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    region = fields.String(required=True, metadata={"description": "Код региона муниципалитета"})


class Problem(Schema):
    """An error as problem details (RFC 9457) with Russian title and detail."""

    type = fields.String(required=True, metadata={"description": "Адрес описания ошибки на странице API"})
    status = fields.Integer(required=True)
    title = fields.String(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Сообщения по полям (для 422)"})
    duplicates = fields.List(fields.Dict(), metadata={
        "description": "Для 409 при создании практики: похожие практики, которые уже есть в банке "
                       "(id, title, url, similarity — доля общих формулировок, same_title); при загрузке файла: "
                       "практики, у которых точно такой же файл уже есть (id, title, url, same_practice — это "
                       "та же практика, attachment — {id, name, url} этого файла)"})


class Author(Schema):
    name = fields.String(required=True)
    position = fields.String(load_default="")


class ResolutionRef(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True)


class AnsweredRecommendation(Schema):
    id = fields.Integer(required=True)
    number = fields.String(allow_none=True, required=True)
    addressee = fields.String(allow_none=True, required=True)
    resolution = fields.Nested(ResolutionRef, required=True)
    url = fields.String(required=True)


class AttachedFile(Schema):
    """A file of a practice, as its page lists it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "Имя файла"})
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)), metadata={"description": "Тип файла"})
    size = fields.Integer(required=True, metadata={"description": "Размер в байтах"})
    content_type = fields.String(required=True, metadata={"description": "Тип содержимого (MIME), с которым файл "
                                                                          "отдаётся при скачивании"})
    url = fields.String(required=True, metadata={
        "description": "Абсолютный адрес для скачивания: у опубликованной практики — тот же, что на её странице; у "
                       "неопубликованной — адрес API /api/v1/practices/{practice_id}/attachments/{attachment_id}, "
                       "который отдаёт файл с токеном того, кто видит практику (автора, методиста её области)"})


class Practice(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True, validate=validate.Equal("practice"))
    title = fields.String(required=True)
    url = fields.String(required=True)
    sections = fields.Dict(keys=_section_key(), values=fields.String(),
                           required=True)
    authors = fields.List(fields.Nested(Author), required=True)
    organisation = fields.String(required=True)
    municipality = fields.Nested(CodeLabel, allow_none=True, required=True)
    region = fields.Nested(CodeLabel, allow_none=True, required=True)
    levels = fields.List(fields.Nested(CodeLabel), required=True)
    subjects = fields.List(fields.Nested(CodeLabel), required=True)
    topics = fields.List(fields.Nested(CodeLabel), required=True)
    year = fields.Integer(allow_none=True, required=True)
    event = fields.String(required=True)
    spread_level = fields.String(allow_none=True, required=True)
    licence = fields.Nested(LicenceOutput, required=True, metadata={"description": "Условия использования практики"})
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    is_demo = fields.Boolean(required=True)
    published_at = _utc_time(allow_none=True, required=True)
    updated_at = _utc_time(required=True)
    recommendations = fields.List(
        fields.Nested(AnsweredRecommendation), required=True,
        metadata={"description": "Рекомендации опубликованных резолюций, которым отвечает практика"})
    attachments = fields.List(fields.Nested(AttachedFile), required=True,
                              metadata={"description": "Приложенные файлы, в порядке загрузки"})


# The form's limits (kb/practices/rules.py), written into the document (the form checks them: one message for the
# pages and the API). The latest year is the next one: kb.api.spec.build_spec writes it when it builds the document.
# The minimum counts the characters that show: a title with invisible ones inside (U+200B…) may meet minLength and
# still be refused.
_TITLE = {"description": f"От {rules.TITLE_MIN} до {rules.TITLE_MAX} символов; невидимые знаки (U+200B, мягкий "
                         "перенос U+00AD, U+200C, U+200D, U+2060, U+FEFF…) в минимум не считаются",
          "minLength": rules.TITLE_MIN, "maxLength": rules.TITLE_MAX}
_LINE = {"maxLength": rules.LINE_MAX}
AUTHORS_LIST_MAX = 1000  # rows in `authors`, blank ones included
AUTHORS_LIST_MESSAGE = (f"Не больше {AUTHORS_LIST_MAX} строк в списке авторов "
                        f"(авторов с именем — не больше {rules.AUTHORS_MAX}).")


class PracticeInput(Schema):
    """A new practice as the form has it."""

    title = fields.String(required=True, metadata=_TITLE)
    sections = fields.Dict(keys=_section_key(), values=fields.String(),
                           metadata={"description": "Тексты разделов шаблона описания опыта"})
    # The form counts the authors with a name (rows with an empty name are dropped, as the form drops empty
    # lines): not the list's length. The list's own limit only keeps a body of half a million rows from being
    # checked row by row (kb.api.payloads._refused_before_checking).
    authors = fields.List(fields.Nested(Author), validate=validate.Length(max=AUTHORS_LIST_MAX,
                                                                          error=AUTHORS_LIST_MESSAGE),
                          metadata={"description": f"[{{name, position}}]: авторов с непустым name — не больше "
                                                   f"{rules.AUTHORS_MAX}; строки с пустым name отбрасываются "
                                                   f"(maxItems — предел самого списка, со всеми строками)"})
    organisation = fields.String(metadata=_LINE)
    region = fields.String(allow_none=True, metadata={"description": "Код региона из словаря"})
    municipality = fields.String(allow_none=True, metadata={"description": "Код муниципалитета выбранного региона"})
    levels = fields.List(fields.String(), metadata={"description": "Коды уровней образования"})
    subjects = fields.List(fields.String(), metadata={"description": "Коды предметов"})
    topics = fields.List(fields.String(), metadata={"description": "Коды тем"})
    year = fields.Integer(allow_none=True, strict=True, metadata={
        "description": f"От {rules.FIRST_YEAR} до следующего года", "minimum": rules.FIRST_YEAR})
    event = fields.String(metadata=_LINE)
    spread_level = fields.String(allow_none=True, metadata={"description": "Код уровня распространения"})
    licence = fields.String(allow_none=True, metadata={
        "description": "Код лицензии: " + ", ".join(LICENCE_CODES) + "; без него у новой практики (и null у любой) — "
                       "лицензия банка по умолчанию"})


class PracticePatch(PracticeInput):
    """Changes to a practice: any subset of the fields, the rest stay as they are."""

    title = fields.String(metadata=_TITLE)


class TransitionInput(Schema):
    action = fields.String(required=True,
                           validate=validate.OneOf(list(TRANSITIONS), error="Допустимые действия: {choices}."))
    comment = fields.String(load_default="", validate=validate.Length(max=5000, error="Не больше {max} символов."),
                            metadata={"description": "Обязателен при возврате на доработку"})


class LinkedPractice(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True)


class Recommendation(Schema):
    id = fields.Integer(required=True)
    number = fields.String(allow_none=True, required=True)
    addressee_type = fields.String(allow_none=True, required=True)
    addressee_type_label = fields.String(allow_none=True, required=True)
    addressee = fields.String(allow_none=True, required=True)
    text = fields.String(required=True)
    topics = fields.List(fields.Nested(CodeLabel), required=True)
    url = fields.String(required=True)
    practices = fields.List(fields.Nested(LinkedPractice), required=True,
                            metadata={"description": "Опубликованные практики, реализующие рекомендацию"})


class Resolution(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True, validate=validate.Equal("resolution"))
    title = fields.String(required=True)
    url = fields.String(required=True)
    conference_name = fields.String(required=True)
    date_start = fields.String(allow_none=True, required=True)
    date_end = fields.String(allow_none=True, required=True)
    place = fields.String(required=True)
    organiser = fields.String(required=True)
    format = fields.String(allow_none=True, required=True)
    participants_count = fields.Integer(allow_none=True, required=True)
    participants_text = fields.String(required=True)
    regions = fields.List(fields.Nested(CodeLabel), required=True)
    municipalities = fields.List(fields.Nested(MunicipalityRef), required=True, metadata={
        "description": "Муниципалитеты, названные в резолюции (городские округа, муниципальные районы)"})
    topics = fields.List(fields.Nested(CodeLabel), required=True, metadata={
        "description": "Темы, которые обсуждаются в резолюции (у каждой рекомендации — ещё и свои темы)"})
    is_demo = fields.Boolean(required=True)
    published_at = _utc_time(allow_none=True, required=True)
    recommendations = fields.List(fields.Nested(Recommendation), required=True)


class ResolutionImport(Resolution):
    status = fields.String(required=True, validate=validate.OneOf(("draft", "published")))
    created = fields.Boolean(required=True, metadata={"description": "false — такой текст уже был загружен"})
    warnings = fields.List(fields.String(), metadata={
        "description": "Что разбор заметил: не найдена дата, не определён тип адресата, поле длиннее, чем хранит "
                       "банк, и сокращено (до конца слова, с «…»)"})


class ResolutionState(Resolution):
    status = fields.String(required=True, validate=validate.OneOf(("draft", "published")))


class ResolutionStatusInput(Schema):
    status = fields.String(required=True, validate=validate.OneOf(
        ("draft", "published"), error="Допустимые статусы: {choices}."), metadata={
        "description": "published — опубликовать, draft — снять с публикации (черновик видят только методисты и "
                       "администраторы)"})


class ResolutionUpload(Schema):
    file = fields.Raw(required=True, metadata={
        "type": "string", "format": "binary",
        "description": ".txt, .md, .docx, .odt, .fodt, .rtf, .pdf или .doc, до 10 МБ"})


class PracticeCreateQuery(Schema):
    confirm_duplicates = fields.Boolean(load_default=False, metadata={
        "description": "Создать, даже если в банке есть похожая практика (иначе ответ 409 с её описанием)"})


class AttachmentUploadQuery(Schema):
    confirm_duplicates = fields.Boolean(load_default=False, metadata={
        "description": "Приложить, даже если точно такой же файл уже есть в банке (иначе ответ 409 с тем, где он)"})


class ResolutionImportQuery(Schema):
    publish = fields.Boolean(load_default=False, metadata={"description": "Сразу опубликовать"})


class SearchQuery(Schema):
    q = fields.String(metadata={"description": "Текст запроса; пустой — всё, что подходит под фильтры"})
    type = fields.List(fields.String(), metadata={
        "description": "Вид записей (любой из): practice — практики, resolution — резолюции, "
                       "recommendation — рекомендации"})
    topic = fields.List(fields.String(), metadata={"description": "Коды тем (любой из)"})
    region = fields.List(fields.String(), metadata={"description": "Коды регионов (любой из)"})
    municipality = fields.List(fields.String(), metadata={
        "description": "Коды муниципалитетов (любой из; словарь /vocabularies). С фильтром region — только "
                       "муниципалитеты выбранных регионов; фасет municipality заполнен, когда выбрано от одного "
                       "до трёх регионов (при нескольких — по регионам в порядке выбора, с регионом в скобках в "
                       "label)"})
    level = fields.List(fields.String(), metadata={"description": "Коды уровней образования"})
    subject = fields.List(fields.String(), metadata={"description": "Коды предметов"})
    spread = fields.List(fields.String(), metadata={
        "description": "Коды уровней распространения практики (любой из; словарь /vocabularies, spread_levels): "
                       "institution, municipality, region, federal"})
    expertise = fields.List(fields.String(), metadata={
        "description": "1 — практики с отметкой «Прошла экспертизу», 0 — без неё; резолюции и рекомендации не "
                       "подходят ни под одно значение"})
    year = fields.List(fields.String(), metadata={"description": "Годы"})
    page = fields.Integer(metadata={"description": "Номер страницы, с 1"})
    per_page = fields.Integer(metadata={"description": "Результатов на странице"})
    sort = fields.String(validate=validate.OneOf(("relevance", "date", "adoptions")))


class SearchResult(Schema):
    class Meta:
        unknown = INCLUDE  # the search may add fields; clients ignore what they do not know

    id = fields.Integer(required=True)
    type = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True)
    snippet = fields.String(required=True, metadata={"description": "HTML: найденные слова в <mark>"})
    region = fields.Nested(CodeLabel, allow_none=True, unknown=INCLUDE)
    levels = fields.List(fields.Nested(CodeLabel, unknown=INCLUDE))
    topics = fields.List(fields.Nested(CodeLabel, unknown=INCLUDE))
    year = fields.Integer(allow_none=True)


class FacetValue(Schema):
    value = fields.String(required=True)
    label = fields.String(required=True)
    count = fields.Integer(required=True)


class PageLinks(Schema):
    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    prev = fields.String(allow_none=True, required=True)
    next = fields.String(allow_none=True, required=True)


class SearchPage(Schema):
    class Meta:
        unknown = INCLUDE

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    links = fields.Nested(PageLinks, required=True)
    suggestion = fields.String(allow_none=True)
    notice = fields.String()
    results = fields.List(fields.Nested(SearchResult), required=True)
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetValue)), required=True,
                         metadata={"description": "Значения, которые показывает страница поиска: найденные (число "
                                   "считается без выбора в самом фасете) и выбранные — выбранное значение остаётся в "
                                   "списке и с числом 0, чтобы его можно было снять. Муниципалитеты — при одном–трёх "
                                   "выбранных регионах; без региона и при четырёх и более — только выбранные (страница "
                                   "показывает их в строке выбранных фильтров). Когда ничего не найдено (total 0), "
                                   "списки пусты."})


class VocabularyEntry(Schema):
    class Meta:
        unknown = INCLUDE  # every vocabulary has code and label, some have more (kind, region, synonyms…)

    code = fields.String(required=True)
    label = fields.String(required=True)


class Vocabularies(Schema):
    regions = fields.List(fields.Nested(VocabularyEntry), required=True)
    municipalities = fields.List(fields.Nested(VocabularyEntry), required=True)
    levels = fields.List(fields.Nested(VocabularyEntry), required=True)
    subjects = fields.List(fields.Nested(VocabularyEntry), required=True)
    topics = fields.List(fields.Nested(VocabularyEntry), required=True)
    addressee_types = fields.List(fields.Nested(VocabularyEntry), required=True)
    spread_levels = fields.List(fields.Nested(VocabularyEntry), required=True)
    licences = fields.List(fields.Nested(VocabularyEntry), required=True)
    resolution_formats = fields.List(fields.Nested(VocabularyEntry), required=True)


class SuggestQuery(Schema):
    q = fields.String(metadata={"description": "Начало запроса"})


class Suggestion(Schema):
    class Meta:
        unknown = INCLUDE

    label = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    url = fields.String(required=True)


class Suggestions(Schema):
    query = fields.String(required=True)
    suggestions = fields.List(fields.Nested(Suggestion), required=True)


# The furthest page of /practices, /resolutions and /collections: far past any real list, an OFFSET every
# database takes.
LIST_MAX_PAGE = 100_000


class ListQuery(Schema):
    page = fields.Integer(metadata={"description": "Номер страницы, с 1"})
    per_page = fields.Integer(metadata={"description": "Записей на странице, от 1 до 100 (по умолчанию 20)"})


class CollectionListQuery(ListQuery):
    q = fields.String(metadata={"description": "Часть названия подборки («ё» = «е», регистр не важен)"})


class PracticeSummary(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True, validate=validate.Equal("practice"))
    title = fields.String(required=True)
    url = fields.String(required=True)
    api_url = fields.String(required=True)
    organisation = fields.String(required=True)
    region = fields.Nested(CodeLabel, allow_none=True, required=True)
    year = fields.Integer(allow_none=True, required=True)
    published_at = _utc_time(allow_none=True, required=True)
    updated_at = _utc_time(required=True)


class PracticeList(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    links = fields.Nested(PageLinks, required=True)
    results = fields.List(fields.Nested(PracticeSummary), required=True)


class ResolutionSummary(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True, validate=validate.Equal("resolution"))
    title = fields.String(required=True)
    url = fields.String(required=True)
    api_url = fields.String(required=True)
    conference_name = fields.String(required=True)
    date_start = fields.String(allow_none=True, required=True)
    date_end = fields.String(allow_none=True, required=True)
    place = fields.String(required=True)
    regions = fields.List(fields.Nested(CodeLabel), required=True)
    municipalities = fields.List(fields.Nested(MunicipalityRef), required=True, metadata={
        "description": "Муниципалитеты, названные в резолюции, — как у /resolutions/{resolution_id}"})
    recommendations_count = fields.Integer(required=True)
    published_at = _utc_time(allow_none=True, required=True)


class ResolutionList(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    links = fields.Nested(PageLinks, required=True)
    results = fields.List(fields.Nested(ResolutionSummary), required=True)


class CollectionSummary(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    visibility = fields.String(required=True, validate=validate.OneOf(("private", "link", "public")))
    url = fields.String(required=True, metadata={"description": "Страница подборки на сайте"})
    items_count = fields.Integer(required=True)
    updated_at = _utc_time(required=True)


class CollectionList(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    links = fields.Nested(PageLinks, required=True)
    results = fields.List(fields.Nested(CollectionSummary), required=True)


class CollectionEntry(Schema):
    type = fields.String(required=True, allow_none=True, validate=validate.OneOf(ITEM_TYPES), metadata={
        "description": "attachment — файл практики; его url — адрес скачивания, excerpt — формат, размер и практика; "
                       "null, если материал недоступен"})
    id = fields.Integer(required=True, allow_none=True, metadata={"description": "null, если материал недоступен"})
    available = fields.Boolean(required=True, metadata={"description": "false — материал снят или недоступен: "
                                                                       "без номера, названия и заметки"})
    title = fields.String(required=True)
    excerpt = fields.String(required=True)
    note = fields.String(required=True, metadata={"description": "Заметка автора подборки"})
    url = fields.String(allow_none=True, required=True)


class CollectionDetail(CollectionSummary):
    items = fields.List(fields.Nested(CollectionEntry), required=True)


class AttachmentUpload(Schema):
    file = fields.Raw(required=True, metadata={
        "type": "string", "format": "binary",
        "description": ", ".join(label for label, _ in list(KINDS.values())[:-1]) + f" или {KINDS['txt'][0]}; "
                       "тип определяется по содержимому; размер — не больше ATTACHMENT_MAX_BYTES"})


class Attachment(Schema):
    id = fields.Integer(required=True)
    practice_id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    size = fields.Integer(required=True)
    words = fields.Integer(required=True, metadata={"description": "Слов в извлечённом тексте (0 — текста нет)"})
    url = fields.String(required=True, metadata={"description": "Адрес для скачивания"})
