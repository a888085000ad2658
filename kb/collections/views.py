"""Collection pages: mine, public browse, view by id or secret link, editing, items, exports."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from kb.collections import exports, services
from kb.collections.forms import CollectionForm, NewCollectionForm, NoteForm
from kb.collections.models import ITEM_TYPES, Collection, CollectionItem
from kb.errors import error_response, keeps_text_on_csrf_failure
from kb.extensions import db
from kb.pdf import FontMissing
from kb.routing import (
    bounded_int,
    download_disposition,
    download_name,
    filter_arg,
    last_page_redirect,
    local_path,
    page_arg,
)
from kb.templating import plural

bp = Blueprint("collections", __name__, url_prefix="/collections")
keeps_text_on_csrf_failure("collections.new", CollectionForm)
keeps_text_on_csrf_failure("collections.edit", CollectionForm)
keeps_text_on_csrf_failure("collections.note", NoteForm)

PER_PAGE = 20


def _owned_or_404(collection_id: int) -> Collection:
    collection = services.get_collection(collection_id)
    if collection is None or not services.is_owner(current_user, collection):
        abort(404)
    return collection


def _item_or_404(collection: Collection, item_id: int) -> CollectionItem:
    for item in collection.items:
        if item.id == item_id:
            return item
    abort(404)


def _safe_next(default: str) -> str:
    """The local page to return to after a one-click action; anything pointing elsewhere is ignored."""
    return local_path(request.form.get("next")) or default


@bp.get("")
def index():
    query = filter_arg(request.args)
    page = page_arg(request.args)
    pagination = services.public_collections(query, page, PER_PAGE)
    if back := last_page_redirect(pagination):
        return back
    return render_template("collections/index.html", pagination=pagination, query=query,
                           counts=services.item_counts(pagination.items))


@bp.get("/mine")
@login_required
def mine():
    collections = services.owned_collections(current_user)
    return render_template("collections/mine.html", collections=collections,
                           counts=services.item_counts(collections))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = CollectionForm()
    if form.validate_on_submit():
        collection = services.create_collection(current_user, form.title.data, form.description.data or "",
                                                form.visibility.data)
        db.session.commit()
        flash("Подборка создана. Добавляйте в неё материалы кнопкой «В подборку».", "success")
        return redirect(url_for(".view", collection_id=collection.id))
    return render_template("collections/form.html", form=form, collection=None)


@bp.route("/<int:collection_id>/edit", methods=["GET", "POST"])
@login_required
def edit(collection_id: int):
    collection = _owned_or_404(collection_id)
    form = CollectionForm(obj=collection)
    if form.validate_on_submit():
        services.update_collection(collection, form.title.data, form.description.data or "", form.visibility.data)
        if form.renew_link.data:
            services.renew_share_token(collection)
        db.session.commit()
        flash("Подборка сохранена.", "success")
        return redirect(url_for(".view", collection_id=collection.id))
    return render_template("collections/form.html", form=form, collection=collection)


@bp.route("/<int:collection_id>/delete", methods=["GET", "POST"])
@login_required
def delete(collection_id: int):
    collection = _owned_or_404(collection_id)
    if request.method == "GET":  # the question first: a deletion cannot be undone
        return render_template("collections/delete.html", collection=collection)
    title = collection.title
    db.session.delete(collection)
    db.session.commit()
    flash(f"Подборка «{title}» удалена.", "success")
    return redirect(url_for(".mine"))


def _render_view(collection: Collection, token: str | None, page: int | None = None,
                 refused_note: tuple[CollectionItem, NoteForm] | None = None):
    """The collection's page; ``refused_note``: a note not saved, shown again in its item's form with the reason."""
    owner = services.is_owner(current_user, collection)
    items = services.entry_page(collection, current_user, page or page_arg(request.args))
    return render_template(
        "collections/view.html", collection=collection, items=items, entries=items.entries,
        is_owner=owner, token=token, max_items=services.max_items(),
        order=_order(), orders=exports.ORDERS, order_query=_order_query(),
        share_url=url_for(".shared", token=collection.share_token, _external=True) if owner else None,
        exportable=bool(items.numbers),  # a number is an item of the exports: with none, there is nothing to download
        note_item_id=refused_note[0].id if refused_note else None,
        note_form=refused_note[1] if refused_note else None,
    )


def _order() -> str:
    """The order of the exports the page's address asks for («упорядочить»: ``exports.ORDERS``)."""
    return exports.order_arg(request.args.get("order"))


