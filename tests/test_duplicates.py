"""Near-duplicates before saving: the same file by checksum, nearly the same text by MinHash; drafts never leak."""

import hashlib
import io
import random
import statistics

import pytest
from sqlalchemy import func, select

import kb.models  # noqa: F401  (every mapper known before the services below build their queries)
from kb.attachments.models import Attachment
from kb.duplicates import minhash
from kb.duplicates.models import PracticeFingerprint, PracticeFingerprintBand
from kb.duplicates.services import ensure_fingerprints, similar_texts
from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import csrf_from, sign_in

TITLE = "Школьное научное общество «Открытие» для учащихся пятых–седьмых классов"
ANNOTATION = (
    "Опыт показывает, как за три года в обычной городской школе выросло научное общество учащихся, в котором "
    "дети сами выбирают темы исследований, ведут полевые дневники и защищают работы перед сверстниками. "
    "Общество объединяет сорок два ученика и шесть наставников; заседания проходят раз в две недели, а "
    "весной устраивается открытая конференция с приглашёнными учёными местного университета.")
TECHNOLOGY = (
    "Работа строится по годовому циклу: в сентябре ученики знакомятся с лабораториями и выбирают вопрос, "
    "в октябре и ноябре вместе с наставником пишут план, зимой собирают данные, а в марте готовят доклад. "
    "Каждое заседание начинается с короткого отчёта одного участника и обсуждения трудностей, которые "
    "встретились в работе. Для младших участников предусмотрены парные проекты со старшими товарищами.")
# The same practice entered again with small changes: a few words replaced, endings changed, a sentence added.
EDITED_ANNOTATION = ANNOTATION.replace("три года", "четыре года").replace("сорок два ученика", "сорок пять учеников") \
    .replace("учёными", "учеными") + " Опыт обсуждался на городском методическом объединении."
EDITED_TECHNOLOGY = TECHNOLOGY.replace("в марте", "в апреле").replace("короткого отчёта", "краткого доклада")
OTHER_ANNOTATION = (
    "Практика посвящена подготовке дошкольников к чтению через игры со звуками и буквами: воспитатели "
    "детского сада используют карточки, песни и театр теней, а родители получают задания для домашних "
    "занятий. За год доля детей, которые читают по слогам к выпуску, выросла с трети до двух третей.")


def test_minhash_estimates_the_share_of_common_wording():
    original = minhash.shingles(ANNOTATION + TECHNOLOGY)
    edited = minhash.shingles(EDITED_ANNOTATION + EDITED_TECHNOLOGY)
    other = minhash.shingles(OTHER_ANNOTATION)
    sig, sig_edited, sig_other = (minhash.signature(x) for x in (original, edited, other))
    assert minhash.similarity(sig, minhash.signature(set(original))) == 1.0
    assert minhash.jaccard(original, edited) > 0.6
    assert abs(minhash.similarity(sig, sig_edited) - minhash.jaccard(original, edited)) < 0.15
    assert minhash.similarity(sig, sig_other) < 0.1
    assert minhash.from_bytes(minhash.to_bytes(sig)).tolist() == sig.tolist()
    assert set(minhash.band_hashes(sig)) & set(minhash.band_hashes(sig_edited)), "a near copy shares a bucket"


def test_the_estimate_follows_the_exact_overlap():
    rnd = random.Random(5)
    errors = []
    for shared in (0, 15, 60, 150, 240):
        for _ in range(10):
            common = {rnd.getrandbits(64) for _ in range(shared)}
            first = common | {rnd.getrandbits(64) for _ in range(300 - shared)}
            second = common | {rnd.getrandbits(64) for _ in range(300 - shared)}
            estimate = minhash.similarity(minhash.signature(first), minhash.signature(second))
            errors.append(abs(estimate - minhash.jaccard(first, second)))
    assert statistics.mean(errors) < 0.04 and max(errors) < 0.15


def test_words_fold_case_yo_and_endings():
    assert minhash.words("Учёными УЧЕНЫЕ учёных") == minhash.words("учеными ученые ученых")
    assert minhash.words("научного общества")[0] == minhash.words("научное общество")[0]


