"""Recommendations: one that names no addressee has no type; the federal authority and the corrected types

A recommendation under no addressee heading («Участники конференции рекомендуют одобрить …»: the participants are
who recommends) was typed «Участники конференции»; it now has no type, as the parser gives it («Участникам
конференции:» as a heading is still the participants'). The addressee types gained «Федеральные органы власти»
(added here, before the regional authority, in any bank whose vocabulary is loaded; «Министерству просвещения
Российской Федерации» was the regional authority), and some addressees got the type they are: a federal city's
committee of education is its regional authority, вузы and colleges are educational organisations, the ЦНППМ is an
institute of ДПО, tutors are teachers, deputy heads and directors are the organisation's administration (as
«руководителям»).

A stored type is changed only where it is what the rules before this version gave the addressee and the rules of
this version give another: a type a methodist chose stays. The rules of both versions are copied below (the
vocabulary's own module changes on). Each changed recommendation of a published resolution goes to the index
outbox: its index document names the type. The downgrade files the federal authority's recommendations under the
regional authority again and removes the type, which the earlier version does not know; a type removed from a
recommendation with no addressee is not put back.

Revision ID: z5adr0000001
Revises: z4dbi0000001
Create Date: 2026-12-10 10:00:00

"""
import re
import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = 'z5adr0000001'
down_revision = 'z4dbi0000001'
branch_labels = None
depends_on = None

FEDERAL = ("federal_authority", "Федеральные органы власти")
BATCH = 1000

# (code, patterns) of kb.vocabularies.data.ADDRESSEE_TYPES before and at this revision
_BEFORE = [
    ("regional_authority", [
        r"министерств", r"\bмин\w*(обр|прос)", r"департамент", r"комитет.*област", r"правительств",
        r"орган\w* исполнительной власти", r"губернатор",
    ]),
    ("municipal_authority", [
        r"органам местного самоуправления", r"местного самоуправлени", r"муниципальн\w* орган(ы|ам|ов|а|ами|ах|у|е)?\b",
        r"управлени\w* образовани", r"отдел\w* образовани", r"комитет\w* по образованию",
        r"администраци\w* (город|муниципальн|район)", r"\bмоуо\b", r"\bгоро\b", r"\bруо\b",
    ]),
    ("dpo_institutes", [
        r"\bдпо\b", r"институт", r"\bипп?к", r"ипп?кро", r"\bиро\b", r"повышени\w* квалификац",
        r"дополнительн\w* профессиональн\w* образовани", r"развити\w* образовани",
    ]),
    ("methodical_services", [
        r"методическ", r"\bмо\b", r"\bрмо\b", r"\bшмо\b", r"\bгмо\b", r"\bммс\b", r"\bимц\b", r"\bммц\b",
    ]),
    ("teachers", [r"педагог", r"учител", r"преподавател", r"воспитател", r"классн\w* руководител", r"наставник"]),
    ("educational_organisations", [
        r"образовательн\w* организац", r"образовательн\w* учреждени", r"школ", r"гимнази", r"лице[йя]", r"детск\w* сад",
        r"\bдоу\b", r"\bоо\b", r"\bоу\b", r"организаци\w* дополнительного образования", r"руководител",
    ]),
    ("parents", [r"^родител", r"^законн\w* представител", r"^семь", r"родител", r"законн\w* представител", r"\bсемь"]),
    ("students", [
        r"^обучающ", r"^учащ", r"^школьник", r"^старшеклассник", r"^студент", r"^воспитанник", r"^дет(ям|ей|и)\b",
        r"обучающ", r"учащ", r"школьник", r"студент", r"воспитанник",
    ]),
    ("participants", [r"участник", r"организатор", r"оргкомитет"]),
]
_AFTER = [
    ("federal_authority", [
        r"^(министерств|минпросвещени|минобрнауки|правительств|департамент|агентств|комитет)"
        r"(?:(?!субъект).)*(российской федерации|\bрф\b|\bроссии\b)",
        r"^рособрнадзор", r"^федеральн\w* (орган|агентств|служб|министерств)", r"^(комитет\w* )?государственн\w* дум",
        r"^совет\w* федерации",
    ]),
    ("regional_authority", [
        r"министерств", r"\bмин\w*(обр|прос)", r"департамент", r"комитет.*област",
        r"комитет\w* по (образованию|науке)(?:(?!район).)*(санкт-петербург|севастопол)", r"правительств",
        r"орган\w* исполнительной власти", r"губернатор",
    ]),
    ("municipal_authority", [
        r"органам местного самоуправления", r"местного самоуправлени", r"муниципальн\w* орган(ы|ам|ов|а|ами|ах|у|е)?\b",
        r"управлени\w* образовани", r"отдел\w* образовани", r"комитет\w* по образованию",
        r"администраци\w* (город|муниципальн|район)", r"\bмоуо\b", r"\bгоро\b", r"\bруо\b",
    ]),
    ("dpo_institutes", [
        r"^\w+ дпо\b", r"\bдпо\b", r"институт", r"\bипп?к", r"ипп?кро", r"\bиро\b", r"повышени\w* квалификац",
        r"дополнительн\w* профессиональн\w* образовани", r"развити\w* образовани", r"\bцнппм\b",
        r"непрерывн\w* повышени\w* профессиональн\w* мастерств",
    ]),
    ("methodical_services", [
        r"методическ", r"\bмо\b", r"\bрмо\b", r"\bшмо\b", r"\bгмо\b", r"\bммс\b", r"\bимц\b", r"\bммц\b",
    ]),
    ("teachers", [
        r"педагог(?!ическ\w* (?:\w+ )?(вуз|университет|колледж|техникум|училищ))", r"учител", r"преподавател",
        r"воспитател(?!ьн)", r"классн\w* руководител", r"наставник", r"тьютор",
    ]),
    ("educational_organisations", [
        r"образовательн\w* организац", r"образовательн\w* учреждени", r"школ", r"гимнази", r"лице[йя]", r"детск\w* сад",
        r"\bдоу\b", r"\bоо\b", r"\bоу\b", r"организаци\w* дополнительного образования", r"\bвуз", r"университет",
        r"колледж", r"техникум", r"руководител", r"директор", r"заведующ",
    ]),
    ("parents", [r"^родител", r"^законн\w* представител", r"^семь", r"родител", r"законн\w* представител", r"\bсемь"]),
    ("students", [
        r"^обучающ", r"^учащ", r"^школьник", r"^старшеклассник", r"^студент", r"^воспитанник", r"^дет(ям|ей|и)\b",
        r"обучающ", r"учащ", r"школьник", r"студент", r"воспитанник",
    ]),
    ("participants", [r"участник", r"организатор", r"оргкомитет"]),
]


