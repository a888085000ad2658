"""`flask --app kb import-resolution` on the two real seeds: exact structure, idempotence, search."""

import re
from datetime import date

import pytest
from sqlalchemy import delete as sa_delete
from sqlalchemy import func, insert, select

from kb.extensions import db
from kb.resolutions.models import Recommendation, Resolution


def _import(runner, *paths, publish=True):
    args = ["import-resolution", *map(str, paths)] + (["--publish"] if publish else [])
    return runner.invoke(args=args)


def test_chelyabinsk_seed(app, runner, seeds_dir):
    result = _import(runner, seeds_dir / "resolution_chelyabinsk_2017.txt")
    assert result.exit_code == 0, result.output
    assert "Рекомендации: 7, адресатов: 4" in result.output
    assert "17–20 апреля 2017 г." in result.output
    with app.app_context():
        res = db.session.scalar(select(Resolution))
        assert res.title.startswith("Резолюция VII Международной научно-практической конференции")
        assert res.conference_name == "Региональные модели сопровождения и поддержки одарённых и перспективных детей"
        assert (res.date_start, res.date_end) == (date(2017, 4, 17), date(2017, 4, 20))
        assert res.place == "Челябинск"
        assert res.format == "mixed"
        assert res.participants_count == 800
        assert res.participants_text == "более 800"
        assert {r.code for r in res.regions} == {
            "RU-MOW", "RU-STA", "RU-TA", "RU-KO", "RU-AMU", "RU-NVS", "RU-OMS", "RU-NIZ", "RU-PSK", "RU-SAM",
            "RU-SVE", "RU-CHE", "KZ", "KG",
        }
        recs = res.recommendations
        assert [r.number for r in recs] == ["1.1", "2.1", "3.1", "4.1", "4.2", "4.3", "4.4"]
        assert [r.addressee_type_code for r in recs] == [
            "regional_authority", "municipal_authority", "educational_organisations",
            "dpo_institutes", "dpo_institutes", "dpo_institutes", "dpo_institutes",
        ]
        assert recs[0].addressee == "Министерству образования и науки Челябинской области"
        assert recs[3].addressee == "ГБУ ДПО ЧИППКРО"
        assert recs[6].text.startswith("провести VIII Международную")
        assert len(res.recommendations_by_addressee()) == 4
        assert "[bookmark" not in res.full_text
        assert "inclusive" in {t.code for t in recs[0].topics}


def test_smolensk_seed(app, runner, seeds_dir):
    result = _import(runner, seeds_dir / "resolution_smolensk_2023.txt")
    assert result.exit_code == 0, result.output
    with app.app_context():
        res = db.session.scalar(select(Resolution))
        assert res.title == (
            "Резолюция городской научно-практической конференции «Успешные практики сопровождения и поддержки "
            "одарённых обучающихся»"
        )
        assert res.date_start == res.date_end == date(2023, 3, 24)
        assert res.place == "Смоленск"
        assert res.format == "online"
        assert res.regions[0].code == "RU-SMO"
        assert len(res.recommendations) == 1
        assert "банк положительного педагогического опыта" in res.recommendations[0].text
        assert "**" not in res.full_text


def test_a_recommendation_naming_no_addressee_is_filed_under_none(app, runner, seeds_dir):
    """«Участники конференции рекомендуют одобрить …» names who recommends: the CLI, the page and the API agree
    that the recommendation has no addressee (it was typed «Участники конференции» on the page and in the API)."""
    result = _import(runner, seeds_dir / "resolution_smolensk_2023.txt")
    assert "Без указания адресата: 1" in result.output
    with app.app_context():
        res_id = db.session.scalar(select(Resolution.id))
        assert db.session.scalar(select(Recommendation.addressee_type_code)) is None
    client = app.test_client()
    page = client.get(f"/resolutions/{res_id}").get_data(as_text=True)
    group = page[page.index('class="addressee"'):page.index('id="rec-1"')]
    assert "Без указания адресата" in group and "Участники конференции" not in group
    rec = client.get(f"/api/v1/resolutions/{res_id}").json["recommendations"][0]
    assert (rec["addressee"], rec["addressee_type"], rec["addressee_type_label"]) == ("", None, None)


