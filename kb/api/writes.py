"""JSON API v1, changes with a token: practices (create, edit, workflow, deletion, files) and resolutions (import,
status, deletion).

Every permission question goes to the same services and policy the pages use.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from kb.accounts.models import User
from kb.accounts.services import record
from kb.api import schemas
from kb.api.auth import api_user, protect
from kb.api.payloads import ApiProblem, json_body, practice_data
from kb.api.spec import operation
from kb.api.views import practice_body, practice_response
from kb.attachments import services as attachments
from kb.attachments.extract import KINDS, AttachmentError
from kb.duplicates import services as duplicates
from kb.errors import error_response
from kb.extensions import db
from kb.oai.records import deleted_for_good
from kb.practices import policy, services
from kb.practices.models import Practice
from kb.resolutions import services as resolutions
from kb.resolutions import staging
from kb.resolutions.models import Resolution
from kb.resolutions.parser import MAX_FILE_SIZE, SUPPORTED_EXTENSIONS, ResolutionFormatError
from kb.resolutions.services import import_resolution_text, resolution_to_json

ACCEPTED = ", ".join(SUPPORTED_EXTENSIONS)
bp = Blueprint("api_write", __name__, url_prefix="/api/v1")
protect(bp)


@bp.errorhandler(ApiProblem)
def _problem(problem: ApiProblem):
    db.session.rollback()
    return error_response(problem.status, problem.detail, problem.errors, problem.extra)


def _user() -> User:
    user = api_user()
    if user is None:
        raise ApiProblem(401, "Для изменений нужен токен API: заголовок Authorization: Bearer kb_… "
                              "(создаётся на странице профиля).")
    return user


def _missing(kind: str, item_id: int, not_found: str) -> ApiProblem:
    """The answer for a practice or resolution this user cannot have: 410 «Материал удалён» when it was deleted after
    it had been public (as its GET and its page answer: an OAI tombstone names it), else 404 — a draft deleted unseen
    too, and one that exists but is not this user's to see (its existence is not revealed)."""
    if deleted_for_good(kind, item_id):
        return ApiProblem(410)
    return ApiProblem(404, not_found)


def _visible_practice(practice_id: int, user: User) -> Practice:
    """The practice if this user may see it; 404 otherwise, as on the pages (its existence is not revealed), 410 if
    it was deleted after it had been public."""
    practice = services.get_visible_practice(practice_id, user)
    if practice is None:
        raise _missing("practice", practice_id, "Практика не найдена или недоступна.")
    return practice


def _flag(name: str) -> bool:
    """A true/false query parameter (true, false, 1, 0; absent: false); 400 for anything else."""
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise ApiProblem(400, f"Параметр {name}: true или false.")
    return value in ("true", "1")


@bp.post("/practices")
@operation("Создать черновик практики", "Практики", (201, schemas.Practice), body=schemas.PracticeInput,
           query=schemas.PracticeCreateQuery, errors=(409, 415, 422), auth="required", etag=True,
           description="Поля — как в форме на сайте, с теми же проверками. Автор — владелец токена. Если в "
                       "банке уже есть практика с тем же названием или почти теми же формулировками (из тех, что "
                       "видит владелец токена), ответ 409 называет их в duplicates; повтор с "
                       "confirm_duplicates=true создаёт практику всё равно — как «Всё равно сохранить» в форме. "
                       "Тот же запрос с confirm_duplicates=true, повторённый в течение двух минут (всё содержание то "
                       "же), второй практики не создаёт: ответ — 201 с уже созданной.")
def create_practice():
    user = _user()
    confirmed = _flag("confirm_duplicates")
    data = practice_data(json_body(schemas.PracticeInput))
    if confirmed and (twin := duplicates.twin_of_new(user, data)):
        response = practice_response(services.get_practice(twin.id), 201)  # a retry: the first one's answer
        response.headers["Location"] = url_for("api.practice", practice_id=twin.id)
        return response
    if not confirmed and (found := duplicates.similar_to_new(user, data.title, data.sections)):
        raise ApiProblem(409, "В банке уже есть похожая практика. Если это другая практика, повторите запрос "
                              "с confirm_duplicates=true.", extra={"duplicates": [
                                  {"id": d.practice.id, "title": d.practice.title,
                                   "url": url_for("practices.detail", practice_id=d.practice.id, _external=True),
                                   "similarity": round(d.similarity, 2), "same_title": d.same_title}
                                  for d in found]})
    practice = services.create_practice(user, data)
    db.session.commit()
    response = practice_response(services.get_practice(practice.id), 201)
    response.headers["Location"] = url_for("api.practice", practice_id=practice.id)
    return response


