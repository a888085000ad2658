"""The practice form: the template sections of a practice description and its metadata."""

from __future__ import annotations

from sqlalchemy import select
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from kb.extensions import db
from kb.forms import Form, unknown_values_message
from kb.practices import rules
from kb.practices.assessments import Scores
from kb.practices.licences import UNKNOWN_LICENCE, default_licence
from kb.practices.models import ASSESSMENT_CRITERIA, ASSESSMENT_SCALE, CONCLUSION_MAX, SECTIONS
from kb.practices.services import PracticeData
from kb.vocabularies import data as vocabulary
from kb.vocabularies.models import EducationLevel, Municipality, Region, Subject, Topic
from kb.vocabularies.services import cached_vocabulary

NOT_SET = SelectChoice("", "— не указан —")


def _choices(model: type, label_attr: str) -> list[SelectChoice]:
    return [SelectChoice(x.code, getattr(x, label_attr))
            for x in db.session.scalars(select(model).order_by(model.sort_order))]


def _vocabulary_choices() -> dict[str, tuple[SelectChoice, ...]]:
    """The form's lists of every vocabulary, read in five queries (the municipalities with their regions' names:
    a query per municipality before) and kept as the vocabulary labels are (``cached_vocabulary``)."""
    # each region's municipalities in Russian alphabetical order (not the database's collation: «ё» after «я»)
    municipalities = sorted(db.session.execute(
        select(Municipality.id, Municipality.name, Region.name, Region.sort_order).join(Municipality.region)),
        key=lambda row: (row.sort_order, vocabulary.alphabetical(row.name)))
    return {
        "region": tuple(_choices(Region, "name")),
        "municipality": tuple(SelectChoice(str(number), name, optgroup=region)
                              for number, name, region, _order in municipalities),
        "levels": tuple(_choices(EducationLevel, "name")),
        "subjects": tuple(_choices(Subject, "name")),
        "topics": tuple(_choices(Topic, "label")),
    }


# A box the page did not offer: a value removed from its vocabulary while the form was open (the page has no
# other way to send one). Said without the code, which means nothing to the person filling the form.
GONE_CHOICE = "Выбрано значение, которого больше нет в списке: обновите страницу и выберите заново."


class TextLength:
    """Length(max=…) for a text area, counting a line break as one character (rules.length): a browser sends each
    line break as CR LF, so a text the bulk import took at the limit came back longer than it."""

    def __init__(self, limit: int, message: str):
        self.limit, self.message = limit, message
        self.field_flags = {"maxlength": limit}

    def __call__(self, form, field) -> None:
        if field.data and rules.length(field.data) > self.limit:
            raise ValidationError(self.message)


class TitleLength:
    """A practice's title within its limits (rules.title_error: the characters that show, at least TITLE_MIN); the
    input's minlength and maxlength as Length's."""

    field_flags = {"minlength": rules.TITLE_MIN, "maxlength": rules.TITLE_MAX}

    def __call__(self, form, field) -> None:
        if message := rules.title_error(field.data or ""):
            raise ValidationError(message)


