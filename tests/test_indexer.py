"""The indexer's face: writing, rebuilding, filtering, facets, pages, sorting, snippets, failures."""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import threading
import time
import warnings
from datetime import datetime
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import query

from indexer import (
    FACET_FIELDS,
    IndexDocument,
    IndexLocked,
    IndexUnavailable,
    SearchIndex,
    SearchQuery,
    SearchResult,
)


def doc(doc_id: str, title: str = "Практика", body: str = "", **fields) -> IndexDocument:
    return IndexDocument(id=doc_id, type=fields.pop("type", doc_id.partition(":")[0]), title=title, body=body,
                         **fields)


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


def search(ix: SearchIndex, text: str = "", **options) -> SearchResult:
    return ix.search(SearchQuery(text=text, **options))


# A small hand-made set whose facet counts are worked out by hand below.
FACETED = [
    doc("practice:1", "Школьное научное общество", "Исследования младших школьников.",
        topic=["gifted", "research"], region=["RU-CHE"], level=["primary", "basic"], subject=["math"],
        municipality=["RU-CHE-kopeysky"], expertise=True, spread="region", year=2020, date=datetime(2020, 5, 1)),
    doc("practice:2", "Одарённые дети в начальной школе", "Сопровождение одарённых детей.",
        topic=["gifted"], region=["RU-CHE", "RU-SMO"], level=["primary"], expertise=False, spread="federal", year=2021,
        date=datetime(2021, 3, 1)),
    doc("practice:3", "Олимпиадная физика", "Подготовка к олимпиадам по физике и математике.",
        topic=["research", "olympiads"], region=["RU-SMO"], level=["basic", "secondary"],
        subject=["physics", "math"], municipality=["RU-SMO-smolensk"], expertise=False, year=2021),
    doc("resolution:1", "Резолюция конференции", "Региональные модели поддержки одарённых детей.",
        topic=["gifted", "olympiads"], region=["RU-CHE"], year=2017, date=datetime(2017, 4, 17)),
    doc("recommendation:1", "Рекомендация 1: органам управления образованием", "Создать центры.",
        topic=["gifted"], region=["RU-CHE"], year=2017, date=datetime(2017, 4, 17)),
]


@pytest.fixture
def ix(tmp_path: Path) -> SearchIndex:
    return SearchIndex(tmp_path / "index")


@pytest.fixture
def faceted(ix: SearchIndex) -> SearchIndex:
    ix.apply(FACETED)
    return ix


def test_a_new_index_is_created_empty(tmp_path: Path):
    ix = SearchIndex(tmp_path / "deep" / "index")
    assert (tmp_path / "deep" / "index").is_dir()
    assert ix.doc_count() == 0
    result = search(ix)
    assert (result.total, result.hits) == (0, [])
    assert result.facets == {name: [] for name in FACET_FIELDS}
    # opening the same folder again keeps what is there
    ix.apply([doc("practice:1")])
    assert SearchIndex(tmp_path / "deep" / "index").doc_count() == 1


def test_apply_adds_replaces_and_deletes(ix: SearchIndex):
    ix.apply([doc("practice:1", "Сетевое взаимодействие", version="v1"), doc("practice:2", "Кружок робототехники")])
    assert ids(search(ix, "сетевое")) == ["practice:1"]

    ix.apply([doc("practice:1", "Проектная деятельность", version="v2")])
    assert ix.doc_count() == 2
    assert search(ix, "сетевое").total == 0
    assert ids(search(ix, "проектная")) == ["practice:1"]
    assert ix.versions() == {"practice:1": "v2", "practice:2": ""}

    ix.apply(deletes=["practice:2", "practice:404"])
    assert ix.doc_count() == 1
    assert search(ix, "кружок").total == 0


def test_apply_keeps_the_last_of_repeated_upserts_and_an_id_both_upserted_and_deleted(ix: SearchIndex):
    ix.apply([doc("practice:1", "Первое название"), doc("practice:1", "Второе название")])
    assert ix.doc_count() == 1
    assert ids(search(ix, "второе")) == ["practice:1"]
    ix.apply(upserts=[doc("practice:1", "Третье название")], deletes=["practice:1"])
    assert ids(search(ix, "третье")) == ["practice:1"]


def test_an_open_searcher_follows_many_commits_without_duplicates(ix: SearchIndex):
    # whoosh-reloaded's Searcher.refresh() re-adds merged-away segments; the index must not use it
    for n in range(25):
        ix.apply([doc(f"practice:{n}", "Кружок"), doc("practice:0", f"Кружок версия{n}")])
        assert search(ix, "кружок").total == n + 1
        assert ix.doc_count() == n + 1
        assert search(ix, f"версия{n}").total == 1
        assert search(ix, f"версия{n - 1}").total == 0


def test_versions_lists_every_document(faceted: SearchIndex):
    faceted.apply([doc("practice:9", version="abc123")])
    versions = faceted.versions()
    assert set(versions) == {d.id for d in FACETED} | {"practice:9"}
    assert versions["practice:9"] == "abc123"


def test_rebuild_swaps_in_a_fresh_index_and_returns_the_count(tmp_path: Path, faceted: SearchIndex):
    other_process = SearchIndex(tmp_path / "index")
    assert search(other_process).total == 5  # its searcher is open on the old folder
    reported: list[int] = []

    new_documents = (doc(f"practice:{n}", f"Практика номер {n}", "сетевое партнёрство") for n in range(100, 350))
    assert faceted.rebuild(new_documents, progress=reported.append) == 250

    assert sum(reported) == 250
    assert faceted.doc_count() == 250
    assert search(faceted, "олимпиадная").total == 0
    assert search(faceted, "сетевое партнерство").total == 250
    # another SearchIndex on the same folder notices the swap (the new folder's generation
    # numbers may equal the old ones, so a plain refresh would keep reading the old files)
    assert search(other_process).total == 250
    assert [p.name for p in tmp_path.iterdir()] == ["index"]  # no temporary folders left


def test_searches_during_a_rebuild_see_the_old_or_the_new_index_never_an_error(tmp_path: Path):
    writer = SearchIndex(tmp_path / "index")
    writer.apply([doc(f"practice:{n}", "Старая практика") for n in range(30)])
    reader = SearchIndex(tmp_path / "index")
    seen: set[int] = set()
    errors: list[BaseException] = []
    done = threading.Event()

    def keep_searching() -> None:
        while not done.is_set():
            try:
                seen.add(search(reader).total)
            except BaseException as exc:  # noqa: BLE001 - recorded and asserted below
                errors.append(exc)

    thread = threading.Thread(target=keep_searching)
    thread.start()
    try:
        for round_number in range(5):
            writer.rebuild(doc(f"practice:{n}", "Новая практика") for n in range(40 + round_number))
    finally:
        done.set()
        thread.join()
    assert errors == []
    assert seen <= {30, 40, 41, 42, 43, 44}
    assert search(reader).total == 44