def test_fingerprints_follow_the_practice(app, make_practice):
    with app.app_context():
        pid = make_practice(TITLE, annotation=ANNOTATION)
        before = db.session.get(PracticeFingerprint, pid).signature
        assert db.session.scalar(select(func.count()).where(PracticeFingerprintBand.practice_id == pid)) \
            == minhash.BANDS
        practice = db.session.get(Practice, pid)
        practice.annotation = OTHER_ANNOTATION
        db.session.commit()
        assert db.session.get(PracticeFingerprint, pid).signature != before
        db.session.delete(db.session.get(Practice, pid))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PracticeFingerprintBand)) == 0
        assert db.session.get(PracticeFingerprint, pid) is None


def test_practices_stored_before_fingerprints_get_them_when_needed(app, make_practice, make_user):
    with app.app_context():
        pid = make_practice(TITLE, annotation=ANNOTATION, technology=TECHNOLOGY)
        db.session.execute(PracticeFingerprintBand.__table__.delete())
        db.session.execute(PracticeFingerprint.__table__.delete())
        db.session.commit()
        found = similar_texts(None, TITLE, {"annotation": EDITED_ANNOTATION, "technology": EDITED_TECHNOLOGY})
        assert [d.practice.id for d in found] == [pid]
        assert ensure_fingerprints() == 0


def test_short_texts_are_compared_by_title_only(app, make_practice):
    with app.app_context():
        pid = make_practice("Игры со звуками", annotation="")
        assert similar_texts(None, "Игры со звуками и буквами", {"annotation": "Коротко."}) == []
        found = similar_texts(None, "  ИГРЫ со  звуками ", {})
        assert [(d.practice.id, d.same_title, d.similarity) for d in found] == [(pid, True, 0.0)]
        assert similar_texts(None, "Игры со звуками", {}, exclude_id=pid) == []


# -- the practice form -----------------------------------------------------------------------------

def form_data(client, url="/practices/new", annotation=EDITED_ANNOTATION, technology=EDITED_TECHNOLOGY, **extra):
    return {"csrf_token": csrf_from(client, url), "title": TITLE, "annotation": annotation,
            "technology": technology, "save_draft": "1", **extra}


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Practice))


@pytest.fixture
def published(app, make_practice):
    with app.app_context():
        return make_practice(TITLE, annotation=ANNOTATION, technology=TECHNOLOGY)


@pytest.fixture
def teacher(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    return client


def test_a_lightly_edited_copy_is_shown_before_saving_and_may_be_saved_anyway(app, published, teacher):
    response = teacher.post("/practices/new", data=form_data(teacher))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Похожая практика уже есть в банке" in page
    assert f'href="/practices/{published}"' in page and "Опубликована" in page
    assert 'formaction="/practices/new?confirm_duplicates=1"' in page and "Всё равно сохранить" in page
    assert "Опыт показывает, как за четыре года" in page, "the form keeps what was typed"
    with app.app_context():
        assert count() == 1, "nothing saved before the user confirms"
    confirmed = teacher.post("/practices/new?confirm_duplicates=1", data=form_data(teacher))
    assert confirmed.status_code == 302
    with app.app_context():
        assert count() == 2
        assert db.session.scalar(select(Practice).order_by(Practice.id.desc())).status == "draft"


def test_confirming_keeps_the_choice_to_submit(app, published, teacher):
    data = form_data(teacher, region="RU-CHE")
    data.pop("save_draft")
    page = teacher.post("/practices/new", data={**data, "submit_for_review": "1"}).get_data(as_text=True)
    assert 'name="submit_for_review" value="1">Всё равно сохранить' in page
    assert teacher.post("/practices/new?confirm_duplicates=1", data={**data, "submit_for_review": "1"}) \
        .status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Practice).order_by(Practice.id.desc())).status == "submitted"


def test_the_same_title_alone_is_shown(app, teacher, make_practice):
    with app.app_context():
        pid = make_practice("Учёный совет юных краеведов", annotation=ANNOTATION)
    page = teacher.post("/practices/new", data=form_data(teacher, title="Ученый совет юных краеведов",
                                                         annotation="", technology="")).get_data(as_text=True)
    assert f'href="/practices/{pid}"' in page and "то же название" in page and "% текста" not in page


def test_an_unrelated_practice_is_saved_at_once(app, published, teacher):
    response = teacher.post("/practices/new", data=form_data(teacher, title="Чтение через игры со звуками",
                                                             annotation=OTHER_ANNOTATION, technology=""))
    assert response.status_code == 302
    with app.app_context():
        assert count() == 2