def _order_query() -> dict[str, str]:
    """What the page's links and forms add to their addresses to keep the order chosen: nothing for the default."""
    order = _order()
    return {} if order == exports.DEFAULT_ORDER else {"order": order}


def _item_url(collection: Collection, item: CollectionItem) -> str:
    """The collection's page showing the item, scrolled to it, in the order of exports chosen."""
    page = services.page_of(collection, item)
    return url_for(".view", collection_id=collection.id, page=page if page > 1 else None, **_order_query(),
                   _anchor=f"item-{item.id}")


@bp.get("/<int:collection_id>")
def view(collection_id: int):
    collection = services.get_collection(collection_id)
    # A collection shared by link opens only through its secret address; by id it is as if absent.
    if collection is None or not services.can_view(current_user, collection):
        abort(404)
    return _render_view(collection, None)


@bp.get("/shared/<token>")
def shared(token: str):
    collection = services.get_shared_collection(token)
    if collection is None:
        abort(404)
    return _render_view(collection, token)


@bp.post("/<int:collection_id>/copy")
@login_required
def copy(collection_id: int):
    """«Скопировать в мои подборки»: of a public collection, or of one's own."""
    collection = services.get_collection(collection_id)
    if collection is None or not services.can_view(current_user, collection):
        abort(404)
    return _copy(collection)


@bp.post("/shared/<token>/copy")
@login_required
def shared_copy(token: str):
    """«Скопировать в мои подборки» of a collection opened by its secret link."""
    collection = services.get_shared_collection(token)
    if collection is None:
        abort(404)
    return _copy(collection)


def _copy(collection: Collection) -> Response:
    result = services.copy_collection(current_user, collection)
    db.session.commit()
    copied = result.collection
    count = len(copied.items)
    materials = plural(count, "материал", "материала", "материалов")
    message = f"Подборка скопирована в ваши: «{copied.title}», {count} {materials}"
    left_out = [f"недоступных: {result.unavailable}"] if result.unavailable else []
    if result.unpublished_files:  # the owner's copy: a file her page shows, which no collection takes
        left_out.append(f"файлов неопубликованных практик: {result.unpublished_files}")
    if left_out:
        message += f" (не скопировано {', '.join(left_out)})"
    message += "."
    if result.over_limit:  # seen, but past the limit: not «недоступных»
        message += " " + services.over_limit_message(result.over_limit)
    flash(message + " Копию видите только вы; её можно менять как свою.", "success")
    return redirect(url_for(".view", collection_id=copied.id))


@bp.post("/add")
@login_required
def add():
    item_type = request.form.get("item_type", "")
    item_id = bounded_int(request.form, "item_id")
    if item_type not in ITEM_TYPES:
        return error_response(400, "Такой материал нельзя добавить в подборку: добавляются практики, резолюции, "
                                   "рекомендации и файлы.")
    if item_id is None:
        abort(400)
    choice = request.form.get("collection", "")
    if choice.isdigit():  # "²" is a digit to Python, not a number: no collection has it
        collection = _owned_or_404(bounded_int(request.form, "collection") or 0)
    elif not choice and (latest := services.latest_collection(current_user)) is not None:
        # A button with no list was shown to someone with no collection yet; one made since (by a click on another
        # result of the same page, or in another tab) is the one meant: not «Моя подборка 2», «3»… of one each.
        collection = latest
    else:
        # The first click of someone with no collection yet (or «Новая подборка») creates one.
        new_title = NewCollectionForm(meta={"csrf": False}).new_title.data or ""  # cleaned as every form's text
        title = new_title[:300].strip() or services.default_title(current_user)
        collection = services.create_collection(current_user, title)
    refusal = None
    try:
        _, created = services.add_item(current_user, collection, item_type, item_id)
        db.session.commit()
    except services.ItemNotFound:
        db.session.rollback()
        abort(404)
    except services.ItemRefused as refused:  # the collection is full, or the material goes into none
        db.session.rollback()  # a collection this click made is not kept for a material it did not take
        created, refusal = False, str(refused)
    except IntegrityError:
        # A double click raced its twin: the other request has already added the material.
        db.session.rollback()
        created = False
    kept = collection in db.session
    if refusal:
        message, category = refusal, "error"
    elif created:
        message, category = f"Добавлено в подборку «{collection.title}».", "success"
    else:
        what = "Этот файл" if item_type == "attachment" else "Этот материал"
        message, category = f"{what} уже есть в подборке «{collection.title}».", "info"
    if _wants_json():
        # static/collections.js: the page stays where it is and says so beside the button
        body = {"message": message, "created": created,
                "collection": {"id": collection.id, "title": collection.title,
                               "url": url_for(".view", collection_id=collection.id)} if kept else None}
        return (body, 409) if refusal else body
    flash(message, category)
    return redirect(_safe_next(url_for(".view", collection_id=collection.id) if kept else url_for(".mine")))


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