def test_a_file_deleted_while_a_searcher_opens_leaves_no_file_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A concurrent commit deleted a segment file after the terms file was opened: the half-made searcher's
    files are closed at once (the garbage collector's ResourceWarning would land in some later test) and
    the next attempt reads the index."""
    from indexer.codec import KbCodec

    writer = SearchIndex(tmp_path / "index")
    writer.apply([doc("practice:1", "Кружок")])
    writer.apply([doc("practice:2", "Кружок")])  # two segments: the second fails after the first opened
    writer.close()
    real = KbCodec.per_document_reader
    calls: list[str] = []

    def vanished_once(self, storage, segment):
        calls.append(segment.segment_id())
        if len(calls) == 2:
            raise FileNotFoundError(f"{segment.segment_id()}.pst")
        return real(self, storage, segment)

    monkeypatch.setattr(KbCodec, "per_document_reader", vanished_once)
    reader = SearchIndex(tmp_path / "index")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert sorted(ids(search(reader, "кружок"))) == ["practice:1", "practice:2"]
        gc.collect()
    reader.close()
    assert len(calls) > 2  # it failed once and opened again
    assert [w.message for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_column_file_deleted_while_a_searcher_pins_its_files_leaves_no_file_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The postings arrays file of the first segment (opened by ``_pinned``, not through whoosh's storage) is
    closed too when a later segment's column file is gone."""
    from whoosh.codec import whoosh3

    from indexer import index as index_module

    writer = SearchIndex(tmp_path / "index")
    writer.apply([doc(f"practice:{n}", "Кружок робототехники", "кружок " * 50) for n in range(1, 200)])
    writer.apply([doc("practice:900", "Кружок", "кружок " * 50)])
    writer.close()
    real_arrays, real_column = index_module.segment_arrays, whoosh3.W3PerDocReader._get_column_file
    first: list = []
    failed: list[str] = []

    def arrays(leaf):
        opened = real_arrays(leaf)
        if opened is not None and not first:
            first.append(leaf._segment.segment_id())
        return opened

    def column(self, name):
        if first and self._segment.segment_id() != first[0] and not failed:
            failed.append(name)
            raise FileNotFoundError(name)
        return real_column(self, name)

    monkeypatch.setattr(index_module, "segment_arrays", arrays)
    monkeypatch.setattr(whoosh3.W3PerDocReader, "_get_column_file", column)
    reader = SearchIndex(tmp_path / "index")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert search(reader, "кружок").total == 200
        gc.collect()
    reader.close()
    assert first and failed  # an arrays file was open when the second segment failed
    assert [w.message for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_rebuild_without_an_atomic_exchange_falls_back_to_two_renames(
    tmp_path: Path, faceted: SearchIndex, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("indexer.index._exchange", lambda a, b: False)
    assert faceted.rebuild([doc("practice:7", "Кружок")]) == 1
    assert ids(search(faceted)) == ["practice:7"]
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


def test_a_failed_rebuild_leaves_the_index_as_it_was(tmp_path: Path, faceted: SearchIndex):
    with pytest.raises(ValueError, match="given twice"):
        faceted.rebuild([doc("practice:1"), doc("practice:1")])
    assert faceted.doc_count() == 5
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


def test_clear_empties_the_index(faceted: SearchIndex):
    faceted.clear()
    assert faceted.doc_count() == 0
    assert faceted.versions() == {}


def test_facet_counts_are_exact_for_documents_with_several_values(faceted: SearchIndex):
    result = search(faceted, per_page=1)
    assert result.total == 5
    assert len(result.hits) == 1
    assert result.facets == {
        "type": [("practice", 3), ("recommendation", 1), ("resolution", 1)],
        "topic": [("gifted", 4), ("olympiads", 2), ("research", 2)],
        "region": [("RU-CHE", 4), ("RU-SMO", 2)],
        "municipality": [("RU-CHE-kopeysky", 1), ("RU-SMO-smolensk", 1)],
        "level": [("basic", 2), ("primary", 2), ("secondary", 1)],
        "subject": [("math", 2), ("physics", 1)],
        "expertise": [("0", 2), ("1", 1)],  # practices only
        "spread": [("federal", 1), ("region", 1)],  # practice:3 has no spread level
        "year": [("2017", 2), ("2021", 2), ("2020", 1)],
    }


def test_the_expertise_and_spread_filters_count_as_the_others(faceted: SearchIndex):
    """A filter by either practice field finds practices only; each value's count is what choosing it finds."""
    assert sorted(ids(search(faceted, filters={"expertise": ["0"]}))) == ["practice:2", "practice:3"]
    assert ids(search(faceted, filters={"expertise": ["1"]})) == ["practice:1"]
    narrowed = search(faceted, filters={"spread": ["region", "federal"], "expertise": ["0"]})
    assert ids(narrowed) == ["practice:2"]
    assert narrowed.facets["spread"] == [("federal", 1)]  # under expertise=0, without its own selection
    assert narrowed.facets["expertise"] == [("0", 1), ("1", 1)]
    for name, counts in search(faceted, "одарённые").facets.items():
        for value, count in counts:
            assert search(faceted, "одарённые", filters={name: [value]}).total == count, (name, value)


def test_facet_counts_follow_the_text_and_the_filters(faceted: SearchIndex):
    result = search(faceted, "одарённые дети")
    assert sorted(ids(result)) == ["practice:2", "resolution:1"]
    assert result.facets["topic"] == [("gifted", 2), ("olympiads", 1)]
    assert result.facets["region"] == [("RU-CHE", 2), ("RU-SMO", 1)]

    result = search(faceted, filters={"level": ["primary"]})
    assert result.facets["topic"] == [("gifted", 2), ("research", 1)]
    # a field's own selection does not narrow its counts: the other levels show what choosing them adds
    assert result.facets["level"] == [("basic", 2), ("primary", 2), ("secondary", 1)]


def test_facet_counts_are_multi_select(faceted: SearchIndex):
    """OR within a field, AND across fields; each field is counted under the other fields' selections."""
    result = search(faceted, filters={"topic": ["research"], "region": ["RU-SMO"]})
    assert ids(result) == ["practice:3"]
    # topic counts: region RU-SMO only (practice:2 gifted, practice:3 olympiads + research)
    assert result.facets["topic"] == [("gifted", 1), ("olympiads", 1), ("research", 1)]
    # region counts: topic research only (practice:1 in RU-CHE, practice:3 in RU-SMO)
    assert result.facets["region"] == [("RU-CHE", 1), ("RU-SMO", 1)]
    # other fields: both selections apply
    assert result.facets["type"] == [("practice", 1)]
    widened = search(faceted, filters={"topic": ["research", "gifted"], "region": ["RU-SMO"]})
    assert sorted(ids(widened)) == ["practice:2", "practice:3"]
    assert widened.total == dict(result.facets["topic"])["research"] + dict(result.facets["topic"])["gifted"]


def test_facet_counts_leave_out_deleted_documents(faceted: SearchIndex):
    faceted.apply(deletes=["practice:3"])
    result = search(faceted, filters={"region": ["RU-SMO"]})
    assert ids(result) == ["practice:2"]
    assert result.facets["region"] == [("RU-CHE", 4), ("RU-SMO", 1)]  # practice:3 was the other RU-SMO one


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"topic": ["gifted"]}, ["practice:1", "practice:2", "recommendation:1", "resolution:1"]),
        ({"topic": ["research", "olympiads"]}, ["practice:1", "practice:3", "resolution:1"]),  # any of
        ({"topic": ["research", "olympiads"], "region": ["RU-SMO"]}, ["practice:3"]),  # and across
        ({"topic": ["gifted"], "region": ["RU-SMO"]}, ["practice:2"]),
        ({"level": ["primary", "secondary"]}, ["practice:1", "practice:2", "practice:3"]),
        ({"year": ["2021"], "type": ["practice"]}, ["practice:2", "practice:3"]),
        ({"type": ["resolution", "recommendation"]}, ["recommendation:1", "resolution:1"]),
        ({"subject": ["math"], "level": ["secondary"]}, ["practice:3"]),
        ({"region": ["ru-che"]}, []),  # codes are case-sensitive
        ({"topic": []}, ["practice:1", "practice:2", "practice:3", "recommendation:1", "resolution:1"]),
    ],
)
def test_filters(faceted: SearchIndex, filters: dict, expected: list[str]):
    result = search(faceted, filters=filters)
    assert sorted(ids(result)) == expected
    assert result.total == len(expected)


def test_filters_combine_with_text(faceted: SearchIndex):
    assert ids(search(faceted, "одарённых", filters={"type": ["resolution"]})) == ["resolution:1"]


def test_an_unknown_filter_field_is_a_programming_error(faceted: SearchIndex):
    with pytest.raises(ValueError, match="body"):
        search(faceted, filters={"body": ["x"]})


def test_an_unknown_sort_is_a_programming_error(faceted: SearchIndex):
    with pytest.raises(ValueError, match="title"):
        search(faceted, sort="title")


def test_empty_text_lists_everything_newest_first_undated_last(faceted: SearchIndex):
    # same date: by title (Резолюция < Рекомендация); no date: last
    expected = ["practice:2", "practice:1", "resolution:1", "recommendation:1", "practice:3"]
    assert ids(search(faceted)) == expected
    assert ids(search(faceted, sort="relevance")) == expected


def test_sort_by_date_with_text(faceted: SearchIndex):
    assert ids(search(faceted, "одарённых детей", sort="date")) == ["practice:2", "resolution:1"]


def test_sort_by_entered_puts_the_last_to_enter_first_whatever_their_date(ix: SearchIndex):
    """Only the material's own date could order matches, so a feed of new ones missed a new practice of an old year."""
    ix.apply([
        doc("practice:1", "Музей 2025", year=2025, date=datetime(2025, 1, 1), entered=datetime(2025, 3, 1)),
        doc("practice:2", "Музей 2016", year=2016, date=datetime(2016, 1, 1), entered=datetime(2026, 2, 1, 10)),
        doc("practice:3", "Музей 2024", year=2024, date=datetime(2024, 1, 1), entered=datetime(2026, 2, 1, 9)),
        doc("practice:4", "Музей без даты", body="музей"),
    ])
    assert ids(search(ix, "музей", sort="date")) == ["practice:1", "practice:3", "practice:2", "practice:4"]
    assert ids(search(ix, "музей", sort="entered")) == ["practice:2", "practice:3", "practice:1", "practice:4"]
    assert ids(search(ix, sort="entered", per_page=1)) == ["practice:2"]