class CheckboxList(SelectMultipleField):
    """Checkboxes of a vocabulary (templates/_forms.html draws them with the error tied to the group)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", GONE_CHOICE)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form) -> None:
        """WTForms' check, but the values not among the choices are named (when the message names them, for
        the API) as sent, each once, the first few of them (kb.forms.unknown_values_message)."""
        if self.invalid_choice_message is not None or not self.validate_choice or not self.data \
                or self.process_errors:
            return super().pre_validate(form)
        acceptable = {self.coerce(choice[0]) for choice in self.iter_choices()}
        unacceptable = list(dict.fromkeys(str(value) for value in self.data if value not in acceptable))
        if unacceptable:
            raise ValidationError(unknown_values_message(unacceptable))


def _one_line(value: object) -> object:
    """A one-line field's filter: its text as it will be stored (rules.one_line), so that its length is checked on
    that — «   вгд  » passed the five-character minimum and was stored as «вгд»."""
    return rules.one_line(value) if isinstance(value, str) else value


class PracticeForm(Form):
    # The limits are kb.practices.rules': the bulk import checks the same ones.
    title = StringField("Название практики", filters=[_one_line], validators=[
        DataRequired("Укажите название."), TitleLength()])
    authors = TextAreaField(
        "Авторы", description="По одному на строке (или через «;»): «Фамилия Имя Отчество, должность» "
                              "или «Фамилия Имя Отчество – должность».",
        validators=[Optional(), TextLength(rules.AUTHORS_TEXT_MAX, rules.AUTHORS_TEXT_MESSAGE)])
    organisation = StringField("Организация", filters=[_one_line], validators=[Optional(), Length(max=rules.LINE_MAX)])
    region = SelectField("Регион", validators=[Optional()], validate_choice=True)
    municipality = SelectField("Муниципалитет", validators=[Optional()], validate_choice=True)
    levels = CheckboxList("Уровни образования", validate_choice=True)
    subjects = CheckboxList("Предметы", validate_choice=True)
    topics = CheckboxList("Темы", validate_choice=True)
    year = IntegerField("Год", validators=[Optional()])  # its range: validate_year
    event = StringField("Где представлена (конференция, конкурс)", filters=[_one_line],
                        validators=[Optional(), Length(max=rules.LINE_MAX)])
    spread_level = SelectField(
        "Уровень распространения", validators=[Optional()],
        choices=[NOT_SET] + [SelectChoice(s["code"], s["label"]) for s in vocabulary.SPREAD_LEVELS])
    # Empty (an API body without it) is the instance's default; the page's list has the default chosen.
    licence = SelectField(
        "Лицензия", validators=[Optional()], validate_choice=True, invalid_choice_message=UNKNOWN_LICENCE,
        description="На каких условиях другие могут использовать описание и файлы практики (например, включить "
                    "раздаточные материалы в свой курс). Условия каждой лицензии — на странице практики.",
        choices=[SelectChoice(entry["code"], f"{entry['label']} — {entry['title']}" if entry["title"]
                              else entry["label"]) for entry in vocabulary.LICENCES])
    # The practice's revision when the form was opened (kb.practices.services.edit_conflict); empty on «new».
    revision = HiddenField()
    # The authors of an API body, a list of (name, position) (kb.api.payloads.practice_data): counted against the
    # ten and stored as they are sent, not read back from the text area's lines (where a name beginning in lower
    # case or with «(» carried on the line before, and one with «и» or «;» would be two).
    listed_authors: list[tuple[str, str]] | None = None
    # The authors stored with the practice being edited (``form_for_edit``): a line of the text area as the form
    # showed a stored author keeps that author as it is, not read again (rules.edited_authors) — authors stored by
    # the API or the bulk import, or before the form read «;», «и» and commas, may read back otherwise («учитель;
    # МБОУ СОШ № 5» as a second author), and a save that changed another line, or none, changed them or failed the
    # limit of ten.
    stored_authors: list[tuple[str, str]] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = cached_vocabulary("practice_form_choices", _vocabulary_choices)
        self.region.choices = [NOT_SET, *choices["region"]]
        self.municipality.choices = [NOT_SET, *choices["municipality"]]
        self.levels.choices = list(choices["levels"])
        self.subjects.choices = list(choices["subjects"])
        self.topics.choices = list(choices["topics"])

    def name_unknown_codes(self) -> None:
        """For the API, whose callers send codes: a wrong one is named (WTForms' own message, «Недопустимое
        значение: 'x'.»), not the page's «обновите страницу»."""
        for field in (self.levels, self.subjects, self.topics):
            field.invalid_choice_message = None

    def validate_authors(self, field: TextAreaField) -> None:
        if len(self.author_list()) > rules.AUTHORS_MAX:
            raise ValidationError(rules.AUTHORS_MESSAGE)

    def validate_year(self, field: IntegerField) -> None:
        if field.errors:  # not a number («Неверное целое число.»): the range would be a second message
            return
        NumberRange(rules.FIRST_YEAR, rules.last_year(), rules.YEAR_MESSAGE)(self, field)

    def validate_municipality(self, field: SelectField) -> None:
        if field.data and not field.errors:  # a value not among the choices has its error already
            municipality = db.session.get(Municipality, int(field.data))
            if municipality is None or municipality.region_code != self.region.data:
                raise ValidationError("Муниципалитет не относится к выбранному региону.")

    def base_revision(self) -> int | None:
        """The revision the editor started from; None for a form without one (opened before revisions existed)."""
        value = (self.revision.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None

    def author_list(self) -> list[tuple[str, str]]:
        """The authors as the text area gives them, read as a registry's cell is (rules.read_authors): an entry a
        line or after «;» (a line that carries on an author's joins it, as do the lines inside brackets), two
        authors on a line parted at «и» or a comma before a name. An API body's list (``listed_authors``) is taken
        as it is sent; a line as the form showed a stored author (``stored_authors``) keeps that author."""
        if self.listed_authors is not None:
            return [(name[:rules.AUTHOR_PART_MAX], position[:rules.AUTHOR_PART_MAX])
                    for name, position in self.listed_authors if name]
        if self.stored_authors is not None:
            return rules.edited_authors(self.authors.data or "", self.stored_authors)
        return rules.read_authors(self.authors.data or "")

    def to_data(self, sections: dict[str, str]) -> PracticeData:
        return PracticeData(
            title=self.title.data or "", sections=sections, authors=self.author_list(),
            organisation=self.organisation.data or "", region_code=self.region.data or None,
            municipality_id=int(self.municipality.data) if self.municipality.data else None,
            level_codes=tuple(self.levels.data or ()), subject_codes=tuple(self.subjects.data or ()),
            topic_codes=tuple(self.topics.data or ()), year=self.year.data, event=self.event.data or "",
            spread_level=self.spread_level.data or None, licence=self.licence.data or None,
        )


# One text area per template section, added to the class so WTForms binds them like declared fields.
for _key, _heading in SECTIONS:
    setattr(PracticeForm, _key, TextAreaField(_heading, validators=[
        Optional(), TextLength(rules.SECTION_MAX, rules.SECTION_MESSAGE)]))


def section_data(form: PracticeForm) -> dict[str, str]:
    """The section texts of a submitted form."""
    return {key: getattr(form, key).data or "" for key, _ in SECTIONS}


def form_for_new(user) -> PracticeForm:
    """A new practice's form with what the author's profile says: the author's name, organisation and region
    (each can be changed; a practice of a colleague is written over them)."""
    return PracticeForm(data={"authors": user.name.strip() if user.has_name else "", "licence": default_licence(),
                              "organisation": user.organisation or "", "region": user.region_code or ""})


def form_for_edit(practice) -> PracticeForm:
    """The edit form as it was sent, knowing the practice's stored authors (``PracticeForm.stored_authors``)."""
    form = PracticeForm()
    form.stored_authors = [(author.name, author.position) for author in practice.authors]
    return form


def form_from_practice(practice) -> PracticeForm:
    """A form filled with a practice's current content."""
    return PracticeForm(data={
        "title": practice.title,
        "authors": rules.authors_text((a.name, a.position) for a in practice.authors),
        "organisation": practice.organisation,
        "region": practice.region_code or "",
        "municipality": str(practice.municipality_id or ""),
        "levels": [x.code for x in practice.levels],
        "subjects": [x.code for x in practice.subjects],
        "topics": [x.code for x in practice.topics],
        "year": practice.year,
        "event": practice.event,
        "spread_level": practice.spread_level or "",
        "licence": practice.licence,
        "revision": str(practice.revision),
        **{key: getattr(practice, key) for key, _ in SECTIONS},
    })


COMMENT_MAX = 5000  # the return comment's textarea maxlength: a browser counts a line break as one character


class CommentForm(Form):
    """A moderator's comment to the author: «Вернуть на доработку» on the practice's page and «Вернуть выбранные на
    доработку» in the queue. Cleaned as every form's text (control characters out, NFC, line breaks as LF) before
    its length is checked: a browser sends a line break as CR LF, and a comment within the textarea's limit was
    cut at 5000 characters of that, its end lost without a word. One over the limit comes back as typed, unsent.
    Whether a return has a comment at all is the workflow's question (services.transition)."""

    comment = TextAreaField("Что исправить", id="assessment-comment", validators=[
        Optional(), Length(max=COMMENT_MAX, message=f"Комментарий — не длиннее {COMMENT_MAX} символов.")])


def _score(form, field) -> None:
    if field.data not in {str(score) for score, _ in ASSESSMENT_SCALE}:
        raise ValidationError("Оценка по критерию — одно из значений: "
                              + ", ".join(f"{score} ({label})" for score, label in ASSESSMENT_SCALE) + ".")


def _criterion(label: str) -> RadioField:
    # Not scored yet is allowed (a draft of the assessment); a value off the scale is refused in Russian.
    choices = [SelectChoice(str(score), f"{score} — {text}") for score, text in ASSESSMENT_SCALE]
    return RadioField(label, choices=choices, validate_choice=False, validators=[Optional(), _score])


class AssessmentForm(Form):
    """The expert assessment on the page of a practice under review: five criteria on the scale 0–2, a conclusion,
    and the return comment for «Сохранить оценку и вернуть на доработку» (its length checked as CommentForm's)."""

    relevance = _criterion("Актуальность")
    novelty = _criterion("Новизна")
    effectiveness = _criterion("Результативность")
    stability = _criterion("Стабильность")
    replicability = _criterion("Возможность тиражирования")
    # ids of their own on the practice page (the error summary's links lead to them)
    conclusion = TextAreaField("Заключение", id="assessment-conclusion", validators=[
        Optional(), Length(max=CONCLUSION_MAX, message=f"Заключение — не длиннее {CONCLUSION_MAX} символов.")])
    comment = TextAreaField("Что исправить", id="assessment-comment", validators=[
        Optional(), Length(max=COMMENT_MAX, message=f"Комментарий — не длиннее {COMMENT_MAX} символов.")])

    def criteria(self) -> list:
        return [self[key] for key, _ in ASSESSMENT_CRITERIA]

    def to_scores(self) -> Scores:
        return Scores({key: int(self[key].data) if self[key].data not in (None, "") else None
                       for key, _ in ASSESSMENT_CRITERIA}, self.conclusion.data or "")


def assessment_form(assessment) -> AssessmentForm:
    """The form filled with the current round's assessment (empty if none was saved)."""
    if assessment is None:
        return AssessmentForm(formdata=None)
    return AssessmentForm(formdata=None, data={
        **{key: str(score) if score is not None else None for key, _, score in assessment.scores()},
        "conclusion": assessment.conclusion})


class CoauthorForm(Form):
    """«Соавторы»: link an author line to the account of an e-mail, or unlink it (kb.practices.coauthors)."""

    author = HiddenField()
    email = EmailField("Электронная почта соавтора", render_kw={"autocomplete": "off"}, filters=[_one_line],
                       validators=[Optional(), Length(max=254, message="Адрес длиннее 254 символов.")])

    def author_id(self) -> int | None:
        value = (self.author.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None
