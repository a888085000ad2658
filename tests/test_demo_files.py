"""The files of the demo practices: made when the demo loads, attached, stored, read and found like uploads."""

import io
from pathlib import Path

from sqlalchemy import func, select

from kb.attachments.models import Attachment
from kb.attachments.storage import storage
from kb.extensions import db
from kb.practices.models import SECTION_KEYS, Practice

# A word only the file of demo-a-07 holds (its lesson's friction-measuring device), in none of the practices' texts.
FILE_WORD = "трибометр"
LESSON_MAP = "Технологическая карта урока-исследования «Сила трения скольжения».docx"


def demo_attachments(app) -> list[tuple[str, str, str, str]]:
    """(demo key, file name, kind, text) of every attachment of a demo practice."""
    with app.app_context():
        rows = db.session.execute(
            select(Practice.external_id, Attachment.original_name, Attachment.kind, Attachment.text)
            .join(Attachment, Attachment.practice_id == Practice.id).order_by(Attachment.id))
        return [(external_id.removeprefix("demo:"), name, kind, text) for external_id, name, kind, text in rows]


def test_demo_practices_carry_files_of_each_kind(demo_app):
    from kb.demo.files import demo_files

    files = demo_attachments(demo_app)
    assert [(key, name) for key, name, _, _ in files] == [(f.practice, f.name) for f in demo_files()]
    assert 10 <= len({key for key, *_ in files}) <= 15
    assert {kind for _, _, kind, _ in files} == {"docx", "pptx", "pdf"}
    texts = {name: text for _, name, _, text in files}
    assert "исследовательские ступени" in texts["Презентация опыта ШНО «Юный исследователь».pptx"].lower()
    # a presentation's speaker notes are read as well as its slides
    assert "консультанты из четвёртых классов" in texts["Презентация опыта ШНО «Юный исследователь».pptx"]
    assert "«Сферум»" in texts["Программа курса внеурочной деятельности «Почемучки».pdf"]
    assert "Деятельность учащихся" in texts[LESSON_MAP]  # a table's cells
    with demo_app.app_context():
        for digest in db.session.scalars(select(Attachment.sha256)):
            assert storage().path(digest).is_file(), "stored under the instance's uploads"
        # the demo's published practices only: a draft's file would be nobody's to see
        statuses = set(db.session.scalars(select(Practice.status).join(Attachment)))
        assert statuses == {"published"}


def test_demo_search_finds_a_practice_by_a_word_only_its_file_holds(demo_app, demo_client):
    with demo_app.app_context():
        for practice in db.session.scalars(select(Practice)):
            own = " ".join([practice.title, *(getattr(practice, key) or "" for key in SECTION_KEYS)])
            assert FILE_WORD not in own.lower()
        pid = db.session.scalar(select(Practice.id).where(Practice.external_id == "demo:demo-a-07"))
    found = demo_client.get("/api/v1/search", query_string={"q": FILE_WORD}).json
    assert [r["id"] for r in found["results"]] == [pid]
    page = demo_client.get("/search", query_string={"q": "трибометром"}).get_data(as_text=True)
    assert f"В файле «{LESSON_MAP}»:" in page
    assert f"<mark>{FILE_WORD}</mark>" in page


def test_demo_files_are_listed_and_downloaded(demo_app, demo_client):
    from docx import Document
    from pptx import Presentation

    with demo_app.app_context():
        pid = db.session.scalar(select(Practice.id).where(Practice.external_id == "demo:demo-b-22"))
    page = demo_client.get(f"/practices/{pid}").get_data(as_text=True)
    assert "Презентация опыта «Игровые механики на уроках истории».pptx" in page
    assert "Технологическая карта урока «Газета эпохи».docx" in page
    with demo_app.app_context():
        files = {a.kind: a for a in db.session.scalars(select(Attachment).where(Attachment.practice_id == pid))}
    for kind, attachment in files.items():
        with demo_client.get(f"/attachments/{attachment.id}/{attachment.original_name}") as response:
            assert response.status_code == 200
            data = response.get_data()
        if kind == "pptx":
            slides = Presentation(io.BytesIO(data)).slides
            assert len(slides) == 4 and all(s.has_notes_slide for s in slides)
        else:
            assert "Критерии отметки" in [p.text for p in Document(io.BytesIO(data)).paragraphs]


def test_demo_files_come_back_once_and_without_a_font_the_pdfs_are_left_out(demo_app, tmp_path: Path):
    from kb.accounts.services import find_user
    from kb.demo.files import attach_demo_files

    with demo_app.app_context():
        practices = {p.external_id.removeprefix("demo:"): p
                     for p in db.session.scalars(select(Practice).where(Practice.is_demo.is_(True)))}
        total = db.session.scalar(select(func.count(Attachment.id)))
        for attachment in db.session.scalars(select(Attachment).where(Attachment.kind.in_(("pdf", "docx")))):
            db.session.delete(attachment)
        db.session.commit()
        demo_app.config["PDF_FONT_DIR"] = str(tmp_path)  # no DejaVu there
        report = attach_demo_files(find_user("admin@demo.example"), practices)
        db.session.commit()
        assert (report.skipped, report.existing) == (3, 3)  # three PDFs; three presentations kept
        assert report.created == total - 6
        again = attach_demo_files(find_user("admin@demo.example"), practices)
        assert (again.created, again.existing, again.skipped) == (0, total - 3, 3)
        assert db.session.scalar(select(func.count(Attachment.id))) == total - 3


def test_a_demo_load_leaves_out_the_files_of_a_practice_it_may_not_change(demo_app):
    """A demo practice a moderator archived (or one already at its file limit) is left as it is: the load goes on
    with the others, and `make run` keeps working."""
    from kb.demo.files import demo_files
    from kb.demo.services import load_demo

    with demo_app.app_context():
        quant = db.session.scalar(select(Practice).where(Practice.external_id == "demo:demo-a-07"))
        for attachment in db.session.scalars(select(Attachment)):
            db.session.delete(attachment)
        quant.status = "archived"
        db.session.commit()
        total = len(demo_files())
        report = load_demo()
        db.session.commit()
        assert report.files_refused == 1  # the lesson map of «Квант», an archived practice
        assert report.files_created == total - 1
        assert db.session.scalar(select(func.count(Attachment.id)).where(Attachment.practice_id == quant.id)) == 0