def test_a_count_only_search_gives_the_total_and_facets_and_ranks_nothing(faceted: SearchIndex):
    """A hint («Искать только в …: найдено N») needs the count alone: an empty text under a filter would build the
    date order of every document (135 ms at 100,000 practices after each commit) for a page nobody sees. Its
    result is cached apart: the same search with hits, asked next, still has them."""
    for text in ("", "одарённых детей"):
        for sort in ("relevance", "date"):
            full = search(faceted, text, filters={"region": ["RU-CHE"]}, per_page=1, sort=sort)
            counted = search(faceted, text, filters={"region": ["RU-CHE"]}, per_page=1, sort=sort, count_only=True)
            assert full.total > 0 and full.hits
            assert counted.total == full.total and counted.facets == full.facets and counted.hits == []
    fresh = SearchIndex(faceted.path, create=False)
    counted = search(fresh, filters={"region": ["RU-CHE"]}, per_page=1, count_only=True)
    sets = fresh._docsets(fresh._current_searcher())
    assert counted.total and sets._orders == {}  # no order was built
    again = search(fresh, filters={"region": ["RU-CHE"]}, per_page=1)
    assert again.total == counted.total and len(again.hits) == 1 and "date" in sets._orders


def test_sort_columns_read_as_blocks_equal_whoosh_reading_them_one_by_one(tmp_path: Path):
    """The date, entered and adoptions columns are read as one block of bytes per segment (whoosh unpacked them
    one value at a time: 160 ms a column at 100,000 documents); over several segments, with deletions and
    documents without a date, the values and the orders are whoosh's."""
    import numpy as np

    from indexer.docsets import _dense_ranks

    index = SearchIndex(tmp_path / "index")
    for batch in range(3):  # a segment a commit
        index.apply([doc(f"practice:{batch * 10 + n}", f"Музей {n % 4}", adoptions=n % 3,
                         date=datetime(2010 + n % 5, 1, 1) if n % 4 else None,
                         entered=datetime(2026, 1, 1 + batch, n) if n % 5 else None) for n in range(10)])
    index.apply(deletes=["practice:3", "practice:14"])
    searcher = index._current_searcher()
    sets = index._docsets(searcher)
    assert len(list(searcher.reader().leaf_readers())) >= 2
    for name in ("sort_date", "sort_entered", "sort_adoptions"):
        fast = sets._column(name)
        slow = list(searcher.reader().column_reader(name, translate=False))
        assert isinstance(fast, np.ndarray) and fast.tolist() == slow, name
        assert _dense_ranks(fast).tolist() == _dense_ranks(slow).tolist(), name
    newest = index.search(SearchQuery(text="музей", sort="entered", per_page=3))
    assert [hit.id for hit in newest.hits] == ["practice:29", "practice:28", "practice:27"]
    everything = np.ones(sets.size, dtype=bool)
    fast = {key: sets.first_by(everything, key, sets.size) for key in ("date", "adoptions")}
    sets._orders.clear()
    sets._numeric_column = lambda fieldname: None  # whoosh's reader, value by value, and the Python ranks
    sets._bytes_keys = lambda fieldname: None
    assert fast == {key: sets.first_by(everything, key, sets.size) for key in ("date", "adoptions")}


def test_the_titles_read_as_one_block_sort_as_whoosh_reads_them(tmp_path: Path):
    """The date order's ties go by title: the titles' sort keys are read as one block per segment into fixed-width
    raw values (whoosh read them one by one: 60 of the 135 ms of the order at 100,000 documents). Over segments of
    different widths, with equal titles, prefixes of others, empty ones and deletions, their order is the bytes'."""
    import numpy as np

    index = SearchIndex(tmp_path / "index")
    titles = [["Музей", "Музей истории", "Ёлка", "А", "Музей"], ["Я", "Музей", "Музеи", "Абв"],
              ["Очень длинное название практики " * 3, "Музей", "ЯЯ"]]
    for batch, names in enumerate(titles):  # a segment a commit
        index.apply([doc(f"practice:{batch * 10 + n}", name, date=datetime(2020, 1, 1 + n % 2))
                     for n, name in enumerate(names)])
    index.apply(deletes=["practice:1"])
    searcher = index._current_searcher()
    sets = index._docsets(searcher)
    assert len(list(searcher.reader().leaf_readers())) >= 2
    slow = list(searcher.reader().column_reader("sort_title", translate=False))
    raw = sets._bytes_keys("sort_title")
    assert raw is not None and raw.size == sets.size == len(slow)
    assert np.argsort(raw, kind="stable").tolist() == sorted(range(len(slow)), key=slow.__getitem__)
    everything = np.ones(sets.size, dtype=bool)
    fast = sets.first_by(everything, "date", sets.size)
    sets._orders.clear()
    sets._bytes_keys = lambda fieldname: None
    assert fast == sets.first_by(everything, "date", sets.size)
    assert [hit.id for hit in search(index, sort="date", per_page=3).hits] == [
        "practice:3", "practice:13", "practice:11"]  # 2 January, by title: «А», «Абв», «Музей» (the first of two)


def test_an_index_without_the_entered_order_asks_for_a_rebuild(tmp_path: Path):
    """An index of the make before ``sort_entered`` is unavailable until rebuilt, then sorts by it."""
    from indexer.schema import build_schema

    folder = tmp_path / "index"
    folder.mkdir()
    older = build_schema()
    older.remove("sort_entered")
    whoosh_index.create_in(str(folder), older)
    ix = SearchIndex(folder)
    with pytest.raises(IndexUnavailable, match="lacks the fields sort_entered: rebuild it"):
        search(ix)
    ix.rebuild([doc("practice:1", "Старая", entered=datetime(2020, 1, 1)),
                doc("practice:2", "Новая", entered=datetime(2026, 1, 1))])
    assert ids(search(ix, sort="entered")) == ["practice:2", "practice:1"]


def test_a_hit_carries_the_stamp_of_the_copy_it_was_found_in(tmp_path: Path):
    """The caller's stamp (a practice's last change) comes back with each hit, snippets or not: the caller tells an
    older copy from its database's current state by it. An index of the make before stamps asks for a rebuild."""
    from indexer.schema import build_schema

    folder = tmp_path / "index"
    folder.mkdir()
    older = build_schema()
    older.remove("stamp")
    whoosh_index.create_in(str(folder), older)
    ix = SearchIndex(folder)
    with pytest.raises(IndexUnavailable, match="lacks the fields stamp: rebuild it"):
        search(ix)
    ix.rebuild([doc("practice:1", "Кружок шахмат", stamp="2026-01-01T10:00:00.000001"), doc("practice:2", "Шахматы")])
    assert {(hit.id, hit.stamp) for hit in search(ix, "шахматы").hits} == {
        ("practice:1", "2026-01-01T10:00:00.000001"), ("practice:2", "")}
    ix.apply([doc("practice:1", "Кружок шахмат", stamp="2026-02-01T10:00:00")])
    assert {(hit.id, hit.stamp) for hit in search(ix, "шахматы", snippets=False).hits} == {
        ("practice:1", "2026-02-01T10:00:00"), ("practice:2", "")}
    ix.close()


def test_relevance_puts_title_matches_first(ix: SearchIndex):
    ix.apply([
        doc("practice:1", "Проектная деятельность", "В работе описан кружок робототехники."),
        doc("practice:2", "Кружок робототехники", "Описание опыта."),
        doc("practice:3", "Сетевое взаимодействие", "Описание."),
    ])
    result = search(ix, "кружок робототехники")
    assert ids(result) == ["practice:2", "practice:1"]
    assert result.hits[0].score > result.hits[1].score > 0


def test_pages(faceted: SearchIndex):
    pages = [search(faceted, page=n, per_page=2) for n in (1, 2, 3, 4)]
    assert [ids(p) for p in pages] == [
        ["practice:2", "practice:1"], ["resolution:1", "recommendation:1"], ["practice:3"], [],
    ]
    assert {p.total for p in pages} == {5}
    assert all(p.facets == pages[0].facets for p in pages)
    assert (pages[1].page, pages[1].per_page) == (2, 2)


def test_words_are_joined_with_and_then_relaxed_to_or_when_nothing_has_them_all(ix: SearchIndex):
    ix.apply([
        doc("practice:1", "Одарённые дети", "Кружок робототехники для одарённых детей."),
        doc("practice:2", "Кружок", "Кружок робототехники."),
        doc("practice:3", "Театр", "Школьный театр."),
    ])
    strict = search(ix, "одарённые робототехника")
    # few documents have both words: those with one of them follow, never above
    assert (ids(strict), strict.total) == (["practice:1", "practice:2"], 2)
    assert strict.notice == "Документов со всеми словами запроса: 1; за ними показаны документы, где есть часть слов."
    assert search(ix, "одарённые робототехника", sort="date").total == 2
    assert (ids(search(ix, "кружок робототехники")), search(ix, "кружок робототехники").notice) == (
        ["practice:2", "practice:1"], None,
    )

    relaxed = search(ix, "одарённые дети кванториум")
    assert ids(relaxed) == ["practice:1"]
    assert relaxed.notice == "Документов со всеми словами запроса нет: показаны документы, где есть часть слов."

    relaxed = search(ix, "робототехника кванториум одарённые")
    assert ids(relaxed) == ["practice:1", "practice:2"]  # more of the words first


