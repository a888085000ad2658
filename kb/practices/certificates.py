"""The certificate of inclusion in the bank («Справка о размещении опыта в банке», PDF): what a teacher shows her
attestation commission — the practice is published in the bank, passed expert review (when it did), is spread and
followed. Nothing of it is stored: the practice's public page, its permanent link printed on it, is the check of
authenticity. Who may get one is decided in ``kb.practices.policy.can_get_certificate``."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from kb.adoption.services import adoption_counts
from kb.citations.links import permalink
from kb.citations.services import BANK_NAME
from kb.extensions import db
from kb.pdf import PdfText, document_bytes, new_document
from kb.practices.assessments import passed_expertise
from kb.practices.models import Practice, PracticeTransition
from kb.templating import format_date, plural, spread_level_label

NUMBER_PREFIX = "БП"
# A signature line left to fill in by hand when CERTIFICATE_SIGNATORY_NAME is not set
BLANK = "_" * 20
MANY_AUTHORS = 6


def certificate_number(practice: Practice) -> str:
    """The registration number: the practice's id, which the bank never gives twice («БП-000123»)."""
    return f"{NUMBER_PREFIX}-{practice.id:06d}"


def publication_date(practice: Practice) -> datetime | None:
    """When the practice first entered the bank, from its history (archived and restored, it keeps that date); a
    practice loaded as published has no such step, its stored publication time (if any) stands for it."""
    first = db.session.scalar(select(func.min(PracticeTransition.created_at)).where(
        PracticeTransition.practice_id == practice.id, PracticeTransition.to_status == "published"))
    return first or practice.published_at


def followers_line(count: int) -> str:
    """The followers of the experience: organisations that reported applying it, counted as its page counts them."""
    if not count:
        return "Последователи опыта: сведений о применении пока нет"
    return (f"Последователи опыта: {count} {plural(count, 'организация', 'организации', 'организаций')} "
            f"{plural(count, 'сообщила', 'сообщили', 'сообщили')} о применении практики")


def _place(practice: Practice) -> str:
    return ", ".join(name for name in (practice.municipality.name if practice.municipality else "",
                                       practice.region.name if practice.region else "") if name)


def certificate_pdf(practice: Practice, issued: date) -> bytes:
    """The certificate of a published practice, issued on ``issued`` (``kb.pdf.FontMissing`` without fonts)."""
    config = current_app.config
    issuer = config["CERTIFICATE_ISSUER"].strip()
    number = certificate_number(practice)
    link = permalink(practice)
    pdf = new_document(f"Справка № {number}", issuer or BANK_NAME)
    text = PdfText(pdf)
    block = text.block

    block(BANK_NAME, 10, "B", 1, align="C")
    if issuer:
        block(issuer, 10, "", 1, align="C")
    pdf.ln(5)
    block("СПРАВКА", 16, "B", 1, align="C")
    block("о размещении опыта в банке практик", 12, "B", 4, align="C")
    block(f"№ {number}", 11, "", 1, align="C")
    block(f"Дата выдачи: {format_date(issued)}", 11, "", 6, align="C")

    published = publication_date(practice)
    statement = ("Настоящая справка подтверждает, что описание педагогического опыта опубликовано в банке "
                 f"«{BANK_NAME}»" + (f" {format_date(published)}" if published else ""))
    block(statement if statement.endswith(".") else f"{statement}.", 11, "", 4)  # a date ends with «г.»
    block("Название:", 10, "I", 1)
    block(practice.title, 12, "B", 4)
    if practice.authors:
        block("Авторы:" if len(practice.authors) > 1 else "Автор:", 10, "I", 1)
        authors = [f"{author.name}, {author.position}" if author.position else author.name
                   for author in practice.authors]
        if len(authors) <= MANY_AUTHORS:
            for author in authors:
                block(author, 10, "", 0.5)
            pdf.ln(3)
        else:  # a school's collective (20 authors are no rarity) in one paragraph, so that the page holds them
            block("; ".join(authors), 9, "", 3)
    facts = [("Организация", practice.organisation), ("Территория", _place(practice)),
             ("Дата публикации", format_date(published) if published else ""),
             ("Уровень распространения", spread_level_label(practice.spread_level))]
    for label, value in facts:
        if value:
            block(f"{label}: {value}", 10, "", 1.5)
    if passed_expertise(practice):
        block("Прошла экспертизу", 10, "B", 1.5)
    block(followers_line(adoption_counts([practice.id]).get(practice.id, 0)), 10, "", 1.5)
    block(f"Постоянная ссылка: {link}", 10, "", 1.5, link=link)
    block("Подлинность справки проверяют по этой ссылке: её сведения совпадают с опубликованной страницей практики.",
          9, "I", 12)

    position = config["CERTIFICATE_SIGNATORY_POSITION"].strip() or "Руководитель"
    name = config["CERTIFICATE_SIGNATORY_NAME"].strip() or BLANK
    block(f"{position}    {BLANK} (подпись)    {name}", 11, "", 1)
    return document_bytes(pdf)
