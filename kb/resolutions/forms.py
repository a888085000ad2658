"""Forms of the resolution import (upload, preview with corrections) and of linking practices to recommendations."""

from __future__ import annotations

import re

from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from kb.extensions import db
from kb.forms import Form as KbForm
from kb.forms import RussianMeta
from kb.practices.forms import CheckboxList
from kb.resolutions.parser import MAX_RECOMMENDATIONS, SUPPORTED_EXTENSIONS, ParsedRecommendation, ParsedResolution
from kb.resolutions.services import EditedRecommendation
from kb.vocabularies import data as vocabulary
from kb.vocabularies.models import AddresseeType, Municipality, Region, Topic

MAX_TEXT = 20_000
ACCEPTED = ", ".join(SUPPORTED_EXTENSIONS)


def _clean(text: str | None) -> str:
    """Text as the parser stores it: browsers send CR LF line breaks in text areas."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _number_key(number: str) -> str:
    """A recommendation number as its anchor reads it: «1.1» and «1-1» or «1. 1» are the same number there."""
    return re.sub(r"[\s.-]+", "-", number.strip().rstrip(".")).lower()


class UploadForm(KbForm):
    file = FileField(f"Файл резолюции ({ACCEPTED}; до 10 МБ)", validators=[FileRequired("Выберите файл резолюции.")])


class RecommendationEntry(Form):
    """One recommendation in the preview; no CSRF token of its own (the outer form has one)."""

    Meta = RussianMeta
    entry_name = "Рекомендация"  # as its legend says, in the error summary: «Рекомендация 1.2: Текст»

    number = StringField("Номер", validators=[Optional(), Length(max=20, message="Номер — не длиннее 20 символов.")])
    addressee = StringField("Адресат", render_kw={"list": "addressee-list"}, validators=[
        Optional(), Length(max=1000, message="Адресат — не длиннее 1000 символов.")])
    addressee_type = SelectField("Тип адресата", validate_choice=False)
    text = TextAreaField("Текст", validators=[
        Optional(), Length(max=MAX_TEXT, message=f"Текст — не длиннее {MAX_TEXT} символов.")])
    remove = BooleanField("Удалить эту рекомендацию")

    def is_blank(self) -> bool:
        return not (_clean(self.number.data) or _clean(self.addressee.data) or _clean(self.text.data))


class ResolutionPreviewForm(KbForm):
    """What the parser recognised, for the methodist to check and correct before saving."""

    title = StringField("Название резолюции", validators=[
        DataRequired("Укажите название резолюции."), Length(max=1000, message="Название — не длиннее 1000 символов.")])
    conference_name = StringField("Название конференции", validators=[Optional(), Length(max=1000)])
    date_start = DateField("Дата начала", validators=[Optional()])
    date_end = DateField("Дата окончания", validators=[Optional()])
    place = StringField("Место проведения", validators=[Optional(), Length(max=300)])
    organiser = StringField("Организатор", validators=[Optional(), Length(max=500)])
    format = SelectField("Формат", validate_choice=False)
    participants_count = IntegerField("Число участников", validators=[
        Optional(), NumberRange(0, 10_000_000, "Число участников — от 0 до 10 000 000.")])
    participants_text = StringField("Участники (как в тексте)", validators=[Optional(), Length(max=200)])
    # Checkboxes, the chosen ones first (templates/resolutions/_choose_many.html): in a multiple select one click
    # without Ctrl dropped every other recognised region, and a phone has no Ctrl.
    regions = CheckboxList("Регионы", validate_choice=False)
    municipalities = CheckboxList("Муниципалитеты", validate_choice=False, description=(
        "Городские округа и муниципальные районы, которые названы в резолюции."))
    topics = CheckboxList("Темы резолюции", validate_choice=False, description=(
        "Темы, которые обсуждаются в резолюции; по ним, как и по темам её рекомендаций, резолюция находится "
        "в поиске."))
    recommendations = FieldList(FormField(RecommendationEntry), max_entries=MAX_RECOMMENDATIONS)
    publish = BooleanField("Сразу опубликовать резолюцию")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format.choices = [("", "— не указан —")] + [(f["code"], f["label"]) for f in vocabulary.RESOLUTION_FORMATS]
        regions = db.session.scalars(select(Region).order_by(Region.sort_order))
        self.regions.choices = [(r.code, r.name) for r in regions]
        self.municipalities.choices = [
            (m.code, f"{m.name} ({m.region.name})") for m in db.session.scalars(
                select(Municipality).join(Municipality.region).order_by(Region.sort_order, Municipality.name))]
        self.topic_choices = [(t.code, t.label) for t in db.session.scalars(select(Topic).order_by(
            Topic.sort_order, Topic.label))]
        self.topics.choices = self.topic_choices
        self.addressee_types = [(a.code, a.label) for a in db.session.scalars(
            select(AddresseeType).order_by(AddresseeType.sort_order))]
        for entry in self.recommendations:
            self._prepare(entry)

    def _prepare(self, entry) -> None:
        entry.form.addressee_type.choices = [("", "— не определён —"), *self.addressee_types]

    def add_blank_recommendation(self) -> bool:
        """Add an empty recommendation at the end; False (with a message on the list) when the list is full."""
        if len(self.recommendations) >= MAX_RECOMMENDATIONS:
            self.recommendations.errors = [f"В резолюции может быть не больше {MAX_RECOMMENDATIONS} рекомендаций."]
            return False
        self._prepare(self.recommendations.append_entry())
        return True

    @classmethod
    def from_parsed(cls, parsed: ParsedResolution, source_name: str) -> ResolutionPreviewForm:
        """A form filled with what the parser found (not bound to the request)."""
        data = {
            "title": parsed.title or source_name,
            "conference_name": parsed.conference_name or "",
            "date_start": parsed.date_start,
            "date_end": parsed.date_end,
            "place": parsed.place or "",
            "organiser": parsed.organiser or "",
            "format": parsed.format or "",
            "participants_count": parsed.participants_count,
            "participants_text": parsed.participants_text or "",
            "regions": list(parsed.region_codes),
            "municipalities": list(parsed.municipality_codes),
            "topics": list(parsed.topic_codes),
            "recommendations": [
                {"number": r.number, "addressee": r.addressee, "addressee_type": r.addressee_type or "",
                 "text": r.text}
                for r in parsed.recommendations
            ],
        }
        form = cls(formdata=None, data=data)
        known = {code for code, _ in form.addressee_types}
        for entry in form.recommendations:  # a type the vocabulary does not know is shown as not determined
            if entry.form.addressee_type.data not in known:
                entry.form.addressee_type.data = ""
        return form

    def validate_date_end(self, field) -> None:
        if field.data and self.date_start.data and field.data < self.date_start.data:
            raise ValidationError("Дата окончания раньше даты начала.")

    def validate_format(self, field) -> None:
        if field.data and field.data not in {code for code, _ in self.format.choices}:
            raise ValidationError("Выберите формат из списка.")

    def validate_regions(self, field) -> None:
        known = {code for code, _ in field.choices}
        unknown = [code for code in field.data or [] if code not in known]
        if unknown:
            raise ValidationError(f"Неизвестные коды регионов: {', '.join(unknown[:5])}.")

    def validate_municipalities(self, field) -> None:
        known = {code for code, _ in field.choices}
        unknown = [code for code in field.data or [] if code not in known]
        if unknown:
            raise ValidationError(f"Неизвестные коды муниципалитетов: {', '.join(unknown[:5])}.")

    def validate_topics(self, field) -> None:
        known = {code for code, _ in field.choices}
        unknown = [code for code in field.data or [] if code not in known]
        if unknown:
            raise ValidationError(f"Неизвестные коды тем: {', '.join(unknown[:5])}.")

    def validate_recommendations(self, field) -> None:
        known = {code for code, _ in self.addressee_types}
        numbers: set[str] = set()
        for entry in field:
            sub = entry.form
            if sub.remove.data or sub.is_blank():
                continue
            if sub.addressee_type.data and sub.addressee_type.data not in known:
                sub.addressee_type.errors = [*sub.addressee_type.errors, "Выберите тип адресата из списка."]
            if not _clean(sub.text.data):
                sub.text.errors = [*sub.text.errors, "Введите текст рекомендации или отметьте «Удалить»."]
            number = _clean(sub.number.data)
            if not number:
                sub.number.errors = [*sub.number.errors, "Укажите номер рекомендации."]
            elif _number_key(number) in numbers:  # a permalink to either would open the first
                sub.number.errors = [*sub.number.errors, f"Номер «{number}» уже есть у рекомендации выше: "
                                     "у каждой рекомендации должен быть свой номер."]
            numbers.add(_number_key(number))
        if any(entry.form.errors for entry in field):
            raise ValidationError("Исправьте отмеченные рекомендации.")

    def kept_recommendations(self, classify_addressee):
        """Each recommendation the form keeps (not removed, not blank), in order: its subform and its reading."""
        for entry in self.recommendations:
            sub = entry.form
            if sub.remove.data or sub.is_blank():
                continue
            addressee = _clean(sub.addressee.data)
            # A new addressee typed without choosing its type gets the type the text implies.
            addressee_type = sub.addressee_type.data or (classify_addressee(addressee) if addressee else None)
            yield sub, ParsedRecommendation(
                number=_clean(sub.number.data), addressee=addressee, addressee_type=addressee_type or None,
                text=_clean(sub.text.data))

    def structure(self, full_text: str, classify_addressee) -> ParsedResolution:
        """The corrected resolution, in the form the shared save function takes."""
        recommendations = [parsed for _, parsed in self.kept_recommendations(classify_addressee)]
        return ParsedResolution(
            title=_clean(self.title.data),
            conference_name=_clean(self.conference_name.data) or None,
            date_start=self.date_start.data,
            date_end=self.date_end.data,
            place=_clean(self.place.data) or None,
            organiser=_clean(self.organiser.data) or None,
            format=self.format.data or None,
            participants_count=self.participants_count.data,
            participants_text=_clean(self.participants_text.data) or None,
            region_codes=list(self.regions.data or []),
            municipality_codes=list(dict.fromkeys(self.municipalities.data or [])),
            topic_codes=list(dict.fromkeys(self.topics.data or [])),
            recommendations=recommendations,
            full_text=full_text,
        )


class LinkRecommendationsForm(KbForm):
    """Recommendations a practice answers, chosen from a list (filled by the view)."""

    recommendations = SelectMultipleField("Рекомендации", validate_choice=False)


# --------------------------------------------------------------------------------------------------
# Correcting a saved resolution: the preview's fields, each recommendation with its id and topics


class RecommendationEditEntry(RecommendationEntry):
    """A recommendation of a saved resolution: the preview's fields, its id (empty for one added now) and topics."""

    id = HiddenField()
    topics = CheckboxList("Темы", validate_choice=False, description=(
        "Новой рекомендации без отмеченных тем они подбираются по тексту, как при загрузке."))

    def validate_topics(self, field) -> None:
        known = {code for code, _ in field.choices or []}
        if not self.remove.data and any(code not in known for code in field.data or []):
            raise ValidationError(GONE_TOPIC)


