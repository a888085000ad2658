"""What every web form of the bank builds on: WTForms' own messages (a value not among the choices, a number
that is not one, a date out of range) in Russian, as are the messages the bank writes itself. The API takes
its practices through the same forms, so its errors read the same."""

from typing import NamedTuple

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, PasswordField, SelectFieldBase, StringField, TextAreaField
from wtforms.form import BaseForm
from wtforms.i18n import get_translations
from wtforms.meta import DefaultMeta

from kb.textclean import blank_if_invisible, composed_text, form_line_breaks, visible_stripped, without_controls

# Messages WTForms' Russian catalogue lacks (wtforms 3.2): what a select of several values says of values
# not among its choices (they come joined with "', '"), dates out of range and read-only fields.
_SINGULAR = {
    "'%(value)s' is not a valid choice for this field.": "Недопустимое значение: '%(value)s'.",
    "Date must be at least %(min)s.": "Дата — не раньше %(min)s.",
    "Date must be at most %(max)s.": "Дата — не позже %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Дата — от %(min)s до %(max)s.",
    "This field cannot be edited.": "Это поле нельзя изменить.",
}
_PLURAL = {"'%(value)s' are not valid choices for this field.": "Недопустимые значения: '%(value)s'."}


# Values a message «Недопустимые значения: …» quotes at most: 150 000 made-up codes sent to the API got a 422 that
# quoted every one, as large as the request.
MAX_QUOTED_VALUES = 10


def stripped_choice(value: object) -> object:
    """A select's filter: its value without spaces around («  » is no choice: WTForms' Optional() takes it for
    empty and drops the error of a value not among the choices, which let « » through to the database); each of a
    list of values so."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [item.strip() if isinstance(item, str) else item for item in value]
    return value


def unknown_values_message(values: list[str]) -> str:
    """«Недопустимое значение: 'x'.» / «Недопустимые значения: 'x', 'y'.», with the first MAX_QUOTED_VALUES of
    ``values`` and how many more there are: «…, 'z' и ещё 149990.»"""
    if len(values) == 1:
        return _SINGULAR["'%(value)s' is not a valid choice for this field."] % {"value": values[0]}
    shown = "', '".join(values[:MAX_QUOTED_VALUES])
    more = f" и ещё {len(values) - MAX_QUOTED_VALUES}" if len(values) > MAX_QUOTED_VALUES else ""
    return f"Недопустимые значения: '{shown}'{more}."


class RussianMessages:
    """WTForms' Russian catalogue with the messages it lacks."""

    def __init__(self) -> None:
        self._catalogue = get_translations(["ru"])

    def gettext(self, message: str) -> str:
        return _SINGULAR.get(message) or self._catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if singular in _SINGULAR:
            return _SINGULAR[singular] if n == 1 else _PLURAL.get(plural, _SINGULAR[singular])
        return self._catalogue.ngettext(singular, plural, n)


RUSSIAN = RussianMessages()


class CleanText:
    """A Meta mixin: every field's string loses the control characters no text of the bank needs (a "\\x0b" in a
    title made the collection's DOCX export fail for every reader of it); tab and line breaks stay, a text area's
    line breaks as LF (a browser sends CR LF: an untouched text came back changed, and longer than its limit).
    Passwords keep every character: they are only hashed, never shown, and one set before the filter must still
    match. Every text is also made NFC (``composed``): «й» typed as «и» and a combining breve is stored as «й».
    A line loses the spaces and the invisible characters at its ends (``visible_stripped``: a title of five zero-width
    spaces was five characters long), and a text area of nothing else is empty; those inside stay (the joiners of an
    emoji). A select's value loses the spaces around it (``stripped_choice``): « » is no choice.
    The field's own filters come after these, on the cleaned text."""

    def bind_field(self, form, unbound_field, options):
        field_class = unbound_field.field_class
        if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):  # text areas too
            area = issubclass(field_class, TextAreaField)
            cleaning = [without_controls, composed_text,
                        *([form_line_breaks, blank_if_invisible] if area else [visible_stripped])]
            filters = [*cleaning, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)
        if issubclass(field_class, SelectFieldBase):
            filters = [stripped_choice, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)
        return unbound_field.bind(form=form, **options)


class RussianMeta(CleanText, DefaultMeta):
    """For forms without a CSRF token of their own (entries of a FieldList inside a form that has one)."""

    def get_translations(self, form):
        return RUSSIAN


class Form(FlaskForm):
    """A web form of the bank: Flask-WTF's (CSRF token, request data) with the messages in Russian.

    (Flask-WTF would take translations from Flask-Babel, which the bank does not use: without it, WTForms'
    messages stayed English.)"""

    class Meta(CleanText, FlaskForm.Meta):
        def get_translations(self, form):
            return RUSSIAN


class InvalidField(NamedTuple):
    """A field the error summary above a form names: where it is (``anchor``; None, and no ``label``, for a hidden
    one), what it is called and what is wrong with it."""

    anchor: str | None
    label: str
    messages: list[str]


def invalid_fields(form: BaseForm, within: str = "") -> list[InvalidField]:
    """The fields of ``form`` that have errors, in the form's order, entries of lists (a resolution's
    recommendations) too: «Рекомендация 1.2: Текст». A list's own message («Исправьте отмеченные рекомендации»)
    is left out when its entries are named."""
    found: list[InvalidField] = []
    for field in form:
        if isinstance(field, FormField):
            found += invalid_fields(field.form, within)
        elif isinstance(field, FieldList):
            named = []
            for position, entry in enumerate(field.entries, start=1):
                sub = entry.form if isinstance(entry, FormField) else None
                if sub is None:
                    named += _invalid(entry, within)
                    continue
                # the entry as its legend calls it («Рекомендация 1.2»): by its own number where it has one
                number = getattr(getattr(sub, "number", None), "data", None) or position
                named += invalid_fields(sub, f"{within}{getattr(sub, 'entry_name', '№')} {number}: ")
            found += named or _invalid(field, within)
        else:
            found += _invalid(field, within)
    return found


def _invalid(field, within: str) -> list[InvalidField]:
    messages = [error for error in field.errors if isinstance(error, str)]
    if not messages or field.type == "CSRFTokenField":
        return []
    if getattr(field.widget, "input_type", None) == "hidden":  # nowhere to lead to, and no label of its own
        return [InvalidField(None, "", messages)]
    return [InvalidField(field.id, within + field.label.text, messages)]