def test_import_is_idempotent_and_publish_makes_it_searchable(app, runner, seeds_dir):
    files = [seeds_dir / "resolution_chelyabinsk_2017.txt", seeds_dir / "resolution_smolensk_2023.txt"]
    assert _import(runner, *files, publish=False).exit_code == 0
    again = _import(runner, *files)
    assert again.exit_code == 0
    assert again.output.count("уже была в банке") == 2
    assert again.output.count("исправить её можно на её странице, /resolutions/") == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 2
        assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 8
    client = app.test_client()
    found = client.get("/api/v1/search", query_string={"q": "социальных лифтов", "type": "recommendation"}).json
    assert found["total"] == 1
    assert found["results"][0]["title"].startswith("Рекомендация 4.2")
    assert found["results"][0]["url"].endswith("#rec-4-2")


def test_draft_resolution_is_not_public(app, runner, seeds_dir):
    assert _import(runner, seeds_dir / "resolution_smolensk_2023.txt", publish=False).exit_code == 0
    client = app.test_client()
    with app.app_context():
        res_id = db.session.scalar(select(Resolution.id))
        rec_id = db.session.scalar(select(Recommendation.id))
    assert client.get(f"/resolutions/{res_id}").status_code == 404
    assert client.get(f"/recommendations/{rec_id}").status_code == 404
    assert client.get(f"/api/v1/resolutions/{res_id}").status_code == 404
    assert client.get("/api/v1/search", query_string={"q": "ГлобалЛаб"}).json["total"] == 0


def test_bad_files_get_a_message_and_lose_nothing(app, runner, seeds_dir, tmp_path):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip at all")
    unsupported = tmp_path / "resolution.xyz"
    unsupported.write_text("Резолюция", encoding="utf-8")
    result = _import(runner, seeds_dir / "resolution_smolensk_2023.txt", broken, unsupported, tmp_path / "missing.txt")
    assert result.exit_code == 1
    assert "Не импортировано файлов: 3 из 4" in result.output
    assert "Файл не найден" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 1


def test_resolution_page_groups_recommendations_with_anchors(app, runner, seeds_dir):
    assert _import(runner, seeds_dir / "resolution_chelyabinsk_2017.txt").exit_code == 0
    client = app.test_client()
    with app.app_context():
        res_id = db.session.scalar(select(Resolution.id))
        rec_id = db.session.scalar(select(Recommendation.id).where(Recommendation.number == "4.3"))
    page = client.get(f"/resolutions/{res_id}").get_data(as_text=True)
    assert page.count('class="addressee"') == 4
    for anchor in ("rec-1-1", "rec-2-1", "rec-3-1", "rec-4-1", "rec-4-2", "rec-4-3", "rec-4-4"):
        assert f'id="{anchor}"' in page
    assert "17–20 апреля 2017 г." in page
    permalink = client.get(f"/recommendations/{rec_id}")
    assert permalink.status_code == 302
    assert permalink.headers["Location"].endswith(f"/resolutions/{res_id}#rec-4-3")

    body = client.get(f"/api/v1/resolutions/{res_id}").json
    assert [r["number"] for r in body["recommendations"]] == ["1.1", "2.1", "3.1", "4.1", "4.2", "4.3", "4.4"]
    assert body["recommendations"][1]["addressee_type"] == "municipal_authority"
    assert body["date_start"] == "2017-04-17"
    assert body["participants_count"] == 800