@bp.patch("/practices/<int:practice_id>")
@operation("Изменить практику", "Практики", (200, schemas.Practice), body=schemas.PracticePatch,
           errors=(403, 404, 409, 410, 412, 415, 422), auth="required", etag=True, if_match=True,
           description="Передаются только изменяемые поля; прежняя версия сохраняется в истории. "
                       "Автор правит черновик и возвращённую практику, методист своей области — любую, кроме архивной. "
                       "Чтобы не записать поверх чужой правки, передайте в If-Match ETag из ответа GET: если практику "
                       "с тех пор изменили, ответ — 412 и ничего не меняется. 409 — другая правка той же версии "
                       "сохранена в тот же момент. 422 — и снятие региона у практики на рассмотрении: без него её "
                       "не увидит ни один методист (администратору можно). 410 — практика удалена после того, как её "
                       "публиковали (как отвечает GET); удалённый черновик — 404.")
def update_practice(practice_id: int):
    user = _user()
    practice = _visible_practice(practice_id, user)
    if not policy.can_edit(user, practice):
        raise ApiProblem(403, "Эту практику сейчас нельзя изменить: правка доступна автору черновика или "
                              "возвращённой практики и методистам её области.")
    _check_if_match(practice, "перенесите свои изменения")
    data = practice_data(json_body(schemas.PracticePatch), practice)
    try:
        services.update_practice(user, practice, data)
    except services.LeavesEveryQueue as exc:
        raise ApiProblem(422, str(exc), {exc.field: [str(exc)]}) from None
    db.session.commit()
    return practice_response(services.get_practice(practice.id))


def _check_if_match(practice: Practice, then: str) -> None:
    """412 when the request's If-Match names no longer the practice as it is now (another change came between the
    reading and this request); nothing is checked without If-Match."""
    if request.if_match and not request.if_match.contains(practice_body(practice)[1]):
        raise ApiProblem(412, "Практику изменили после того, как вы её получили (ETag из If-Match больше не "
                              f"совпадает): получите её заново и {then}.")


PRACTICE_NOT_DELETABLE = ("Эту практику нельзя удалить: удаляют администраторы, а автор — свой черновик, который ещё "
                          "не отправлял на рассмотрение.")


@bp.delete("/practices/<int:practice_id>")
@operation("Удалить практику", "Практики", (204, None), errors=(403, 404, 410, 412), auth="required",
           if_match=True,
           description="Как «Удалить» на странице практики, теми же правами: администраторы — любую, автор — свой "
                       "черновик, который ещё не отправлял на рассмотрение; остальным, кто практику видит, — 403, "
                       "кто не видит — 404. Практика удаляется навсегда вместе с версиями, историей и файлами; "
                       "удалённая после того, как её публиковали, отвечает 410 «Материал удалён» (GET, повторное "
                       "удаление, её страница), удалённый черновик — 404. С If-Match прежнего ETag — 412, если "
                       "практику с тех пор изменили, и ничего не удаляется.")
def delete_practice(practice_id: int):
    user = _user()
    practice = _visible_practice(practice_id, user)
    if not policy.can_delete(user, practice):
        raise ApiProblem(403, PRACTICE_NOT_DELETABLE)
    _check_if_match(practice, "решите, удалять ли её")
    try:
        services.delete_practice(user, practice, via="api")
    except services.PermissionDenied:  # its status changed meanwhile (submitted)
        raise ApiProblem(403, PRACTICE_NOT_DELETABLE) from None
    except services.PracticeGone:  # another request deleted it first: answered as its GET now is
        db.session.rollback()
        raise _missing("practice", practice_id, "Практика не найдена или недоступна.") from None
    db.session.commit()
    return _no_content()


@bp.post("/practices/<int:practice_id>/transitions")
@operation("Перевести практику в другой статус", "Практики", (200, schemas.Practice), body=schemas.TransitionInput,
           errors=(403, 404, 409, 410, 415, 422), auth="required", etag=True,
           description="submit — автор; publish, return (с комментарием), archive, restore — методист области "
                       "практики или администратор. 409 — действие недоступно в текущем статусе; 422 — return без "
                       "комментария или submit практики без региона, которую не увидит ни один методист.")
def transition(practice_id: int):
    user = _user()
    practice = _visible_practice(practice_id, user)
    body = json_body(schemas.TransitionInput)
    try:
        services.transition(user, practice, body["action"], body["comment"],
                            link=url_for("practices.detail", practice_id=practice.id))
    except services.PermissionDenied:
        raise ApiProblem(403, "Это действие с практикой вам недоступно.") from None
    except services.StatusConflict as exc:
        raise ApiProblem(409, str(exc)) from None
    except services.InvalidTransition as exc:
        field = getattr(exc, "field", "comment" if body["action"] == "return" else None)
        raise ApiProblem(422, str(exc), {field: [str(exc)]} if field else None) from None
    db.session.commit()
    return practice_response(practice)