GONE_TOPIC = "Выбрана тема, которой больше нет в тезаурусе: обновите страницу и выберите заново."


class ResolutionEditForm(ResolutionPreviewForm):
    """The import preview's form for a saved resolution (its page's «Изменить»): the same fields and checks, plus
    each recommendation's topics; saving keeps the ids of the recommendations that stay."""

    recommendations = FieldList(FormField(RecommendationEditEntry), max_entries=MAX_RECOMMENDATIONS)
    publish = None  # the status changes by the page's own buttons
    # When the page was opened (the resolution's updated_at): a save over someone else's change asks first.
    revision = HiddenField()
    # Ids of removed recommendations with practice links the editor was told of: their links go on this save.
    confirmed_removals = HiddenField()

    def _prepare(self, entry) -> None:
        super()._prepare(entry)
        entry.form.topics.choices = self.topic_choices

    @classmethod
    def from_resolution(cls, resolution) -> ResolutionEditForm:
        """A form filled with the saved resolution (not bound to the request)."""
        data = {
            "title": resolution.title,
            "conference_name": resolution.conference_name,
            "date_start": resolution.date_start,
            "date_end": resolution.date_end,
            "place": resolution.place,
            "organiser": resolution.organiser,
            "format": resolution.format or "",
            "participants_count": resolution.participants_count,
            "participants_text": resolution.participants_text,
            "regions": [r.code for r in resolution.regions],
            "municipalities": [m.code for m in resolution.municipalities],
            "topics": [t.code for t in resolution.topics],
            "recommendations": [
                {"id": str(r.id), "number": r.number, "addressee": r.addressee,
                 "addressee_type": r.addressee_type_code or "", "text": r.text, "topics": [t.code for t in r.topics]}
                for r in resolution.recommendations
            ],
            "revision": revision_of(resolution),
        }
        return cls(formdata=None, data=data)

    def edited_recommendations(self, classify_addressee) -> list[EditedRecommendation]:
        """The recommendations to keep, in order: the preview's reading of each, with its id and topics."""
        return [
            EditedRecommendation(
                id=int(sub.id.data) if (sub.id.data or "").isdigit() and len(sub.id.data) < 19 else None,
                number=parsed.number, addressee=parsed.addressee, addressee_type=parsed.addressee_type,
                text=parsed.text, topic_codes=list(dict.fromkeys(sub.topics.data or [])))
            for sub, parsed in self.kept_recommendations(classify_addressee)
        ]

    def confirmed_removal_ids(self) -> set[int]:
        return {int(x) for x in (self.confirmed_removals.data or "").split() if x.isdigit() and len(x) < 19}


def revision_of(resolution) -> str:
    """What identifies the saved state of a resolution an edit form was opened on."""
    return resolution.updated_at.isoformat() if resolution.updated_at else ""