def test_a_resolution_shows_its_host_region_first(app, runner, seeds_dir):
    """The Chelyabinsk conference was shown with «Москва», the first of its fourteen regions in the vocabulary's
    order, in the API's `region` of a search result, and the card's list was cut before Челябинская область. The
    host region, the place's (or else the first addressee's), comes first wherever the regions are shown; the
    facet still counts every region."""
    assert _import(runner, seeds_dir / "resolution_chelyabinsk_2017.txt").exit_code == 0
    assert "Регионы (14): Челябинская область, Москва," in _import(runner, seeds_dir /
                                                                  "resolution_chelyabinsk_2017.txt").output
    client = app.test_client()
    with app.app_context():
        res_id = db.session.scalar(select(Resolution.id))

    def first_regions():
        found = client.get("/api/v1/search", query_string={"q": "ЧИППКРО", "per_page": 50}).json
        by_type = {item["type"]: item["region"]["code"] for item in found["results"]}
        facet = {value["value"] for value in found["facets"]["region"]}
        page = client.get("/search", query_string={"q": "ЧИППКРО"}).get_data(as_text=True)
        metas = re.findall(r'<p class="result-meta"><span class="result-kind">[^<]*</span> · 2017 · ([^,<]*)', page)
        return by_type, facet, set(metas)

    by_type, facet, metas = first_regions()
    assert by_type == {"resolution": "RU-CHE", "recommendation": "RU-CHE"}
    assert {"RU-CHE", "RU-MOW", "RU-SVE", "KZ", "KG"} <= facet
    assert metas == {"Челябинская область"}
    body = client.get(f"/api/v1/resolutions/{res_id}").json
    assert [r["code"] for r in body["regions"]][:2] == ["RU-CHE", "RU-MOW"] and len(body["regions"]) == 14
    listed = client.get("/api/v1/resolutions").json["results"][0]
    assert listed["regions"][0]["code"] == "RU-CHE"
    page = client.get(f"/resolutions/{res_id}").get_data(as_text=True)
    assert page.index("Челябинская область</a>") < page.index("Москва</a>")
    record = client.get("/oai", query_string={
        "verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": f"oai:localhost:resolution/{res_id}",
    }).get_data(as_text=True)
    assert re.findall(r"<dc:coverage>([^<]*)</dc:coverage>", record)[:2] == ["Челябинская область", "Москва"]

    # with no place, the first addressee that names a region: «Министерству образования и науки Челябинской области»
    with app.app_context():
        db.session.get(Resolution, res_id).place = ""
        db.session.commit()
    by_type, _facet, metas = first_regions()
    assert by_type == {"resolution": "RU-CHE", "recommendation": "RU-CHE"}
    assert metas == {"Челябинская область"}
    assert client.get(f"/api/v1/resolutions/{res_id}").json["regions"][0]["code"] == "RU-CHE"