@pytest.mark.parametrize("text", [
    "экология озеро",  # one document has both words, others one of them: none in primary school
    "экология кванториум",  # no document has both words
])
def test_a_facet_value_counts_what_choosing_it_gives_when_the_selection_leaves_nothing(ix: SearchIndex, text: str):
    """The part-of-words documents were counted only when the selection found something: with «primary»
    chosen, «basic 1» gave «Найдено: 3»."""
    ix.apply([
        doc("practice:1", "Экология озера", "Исследование озера.", level=["basic", "secondary"]),
        doc("practice:2", "Экологический кружок", "Экология родного края.", level=["basic"]),
        doc("practice:3", "Озеро", "Поход к озеру.", level=["basic", "secondary"]),
        doc("practice:4", "Кванториум", "Занятия в кванториуме.", level=["additional"]),
        doc("practice:5", "Чтение", "Чтение в начальной школе.", level=["primary"]),
    ])
    chosen = search(ix, text, filters={"level": ["primary"]})
    assert chosen.total == 0
    assert chosen.facets["level"]
    for value, count in chosen.facets["level"]:
        if value != "primary":
            assert (value, search(ix, text, filters={"level": ["primary", value]}).total) == (value, count)
            assert (value, search(ix, text, filters={"level": [value]}).total) == (value, count)


def test_a_search_without_partial_matches_finds_only_documents_with_every_word(ix: SearchIndex):
    ix.apply([
        doc("practice:1", "Одарённые дети", "Кружок робототехники для одарённых детей.", level=["basic"]),
        doc("practice:2", "Кружок", "Кружок робототехники.", level=["basic"]),
        doc("practice:3", "Театр", "Школьный театр.", level=["primary"]),
    ])
    for sort in ("relevance", "date", "entered"):
        assert search(ix, "одарённые робототехника", sort=sort).total == 2
        only = search(ix, "одарённые робототехника", sort=sort, partial=False)
        assert (ids(only), only.total, only.notice, only.facets["level"]) == (["practice:1"], 1, None, [("basic", 1)])
    assert ids(search(ix, "одарённые дети кванториум")) == ["practice:1"]  # some of the words, said so
    none = search(ix, "одарённые дети кванториум", partial=False)
    assert (none.hits, none.total, none.notice) == ([], 0, None)


def test_snippets_mark_matches_and_escape_the_document_text(ix: SearchIndex):
    ix.apply([doc("practice:1", "Опыт школы", "Работа с одарёнными детьми: <script>alert('x')</script> & итоги.")])
    snippet = search(ix, "одарённые дети").hits[0].snippet
    assert "<mark>одарёнными</mark> <mark>детьми</mark>" in snippet
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; итоги" in snippet
    assert "<script>" not in snippet


def test_a_search_without_snippets_finds_the_same_hits_in_the_same_order(faceted: SearchIndex):
    """An export asks for thousands of hits and shows no snippet: none is made (each reads and highlights a
    document's text), and the hits, their order, total and facets are those of the search with snippets."""
    with_snippets = search(faceted, "одарённые дети", per_page=100)
    without = search(faceted, "одарённые дети", per_page=100, snippets=False)
    assert any(hit.snippet for hit in with_snippets.hits)
    assert [(h.id, h.score, h.snippet, h.snippet_field) for h in without.hits] == [
        (h.id, h.score, "", "") for h in with_snippets.hits]
    assert (without.total, without.facets) == (with_snippets.total, with_snippets.facets)
    # remembered apart: the search with snippets, asked again, still has them
    assert search(faceted, "одарённые дети", per_page=100).hits[0].snippet == with_snippets.hits[0].snippet


def test_snippets_are_short_fragments_of_long_texts(ix: SearchIndex):
    filler = " ".join(["Описание условий и ресурсов опыта работы."] * 60)
    body = f"{filler} Школьное научное общество. {filler} Итоги работы общества. {filler}"
    ix.apply([doc("practice:1", "Практика", body)])
    snippet = search(ix, "научное общество").hits[0].snippet
    assert snippet.startswith("… ")
    assert snippet.endswith(" …")
    assert snippet.count("<mark>") >= 3
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) < 320


def test_snippet_falls_back_to_the_title_then_to_nothing(ix: SearchIndex):
    ix.apply([
        doc("practice:1", "Кружок <b>робототехники</b>", "Описание без этого слова."),
        doc("practice:2", "Практика", "Описание.", people="Иванова Анна Петровна"),
    ])
    assert search(ix, "робототехника").hits[0].snippet == "Кружок &lt;b&gt;<mark>робототехники</mark>&lt;/b&gt;"
    assert search(ix, "иванова").hits[0].snippet == ""  # matched in people only
    assert search(ix).hits[0].snippet == ""  # no text, nothing to mark


def test_people_are_searchable_with_a_lower_weight_than_titles(ix: SearchIndex):
    ix.apply([
        doc("practice:1", "Практика Петровой", "Описание."),
        doc("practice:2", "Практика", "Описание.", people="Петрова Мария Ивановна, учитель"),
    ])
    assert ids(search(ix, "петрова")) == ["practice:1", "practice:2"]


def test_search_raises_index_unavailable_when_the_folder_is_deleted(tmp_path: Path, faceted: SearchIndex):
    assert search(faceted).total == 5  # a searcher is open
    shutil.rmtree(tmp_path / "index")
    with pytest.raises(IndexUnavailable):
        search(faceted)
    with pytest.raises(IndexUnavailable):
        faceted.doc_count()
    with pytest.raises(IndexUnavailable):
        faceted.versions()
    with pytest.raises(IndexUnavailable):  # no silent new, partial index
        faceted.apply([doc("practice:1")])
    assert not (tmp_path / "index").exists()

    assert faceted.rebuild(FACETED) == 5  # a rebuild repairs it
    assert search(faceted).total == 5