def _fold(text: str) -> str:
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.lower().replace("ё", "е").split())


def _classifier(table):
    rules = [(code, [re.compile(p) for p in patterns]) for code, patterns in table]

    def classify(text: str) -> str | None:
        folded = _fold(text)
        if not folded:
            return None
        for anchored in (True, False):  # a pattern at the heading's first word decides first
            for code, patterns in rules:
                if any(p.pattern.startswith("^") == anchored and p.search(folded) for p in patterns):
                    return code
        return None
    return classify


def _queue(connection, ids, now):
    """Put the recommendations of published resolutions among ``ids`` in the index outbox."""
    published = sa.text("SELECT r.id FROM recommendation r JOIN resolution s ON s.id = r.resolution_id "
                        "WHERE s.status = 'published' AND r.id IN :ids").bindparams(sa.bindparam("ids", expanding=True))
    for begin in range(0, len(ids), BATCH):
        rows = connection.execute(published, {"ids": ids[begin:begin + BATCH]}).scalars().all()
        if rows:
            connection.execute(sa.text("INSERT INTO index_outbox (doc_type, doc_id, created_at) "
                                       "VALUES ('recommendation', :id, :now)"), [{"id": i, "now": now} for i in rows])


def _add_federal(connection) -> None:
    """The federal authority in the vocabulary, first (before the regional authority, as the vocabulary's module
    lists it), whether or not a stored recommendation is retyped to it: a restore of an older archive runs the
    migrations alone, without the vocabulary's loading. A new database has no types yet: the loading adds them."""
    types = dict(connection.execute(sa.text("SELECT code, sort_order FROM addressee_type")).all())
    if not types or FEDERAL[0] in types:
        return
    order = types.get("regional_authority", min(types.values()))
    connection.execute(sa.text("UPDATE addressee_type SET sort_order = sort_order + 1 WHERE sort_order >= :order"),
                       {"order": order})
    connection.execute(sa.text("INSERT INTO addressee_type (code, label, sort_order) VALUES (:c, :l, :order)"),
                       {"c": FEDERAL[0], "l": FEDERAL[1], "order": order})


def upgrade():
    connection = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    changed = connection.execute(sa.text(
        "SELECT id FROM recommendation WHERE addressee_type_code = 'participants' AND COALESCE(addressee, '') = ''"
    )).scalars().all()
    if changed:
        connection.execute(sa.text(
            "UPDATE recommendation SET addressee_type_code = NULL "
            "WHERE addressee_type_code = 'participants' AND COALESCE(addressee, '') = ''"))

    before, after = _classifier(_BEFORE), _classifier(_AFTER)
    retyped: dict[str | None, list[int]] = {}
    last = 0
    rows_after = sa.text("SELECT id, addressee, addressee_type_code FROM recommendation "
                         f"WHERE id > :last AND COALESCE(addressee, '') <> '' ORDER BY id LIMIT {BATCH}")
    while rows := connection.execute(rows_after, {"last": last}).fetchall():
        for rec_id, addressee, stored in rows:
            old, new = before(addressee), after(addressee)
            if stored == old and new != old:
                retyped.setdefault(new, []).append(rec_id)
        last = rows[-1][0]
    _add_federal(connection)
    update = sa.text("UPDATE recommendation SET addressee_type_code = :code WHERE id IN :ids").bindparams(
        sa.bindparam("ids", expanding=True))
    for code, ids in retyped.items():
        for begin in range(0, len(ids), BATCH):
            connection.execute(update, {"code": code, "ids": ids[begin:begin + BATCH]})
        changed.extend(ids)
    _queue(connection, sorted(changed), now)


def downgrade():
    connection = op.get_bind()
    ids = connection.execute(sa.text("SELECT id FROM recommendation WHERE addressee_type_code = :code"),
                             {"code": FEDERAL[0]}).scalars().all()
    connection.execute(sa.text("UPDATE recommendation SET addressee_type_code = 'regional_authority' "
                               "WHERE addressee_type_code = :code"), {"code": FEDERAL[0]})
    order = connection.execute(sa.text("SELECT sort_order FROM addressee_type WHERE code = :code"),
                               {"code": FEDERAL[0]}).scalar()
    connection.execute(sa.text("DELETE FROM addressee_type WHERE code = :code"), {"code": FEDERAL[0]})
    if order is not None:
        connection.execute(sa.text("UPDATE addressee_type SET sort_order = sort_order - 1 WHERE sort_order > :order"),
                           {"order": order})
    _queue(connection, list(ids), datetime.now(UTC).replace(tzinfo=None))