def test_a_word_file_that_unpacks_to_far_more_is_refused_before_it_is_read(app, runner, tmp_path):
    """The command read a .docx as it was: 80 KB holding 30 MB of paragraphs took 90 s and 1.3 GB, and was
    saved. It now goes through the attachments' checks first, as the web import always did."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:p/>" * 5_000_000)
    bomb = tmp_path / "резолюция.docx"
    bomb.write_bytes(out.getvalue())
    result = _import(runner, bomb)
    assert result.exit_code == 1
    assert "похоже на архив-бомбу" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 0


def test_a_word_file_of_more_xml_than_is_read_whole_is_refused_before_it_is_read(app, runner, tmp_path):
    """A resolution's .docx is read by python-docx (its numbered lists), which builds the whole document first: one of
    a few hundred KB whose document.xml unpacked to 50 MB (no bomb by its ratio) held an import for a minute and
    760 MB. Its XML is measured first and refused over MAX_WORD_XML."""
    from kb.attachments.extract import MAX_WORD_XML
    from tests.documents import big_office_file

    big = tmp_path / "резолюция.docx"
    big.write_bytes(big_office_file("docx", MAX_WORD_XML + 1024 * 1024, "РЕЗОЛЮЦИЯ", words=1))
    assert big.stat().st_size < 2 * 1024 * 1024
    result = _import(runner, big)
    assert result.exit_code == 1
    assert "Документ Word слишком велик" in result.output and "не более 5 МБ" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 0


def test_a_word_file_saved_with_a_password_is_refused_as_encrypted(app, runner, tmp_path):
    """The command called a DOCX saved with a password «повреждён или не является документом Word»."""
    from tests.documents import encrypted_office_bytes

    locked = tmp_path / "резолюция.docx"
    locked.write_bytes(encrypted_office_bytes())
    result = _import(runner, locked)
    assert result.exit_code == 1
    assert "Файл зашифрован паролем: загрузите его без пароля." in result.output


def test_a_pdf_with_only_an_owner_password_is_imported(app, runner, tmp_path):
    """A PDF that opens without a password (an owner password only limits printing) was refused as encrypted."""
    from tests.documents import pdf_bytes

    document = tmp_path / "резолюция.pdf"
    document.write_bytes(pdf_bytes("РЕЗОЛЮЦИЯ\nсеминара «Наставничество»\n\nУчастники семинара рекомендуют:\n"
                                   "1) Общеобразовательным организациям:\n– развивать наставничество.",
                                   owner_password="x"))
    result = _import(runner, document)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(select(Recommendation.text)).all() == ["развивать наставничество."]


def test_more_recommendations_than_a_resolution_has_are_refused_as_on_the_site(app, runner, tmp_path):
    """The command saved a file of 301 recommendations that the web import could not show (a 500)."""
    many = tmp_path / "сборник.txt"
    many.write_text("РЕЗОЛЮЦИЯ\nсеминара «Сборник»\n\nУчастники семинара рекомендуют:\n" + "".join(
        f"{n}) Общеобразовательным организациям:\n– провести семинар номер {n};\n" for n in range(1, 302)),
        encoding="utf-8")
    result = _import(runner, many)
    assert result.exit_code == 1
    assert "рекомендаций: 301, а в одной резолюции их может быть не больше 300" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 0


@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 12, "Неподдерживаемый тип файла: изображение (PNG)"),
    (b"PK\x03\x04" + b"\x00" * 26 + b"word/document.xml", "не соответствует содержимому файла"),
])
def test_a_file_whose_content_is_not_its_extension_is_refused_as_on_the_site(app, runner, tmp_path, content, message):
    """The command read a picture or a Word file named «.txt» as text and saved a resolution of mojibake, where the
    site and the API refuse it."""
    renamed = tmp_path / "резолюция.txt"
    renamed.write_bytes(content)
    result = _import(runner, renamed)
    assert result.exit_code == 1
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 0


def _as_other_formats(text: str) -> dict[str, bytes]:
    """The seed as the other formats give its text: DOC (antiword, catdoc) puts a blank line after every
    paragraph and keeps doubled spaces differently; a PDF breaks its paragraphs into lines (made here with fpdf2,
    a large font); a word processor leaves no-break spaces."""
    from tests.documents import pdf_bytes

    doc_like = "\n\n".join(line.replace("  ", " ") for line in text.splitlines()) + "\n\n\n"
    spaced = text.replace(" в ", " в\u00a0").replace("\n", "  \n\n")
    return {"как-из-doc.txt": doc_like.encode(), "с-пробелами.txt": spaced.encode(),
            "как-pdf.pdf": pdf_bytes(text.replace("**", ""), size=14)}


@pytest.mark.parametrize("seed", ["resolution_chelyabinsk_2017.txt", "resolution_smolensk_2023.txt"])
def test_the_same_resolution_in_another_format_is_the_one_already_loaded(app, runner, seeds_dir, tmp_path, seed):
    """A DOC or PDF of a resolution loaded from TXT or DOCX was not recognised, and a second published copy was
    created: their texts differ only in blank lines, line breaks inside paragraphs and spaces."""
    from kb.resolutions.parser import extract_text
    from kb.resolutions.services import parse_resolution_text

    source = seeds_dir / seed
    assert _import(runner, source).exit_code == 0
    for name, data in _as_other_formats(source.read_text(encoding="utf-8")).items():
        path = tmp_path / name
        path.write_bytes(data)
        with app.app_context():  # the municipalities are looked for in the database's vocabulary
            parsed = parse_resolution_text(extract_text(path))
            assert parsed.full_text != db.session.scalar(select(Resolution.full_text)), name  # the test is a test
        result = _import(runner, path)
        assert result.exit_code == 0, result.output
        assert "уже была в банке (найдена по тексту)" in result.output, name
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 1


def test_the_migration_computes_the_stored_checksums_with_spacing_folded(app, runner):
    """Migration t0res0000001 recomputes the checksums; of two copies it let in before, the first loaded takes
    the new checksum and the later keeps its own; the downgrade restores the checksums of the text as written."""
    import hashlib

    from flask_migrate import downgrade, upgrade

    from kb.resolutions.services import find_imported, text_checksum

    texts = ["РЕЗОЛЮЦИЯ\nконференции\n\n1. Рекомендовать  школам", "РЕЗОЛЮЦИЯ\n\nконференции\n1. Рекомендовать школам",
             "Другая резолюция\n\nсеминара"]
    written = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
    with app.app_context():
        downgrade(revision="t1att0000001")
        ids = []
        for n, (text, checksum) in enumerate(zip(texts, written, strict=True), start=1):  # one by one, in order
            # rows of that revision's columns (the model has more since): not the ORM's INSERT of them all
            ids.append(db.session.execute(insert(Resolution.__table__).values(
                title=f"Резолюция {n}", full_text=text, checksum=checksum, status="published")).inserted_primary_key[0])
        db.session.commit()
        upgrade()
        db.session.expire_all()
        stored = dict(db.session.execute(select(Resolution.id, Resolution.checksum)).all())
        assert stored == {ids[0]: text_checksum(texts[0]), ids[1]: written[1], ids[2]: text_checksum(texts[2])}
        assert text_checksum(texts[0]) == text_checksum(texts[1]) != written[0]
        assert find_imported("РЕЗОЛЮЦИЯ конференции\n1. Рекомендовать школам").id == ids[0]
        db.session.commit()
        downgrade(revision="t1att0000001")
        assert dict(db.session.execute(select(Resolution.id, Resolution.checksum)).all()) == dict(
            zip(ids, written, strict=True))
        db.session.commit()
        upgrade()
        assert dict(db.session.execute(select(Resolution.id, Resolution.checksum)).all()) == stored


@pytest.mark.parametrize("retyped", [lambda text: text.replace("ё", "е"),
                                     lambda text: text.replace("одарённых", "ОДАРЕННЫХ"),
                                     lambda text: text.replace("РЕЗОЛЮЦИЯ", "Резолюция")])
def test_the_same_resolution_with_e_for_yo_is_the_one_already_loaded(app, runner, seeds_dir, tmp_path, retyped):
    """A copy with «е» for «ё» (or another case of a word) was saved as a second resolution."""
    source = seeds_dir / "resolution_chelyabinsk_2017.txt"
    assert _import(runner, source).exit_code == 0
    text = source.read_text(encoding="utf-8")
    assert retyped(text) != text  # the test is a test
    copy = tmp_path / "копия.txt"
    copy.write_text(retyped(text), encoding="utf-8")
    result = _import(runner, copy)
    assert result.exit_code == 0, result.output
    assert "уже была в банке (найдена по тексту)" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 1


def test_the_migration_computes_the_stored_checksums_with_yo_and_case_folded(app):
    """Migration z2yoe0000001 recomputes the checksums with «ё» and case folded; of two copies let in before, the
    first loaded takes the new checksum and the later keeps its own; the downgrade restores t0res0000001's."""
    import hashlib

    from flask_migrate import downgrade, upgrade

    from kb.resolutions.services import find_imported, text_checksum

    texts = ["РЕЗОЛЮЦИЯ\nконференции «Одарённые дети»", "Резолюция\nконференции «Одаренные дети»",
             "Другая резолюция\n\nсеминара"]
    before = [hashlib.sha256(" ".join(text.split()).encode()).hexdigest() for text in texts]
    with app.app_context():
        downgrade(revision="z1rsc0000001")
        ids = []
        for n, (text, checksum) in enumerate(zip(texts, before, strict=True), start=1):  # one by one, in order
            # rows of that revision's columns (the model has more since): not the ORM's INSERT of them all
            ids.append(db.session.execute(insert(Resolution.__table__).values(
                title=f"Резолюция {n}", full_text=text, checksum=checksum, status="published")).inserted_primary_key[0])
        db.session.commit()
        upgrade()
        db.session.expire_all()
        stored = dict(db.session.execute(select(Resolution.id, Resolution.checksum)).all())
        assert stored == {ids[0]: text_checksum(texts[0]), ids[1]: before[1], ids[2]: text_checksum(texts[2])}
        assert text_checksum(texts[0]) == text_checksum(texts[1]) != before[0]
        assert find_imported("резолюция конференции «Одаренные дети»").id == ids[0]
        db.session.commit()
        downgrade(revision="z1rsc0000001")
        assert dict(db.session.execute(select(Resolution.id, Resolution.checksum)).all()) == dict(
            zip(ids, before, strict=True))
        db.session.commit()
        upgrade()
        assert dict(db.session.execute(select(Resolution.id, Resolution.checksum)).all()) == stored


