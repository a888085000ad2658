"""The RIS and CSV files of a search: the same bytes as the whole-object export wrote, read in batches of the
columns a reference needs (5000 whole practices, ten long sections each, were 3.4 s and 100 MB of the worker)."""

import csv
import io
from datetime import date, datetime

from sqlalchemy import event, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from kb.citations.links import permalink
from kb.citations.services import ris_records
from kb.extensions import db
from kb.practices.models import Practice
from kb.resolutions.models import Recommendation, Resolution
from kb.search import exports
from kb.search.services import export_hits, export_results, parse_params, sync

WORD = "звездочёт"


def _bank(make_practice) -> None:
    full = {name: f"Раздел {name}: {WORD} и дети.\nВторая строка  с пробелами." for name in (
        "relevance", "leading_idea", "novelty", "goal_tasks", "technology", "results", "conditions",
        "target_audience", "labor_intensity", "replication", "literature")}
    full["annotation"] = f"Аннотация про {WORD}:\nкружок «Юный астроном» & обсерватория."
    make_practice(f"Клуб «{WORD.title()}» для 5–7 кл.", organisation="МАОУ «Лицей № 31» г. Челябинска",
                  event="Фестиваль",
                  authors=[("Иванова Анна Петровна", "учитель"), ("—", ""), ("Петров И. И.", "методист"),
                           ("Коллектив учителей школы № 5", "")],
                  topics=["research_projects", "olympiads", "gifted_support"], levels=["primary", "basic"],
                  year=2019, **full)
    make_practice(f"Без года: {WORD}", year=None, authors=[], organisation="", annotation="")
    make_practice(f"Черновик: {WORD}", status="draft")
    for n in range(3):
        make_practice(f"{WORD.title()} {n}", year=2010 + n)
    resolution = Resolution(
        title=f"Резолюция конференции «{WORD.title()}»", conference_name=f"Конференция «{WORD}»",
        date_start=date(2017, 4, 17), place="Челябинск", organiser="ГБУ ДПО ЧИППКРО", checksum="export-1",
        status="published", full_text=f"Текст про {WORD}",
        recommendations=[Recommendation(position=0, number="4.2", addressee="Школам", text=f"Создать {WORD}.")])
    hidden = Resolution(title=f"Черновик резолюции {WORD}", checksum="export-2", status="draft", full_text=WORD,
                        recommendations=[Recommendation(position=0, number="1", text=f"Скрыто: {WORD}.")])
    db.session.add_all([resolution, hidden])
    db.session.commit()
    sync()


def _old_ris(args: dict, limit: int) -> str:
    """The export as it was written: the whole materials behind the resolved results, url_for for each."""
    results = export_results(export_hits(parse_params(MultiDict(args), strict=False), limit)[0])
    models = {"practice": Practice, "resolution": Resolution, "recommendation": Recommendation}
    parts = {"practice": (selectinload(Practice.authors), selectinload(Practice.topics)), "resolution": (),
             "recommendation": (selectinload(Recommendation.resolution),)}
    loaded = {}
    for kind, model in models.items():
        if ids := [r.id for r in results if r.type == kind]:
            query = select(model).where(model.id.in_(ids)).options(*parts[kind])
            loaded.update({(kind, obj.id): obj for obj in db.session.scalars(query)})
    objects = [loaded[(r.type, r.id)] for r in results if (r.type, r.id) in loaded]
    return ris_records([(obj, permalink(obj)) for obj in objects])


def _old_csv(args: dict, limit: int) -> str:
    from kb import spreadsheets

    results = export_results(export_hits(parse_params(MultiDict(args), strict=False), limit)[0])
    authors = exports.practice_authors(results)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(exports.CSV_HEADER)
    for r in results:
        writer.writerow(spreadsheets.row([
            exports.TYPE_NAMES.get(r.type, r.type), r.title, authors.get(r.id, "") if r.type == "practice" else "",
            "http://localhost" + r.url, ", ".join(x["label"] for x in r.region),
            ", ".join(x["label"] for x in r.levels), ", ".join(x["label"] for x in r.topics), r.year or "",
            r.context,
        ]))
    return "\ufeff" + out.getvalue()


def test_a_search_exports_the_same_bytes_in_batches(app, make_practice, monkeypatch):
    with app.app_context():
        _bank(make_practice)
    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)
    client = app.test_client()
    for args in ({"q": WORD}, {"q": WORD, "sort": "date"}, {"q": WORD, "type": "practice"}):
        with client.get("/search/export.ris", query_string=args) as ris:
            assert ris.is_streamed
            ris_text = ris.get_data(as_text=True)
        with client.get("/search/export.csv", query_string=args) as table:
            assert table.is_streamed
            csv_text = table.get_data(as_text=True)
        with app.test_request_context("/"):
            assert ris_text == _old_ris(args, app.config["SEARCH_EXPORT_MAX"])
            assert csv_text == _old_csv(args, app.config["SEARCH_EXPORT_MAX"])
    with client.get("/search/export.ris", query_string={"q": WORD}) as ris:
        text = ris.get_data(as_text=True)
    assert text.count("ER  - ") == 7 and "Черновик" not in text and "Скрыто" not in text
    assert "AU  - Иванова, Анна Петровна" in text and "T2  - Резолюция конференции" in text
    assert f"PY  - {datetime.now().year}" in text  # the practice without a year: the year it was published
    app.config["SEARCH_EXPORT_MAX"] = 3
    with client.get("/search/export.ris", query_string={"q": WORD}) as ris:
        assert ris.get_data(as_text=True).count("ER  - ") == 3


def test_the_ris_of_a_search_reads_only_what_a_reference_needs(app, make_practice):
    """A practice's long sections (all but the annotation) are not read, nor the results' rows before them."""
    with app.app_context():
        _bank(make_practice)
        statements: list[str] = []
        engine = db.engine

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with app.test_client().get("/search/export.ris", query_string={"q": WORD}) as ris:
            assert ris.get_data(as_text=True).count("ER  - ") == 7
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # (the search's look at the outbox asks whether a waiting practice is still published, reading no row of it)
    practice_reads = [s for s in statements if ("FROM practice " in s or "FROM practice\n" in s)
                      and "FROM index_outbox" not in s]
    assert practice_reads and not [s for s in practice_reads if "technology" in s or "literature" in s]
    assert len(practice_reads) == 1, practice_reads  # one read of the rows, not one for the results and another
