"""The collection form: title, description, who may see it."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kb.collections.models import VISIBILITY_LABELS
from kb.forms import Form


class CollectionForm(Form):
    title = StringField("Название подборки", validators=[
        DataRequired("Укажите название."), Length(max=300, message="Название — не длиннее 300 символов.")])
    description = TextAreaField(
        "Описание", description="Для кого подборка и как ею пользоваться: курс, модуль, тема занятия.",
        validators=[Optional(), Length(max=5000, message="Описание — не длиннее 5000 символов.")])
    visibility = RadioField("Кто видит подборку", default="private",
                            choices=[SelectChoice(code, label) for code, label in VISIBILITY_LABELS.items()])
    renew_link = BooleanField("Сменить секретную ссылку (прежняя перестанет открываться)")