def test_the_migration_retypes_the_stored_recommendations(app):
    """Migration z5adr0000001: a recommendation with no addressee loses the participants' type; a stored type that
    is what the earlier rules gave becomes the type the rules give now (the federal ministry, a вуз, tutors…); a
    type a methodist chose stays; the changed recommendations of a published resolution go to the index outbox."""
    from flask_migrate import downgrade, upgrade

    from kb.search.models import IndexOutbox

    stored = [  # addressee, type before, type after
        ("", "participants", None),
        ("Участникам конференции", "participants", "participants"),
        ("Министерству просвещения Российской Федерации", "regional_authority", "federal_authority"),
        ("Комитету по образованию Санкт-Петербурга", "municipal_authority", "regional_authority"),
        ("Педагогическим вузам", "teachers", "educational_organisations"),
        ("Центру непрерывного повышения профессионального мастерства педагогических работников", "teachers",
         "dpo_institutes"),
        ("Тьюторам", None, "teachers"),
        ("Заместителям директоров по УВР", None, "educational_organisations"),
        ("Министерству образования и науки Челябинской области", "regional_authority", "regional_authority"),
        ("Тьюторам школ", "methodical_services", "methodical_services"),  # chosen by a methodist
    ]
    with app.app_context():
        downgrade(revision="z4dbi0000001")
        db.session.execute(insert(Resolution.__table__).values(
            id=1, title="Резолюция", full_text="Резолюция", checksum="1" * 64, status="published"))
        db.session.execute(insert(Resolution.__table__).values(
            id=2, title="Черновик", full_text="Черновик", checksum="2" * 64, status="draft"))
        for n, (addressee, before, _after) in enumerate(stored, start=1):
            for resolution_id in (1, 2):
                db.session.execute(insert(Recommendation.__table__).values(
                    id=resolution_id * 100 + n, resolution_id=resolution_id, position=n, number=str(n),
                    addressee=addressee, addressee_type_code=before, text="провести"))
        db.session.execute(sa_delete(IndexOutbox))
        db.session.commit()
        upgrade()
        db.session.expire_all()
        types = dict(db.session.execute(select(Recommendation.id, Recommendation.addressee_type_code)).all())
        for n, (addressee, _before, after) in enumerate(stored, start=1):
            assert types[100 + n] == types[200 + n] == after, addressee
        queued = set(db.session.scalars(select(IndexOutbox.doc_id).where(IndexOutbox.doc_type == "recommendation")))
        assert queued == {100 + n for n, (_a, before, after) in enumerate(stored, start=1) if before != after}
        db.session.commit()
        downgrade(revision="z4dbi0000001")
        assert db.session.scalar(select(Recommendation.addressee_type_code).where(Recommendation.id == 103)) == \
            "regional_authority"
        db.session.commit()
        upgrade()
        assert db.session.get(Recommendation, 103).addressee_type_code == "federal_authority"


