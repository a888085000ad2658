"""Administration of the vocabularies: the topic thesaurus and the municipalities."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from kb.accounts.access import admin_required
from kb.accounts.services import record
from kb.extensions import db
from kb.practices.models import practice_topic
from kb.vocabularies.data import TOPICS, fold
from kb.vocabularies.forms import MunicipalityForm, TopicForm
from kb.vocabularies.models import Municipality, Region, Topic
from kb.vocabularies.services import topic_descendants, topic_uses, topic_with_label, touch_topic_items

bp = Blueprint("vocabulary_admin", __name__, url_prefix="/admin/vocabularies")

# Latin transliteration for municipality codes (names stay Cyrillic).
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                      "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))


def _slug(text: str) -> str:
    latin = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return re.sub(r"[^a-z0-9]+", "-", latin).strip("-")[:60] or "m"


CODE_LENGTH = 80  # Municipality.code
SHIPPED_TOPICS = frozenset(t["code"] for t in TOPICS)  # `flask --app kb init` adds them back when missing


def _free_municipality_code(region: str, name: str, kind: str) -> str:
    """A code no municipality has: the region and the transliterated name, then with the kind, then numbered
    (names that transliterate alike — "!!!" and "???", or the same first 60 letters — share the first)."""
    base = f"{region}-{_slug(name)}"[:CODE_LENGTH]
    candidates = [base, f"{base}-{_slug(kind)}"[:CODE_LENGTH]]
    taken = set(db.session.scalars(  # the region's codes: a few hundred at most
        select(Municipality.code).where(Municipality.code.startswith(f"{region}-", autoescape=True))))
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    number = 2
    while (candidate := f"{base[:CODE_LENGTH - len(str(number)) - 1]}-{number}") in taken:
        number += 1
    return candidate


def _topic_choices(exclude: str | None = None) -> list[SelectChoice]:
    topics = db.session.scalars(select(Topic).order_by(Topic.sort_order))
    return [SelectChoice("", "— нет —")] + [SelectChoice(t.code, t.label) for t in topics if t.code != exclude]


def _municipality_form() -> MunicipalityForm:
    form = MunicipalityForm()
    form.region.choices = [SelectChoice(r.code, r.name)
                           for r in db.session.scalars(select(Region).order_by(Region.sort_order))]
    return form


def _index_page(form: MunicipalityForm, status: int = 200):
    """The vocabularies page; after a municipality that was not added, with what was typed and the field's error."""
    counts = dict(db.session.execute(
        select(practice_topic.c.topic_code, func.count()).group_by(practice_topic.c.topic_code)).all())
    topics = list(db.session.scalars(select(Topic).order_by(Topic.sort_order)))
    municipality_counts = db.session.execute(
        select(Region.name, func.count(Municipality.id)).join(Municipality.region)
        .group_by(Region.name, Region.sort_order).order_by(Region.sort_order)).all()
    return render_template("admin/vocabularies.html", topics=topics, counts=counts, form=form,
                           municipality_counts=municipality_counts), status


@bp.get("")
@admin_required
def index():
    return _index_page(_municipality_form())


def _topic_values(topic: Topic) -> dict:
    return {"label": topic.label, "parent": topic.parent_code, "synonyms": list(topic.synonyms)}


def _check_topic(form: TopicForm, topic: Topic | None) -> bool:
    """The checks of a topic form the form cannot make alone: a label another topic has (up to case and ё/е),
    a broader topic that is the topic itself or one of its narrower ones. False with the errors on the fields."""
    same = topic_with_label(form.label.data, other_than=topic.code if topic else None)
    if same is not None:
        form.label.errors.append(f"Тема с таким названием уже есть: «{same.label}» (код {same.code}).")
    parent = form.parent.data or None
    if topic is not None and parent is not None and (parent == topic.code or parent in topic_descendants(topic.code)):
        narrower = db.session.get(Topic, parent)
        form.parent.errors.append(
            "Тема не может быть более общей для самой себя." if parent == topic.code else
            f"«{narrower.label}» — более узкая тема этой темы: она не может стать для неё более общей.")
    return not (form.label.errors or form.parent.errors)