@bp.route("/<int:collection_id>/items/<int:item_id>/remove", methods=["GET", "POST"])
@login_required
def remove_item(collection_id: int, item_id: int):
    collection = _owned_or_404(collection_id)
    item = _item_or_404(collection, item_id)
    if request.method == "GET":  # the question first: the item's note goes with it
        entry = services.entries(collection, current_user, [item])[0]
        return render_template("collections/remove_item.html", collection=collection, entry=entry,
                               back=_item_url(collection, item), order_query=_order_query())
    page = services.page_of(collection, item)  # back to where it was (past the end: the last page)
    services.remove_item(collection, item)
    db.session.commit()
    flash("Материал убран из подборки.", "success")
    return redirect(url_for(".view", collection_id=collection.id, page=page if page > 1 else None, **_order_query()))


@bp.post("/<int:collection_id>/items/<int:item_id>/move")
@login_required
def move_item(collection_id: int, item_id: int):
    collection = _owned_or_404(collection_id)
    item = _item_or_404(collection, item_id)
    direction = request.form.get("direction", "")
    if services.move_item(collection, item, direction):
        db.session.commit()
        flash(services.moved_message(collection, item, direction, _order() == exports.DEFAULT_ORDER), "success")
    elif direction in services.MOVES:
        flash(services.unmoved_message(direction), "info")
    return redirect(_item_url(collection, item))  # on the page before or after when it crossed one


@bp.post("/<int:collection_id>/items/<int:item_id>/note")
@login_required
def note(collection_id: int, item_id: int):
    collection = _owned_or_404(collection_id)
    item = _item_or_404(collection, item_id)
    form = NoteForm()
    if not form.validate():
        # Too long (not from the page's textarea, which stops at the limit): the text comes back as typed, unsaved.
        return _render_view(collection, None, services.page_of(collection, item), (item, form)), 422
    services.set_note(collection, item, form.note.data or "")
    db.session.commit()
    flash("Заметка сохранена.", "success")
    return redirect(_item_url(collection, item))


def _export(collection: Collection, fmt: str, back: str) -> Response:
    if not services.has_public_material(collection):  # an address kept from before, or typed: not an empty file
        flash("Скачивать пока нечего: в подборке нет опубликованных материалов"
              + (" (неопубликованные в выгрузки не входят)." if collection.items else "."), "info")
        return redirect(back)
    try:
        data, mimetype = exports.render(fmt, collection, services.public_entries(collection), order=_order())
    except FontMissing:
        current_app.logger.exception("PDF export without fonts")
        flash("PDF сейчас недоступен: на сервере не установлен шрифт. Скачайте DOCX.", "error")
        return redirect(back)
    fallback = f"collection-{collection.id}.{fmt}"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": download_disposition(download_name(collection.title, fmt) or fallback, fallback)})


@bp.get("/<int:collection_id>/export.<any(csv, docx, pdf, ris, bib):fmt>")
def export(collection_id: int, fmt: str):
    collection = services.get_collection(collection_id)
    if collection is None or not services.can_view(current_user, collection):
        abort(404)
    return _export(collection, fmt, url_for(".view", collection_id=collection.id))


@bp.get("/shared/<token>/export.<any(csv, docx, pdf, ris, bib):fmt>")
def shared_export(token: str, fmt: str):
    collection = services.get_shared_collection(token)
    if collection is None:
        abort(404)
    return _export(collection, fmt, url_for(".shared", token=token))


@bp.app_template_global()
def my_collections() -> list[Collection]:
    """The signed-in user's collections for the «В подборку» buttons (one query per request)."""
    if not current_user.is_authenticated:
        return []
    if "my_collections" not in g:
        g.my_collections = services.owned_collections(current_user)
    return g.my_collections