def test_editing_a_practice_does_not_find_itself(app, make_user, make_practice):
    owner = make_user("teacher")
    with app.app_context():
        pid = make_practice(TITLE, status="draft", owner_id=owner, annotation=ANNOTATION, technology=TECHNOLOGY)
    client = app.test_client()
    sign_in(client, owner)
    url = f"/practices/{pid}/edit"
    assert client.post(url, data=form_data(client, url)).status_code == 302


def test_another_teachers_draft_is_never_named(app, make_user, make_practice, teacher):
    author = make_user("teacher")
    with app.app_context():
        draft = make_practice("Черновик коллеги о научном обществе", status="draft", owner_id=author,
                              annotation=ANNOTATION, technology=TECHNOLOGY)
    response = teacher.post("/practices/new", data=form_data(teacher))
    assert response.status_code == 302, "nothing visible to this teacher looks like it"
    followed = teacher.get(response.headers["Location"]).get_data(as_text=True)
    assert "Черновик коллеги" not in followed and "уже есть" not in followed
    methodist = app.test_client()
    sign_in(methodist, make_user("methodist", scope_region="RU-CHE"))
    page = methodist.post("/practices/new", data=form_data(methodist, region="RU-CHE")).get_data(as_text=True)
    assert "Черновик коллеги о научном обществе" in page and f'href="/practices/{draft}"' in page, \
        "the methodist of the region sees the draft anyway"


def test_csrf_is_required(app, published, teacher):
    data = form_data(teacher)
    data.pop("csrf_token")
    assert teacher.post("/practices/new?confirm_duplicates=1", data=data).status_code == 400
    with app.app_context():
        assert count() == 1


# -- files -----------------------------------------------------------------------------------------

FILE = "Программа научного общества «Открытие»: темы, этапы, критерии оценки докладов.".encode()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(client, pid, name="программа.txt", data=FILE, **fields):
    return client.post(f"/practices/{pid}/attachments", data={
        "csrf_token": csrf_from(client, f"/practices/{pid}"), "files": [(io.BytesIO(data), name)], **fields},
        content_type="multipart/form-data", follow_redirects=True)


def attachments_of(pid: int) -> list[str]:
    return list(db.session.scalars(select(Attachment.original_name).where(Attachment.practice_id == pid)))


@pytest.fixture
def own_draft(app, make_user, make_practice):
    owner = make_user("teacher")
    with app.app_context():
        pid = make_practice("Мой черновик", status="draft", owner_id=owner, annotation="Коротко.")
    client = app.test_client()
    sign_in(client, owner)
    return client, pid


def attach_directly(app, pid: int, name: str, data: bytes) -> None:
    from kb.accounts.models import User
    from kb.attachments.services import add_attachment

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        add_attachment(admin, db.session.get(Practice, pid), name, data)
        db.session.commit()


def test_an_identical_file_shows_which_practice_has_it(app, make_user, published, own_draft):
    make_user("admin")
    attach_directly(app, published, "программа общества.txt", FILE)
    client, pid = own_draft
    page = upload(client, pid).get_data(as_text=True)
    assert "Такой файл уже есть в банке" in page
    assert TITLE in page and f'href="/practices/{published}"' in page and "«программа общества.txt»" in page
    with app.app_context():
        assert attachments_of(pid) == [], "held until the user confirms"
    digest = sha256_of(FILE)
    page = client.post(f"/practices/{pid}/attachments", data={
        "csrf_token": csrf_from(client, f"/practices/{pid}"), "confirm_sha256": digest,
        "confirm_name": "программа.txt"}, follow_redirects=True).get_data(as_text=True)
    assert "Файл «программа.txt» приложен" in page
    with app.app_context():
        assert attachments_of(pid) == ["программа.txt"]
    again = upload(client, pid).get_data(as_text=True)
    assert "уже приложен к этой практике" in again


def test_a_file_in_another_teachers_draft_is_not_mentioned(app, make_user, make_practice, own_draft):
    make_user("admin")
    with app.app_context():
        hidden = make_practice("Скрытый черновик", status="draft", owner_id=make_user("teacher"))
    attach_directly(app, hidden, "секрет.txt", FILE)
    client, pid = own_draft
    page = upload(client, pid).get_data(as_text=True)
    assert "Файл «программа.txt» приложен" in page
    assert "Скрытый черновик" not in page and "уже есть" not in page