@bp.post("/resolutions")
@operation("Загрузить резолюцию", "Резолюции", (201, schemas.ResolutionImport), upload=schemas.ResolutionUpload,
           query=schemas.ResolutionImportQuery, also_ok=(200,), errors=(403, 413, 415, 422), auth="required",
           description="Администраторы и методисты с заданной зоной модерации. Файл .txt, .md, .docx, .odt, .fodt, "
                       ".rtf, .pdf или .doc проверяется, как при загрузке на сайте, и разбирается так же, как командой"
                       " import-resolution; тот же текст повторно не создаёт дубль (ответ 200, created: false). 413 — "
                       "файл больше 10 МБ, 415 — расширение не из списка, 422 — содержимое не соответствует расширению"
                       " (изображение, архив или документ Word, названный .txt), файл повреждён, пуст или содержит "
                       "больше рекомендаций, чем бывает в одной резолюции.")
def import_resolution():
    user = _user()
    if not resolutions.can_import_resolutions(user):
        raise ApiProblem(403, "Загружать резолюции могут администраторы и методисты с заданной зоной модерации "
                              "(регион или организация).")
    publish = _flag("publish")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiProblem(422, "Приложите файл резолюции.", {"file": [f"Приложите файл {ACCEPTED}."]})
    try:  # the web import's checks: the extension, the content's kind (a PNG called .txt is no text), the size
        name, text = staging.read_upload(upload.filename, upload.stream.read(MAX_FILE_SIZE + 1))
        report = import_resolution_text(text, name, publish=publish, user=user)
    except staging.ResolutionFileTooLarge as exc:
        raise ApiProblem(413, str(exc)) from None
    except staging.UnsupportedExtension as exc:
        raise ApiProblem(415, str(exc)) from None
    except ResolutionFormatError as exc:  # not a resolution's content, no text, more recommendations than one has
        raise ApiProblem(422, str(exc), {"file": [str(exc)]}) from None
    db.session.commit()
    resolution = report.resolution
    body = resolution_to_json(
        resolution, lambda rec: url_for("resolutions.recommendation", recommendation_id=rec.id))
    body.update(url=url_for("resolutions.detail", resolution_id=resolution.id), status=resolution.status,
                created=report.created, warnings=report.parsed.warnings)
    response = jsonify(body)
    response.status_code = 201 if report.created else 200
    if report.created:  # where the new resolution is read (a draft too, with the token that loaded it)
        response.headers["Location"] = url_for("api.resolution", resolution_id=resolution.id)
    return response


RESOLUTION_NOT_YOURS = ("Эту резолюцию изменяют и удаляют администраторы, загрузивший её методист и методисты "
                        "регионов, к которым она относится.")


def _managed_resolution(resolution_id: int, user: User) -> Resolution:
    """A resolution (draft or published) the user may change (``can_manage_resolution``): 403 for anyone else; 404
    when there is none, 410 when it was deleted after it had been public (as its GET answers)."""
    if not user.is_moderator:
        raise ApiProblem(403, "Изменять и удалять резолюции могут методисты и администраторы.")
    resolution = resolutions.get_visible_resolution(resolution_id, user)
    if resolution is None:
        raise _missing("resolution", resolution_id, "Резолюция не найдена.")
    if not resolutions.can_manage_resolution(user, resolution):
        raise ApiProblem(403, RESOLUTION_NOT_YOURS)
    return resolution


@bp.patch("/resolutions/<int:resolution_id>")
@operation("Опубликовать резолюцию или снять с публикации", "Резолюции", (200, schemas.ResolutionState),
           body=schemas.ResolutionStatusInput, errors=(403, 404, 410, 415, 422), auth="required",
           description="Администраторы, загрузивший резолюцию методист и методисты её регионов; меняется только статус"
                       " (сведения и рекомендации исправляют на странице резолюции, «Изменить»). Снятая с публикации "
                       "резолюция пропадает из поиска, карты сайта и чтения API, а OAI-PMH отдаёт её как удалённую. "
                       "410 — резолюция удалена после того, как её публиковали (как отвечает GET).")
def update_resolution_status(resolution_id: int):
    user = _user()
    resolution = _managed_resolution(resolution_id, user)
    status = json_body(schemas.ResolutionStatusInput)["status"]
    if status != resolution.status:
        if status == "published":
            resolutions.publish_resolution(resolution)
        else:
            resolutions.unpublish_resolution(resolution)
        record(f"resolution_{'published' if status == 'published' else 'unpublished'}", user, "resolution",
               resolution.id, details={"title": resolution.title, "via": "api"})
        db.session.commit()
    resolution = resolutions.get_visible_resolution(resolution_id, user)
    body = resolution_to_json(resolution, lambda rec: url_for("resolutions.recommendation", recommendation_id=rec.id))
    body.update(url=url_for("resolutions.detail", resolution_id=resolution.id), status=resolution.status)
    return jsonify(body)