def test_the_migration_adds_the_federal_authority_with_no_recommendation_retyped(app):
    """Migration z5adr0000001 over a bank with no recommendation to retype (a restore of an older archive runs the
    migrations without the vocabulary's loading): «Федеральные органы власти» is still added, first, as the
    vocabulary lists it; the downgrade takes it away and closes the gap."""
    from flask_migrate import downgrade, upgrade

    from kb.vocabularies.data import ADDRESSEE_TYPES
    from kb.vocabularies.models import AddresseeType

    def types():
        db.session.expire_all()
        return list(db.session.execute(select(AddresseeType.code, AddresseeType.sort_order)
                                       .order_by(AddresseeType.sort_order)).all())

    with app.app_context():
        loaded = types()
        assert [code for code, _ in loaded] == [t["code"] for t in ADDRESSEE_TYPES]
        downgrade(revision="z4dbi0000001")
        without = types()
        assert "federal_authority" not in dict(without)
        assert [order for _, order in without] == list(range(len(without)))
        db.session.commit()
        upgrade()
        assert types() == loaded


@pytest.mark.parametrize(("length", "written"), [(742, "742 символа"), (501, "501 символ"), (505, "505 символов"),
                                                  (512, "512 символов")])
def test_a_cut_field_warning_agrees_the_noun_with_the_number(app, length, written):
    """«Организатор: в файле 742 символов»: the noun did not agree with the number."""
    from kb.resolutions.parser import ParsedRecommendation, ParsedResolution
    from kb.resolutions.services import fit_columns

    with app.app_context():
        parsed = fit_columns(ParsedResolution(
            title="Резолюция конференции", organiser="а" * length, recommendations=[
                ParsedRecommendation("1", "б" * (length + 500), None, "Применять.")]))
    assert parsed.warnings[0].startswith(f"Организатор: в файле {written}, сохранены первые 500")
    assert parsed.warnings[1].split(",")[0] == "Адресат рекомендации 1: в файле " + {
        742: "1242 символа", 501: "1001 символ", 505: "1005 символов", 512: "1012 символов"}[length]


