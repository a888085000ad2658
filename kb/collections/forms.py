"""The collection form: title, description, who may see it; a note on an item; the title of a collection made by
a click on «В подборку»."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kb.collections.models import VISIBILITY_LABELS
from kb.forms import Form
from kb.textclean import visible_stripped


class CollectionForm(Form):
    # A title of invisible characters only («\u200b», «\ufeff») is an empty one: refused as it is.
    title = StringField("Название подборки", filters=[visible_stripped], validators=[
        DataRequired("Укажите название."), Length(max=300, message="Название — не длиннее 300 символов.")])
    description = TextAreaField(
        "Описание", description="Для кого подборка и как ею пользоваться: курс, модуль, тема занятия.",
        validators=[Optional(), Length(max=5000, message="Описание — не длиннее 5000 символов.")])
    visibility = RadioField("Кто видит подборку", default="private",
                            choices=[SelectChoice(code, label) for code, label in VISIBILITY_LABELS.items()])
    renew_link = BooleanField("Сменить секретную ссылку (прежняя перестанет открываться)")


NOTE_MAX = 5000  # the textarea's maxlength: a browser counts a line break as one character


class NoteForm(Form):
    """The owner's note on an item. Its text is cleaned as every form's (control characters out, NFC, line breaks as
    LF) before its length is checked: a browser sends a line break as CR LF, and a note within the textarea's
    limit was cut at 5000 characters of that, its end lost."""

    note = TextAreaField("Заметка", validators=[
        Optional(), Length(max=NOTE_MAX, message=f"Заметка — не длиннее {NOTE_MAX} символов.")])


class NewCollectionForm(Form):
    """What /collections/add may name the collection a click makes («Новая подборка»): cleaned as every form's text.
    CSRF is checked for the whole request by CSRFProtect."""

    new_title = StringField("Название подборки", filters=[visible_stripped])