@bp.delete("/resolutions/<int:resolution_id>")
@operation("Удалить резолюцию", "Резолюции", (204, None), errors=(403, 404, 410), auth="required",
           description="Администраторы, загрузивший резолюцию методист и методисты её регионов. Резолюция удаляется "
                       "навсегда вместе с рекомендациями и их связями с практиками (сами практики остаются); ссылки на"
                       " рекомендации отвечают 404, в подборках они остаются как недоступные, OAI-PMH отдаёт "
                       "опубликованную как удалённую. Повторное удаление опубликованной — 410, черновика — 404.")
def delete_resolution(resolution_id: int):
    user = _user()
    resolution = _managed_resolution(resolution_id, user)
    record("resolution_deleted", user, "resolution", resolution.id,
           details={"title": resolution.title, "status": resolution.status, "via": "api"})
    resolutions.delete_resolution(resolution)
    db.session.commit()
    return _no_content()


def _no_content() -> Response:
    """A 204: no body, so no Content-Type either (Flask labels an empty answer text/html)."""
    response = Response(status=204)
    response.headers.remove("Content-Type")
    return response


@bp.post("/practices/<int:practice_id>/attachments")
@operation("Приложить файл к практике", "Практики", (201, schemas.Attachment), upload=schemas.AttachmentUpload,
           query=schemas.AttachmentUploadQuery, errors=(403, 404, 409, 410, 413, 422), auth="required",
           description="Те же права и проверки, что при загрузке на странице практики: автор — к черновику и "
                       "возвращённой практике, методист области — к любой, кроме архивной. Тип файла "
                       "определяется по содержимому (" + ", ".join(label for label, _ in KINDS.values()) + "); "
                       "413 — файл больше предела, 422 — неподдерживаемый или повреждённый файл, "
                       "расширение не соответствует содержимому, файлов у практики уже слишком много. Если точно "
                       "такой же файл уже есть в банке (у этой практики или у другой, которую видит владелец "
                       "токена), ответ 409 называет их в duplicates и ничего не прикладывает; повтор с "
                       "confirm_duplicates=true прикладывает файл всё равно — как «Всё равно приложить» на сайте.")
def upload_attachment(practice_id: int):
    user = _user()
    practice = _visible_practice(practice_id, user)
    confirmed = _flag("confirm_duplicates")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiProblem(422, "Приложите файл.", {"file": ["Приложите файл (multipart/form-data, поле file)."]})
    data = upload.stream.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
    if not confirmed and (found := duplicates.before_upload(user, practice, upload.filename, data)):
        raise _same_file(practice, found)
    try:
        attachment = attachments.add_attachment(user, practice, attachments.sent_filename(upload), data)
    except services.PermissionDenied:
        raise ApiProblem(403, "Файлы к этой практике сейчас нельзя прикладывать: это доступно автору черновика "
                              "или возвращённой практики и методистам её области.") from None
    except attachments.FileTooLarge as exc:
        raise ApiProblem(413, str(exc)) from None
    except AttachmentError as exc:
        raise ApiProblem(422, str(exc), {"file": [str(exc)]}) from None
    db.session.commit()
    url = services.attachment_url(practice, attachment.id, attachment.original_name)
    response = jsonify({
        "id": attachment.id, "practice_id": practice.id, "name": attachment.original_name, "kind": attachment.kind,
        "size": attachment.size, "words": len(attachment.text.split()), "url": url,
    })
    response.status_code = 201
    response.headers["Location"] = url  # the file itself, where the practice's JSON links it
    return response


def _same_file(practice: Practice, found: list[duplicates.Duplicate]) -> ApiProblem:
    """The 409 of a file already in the bank: where it is (this practice first, as the page says it)."""
    found = sorted(found, key=lambda d: d.practice.id != practice.id)
    where = ("уже приложен к этой практике" if found[0].practice.id == practice.id
             else f"уже приложен к практике «{found[0].practice.title}»")
    return ApiProblem(409, f"Такой файл уже есть в банке — {where} (под именем «{found[0].file_name}»). Чтобы "
                           "приложить его всё равно, повторите запрос с confirm_duplicates=true.",
                      extra={"duplicates": [{
                          "id": d.practice.id, "title": d.practice.title,
                          "url": url_for("practices.detail", practice_id=d.practice.id, _external=True),
                          "same_practice": d.practice.id == practice.id,
                          "attachment": {"id": d.attachment_id, "name": d.file_name,
                                         "url": services.attachment_url(d.practice, d.attachment_id,
                                                                        d.file_name, _external=True)},
                      } for d in found]})
