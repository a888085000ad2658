"""Forms of the bulk import page."""

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from kb.forms import Form


class ImportForm(Form):
    """A registry (CSV, XLSX or ODS) with an optional ZIP of the files it names."""

    registry = FileField("Реестр практик (CSV, XLSX или ODS)", validators=[FileRequired("Выберите файл реестра.")],
                         description="Одна строка — одна практика; заголовки столбцов — как в шаблоне.")
    attachments = FileField("Архив с файлами (ZIP)",
                            description="Нужен, если в реестре заполнен столбец «Файлы».")
    publish = BooleanField("Сразу опубликовать загруженные практики")


class ConfirmForm(Form):
    """Confirms the import of a checked upload (CSRF only)."""
