"""The audit log as an administrator reads it: actions, objects and details in Russian, not the stored codes."""

from __future__ import annotations

from markupsafe import Markup, escape

from kb.accounts.models import ROLE_LABELS, AuditEvent
from kb.extensions import db
from kb.templating import status_label
from kb.vocabularies.models import Region

ACTIONS = {
    "login": "Вход", "login_failed": "Неудачная попытка входа", "logout": "Выход на всех устройствах",
    "user_registered": "Регистрация", "registration_taken": "Регистрация на занятый адрес",
    "user_created": "Создан пользователь", "role_changed": "Смена роли", "profile_changed": "Изменён профиль",
    "password_changed": "Смена пароля", "password_change_failed": "Смена пароля: неверный текущий пароль",
    "user_blocked": "Учётная запись заблокирована",
    "user_unblocked": "Учётная запись разблокирована", "user_deleted": "Учётная запись удалена",
    "user_delete_failed": "Удаление учётной записи: неверный пароль",
    "reset_link_issued": "Выдана ссылка сброса пароля", "password_reset": "Пароль сброшен по ссылке",
    "api_token_created": "Создан токен API", "api_token_revoked": "Отозван токен API",
    "status_changed": "Смена статуса практики", "practice_deleted": "Практика удалена",
    "practice_imported": "Практика из реестра", "practice_assessed": "Экспертная оценка практики",
    "attachment_deleted": "Файл удалён",
    "coauthor_linked": "Соавтор привязан к строке автора", "coauthor_unlinked": "Соавтор отвязан от строки автора",
    "coauthor_confirmed": "Соавтор принял приглашение",
    "resolution_imported": "Резолюция загружена", "resolution_published": "Резолюция опубликована",
    "resolution_edited": "Резолюция изменена", "resolution_unpublished": "Резолюция снята с публикации",
    "resolution_deleted": "Резолюция удалена",
    "vocabulary_changed": "Изменён словарь", "topic_deleted": "Удалена тема",
}
TARGETS = {"user": "пользователь", "practice": "практика", "resolution": "резолюция", "topic": "тема",
           "municipality": "муниципалитет", "api_token": "токен API"}
DETAILS = {
    "from": "было", "to": "стало", "comment": "комментарий", "title": "название", "file": "файл", "code": "код",
    "name": "название", "prefix": "начало токена", "email": "адрес", "role": "роль", "via": "через",
    "before": "было", "after": "стало", "external_id": "номер в реестре", "row": "строка реестра",
    "action": "действие", "created": "новая", "status": "статус", "scope_region": "регион модерации",
    "scope_organisation": "организация модерации", "label": "название", "parent": "родительская тема",
    "synonyms": "синонимы", "full_name": "имя", "organisation": "организация", "region": "регион",
    "added": "добавлено рекомендаций", "removed": "удалены рекомендации",
    "unlinked_practices": "удалено связей с практиками", "total": "сумма баллов", "complete": "все критерии",
    "author": "строка автора", "user_id": "учётная запись (номер)", "user_name": "имя учётной записи",
    "edit": "при правке практики",
}
_VALUES = {"via": {"cli": "командная строка", "forgot": "форма «Забыли пароль?»", "api": "API",
                   "self": "сам пользователь, в профиле", "user_deleted": "удаление учётной записи автора"},
           "action": {"create": "создана", "update": "обновлена"}}


def action_label(code: str) -> str:
    return ACTIONS.get(code, code)


def target_label(event: AuditEvent) -> str:
    if not event.target_type:
        return ""
    name = TARGETS.get(event.target_type, event.target_type)
    return f"{name} №{event.target_id}" if event.target_id is not None else name


def _value(key: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{DETAILS.get(k, k)}: {_value(k, v)}" for k, v in value.items())
    if key in ("from", "to", "status"):
        return status_label(str(value))
    if key == "role":
        return ROLE_LABELS.get(str(value), str(value))
    if key in ("scope_region", "region"):  # the name, as the role form shows it; the code if the region is gone
        region = db.session.get(Region, str(value))
        return region.name if region else str(value)
    return _VALUES.get(key, {}).get(str(value), str(value))


def details_html(event: AuditEvent) -> Markup:
    """«было: на рассмотрении» and the like, one line per detail; every value escaped."""
    details = event.details if isinstance(event.details, dict) else {}
    return Markup("<br>").join(
        Markup("{}: {}").format(DETAILS.get(key, key), _value(key, value)) for key, value in details.items()
    ) if details else escape("")