def _save_topic(form: TopicForm, topic: Topic | None) -> Topic | None:
    """Create or update a topic from the form, recorded in the audit log; None when nothing changed."""
    before = _topic_values(topic) if topic else None
    after = {"label": form.label.data.strip(), "parent": form.parent.data or None, "synonyms": form.synonym_list()}
    if before == after:
        return None
    if topic is None:
        order = (db.session.scalar(select(func.max(Topic.sort_order))) or 0) + 1
        topic = Topic(code=form.code.data, label="", synonyms=[], sort_order=order)
        db.session.add(topic)
    topic.label, topic.parent_code, topic.synonyms = after["label"], after["parent"], after["synonyms"]
    if before is not None and before["label"] != after["label"]:
        touch_topic_items(topic.code)  # the label is in their metadata: harvesters must see them changed
    record("vocabulary_changed", current_user, "topic", None,
           details={"code": topic.code, "before": before, "after": after})
    return topic


@bp.route("/topics/new", methods=["GET", "POST"])
@admin_required
def new_topic():
    form = TopicForm()
    form.parent.choices = _topic_choices()
    if form.validate_on_submit():
        if db.session.get(Topic, form.code.data) is not None:
            form.code.errors.append("Тема с таким кодом уже есть.")
        elif _check_topic(form, None):
            _save_topic(form, None)
            db.session.commit()
            flash("Тема добавлена.", "success")
            return redirect(url_for(".index"))
    return render_template("admin/topic.html", form=form, topic=None)


@bp.route("/topics/<code>", methods=["GET", "POST"])
@admin_required
def edit_topic(code: str):
    topic = db.session.get(Topic, code) or abort(404)
    form = TopicForm(data={"code": topic.code, "label": topic.label, "parent": topic.parent_code or "",
                           "synonyms": "\n".join(topic.synonyms)})
    form.parent.choices = _topic_choices(exclude=topic.code)
    form.code.data = topic.code  # the code never changes: practices and the index refer to it
    if form.validate_on_submit() and _check_topic(form, topic):
        changed = _save_topic(form, topic) is not None
        db.session.commit()
        flash("Тема сохранена." if changed else "Изменений нет.", "success" if changed else "info")
        return redirect(url_for(".index"))
    return render_template("admin/topic.html", form=form, topic=topic)


@bp.route("/topics/<code>/delete", methods=["GET", "POST"])
@admin_required
def delete_topic(code: str):
    """A topic nothing refers to can be deleted (one added by mistake, a duplicate); GET asks, POST deletes."""
    topic = db.session.get(Topic, code) or abort(404)
    uses = topic_uses(code)
    if request.method == "POST":
        if uses.total:
            flash("Тему нельзя удалить: она используется.", "error")
            return redirect(url_for(".delete_topic", code=code))
        record("topic_deleted", current_user, "topic", None, details={"code": code, "before": _topic_values(topic)})
        db.session.delete(topic)
        db.session.commit()
        flash(f"Тема «{topic.label}» удалена.", "success")
        return redirect(url_for(".index"))
    return render_template("admin/topic_delete.html", topic=topic, uses=uses, shipped=code in SHIPPED_TOPICS)


@bp.post("/municipalities")
@admin_required
def add_municipality():
    form = _municipality_form()
    # A refusal comes back as the page itself, with what was typed and the message on its field (as a new topic's)
    if not form.validate_on_submit():
        return _index_page(form, 400)
    name = " ".join(form.name.data.split())
    # folded as the bank reads names (case, ё/е): SQLite's lower() leaves Cyrillic as it is, and «Озерский» is
    # «Озёрский» typed without «ё»
    names = db.session.scalars(select(Municipality.name).where(Municipality.region_code == form.region.data))
    if fold(name) in {fold(existing) for existing in names}:
        form.name.errors.append("Такой муниципалитет уже есть.")
        return _index_page(form, 409)
    code = _free_municipality_code(form.region.data, name, form.kind.data)
    municipality = Municipality(code=code, name=name, kind=form.kind.data, region_code=form.region.data)
    db.session.add(municipality)
    try:
        db.session.flush()
    except IntegrityError:  # another administrator took the same code a moment ago
        db.session.rollback()
        form.name.errors.append("Муниципалитет не добавлен: его код только что занят. Отправьте форму ещё раз.")
        return _index_page(form, 409)
    record("vocabulary_changed", current_user, "municipality", municipality.id, details={"code": code, "name": name})
    db.session.commit()
    flash(f"Муниципалитет «{name}» добавлен.", "success")
    return redirect(url_for(".index", _anchor="municipalities"))