def test_confirming_a_file_the_user_cannot_see_attaches_nothing(app, make_user, make_practice, own_draft):
    make_user("admin")
    with app.app_context():
        hidden = make_practice("Скрытый черновик", status="draft", owner_id=make_user("teacher"))
    attach_directly(app, hidden, "секрет.txt", FILE)
    client, pid = own_draft
    page = client.post(f"/practices/{pid}/attachments", data={
        "csrf_token": csrf_from(client, f"/practices/{pid}"), "confirm_sha256": sha256_of(FILE),
        "confirm_name": "секрет.txt"}, follow_redirects=True).get_data(as_text=True)
    assert "Этого файла в банке больше нет" in page
    with app.app_context():
        assert attachments_of(pid) == []


def test_a_double_click_on_save_makes_one_draft(app, make_user, monkeypatch):
    """«Сохранить» clicked twice sends the form twice: both looked for duplicates before either was saved, and two
    drafts were made. The second now waits for the first and shows it as the practice already in the bank
    (the API's POST /api/v1/practices takes the same lock: tests/test_api_write.py)."""
    from tests.test_api_write import _at_once, _overlapping_checks

    client = app.test_client()
    user_id = make_user("teacher")
    sign_in(client, user_id)
    data = form_data(client, title="Чтение через игры со звуками", annotation=OTHER_ANNOTATION, technology="")
    _overlapping_checks(monkeypatch, 2)

    def save():
        clicked = app.test_client()
        sign_in(clicked, user_id)
        with client.session_transaction() as first, clicked.session_transaction() as second:
            second.update(first)  # the same browser: its session, the form's CSRF token
        return clicked.post("/practices/new", data=data)

    responses = _at_once([save, save])
    assert sorted(r.status_code for r in responses) == [200, 302]
    [shown] = [r.get_data(as_text=True) for r in responses if r.status_code == 200]
    with app.app_context():
        assert count() == 1
        created = db.session.scalar(select(Practice.id))
    assert "Похожая практика уже есть в банке" in shown and f'href="/practices/{created}"' in shown


def test_a_double_click_on_save_anyway_makes_one_practice(app, published, teacher, monkeypatch):
    """«Всё равно сохранить» clicked twice sent the form twice with confirm_duplicates, which looks for nothing:
    two practices. The second now waits for the first, finds the practice it has just made with the very same
    content and opens it; a different text confirmed a moment later is still saved."""
    from tests.test_api_write import _at_once

    data = form_data(teacher)

    def save():
        clicked = app.test_client()
        with teacher.session_transaction() as first, clicked.session_transaction() as second:
            second.update(first)  # the same browser: its session, the form's CSRF token
        return clicked, clicked.post("/practices/new?confirm_duplicates=1", data=data)

    clicks = _at_once([save, save])
    assert [response.status_code for _, response in clicks] == [302, 302]
    with app.app_context():
        assert count() == 2  # the published one and one new draft
        created = db.session.scalar(select(Practice.id).order_by(Practice.id.desc()))
    pages = sorted(clicked.get(response.headers["Location"]).get_data(as_text=True) for clicked, response in clicks)
    said = ["Форма была отправлена дважды: эта практика уже сохранена, вторая не создана." in page for page in pages]
    assert sorted(said) == [False, True]
    assert all(f'action="/practices/{created}/' in page for page in pages)
    other = teacher.post("/practices/new?confirm_duplicates=1", data=form_data(teacher, technology="Другой порядок."))
    assert other.status_code == 302
    with app.app_context():
        assert count() == 3


# -- a registry's many rows at once ----------------------------------------------------------------

