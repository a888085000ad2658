"""Administrators' forms for the thesaurus and the municipalities."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from kb.forms import Form
from kb.textclean import visible_strip

MUNICIPALITY_KINDS = ("городской округ", "муниципальный район", "муниципальный округ", "город")


class TopicForm(Form):
    code = StringField("Код", description="Латиница, цифры и «_»; не меняется после создания.", validators=[
        DataRequired("Укажите код."), Length(max=60),
        Regexp(r"^[a-z][a-z0-9_]*$", message="Код: строчная латиница, цифры и «_», начиная с буквы.")])
    label = StringField("Название", validators=[DataRequired("Укажите название."), Length(max=200)])
    parent = SelectField("Более общая тема", validators=[Optional()], validate_choice=True)
    synonyms = TextAreaField("Синонимы и сокращения", description="По одному на строке: «ШНО», «научное общество "
                             "учащихся»…", validators=[Optional(), Length(max=5000)])

    def synonym_list(self) -> list[str]:
        seen: dict[str, None] = {}
        for line in (self.synonyms.data or "").splitlines():
            if line := visible_strip(line):
                seen.setdefault(" ".join(line.split())[:200])
        return list(seen)


class MunicipalityForm(Form):
    region = SelectField("Регион", validators=[DataRequired("Выберите регион.")], validate_choice=True)
    name = StringField("Название", validators=[DataRequired("Укажите название."), Length(max=200)])
    kind = SelectField("Вид", choices=list(MUNICIPALITY_KINDS))