def test_search_raises_index_unavailable_when_the_index_is_corrupt(tmp_path: Path, faceted: SearchIndex):
    for toc in (tmp_path / "index").glob("_MAIN_*.toc"):
        toc.write_bytes(b"\x00garbage")
    # whoosh leaves an unreadable TOC file open when it gives up on it; the searcher's opening closes it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(IndexUnavailable):
            search(SearchIndex(tmp_path / "index"))
        with pytest.raises(IndexUnavailable):
            SearchIndex(tmp_path / "index").doc_count()
        with pytest.raises(IndexUnavailable):
            SearchIndex(tmp_path / "index").apply([doc("practice:9")])
        gc.collect()
    assert [w.message for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_two_threads_applying_at_once_wait_for_each_other(ix: SearchIndex):
    errors: list[BaseException] = []

    def write(prefix: str) -> None:
        try:
            for n in range(15):
                ix.apply([doc(f"{prefix}:{n}", f"Документ {n}")])
        except BaseException as exc:  # noqa: BLE001 - recorded and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(prefix,)) for prefix in ("practice", "resolution")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ix.doc_count() == 30


def test_a_writer_waits_for_the_lock_and_gives_up_after_its_timeout(tmp_path: Path):
    ix = SearchIndex(tmp_path / "index", write_timeout=0.3)
    other = whoosh_index.open_dir(str(tmp_path / "index")).writer()  # another process's writer
    try:
        started = time.monotonic()
        with pytest.raises(IndexLocked):
            ix.apply([doc("practice:1")])
        assert time.monotonic() - started >= 0.3
    finally:
        other.cancel()

    other = whoosh_index.open_dir(str(tmp_path / "index")).writer()
    releaser = threading.Timer(0.2, other.cancel)
    releaser.start()
    SearchIndex(tmp_path / "index", write_timeout=5).apply([doc("practice:1")])
    releaser.join()
    assert ix.doc_count() == 1


def test_pages_and_sizes_below_one_are_read_as_one(faceted: SearchIndex):
    result = search(faceted, page=0, per_page=0)
    assert (result.page, result.per_page, len(result.hits), result.total) == (1, 1, 1, 5)


# Speed at scale: the bitmap set algebra, ranking shortcuts, caches and the parallel rebuild must give
# exactly what whoosh itself gives.

_WORDS = ["опыт", "дети", "школа", "проект", "олимпиада", "краеведение", "робототехника", "музей", "учитель",
          "исследование", "сетевой", "родители", "чтение", "математика", "экология"]


def generated(count: int, seed: int = 3) -> list[IndexDocument]:
    import random

    rng = random.Random(seed)
    return [
        doc(f"practice:{i}", " ".join(rng.sample(_WORDS, 3)), " ".join(rng.choices(_WORDS, k=rng.randint(3, 30))),
            annotation=" ".join(rng.sample(_WORDS, 2)), topic=rng.sample(["gifted", "research", "olympiads"], 2),
            region=[rng.choice(["RU-CHE", "RU-SMO", "RU-MOW"])], level=[rng.choice(["primary", "basic"])],
            year=rng.randint(2015, 2024), date=datetime(rng.randint(2015, 2024), rng.randint(1, 12), 1),
            adoptions=rng.randint(0, 3))
        for i in range(count)
    ]


@pytest.fixture
def big(ix: SearchIndex) -> SearchIndex:
    documents = generated(300)
    ix.apply(documents[:150])
    ix.apply(documents[150:])  # two segments
    ix.apply(deletes=[f"practice:{i}" for i in range(0, 300, 7)])  # and deletions in both
    return ix


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """Like ``big``, with terms of many posting blocks, most of them in the postings arrays files."""
    ix = SearchIndex(tmp_path_factory.mktemp("large") / "index")
    documents = generated(2400, seed=5)
    ix.apply(documents[:1600])
    ix.apply(documents[1600:])
    ix.apply(deletes=[f"practice:{i}" for i in range(0, 2400, 11)])
    return ix


@pytest.mark.parametrize("size", ["big", "large"])
@pytest.mark.parametrize("text", [
    "опыт", "опыт дети", "опыт OR музей", "опыт NOT дети", '"учитель математика"', "краеведческий", "нетслова",
    "опыт -\"школа проект\"", "(музей OR чтение) робототехника", '"опыт опыт"', '"учитель математика опыт"',
    '"музей школа" OR "чтение дети"', '"проект музей"',
])
def test_the_bitmaps_find_exactly_what_whoosh_finds(request: pytest.FixtureRequest, size: str, text: str):
    big = request.getfixturevalue(size)
    from indexer.docsets import DocSets
    from indexer.query import parse_text
    from indexer.synonyms import SynonymTable
    from kb.search.synonyms import synonym_groups

    table = SynonymTable(synonym_groups([]))
    with big._lock:
        searcher = big._current_searcher()
        sets = DocSets(searcher)
        parsed = parse_text(text, searcher.schema, table)
        for q in filter(None, [parsed.strict, parsed.relaxed]):
            assert DocSets.numbers(sets.matching(q)) == sorted(searcher.docs_for_query(q)), q


def test_scoring_a_small_selection_ranks_as_whoosh_does(big: SearchIndex):
    from indexer.docsets import DocSets
    from indexer.index import _score_among
    from indexer.query import parse_text

    with big._lock:
        searcher = big._current_searcher()
        sets = DocSets(searcher)
        q = parse_text("опыт учитель", searcher.schema).strict
        among = sets.matching(q) & sets.any_of("region", ["RU-CHE"])
        allow = set(DocSets.numbers(among))
        expected = [(hit.docnum, hit.score) for hit in searcher.search(q, filter=allow, limit=15)]
        got = _score_among(searcher, q, DocSets.numbers(among), 15)
    assert [d for d, _ in got] == [d for d, _ in expected]
    assert [s for _, s in got] == pytest.approx([s for _, s in expected])


def test_filtered_and_sorted_searches_agree_with_a_plain_walk(big: SearchIndex):
    everything = {hit_id: fields for hit_id, fields in ((d.id, d) for d in generated(300))
                  if int(hit_id.partition(":")[2]) % 7}
    result = search(big, "", filters={"region": ["RU-CHE"], "level": ["primary"]}, per_page=500)
    expected = sorted((d for d in everything.values() if d.region == ["RU-CHE"] and d.level == ["primary"]),
                      key=lambda d: (-d.date.toordinal(), d.title.lower()))
    assert result.total == len(expected)
    assert [d.date for d in expected] == sorted((d.date for d in expected), reverse=True)
    got = [everything[i].date for i in ids(result)]
    assert got == [d.date for d in expected]
    by_adoptions = search(big, "опыт", sort="adoptions", per_page=500)
    keys = [(everything[i].adoptions, everything[i].date) for i in ids(by_adoptions)]
    assert keys == sorted(keys, reverse=True)
    assert by_adoptions.total == sum(1 for d in everything.values() if "опыт" in f"{d.title} {d.body} {d.annotation}")


def test_a_repeated_search_is_answered_from_the_cache_until_the_next_commit(ix: SearchIndex):
    ix.apply([doc("practice:1", "Музей в школе")])
    first = search(ix, "музей")
    assert search(ix, "музей") is first
    assert search(ix, "музей", page=2) is not first
    ix.apply([doc("practice:2", "Школьный музей")])
    assert search(ix, "музей").total == 2




def test_a_broad_query_whoosh_ranks_is_ranked_for_a_limited_time_and_says_so(
    big: SearchIndex, monkeypatch: pytest.MonkeyPatch,
):
    """A query kind the numpy scores leave to whoosh (the coordination-scaled OR of a relaxed query)."""
    import indexer.index as index_module
    from indexer.scoring import Scores

    monkeypatch.setattr(Scores, "of", lambda self, q, among=None: None)

    monkeypatch.setattr(index_module, "BROAD_MATCHES", 10)
    monkeypatch.setattr(index_module, "RANK_SECONDS", 0.0)
    exact = search(big, "опыт OR дети OR школа").total
    big._results.clear()
    result = search(big, "опыт OR дети OR школа", per_page=5)
    assert result.total == exact > 10  # the count stays exact
    assert len(result.hits) == 5  # a full page all the same
    assert "Запрос очень общий" in (result.notice or "")
    # with a facet selection too large to score one by one: the time budget sits inside the filter
    monkeypatch.setattr(index_module, "SCORE_AMONG_MAX", 0)
    filtered = search(big, "опыт OR дети OR школа", filters={"region": ["RU-CHE"]}, per_page=50)
    chelyabinsk = {d.id for d in generated(300) if d.region == ["RU-CHE"]}
    assert filtered.hits and {hit.id for hit in filtered.hits} <= chelyabinsk
    monkeypatch.setattr(index_module, "BROAD_MATCHES", 10_000)
    big._results.clear()
    assert "Запрос очень общий" not in (search(big, "опыт OR дети OR школа").notice or "")


SCORED_QUERIES = ["опыт", "опыт дети", "опыт OR музей", "опыт NOT дети", "опыт -дети", "исследование школа",
                  "(музей OR чтение) робототехника", "краеведческий проект", "ШНО олимпиада", "одарённые дети",
                  '"учитель математика"', 'опыт -"школа проект"', '"проект" музей', '"опыт дети" чтение нетслова',
                  '"проект музей" робототехника родители нетслова', 'сетевой-проект музей нетслова',
                  'одарённые школьники нетслова', 'ШНО робототехника нетслова', 'высоко мотивированные дети нетслова',
                  'школьное научное общество нетслова']


def _holds(q: query.Query, kind: type) -> bool:
    return isinstance(q, kind) or any(_holds(child, kind) for child in q.children())


@pytest.mark.parametrize("text", SCORED_QUERIES)
def test_numpy_scores_are_whoosh_scores_for_every_match(big: SearchIndex, text: str):
    from indexer.docsets import DocSets
    from indexer.query import parse_text
    from indexer.scoring import Scores
    from indexer.synonyms import SynonymTable
    from kb.search.synonyms import synonym_groups

    table = SynonymTable(synonym_groups([]))
    with big._lock:
        searcher = big._current_searcher()
        sets = DocSets(searcher)
        parsed = parse_text(text, searcher.schema, table)
        checked = 0
        for q in filter(None, [parsed.strict, parsed.relaxed]):
            scores = Scores(sets).of(q)
            if q is parsed.relaxed and _holds(q, query.ConstantScoreQuery):
                continue  # a relaxed query with concepts: whoosh ranks it
            assert scores is not None, q  # the kinds our parser makes are scored here
            if q is parsed.relaxed:
                # whoosh's collector lets a CoordMatcher recount its terms whenever a posting list runs out
                # (replace()), so its bonus shrinks for later documents; the formula, walked without that:
                expected = {}
                for sub, offset in searcher.leaf_searchers():
                    matcher = q.matcher(sub, searcher.context(needs_current=True))
                    while matcher.is_active():
                        expected[offset + matcher.id()] = matcher.score()
                        matcher.next()
            else:
                expected = {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}
            matched = DocSets.numbers(sets.matching(q))
            assert sorted(expected) == matched
            assert [scores[d] for d in matched] == pytest.approx([expected[d] for d in matched], rel=1e-12)
            checked += 1
    assert checked >= 1


def test_a_broad_query_is_ranked_over_every_match_without_a_notice(big: SearchIndex,
                                                                   monkeypatch: pytest.MonkeyPatch):
    import indexer.index as index_module
    from indexer.query import parse_text

    monkeypatch.setattr(index_module, "BROAD_MATCHES", 10)
    monkeypatch.setattr(index_module, "RANK_SECONDS", 0.0)
    result = search(big, "опыт OR дети OR школа", per_page=15)
    with big._lock:
        searcher = big._current_searcher()
        q = parse_text("опыт OR дети OR школа", searcher.schema).strict
        everything = sorted(searcher.search(q, limit=None), key=lambda hit: (-hit.score, hit.docnum))
        best = [searcher.stored_fields(hit.docnum)["id"] for hit in everything[:15]]
    assert result.total == len(everything) > 100
    assert ids(result) == best
    assert "Запрос очень общий" not in (result.notice or "")


def test_a_large_rebuild_runs_in_parallel_and_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import indexer.index as index_module

    monkeypatch.setattr(index_module, "PARALLEL_REBUILD_MIN", 40)
    monkeypatch.setattr(index_module, "REBUILD_BATCH", 20)
    ix = SearchIndex(tmp_path / "index", rebuild_procs=2)
    documents = generated(120)
    assert ix.rebuild(documents) == 120
    assert ix.doc_count() == 120
    with whoosh_index.open_dir(str(tmp_path / "index")).reader() as reader:
        assert len(reader.leaf_readers()) >= 2  # one segment each
    assert set(ix.versions()) == {d.id for d in documents}
    single = SearchIndex(tmp_path / "single", rebuild_procs=1)
    single.rebuild(documents)
    for text in ("опыт", "музей дети", '"учитель математика"'):
        assert sorted(ids(search(ix, text, per_page=200))) == sorted(ids(search(single, text, per_page=200)))
        assert search(ix, text).facets == search(single, text).facets
    with pytest.raises(ValueError, match="twice"):
        ix.rebuild([*documents, documents[0]])
    # the worker processes of the given-up rebuild are stopped, not left writing into its removed folder
    assert not [p.name for p in multiprocessing.active_children() if p.name.startswith("kb-index-writer")]
    assert ix.doc_count() == 120


def test_the_one_pass_analyzer_gives_the_tokens_of_the_filter_chain():
    from indexer.analysis import composite_analyzer, russian_analyzer

    texts = ["Школа и семья: работа с родителями", "научно-практическая конференция", "учи\u0301тель педа\u00adгог",
             "", "и", "ЁЛКА ёжик " * 3, "а" * 70 + " опыт", "ГлобалЛаб, STEM-образование 2024 г."]
    options = [{}, {"positions": True, "chars": True}, {"positions": True, "chars": True, "removestops": False},
               {"no_morph": True, "positions": True}, {"tokenize": False, "chars": True, "start_char": 5},
               {"keeporiginal": True, "positions": True, "start_pos": 4, "mode": "query"}]

    def tokens(analyzer, text, kwargs):
        return [(t.text, getattr(t, "pos", None), getattr(t, "startchar", None), getattr(t, "endchar", None),
                 t.stopped, getattr(t, "original", None)) for t in analyzer(text, **kwargs)]

    for text in texts:
        for kwargs in options:
            expected = tokens(composite_analyzer(), text, kwargs)
            assert tokens(russian_analyzer(), text, kwargs) == expected, (text, kwargs)


def test_snippets_are_the_same_as_whoosh_highlighting_gives(tmp_path: Path):
    from indexer.analysis import composite_analyzer

    documents = generated(40) + [doc("practice:900", "Одарённые дети", "Работа с одарёнными детьми: <b>итоги</b>.")]
    fast = SearchIndex(tmp_path / "fast")
    slow = SearchIndex(tmp_path / "slow", analyzer=composite_analyzer)
    fast.apply(documents)
    slow.apply(documents)
    for text in ("опыт", "одарённые дети", "краеведческий музей", '"учитель математика"'):
        a, b = search(fast, text, per_page=50), search(slow, text, per_page=50)
        assert [(h.id, h.snippet, h.snippet_field) for h in a.hits] == [(h.id, h.snippet, h.snippet_field)
                                                                         for h in b.hits]
        assert any(h.snippet for h in a.hits)


def test_a_searcher_keeps_reading_segments_another_writer_merged_away(tmp_path: Path):
    """Workers read while the writer process commits: a commit that merges segments deletes their files,
    and a searcher opened just before must still read them (its files are held open from the start)."""
    path = tmp_path / "index"
    reader, writer = SearchIndex(path), SearchIndex(path)  # two processes, as far as whoosh can tell
    for n in range(6):
        writer.apply([doc(f"practice:{n}", f"Практика номер {n}", body="проектная деятельность школьников")])
    with reader._lock:
        searcher = reader._current_searcher()
        before = set(os.listdir(path))
        for n in range(6, 40):  # enough commits for whoosh to merge the first segments away
            writer.apply([doc(f"practice:{n}", f"Практика номер {n}")])
        assert before - set(os.listdir(path)), "the writer merged and deleted segment files"
        stored = [searcher.stored_fields(docnum)["id"] for docnum in range(searcher.doc_count_all())]
        lengths = [searcher.reader().doc_field_length(docnum, "body") for docnum in range(searcher.doc_count_all())]
    assert sorted(stored) == sorted(f"practice:{n}" for n in range(6))
    assert all(length > 0 for length in lengths)


@pytest.mark.parametrize("text", SCORED_QUERIES)
def test_the_words_to_highlight_are_whooshs_existing_terms(big: SearchIndex, text: str):
    from indexer.docsets import DocSets
    from indexer.index import TEXT_FIELDS, _query_words
    from indexer.query import parse_text
    from indexer.synonyms import SynonymTable
    from kb.search.synonyms import synonym_groups

    with big._lock:
        searcher = big._current_searcher()
        q = parse_text(text, searcher.schema, SynonymTable(synonym_groups([]))).strict
        expected: dict[str, set[str]] = {}
        for name in TEXT_FIELDS:
            for _, term in q.existing_terms(searcher.reader(), phrases=True, expand=True, fieldname=name):
                expected.setdefault(name, set()).add(searcher.schema[name].from_bytes(term))
        assert _query_words(searcher, DocSets(searcher), [q]) == expected


def test_key_terms_with_remembered_statistics_are_whoosh_s_own(big: SearchIndex):
    from whoosh import classify

    from indexer.index import _TermStatistics

    with big._lock:
        searcher = big._current_searcher()
        stats = _TermStatistics(searcher)
        assert len(stats._tables) == 2  # each segment's term table looked up directly, summed as whoosh does
        for docnum in (0, 5, 77, 140):
            stored = searcher.stored_fields(docnum)
            for name in ("title", "annotation", "body"):
                for _ in range(2):  # the second time from the remembered statistics
                    expander = classify.Expander(stats, name, model=classify.Bo1Model)
                    expander.add_text(stored[name])
                    assert expander.expanded_terms(12) == searcher.key_terms_from_text(name, stored[name], numterms=12)
        assert stats._frequencies  # they were remembered
        assert (("body", "нетслова".encode()) in stats) is False


@pytest.mark.parametrize("coded", [False, True])  # many documents: bitmaps ANDed, or value numbers counted
@pytest.mark.parametrize("size", [1, 7, 30, 400])  # the first three read bits one by one
def test_facet_counts_of_few_or_many_documents_are_exact(large: SearchIndex, size: int, coded: bool,
                                                         monkeypatch: pytest.MonkeyPatch):
    import random

    import numpy as np

    import indexer.docsets
    from indexer.docsets import SPARSE_COUNTS, DocSets

    if coded:  # every field, the topics too (two per document: a first value and further ones)
        monkeypatch.setattr(indexer.docsets, "CODED_FACET_VALUES", 0)
    with large._lock:
        sets = DocSets(large._current_searcher())
    assert (size * SPARSE_COUNTS < sets.size) == (size < 400)
    rng = random.Random(size)
    docs = sets.from_numbers(rng.sample(DocSets.numbers(sets.live), size))
    for name in ("region", "level", "topic", "year"):
        values, _ = sets.facet(name)
        expected = [(v, int(np.count_nonzero(docs & sets.term(name, v)))) for v in values]
        assert sets.counts(name, docs) == [(v, n) for v, n in expected if n], name
        assert (name in sets._codes) == coded
    if coded:
        assert sets._codes["topic"][1].size > 1000  # documents with a second topic


def test_facets_after_each_commit_read_only_the_new_segments_and_stay_exact(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    """The facet postings of segments a commit left alone are kept across searchers: after adds, updates
    (a document moving to another region), deletions and a merge, every facet is what a searcher without
    any kept postings reads (and each value's term bitmap), and only the segments a commit wrote are read."""
    from dataclasses import replace

    import numpy as np

    import indexer.docsets
    from indexer.docsets import DocSets

    ix = SearchIndex(tmp_path / "index")
    documents = generated(120, seed=8)
    read: list[str] = []
    real_get = indexer.docsets.SegmentFacets.get

    def counting(self, leaf, fieldname):
        if self is ix._segment_facets and (leaf.segment().segment_id(), fieldname) not in self._parts:
            read.append(leaf.segment().segment_id())
        return real_get(self, leaf, fieldname)

    monkeypatch.setattr(indexer.docsets.SegmentFacets, "get", counting)
    moved = [replace(d, region=["RU-TA"], level=["secondary"]) for d in documents[:30:3]]
    steps = [([*documents[:60]], []), (documents[60:90], []), (moved, []), ([], [d.id for d in documents[1:60:4]]),
             (documents[90:], []), (generated(140, seed=9)[120:], [])]
    for upserts, deletes in steps:
        ix.apply(upserts, deletes)
        read.clear()
        result = ix.search(SearchQuery(text=""))
        with ix._lock:
            searcher = ix._current_searcher()
            segments = [leaf.segment().segment_id() for leaf, _ in searcher.reader().leaf_readers()]
            kept = ix._docsets(searcher)
            fresh = DocSets(searcher)  # its own, empty store of segment postings
            for name in ("region", "level", "topic", "year", "type"):
                values, packed = kept.facet(name)
                fresh_values, fresh_packed = fresh.facet(name)
                assert values == fresh_values and np.array_equal(packed, fresh_packed), name
                for value, bits in zip(values, packed, strict=True):
                    expected = fresh.term(name, value)
                    assert np.array_equal(np.unpackbits(bits, count=kept.size).astype(bool), expected)
        assert result.total == int(kept.live.sum())
        assert {key[0] for key in ix._segment_facets._parts} == set(segments)  # merged-away ones dropped
        # the segments this commit wrote (whoosh may also merge small ones into a new one), not the rest
        assert set(read) <= set(segments) and len(set(read)) < len(segments) or len(segments) == 1
    assert {"RU-TA"} <= {v for v, n in ix.search(SearchQuery(text="")).facets["region"]}


def test_scores_summed_at_a_word_s_documents_are_the_whole_array_sums_bit_for_bit(
        large: SearchIndex, monkeypatch: pytest.MonkeyPatch):
    import numpy as np
    from whoosh import query

    from indexer.docsets import DocSets
    from indexer.query import parse_text
    from indexer.scoring import Scores

    with large._lock:
        searcher = large._current_searcher()
        sets = DocSets(searcher)
        frequent = [text.decode() for _, text in searcher.reader().most_frequent_terms("body", 3)]
        words = [query.Or([query.Term(f, w) for f in ("title", "annotation", "body")], boost=b)
                 for w, b in zip([*frequent, "нетслова"], (0.7, 1.3, 1.0, 2.0), strict=True)]
        concept = query.ConstantScoreQuery(query.Term("topic", "research"), 2.0)  # as "similar practices" has
        queries = [query.Or(words), query.And(words[:3]), query.Or([words[0], concept])]
        queries += [parse_text(text, searcher.schema).strict for text in ("опыт дети", "музей OR чтение")]
        sparse = [Scores(sets).of(q) for q in queries]
        monkeypatch.setattr(Scores, "_sparse", lambda self, q, frame: None)  # every node as a whole-index array
        dense = [Scores(sets).of(q) for q in queries]
    for q, a, b in zip(queries, sparse, dense, strict=True):
        assert np.count_nonzero(a) > 10, q
        assert np.array_equal(a, b), q


def test_a_more_like_this_query_matches_where_it_scores(large: SearchIndex):
    """Similar practices take a query's matches to be the live documents where it scores above 0."""
    import numpy as np
    from whoosh import query

    from indexer.docsets import DocSets
    from indexer.index import SIMILAR_FIELDS
    from indexer.scoring import Scores

    with large._lock:  # deleted documents in both segments
        searcher = large._current_searcher()
        sets = DocSets(searcher)
        terms = sorted(text.decode() for text in searcher.reader().lexicon("body"))
        rng = np.random.default_rng(3)
        partial = 0
        for round_ in range(30):
            count = int(rng.integers(1, 5))
            words = rng.choice(terms, count, replace=False)
            concept = [query.ConstantScoreQuery(query.Term("topic", "olympiads"), 2.0)] if round_ % 2 else []
            q = query.Or([query.Or([query.Term(f, w) for f in SIMILAR_FIELDS], boost=float(b))
                          for w, b in zip(words, rng.uniform(0.1, 1.0, count), strict=True)] + concept)
            scores = Scores(sets).of(q)
            matched = sets.matching(q)
            partial += 0 < matched.sum() < sets.live.sum()
            assert np.array_equal((scores > 0) & sets.live, matched)
    assert partial >= 20  # most rounds match some of the documents, not all or none


def test_scores_at_a_query_s_own_matches_are_the_whole_index_scores_bit_for_bit(large: SearchIndex):
    import numpy as np
    from whoosh import query

    from indexer.docsets import DocSets
    from indexer.query import parse_text
    from indexer.scoring import Scores
    from indexer.synonyms import SynonymTable
    from kb.search.synonyms import synonym_groups

    table = SynonymTable(synonym_groups([]))
    rng = np.random.default_rng(7)
    with large._lock:
        searcher = large._current_searcher()
        sets = DocSets(searcher)
        queries = [q for text in SCORED_QUERIES for parsed in [parse_text(text, searcher.schema, table)]
                   for q in (parsed.strict, parsed.relaxed) if q is not None]
        queries += [query.Or([query.Prefix("body", "музе", boost=2.0), query.Term("title", "опыт")]),
                    query.ConstantScoreQuery(query.Term("topic", "research"), 2.0)]
        scorer = Scores(sets)
        checked = 0
        for q in queries:
            whole = scorer.of(q)
            if whole is None:
                continue
            matches = np.flatnonzero(sets.matching(q))
            some = np.sort(rng.choice(sets.size, size=sets.size // 10, replace=False))
            for among in (matches, some, np.zeros(0, dtype=np.int64)):
                part = scorer.of(q, among)
                assert part.shape == among.shape, q
                assert np.array_equal(part, whole[among]), q
            checked += bool(matches.size)
    assert checked >= len(SCORED_QUERIES)


def test_a_search_process_keeps_large_arrays_in_the_heap(tmp_path: Path):
    import ctypes.util
    import platform

    import numpy as np

    from indexer import memory

    SearchIndex(tmp_path / "index")
    if platform.system() != "Linux" or "glibc" not in " ".join(platform.libc_ver()):
        pytest.skip("mallopt is glibc's")
    assert ctypes.util.find_library("c")
    assert memory.keep_arrays_in_heap() and memory._done

    import resource

    def faults() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    np.ones(200_000)
    before = faults()
    for _ in range(50):  # a search's arrays: 1.6 MB each, made and dropped
        np.ones(200_000).sum()
    # glibc's default maps each anew: 50 x 391 pages faulted in; from the heap they are reused
    assert faults() - before < 2000


def test_ordered_term_lookups_are_whoosh_s_own(large: SearchIndex):
    """The terms files' binary search (indexer.codec._ClosestKey) and prefix listing find what whoosh's do."""
    import random

    from whoosh.filedb.filetables import OrderedHashReader

    from indexer.codec import _ClosestKey, prefix_terms

    rng = random.Random(5)
    with large._lock:
        searcher = large._current_searcher()
        checked = 0
        for leaf, _offset in searcher.reader().leaf_readers():
            tindex = leaf._terms._tindex
            assert isinstance(tindex.closest_key_pos, _ClosestKey)
            keys = list(tindex.keys())
            probes = [b"", b"\xff\xff", *rng.sample(keys, 300)]
            probes += [key[:-1] for key in probes if key] + [key + b"\x00" for key in probes]
            for key in probes:
                assert tindex.closest_key_pos(key) == OrderedHashReader.closest_key_pos(tindex, key), key
            for fieldname in ("title", "body", "words", "nosuchfield"):
                for prefix in ("", "о", "оп", "опы", "шко", "я", "zz", "ё"):
                    expected = list(leaf.expand_prefix(fieldname, prefix)) if fieldname in leaf.schema else []
                    assert prefix_terms(leaf, fieldname, prefix.encode()) == expected, (fieldname, prefix)
                    checked += bool(expected)
    assert checked > 20


@pytest.mark.parametrize("small_bytes", [0, 1 << 30], ids=["hash-table", "dict"])
def test_term_look_ups_find_what_whoosh_s_hash_reader_finds(large: SearchIndex, small_bytes: int,
                                                            monkeypatch: pytest.MonkeyPatch):
    """A terms file's ``ranges_for_key`` (indexer.codec._ClosestKey.ranges), from its hash table or, for a
    small file, from a dict of its keys: what whoosh's HashReader yields, for every key and keys not there."""
    import random

    from whoosh.filedb.filetables import HashReader

    from indexer import codec

    monkeypatch.setattr(codec, "SMALL_TERMS_BYTES", small_bytes)
    rng = random.Random(4)
    with large._lock:
        searcher = large._current_searcher()
        for leaf, _offset in searcher.reader().leaf_readers():
            tindex = leaf._terms._tindex
            ranges = codec._ClosestKey(tindex).ranges  # built under the patched size
            assert (ranges.__self__._small is None) == (small_bytes == 0)
            keys = list(tindex.keys())
            absent = [key[:-1] for key in rng.sample(keys, 300)] + [key + b"\x00" for key in rng.sample(keys, 300)]
            absent += [b"", b"\xff" * 40, bytes(rng.randrange(256) for _ in range(12))]
            for key in [*keys, *absent]:
                assert ranges(key) == list(HashReader.ranges_for_key(tindex, key)), key
            assert sum(bool(ranges(key)) for key in absent) < len(absent)  # most are not there
            with pytest.raises(TypeError):
                ranges("слово")
            # a segment reader's look-ups go through it
            assert tindex.ranges_for_key.__func__ is codec._ClosestKey.ranges
            term = keys[len(keys) // 2]
            assert leaf._terms._tindex[term] == HashReader.__getitem__(tindex, term)


def test_spelling_suggestions_are_those_whoosh_s_word_walk_gives(large: SearchIndex):
    """_closest_word (rapidfuzz over one read of a letter's words) against whoosh's terms_within, which
    walks them in Python: the same word for typos of every kind."""
    import random

    from whoosh import query

    from indexer import index as index_module
    from indexer.docsets import SegmentWords

    def whoosh_closest(searcher, word):
        reader = searcher.reader()
        for distance in range(1, 1 + (index_module.MAX_EDITS_LONG if len(word) >= index_module.LONG_WORD else 1)):
            candidates = [w.decode() if isinstance(w, bytes) else w
                          for w in reader.terms_within(index_module.SPELLING_FIELD, word, distance, prefix=1)]
            candidates = [c for c in candidates if c != word and next(iter(
                searcher.docs_for_query(query.Term(index_module.SPELLING_FIELD, c))), None) is not None]
            if candidates:
                return max(candidates, key=lambda c: (reader.doc_frequency(index_module.SPELLING_FIELD, c), c))
        return None

    rng = random.Random(9)
    with large._lock:
        searcher = large._current_searcher()
        words = sorted({w.decode() for w in searcher.reader().lexicon(index_module.SPELLING_FIELD)})
        typos = []
        long_words = [w for w in words if len(w) >= 4]
        for word in rng.sample(long_words, min(60, len(long_words))):
            i = rng.randrange(len(word))
            typos += [word[:i] + word[i + 1:], word[:i] + "ъ" + word[i:], word[:i] + "ы" + word[i + 1:],
                      word[:i] + word[i + 1:i + 2] + word[i] + word[i + 2:], word + "ий"]
        typos += ["нетслова", "шахматнй", "олимпиадп", "ёжик", "zzzz"]
        suggested = 0
        kept = SegmentWords()  # filled by the first typos of a letter, read by the later ones
        for typo in typos:
            expected = whoosh_closest(searcher, typo)
            assert index_module._closest_word(searcher, typo) == expected, typo
            assert index_module._closest_word(searcher, typo, kept) == expected, typo
            suggested += expected is not None
        assert len({key[2] for key in kept._parts}) > 10  # letters kept
    assert suggested > 50


def test_spelling_words_kept_across_commits_are_the_segments_own(tmp_path: Path):
    """The words of a letter kept per segment (SegmentWords): a commit's new word is suggested at once, a
    word whose only document is gone is not, and segments merged away are dropped."""
    from dataclasses import replace

    from indexer.codec import KbCodec
    from indexer.docsets import SegmentWords

    ix = SearchIndex(tmp_path / "index")
    documents = generated(40, seed=3)
    ix.apply(documents)
    assert ix.search(SearchQuery(text="шахмтистов")).suggestion is None  # no such word yet
    kept = ix._segment_words
    assert any(key[2] == "ш".encode() for key in kept._parts)
    ix.apply([replace(documents[0], id="practice:9001", title="Клуб юных шахматистов")])
    assert ix.search(SearchQuery(text="шахмтистов")).suggestion == "шахматистов"
    ix.apply([], ["practice:9001"])
    assert ix.search(SearchQuery(text="шахмтистов")).suggestion is None  # only in a removed document
    ix.apply([replace(documents[1], id="practice:9002", title="Шахматисты")])
    ix._open().writer(codec=KbCodec()).commit(optimize=True)  # every segment merged into one
    assert ix.search(SearchQuery(text="шахмтисты")).suggestion == "шахматисты"
    with ix._lock:
        segments = {leaf.segment().segment_id() for leaf, _ in ix._current_searcher().reader().leaf_readers()}
    assert len(segments) == 1 and {key[0] for key in kept._parts} == segments
    assert isinstance(kept, SegmentWords) and kept is ix._segment_words


def _walked_best(ix: SearchIndex, q: query.Query, limit: int) -> list[str]:
    """The ids of the best ``limit`` matches of ``q`` by whoosh's scores, every match's matcher walked from the
    start (no replacement along the way), best first, then by document number."""
    with ix._lock:
        searcher = ix._current_searcher()
        scores = {}
        for sub, offset in searcher.leaf_searchers():
            matcher = q.matcher(sub, searcher.context(needs_current=True))
            while matcher.is_active():
                if not sub.reader().is_deleted(matcher.id()):
                    scores[offset + matcher.id()] = matcher.score()
                matcher.next()
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [searcher.stored_fields(docnum)["id"] for docnum, _score in best]


# Nothing has every word: the words and the phrase with some of them, a phrase relaxed to words.
RELAXED_PHRASES = ['"опыт дети" чтение нетслова', '"музей школа" экология нетслова',
                   '"сетевой проект" нетслова олимпиада', '"проект музей" робототехника родители нетслова']


@pytest.mark.parametrize("whoosh_ranks", [False, True], ids=["numpy", "whoosh"])
@pytest.mark.parametrize("text", RELAXED_PHRASES)
def test_a_relaxed_query_with_a_phrase_lists_its_true_best_first(big: SearchIndex, monkeypatch: pytest.MonkeyPatch,
                                                                 text: str, whoosh_ranks: bool):
    """whoosh's top-N collector replaces a coordination-scaled OR's matcher as postings run out: it recounts the
    query's terms (lowering every later document's bonus) and prunes with the page's lowest score as if it were
    the unscaled one, so the best document could be missing from a short list."""
    from indexer.query import parse_text
    from indexer.scoring import Scores
    from indexer.synonyms import SynonymTable
    from kb.search.synonyms import synonym_groups

    table = SynonymTable(synonym_groups([]))
    with big._lock:
        relaxed = parse_text(text, big._current_searcher().schema, table).relaxed
        assert Scores(big._docsets(big._current_searcher())).of(relaxed) is not None
    if whoosh_ranks:
        monkeypatch.setattr(Scores, "of", lambda self, q, among=None: None)
    result = search(big, text, per_page=5, synonyms=table)
    assert "часть слов" in (result.notice or "")
    assert ids(result) == _walked_best(big, relaxed, 5)


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("", {}),
        ("", {"filters": {"region": ["RU-SMO"]}}),
        ("олимпиадам", {}),
        ("физике одарённых", {}),  # no document has both words: those with some of them
        ("олимпиадам", {"sort": "date"}),
        ("олимпиадам", {"filters": {"topic": ["research"]}, "count_only": True}),
        ("физике", {"snippets": False}),
    ],
)
def test_an_excluded_document_counts_as_deleted(tmp_path: Path, faceted: SearchIndex, text: str, options: dict):
    """A document the caller leaves out (one withdrawn from the bank before the index has applied it) is found,
    counted and offered nowhere: the total, every facet, the notice and the hits are those of the index without
    it."""
    without = SearchIndex(tmp_path / "without")
    without.apply([d for d in FACETED if d.id != "practice:3"])
    left_out = search(faceted, text, exclude=frozenset({"practice:3"}), **options)
    expected = search(without, text, **options)
    without.close()
    assert (left_out.total, left_out.facets, left_out.notice) == (expected.total, expected.facets, expected.notice)
    assert sorted(ids(left_out)) == sorted(ids(expected))
    assert "practice:3" not in ids(left_out)
    # the same search without the exclusion is not answered from the cache of the one with it
    whole = search(faceted, text, **options)
    assert whole.total == left_out.total + 1


def test_a_few_with_every_word_are_counted_without_an_excluded_one(ix: SearchIndex):
    """«Документов со всеми словами запроса: N» counts the documents with every word but the excluded ones; with
    none left, the page says none has them all."""
    ix.apply([doc("practice:1", "Шахматный кружок", "Шахматы и логика в начальной школе."),
              doc("practice:2", "Шахматы для всех", "Турниры по шахматам."),
              doc("practice:3", "Логические игры", "Логика на переменах.")])
    text = "шахматы логика"
    whole = search(ix, text)
    assert whole.total == 3 and whole.notice and "Документов со всеми словами запроса: 1" in whole.notice
    left_out = search(ix, text, exclude=frozenset({"practice:1"}))
    assert sorted(ids(left_out)) == ["practice:2", "practice:3"] and left_out.total == 2
    assert left_out.notice == "Документов со всеми словами запроса нет: показаны документы, где есть часть слов."