def reference_similar_many(user, texts, exclude):
    """What ``similar_many`` gives, computed the plain way: every fingerprint scored, every title compared."""
    from kb.duplicates.models import practice_text
    from kb.duplicates.services import MAX_SHOWN, _fold, threshold
    from kb.practices import policy

    bands: dict[int, set[int]] = {}
    for band in db.session.scalars(select(PracticeFingerprintBand)):
        bands.setdefault(band.practice_id, set()).add(band.bucket)
    stored = {fp.practice_id: minhash.from_bytes(fp.signature)
              for fp in db.session.scalars(select(PracticeFingerprint))}
    practices = db.session.scalars(select(Practice)).all()
    found = []
    for title, sections in texts:
        hashes = minhash.shingles(practice_text(title, sections))
        scores = {}
        if len(hashes) >= minhash.MIN_SHINGLES:
            sig = minhash.signature(hashes)
            buckets = set(minhash.band_hashes(sig))
            scores = {pid: minhash.similarity(sig, other) for pid, other in stored.items()
                      if bands.get(pid, set()) & buckets and minhash.similarity(sig, other) >= threshold()}
        titled = {p.id for p in practices if _fold(title) and _fold(p.title) == _fold(title)}
        shown = [p for p in practices if (p.id in scores or p.id in titled) and p.id not in exclude
                 and policy.can_view(user, p)]
        shown.sort(key=lambda p: (-scores.get(p.id, 0) - (p.id in titled), p.id))
        found.append([(p.id, scores.get(p.id, 0.0), p.id in titled) for p in shown[:MAX_SHOWN]])
    return found


def edited(text: str, rate: float, rnd: random.Random) -> str:
    words = text.split()
    return " ".join(rnd.choice(words) if rnd.random() < rate else word for word in words)


@pytest.fixture
def alike_bank(app, make_user, make_practice):
    """Practices that all look like a few texts: published ones, another teacher's drafts (some of them the very
    text of a row) and ones sharing a title; returns (reader's id, the bank's ids, the rows to check)."""
    rnd = random.Random(5)
    reader, other = make_user("teacher"), make_user("teacher")
    texts = [{"annotation": ANNOTATION, "technology": TECHNOLOGY}, {"annotation": OTHER_ANNOTATION * 2}]
    ids = []
    with app.app_context():
        for number in range(36):
            base = texts[number % 2]
            status, owner = (("draft", other) if number % 5 == 0 else ("draft", reader) if number % 7 == 0
                             else ("published", None))
            rate = 0.0 if number % 5 == 0 else rnd.choice((0.05, 0.1, 0.2, 0.3))
            ids.append(make_practice(TITLE if number % 9 == 0 else f"Практика {number}", status=status,
                                     owner_id=owner, **{k: edited(v, rate, rnd) for k, v in base.items()}))
        rows = [(TITLE, texts[0]), ("Практика 4", {"annotation": "Коротко."}), ("Другое", texts[1]),
                ("Совсем другое", {"annotation": "Лыжные гонки на стадионе школы зимой по выходным " * 3}),
                ("", {}), ("Практика 7", {k: edited(v, 0.1, rnd) for k, v in texts[1].items()})]
    return reader, ids, rows


@pytest.mark.parametrize("who", ["anonymous", "reader", "methodist"])
def test_many_rows_find_what_each_row_would_find(app, make_user, alike_bank, who):
    from kb.accounts.models import User
    from kb.duplicates.services import similar_many

    reader, ids, rows = alike_bank
    user_id = {"anonymous": None, "reader": reader, "methodist": make_user("methodist", scope_region="RU-CHE")}[who]
    with app.app_context():
        user = db.session.get(User, user_id) if user_id else None
        for exclude in (frozenset(), frozenset(ids[1:12:3])):
            got = [[(d.practice.id, d.similarity, d.same_title) for d in found]
                   for found in similar_many(user, rows, set(exclude))]
            assert got == reference_similar_many(user, rows, exclude)
            assert [len(got[0]), len(got[2])] == [5, 5], "more than five alike: the best five"
            alone = similar_many(user, rows[:1], set(exclude))  # its candidates are all the practices looked at
            assert [[(d.practice.id, d.similarity, d.same_title) for d in alone[0]]] == got[:1]


def test_many_rows_keep_only_their_best_practices(app, alike_bank, monkeypatch):
    """2000 rows against 5000 alike practices held every practice for every row: now each row keeps its five, and
    only those are loaded."""
    from kb.duplicates import services

    _reader, ids, rows = alike_bank
    looked_at = []
    real = services._visible
    monkeypatch.setattr(services, "_visible",
                        lambda user, practices: looked_at.extend(practices) or real(user, practices))
    with app.app_context():
        found = services.similar_many(None, rows[:1] * 3)
    assert len(found[0]) == services.MAX_SHOWN and found[0] == found[1] == found[2]
    assert len(ids) > 30 and len(looked_at) <= 3 * services.MAX_SHOWN, "each row's best, not every candidate"