# The same recommendations as each format writes their list markers (the DOCX reader, PDF and RTF, a typed text,
# antiword's DOC, which drops a list's automatic numbers and bullets), and a PDF line wrapped before a dash.
MARKED = {
    "docx": "Участники рекомендовали:\n1. Министерству образования:\n– инициировать сетевые проекты;\n"
            "– провести конкурс опыта – педагоги и школы.\n2. Школам:\n– расширять практику.",
    "pdf": "Участники рекомендовали:\n1. Министерству образования:\n• инициировать сетевые проекты;\n"
           "• провести конкурс опыта\n– педагоги и школы.\n2. Школам:\n\uf0b7 расширять практику.",
    "typed": "Участники рекомендовали:\n1)Министерству образования:\n· инициировать сетевые проекты;\n"
             "· провести конкурс опыта – педагоги и школы.\n2)Школам:\n- расширять практику.",
    "doc": "Участники рекомендовали:\n\nМинистерству образования:\n\nинициировать сетевые проекты;\n\n"
           "провести конкурс опыта – педагоги и школы.\n\nШколам:\n\nрасширять практику.",
    "letters": "Участники рекомендовали:\nа) Министерству образования:\n  1.1. инициировать сетевые проекты;\n"
               "  1.2) провести конкурс опыта – педагоги и школы.\nб) Школам:\n(1) расширять практику.",
}


def test_the_checksum_leaves_out_list_markers_as_each_format_writes_them():
    """The same resolution as DOCX, PDF, RTF or DOC was saved again as a new one: each format writes a list's
    markers its own way, and the checksum hashed them. The words of the text still count."""
    from kb.resolutions.services import text_checksum

    assert len({text_checksum(text) for text in MARKED.values()}) == 1
    other = [MARKED["docx"].replace("Школам", "Вузам"), MARKED["docx"].replace("сетевые", "сетевые 2."),
             "г. Челябинск, 1.5 млн", "Челябинск, 1.5 млн", "2017 г. итоги", "итоги"]
    assert len({text_checksum(text) for text in other}) == len(other)


def test_the_same_resolution_with_other_list_markers_is_the_one_already_loaded(app, runner, tmp_path):
    texts = {name: "РЕЗОЛЮЦИЯ\nсеминара «Сетевые проекты»\n\n" + text for name, text in MARKED.items()}
    for name, text in texts.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    assert _import(runner, tmp_path / "docx.txt").exit_code == 0
    for name in texts:
        result = _import(runner, tmp_path / f"{name}.txt")
        assert "уже была в банке (найдена по тексту)" in result.output, name
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 1


def test_the_migration_computes_the_stored_checksums_without_list_markers(app):
    """Migration zDimp0000001 recomputes the checksums without list markers; of two copies let in before, the first
    loaded takes the new checksum and the later keeps its own; the downgrade restores z2yoe0000001's."""
    import hashlib

    from flask_migrate import downgrade, upgrade

    from kb.resolutions.services import find_imported, text_checksum

    texts = [MARKED["docx"], MARKED["pdf"], "Другая резолюция\n\n– семинара"]
    before = [hashlib.sha256(" ".join(text.split()).lower().replace("ё", "е").encode()).hexdigest()
              for text in texts]
    with app.app_context():
        downgrade(revision="zCcou0000001")
        ids = []
        for n, (text, checksum) in enumerate(zip(texts, before, strict=True), start=1):  # one by one, in order
            ids.append(db.session.execute(insert(Resolution.__table__).values(
                title=f"Резолюция {n}", full_text=text, checksum=checksum, status="published")).inserted_primary_key[0])
        db.session.commit()
        upgrade()
        db.session.expire_all()
        stored = dict(db.session.execute(select(Resolution.id, Resolution.checksum)).all())
        assert stored == {ids[0]: text_checksum(texts[0]), ids[1]: before[1], ids[2]: text_checksum(texts[2])}
        assert text_checksum(texts[0]) == text_checksum(texts[1]) != before[0]
        assert find_imported(MARKED["doc"]).id == ids[0]
        db.session.commit()
        downgrade(revision="zCcou0000001")
        assert dict(db.session.execute(select(Resolution.id, Resolution.checksum)).all()) == dict(
            zip(ids, before, strict=True))
        db.session.commit()
        upgrade()
        assert dict(db.session.execute(select(Resolution.id, Resolution.checksum)).all()) == stored
