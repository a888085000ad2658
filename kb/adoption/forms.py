"""The «Мы применили эту практику» form."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from kb.adoption.services import region_choices
from kb.forms import Form


class AdoptionForm(Form):
    organisation = StringField("Организация", validators=[
        DataRequired("Укажите организацию."), Length(max=500, message="Не длиннее 500 символов.")])
    region = SelectField("Регион", validators=[Optional()], validate_choice=False)
    comment = TextAreaField("Как применяли", description="Коротко: с кем, в каком объёме, что изменили.",
                            validators=[DataRequired("Напишите пару слов о том, как применяли практику."),
                                        Length(max=1000, message="Не длиннее 1000 символов.")])
    result = TextAreaField("Результат (если уже есть)", validators=[
        Optional(), Length(max=2000, message="Не длиннее 2000 символов.")])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.region.choices = [SelectChoice("", "— не указан —")] + [
            SelectChoice(r.code, r.name) for r in region_choices()]

    def validate_region(self, field: SelectField) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Выберите регион из списка.")
