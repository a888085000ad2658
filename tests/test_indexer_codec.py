"""The index's own posting block format (indexer/codec.py): written, read by whoosh, mixed with W3 segments."""

from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from indexer import IndexDocument, SearchIndex, SearchQuery
from indexer.analysis import term
from indexer.codec import (
    ARRAYS_MIN,
    LZ4_BLOCK,
    KbCodec,
    PostingValues,
    decompress_block,
    segment_arrays,
    term_arrays,
)
from indexer.schema import to_fields

MUSEUM = term("музей")  # the index term of «музей», «музеи», «музея»


def practice(i: int, text: str) -> IndexDocument:
    return IndexDocument(id=f"practice:{i}", type="practice", title=f"Практика {i}", body=text)


def test_blocks_are_written_as_arrays_and_one_bytes_object(tmp_path: Path):
    ix = SearchIndex(tmp_path / "index")
    ix.apply([practice(i, "Школьный музей и музей города. " * (i % 3 + 1)) for i in range(300)])
    with whoosh_index.open_dir(str(tmp_path / "index")).reader() as reader:
        leaf = reader.leaf_readers()[0][0]
        assert isinstance(leaf.segment().codec(), KbCodec)
        matcher = leaf.postings("body", MUSEUM)
        raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
        assert matcher._compression == LZ4_BLOCK  # LZ4, not whoosh's zlib
        raw = decompress_block(raw, matcher._compression)
        assert raw.startswith(b"\x80\x05")  # pickle protocol 5: arrays as raw bytes, not lists of numbers
        matcher._read_data()
        ids, weights, values = matcher._data
        assert ids.typecode == "I" and isinstance(values, PostingValues) and len(values) == len(ids) == 128
        # whoosh's own matcher reads them back: every document, its weight and its positions
        matcher = leaf.postings("body", MUSEUM)
        read = []
        while matcher.is_active():
            read.append((matcher.id(), matcher.weight(), list(matcher.value_as("positions"))))
            matcher.next()
    assert [docnum for docnum, _, _ in read] == list(range(300))
    assert [weight for _, weight, _ in read[:3]] == [2.0, 4.0, 6.0]  # "музей" twice per repeat, body boost 1
    assert read[1][2] == [1, 2, 5, 6]  # "и" is a stop word: positions count only the words kept
    found = ix.search(SearchQuery(text='"школьный музей"', per_page=500))
    assert found.total == 300
    assert ix.search(SearchQuery(text="музей города", per_page=5)).hits[0].snippet.count("<mark>") >= 2


def test_posting_values_slice_like_the_tuple_they_replace():
    parts = [b"", b"ab", b"c", b"\x00\x01\x02"]
    from array import array

    values = PostingValues(b"".join(parts), array("I", [len(p) for p in parts]))
    assert [values[i] for i in range(len(parts))] == parts == list(values)
    assert values[-1] == parts[-1]
    import pickle

    assert list(pickle.loads(pickle.dumps(values, 2))) == parts


def test_segments_of_the_plain_w3_codec_stay_readable_and_merge(tmp_path: Path):
    ix = SearchIndex(tmp_path / "index")
    old = whoosh_index.open_dir(str(tmp_path / "index")).writer(codec=W3Codec(), compound=False)
    for i in range(200):
        old.add_document(**to_fields(practice(i, "Краеведческий музей и экскурсии. " * (i % 4 + 1))))
    old.commit()
    ix.apply([practice(i, "Музей боевой славы") for i in range(200, 260)])
    with whoosh_index.open_dir(str(tmp_path / "index")).reader() as reader:
        codecs = {type(leaf.segment().codec()) for leaf, _ in reader.leaf_readers()}
    assert codecs == {W3Codec, KbCodec}
    before = ix.search(SearchQuery(text="музей", per_page=500))
    assert before.total == 260
    writer = whoosh_index.open_dir(str(tmp_path / "index")).writer(codec=KbCodec(), compound=False)
    writer.commit(optimize=True)  # one segment, every posting rewritten by the new codec
    ix._close_searcher()
    after = ix.search(SearchQuery(text="музей", per_page=500))
    assert [h.id for h in after.hits] == [h.id for h in before.hits]
    assert [h.score for h in after.hits] == pytest.approx([h.score for h in before.hits])
    assert ix.search(SearchQuery(text='"боевой славы"')).total == 60


def test_stored_fields_are_lz4_in_new_segments_and_older_zlib_segments_stay_readable(tmp_path: Path):
    from whoosh.codec.whoosh3 import W3PerDocReader

    from indexer.codec import STORED_LZ4, STORED_ZLIB, KbPerDocReader

    ix = SearchIndex(tmp_path / "index")
    older = KbCodec()
    del older.stored_format  # a codec pickled into a segment before stored formats existed
    writer = whoosh_index.open_dir(str(tmp_path / "index")).writer(codec=older, compound=False)
    for i in range(40):
        writer.add_document(**to_fields(practice(i, f"Краеведческий музей, экспозиция {i}. " * (i % 5 + 1))))
    writer.commit()
    ix.apply([practice(i, f"Музей боевой славы, зал {i}.") for i in range(40, 70)])

    def stored_by_format() -> dict[int, dict[str, dict]]:
        found: dict[int, dict[str, dict]] = {}
        with whoosh_index.open_dir(str(tmp_path / "index")).reader() as reader:
            for leaf, _ in reader.leaf_readers():
                stored_format = leaf.segment().codec().stored_format
                reader_type = KbPerDocReader if stored_format == STORED_LZ4 else W3PerDocReader
                assert type(leaf._perdoc) is reader_type
                found.setdefault(stored_format, {}).update(
                    {fields["id"]: fields for fields in leaf.all_stored_fields()})
        return found

    mixed = stored_by_format()
    assert {name: len(docs) for name, docs in mixed.items()} == {STORED_ZLIB: 40, STORED_LZ4: 30}
    assert mixed[STORED_LZ4]["practice:45"]["body"] == "Музей боевой славы, зал 45."
    assert mixed[STORED_ZLIB]["practice:3"]["body"] == "Краеведческий музей, экспозиция 3. " * 4
    hits = ix.search(SearchQuery(text="музей", per_page=100)).hits
    assert len(hits) == 70 and all("<mark>" in hit.snippet for hit in hits)
    writer = whoosh_index.open_dir(str(tmp_path / "index")).writer(codec=KbCodec(), compound=False)
    writer.commit(optimize=True)  # one segment: the older documents' stored fields rewritten as LZ4
    merged = stored_by_format()
    assert list(merged) == [STORED_LZ4] and merged[STORED_LZ4] == {**mixed[STORED_ZLIB], **mixed[STORED_LZ4]}


def _block_compressions(folder: Path, fieldname: str, text: str) -> dict[int, set[int]]:
    """Each segment's codec block format -> the compressions in the headers of the term's blocks."""
    found: dict[int, set[int]] = {}
    with whoosh_index.open_dir(str(folder)).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            if (fieldname, text) not in leaf:
                continue
            matcher = leaf.postings(fieldname, text)
            while matcher.is_active():
                found.setdefault(leaf.segment().codec().block_format, set()).add(matcher._compression)
                matcher._next_block()
    return found


def test_blocks_are_lz4_in_new_segments_and_older_zlib_segments_stay_readable(tmp_path: Path):
    from indexer.codec import BLOCKS_LZ4, BLOCKS_ZLIB

    folder = tmp_path / "index"
    ix = SearchIndex(folder)
    older = KbCodec()
    del older.block_format  # a codec pickled into a segment before block formats existed: zlib blocks
    writer = whoosh_index.open_dir(str(folder)).writer(codec=older, compound=False)
    for i in range(300):
        writer.add_document(**to_fields(practice(i, "Краеведческий музей родного края. " * (i % 4 + 1))))
    writer.commit()
    ix.apply([practice(i, "Музей родного края и школьный музей. " * (i % 3 + 1)) for i in range(300, 600)])
    mixed = _block_compressions(folder, "body", MUSEUM)
    assert mixed == {BLOCKS_ZLIB: {KbCodec()._compression}, BLOCKS_LZ4: {LZ4_BLOCK}}

    def phrase_and_word() -> tuple[list[str], list[str]]:
        phrase = ix.search(SearchQuery(text='"родного края"', per_page=1000))
        word = ix.search(SearchQuery(text="музей", per_page=1000))
        return sorted(h.id for h in phrase.hits), sorted(h.id for h in word.hits)

    phrases, words = phrase_and_word()
    assert len(phrases) == 600 and len(words) == 600
    # whoosh's own matcher reads both kinds of block (the positions of every posting)
    with whoosh_index.open_dir(str(folder)).reader() as reader:
        positions = {}
        for leaf, offset in reader.leaf_readers():
            matcher = leaf.postings("body", MUSEUM)
            while matcher.is_active():
                positions[offset + matcher.id()] = list(matcher.value_as("positions"))
                matcher.next()
    assert len(positions) == 600 and positions[0] == [1] and positions[301] == [0, 4, 5, 9]
    writer = whoosh_index.open_dir(str(folder)).writer(codec=KbCodec(), compound=False)
    writer.commit(optimize=True)  # one segment: the older blocks rewritten as LZ4
    ix._close_searcher()
    assert _block_compressions(folder, "body", MUSEUM) == {BLOCKS_LZ4: {LZ4_BLOCK}}
    assert phrase_and_word() == (phrases, words)


def _postings_read_by_whoosh(leaf, fieldname: str, text: str) -> tuple[list[int], list[float]]:
    matcher = leaf.postings(fieldname, text)
    found, weights = [], []
    while matcher.is_active():
        found.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return found, weights


def _check_arrays(folder: Path) -> int:
    """Every term of every segment: its arrays, where the file has them, are whoosh's postings; terms with
    fewer than ARRAYS_MIN postings are not there. Returns how many terms had arrays."""
    with whoosh_index.open_dir(str(folder)).reader() as reader:
        held = 0
        for leaf, _offset in reader.leaf_readers():
            assert segment_arrays(leaf) is not None
            for fieldname, btext in leaf.all_terms():
                if fieldname not in reader.schema or not reader.schema[fieldname].indexed:
                    continue
                found = term_arrays(leaf, fieldname, btext)
                if leaf.doc_frequency(fieldname, btext) < ARRAYS_MIN:
                    assert found is None, (fieldname, btext)
                    continue
                assert found is not None, (fieldname, btext)
                docs, weights = _postings_read_by_whoosh(leaf, fieldname, btext)
                assert found[0].tolist() == docs and found[1].tolist() == weights
                held += 1
    return held


def test_frequent_terms_are_also_written_as_arrays_by_every_writer(tmp_path: Path):
    texts = ["Школьный музей и музей города.", "Проектная деятельность в школе.", "Музей школы."]
    docs = [practice(i, texts[i % 3] * (i % 4 + 1)) for i in range(900)]
    # whoosh's writer, a posting at a time (what incremental writes use), two segments
    ix = SearchIndex(tmp_path / "index")
    ix.apply(docs[:600])
    ix.apply(docs[600:])
    assert _check_arrays(tmp_path / "index") >= 4  # "музей", "школ", "type:practice", ...
    # a merge rewrites them for the merged segment
    writer = whoosh_index.open_dir(str(tmp_path / "index")).writer(codec=KbCodec(), compound=False)
    writer.commit(optimize=True)
    assert _check_arrays(tmp_path / "index") >= 4
    assert len(list((tmp_path / "index").glob("*.arr"))) == 1  # the merged-away segments' files are gone
    # a rebuild, a term at a time
    rebuilt = SearchIndex(tmp_path / "rebuilt", rebuild_procs=1)
    rebuilt.rebuild(docs)
    assert _check_arrays(tmp_path / "rebuilt") >= 4


def test_searches_find_and_rank_the_same_with_the_arrays_without_them_or_with_a_damaged_file(tmp_path: Path):
    texts = ["Школьный музей и музей города.", "Проектная деятельность в школе.", "Музей школы и проект."]
    docs = [practice(i, texts[i % 3] * (i % 4 + 1) + f" Слово{i % 7}") for i in range(1200)]
    queries = ["музей", "школа проект", '"школьный музей"', "музей -проект", "деятельность OR город"]

    def results(folder: Path, arrays_used: bool) -> list:
        ix = SearchIndex(folder)
        leaves = ix._current_searcher().reader().leaf_readers()
        assert [segment_arrays(leaf) is not None for leaf, _ in leaves] == [arrays_used]
        out = []
        for text in queries:
            found = ix.search(SearchQuery(text=text, per_page=50, filters={"type": ["practice"]}))
            out.append((found.total, [(h.id, round(h.score, 9)) for h in found.hits], found.facets))
        ix.close()
        return out

    ix = SearchIndex(tmp_path / "index", rebuild_procs=1)
    ix.rebuild(docs)
    ix.close()
    [arrays] = (tmp_path / "index").glob("*.arr")
    with_arrays = results(tmp_path / "index", True)
    assert with_arrays[0][0] == 800
    content = arrays.read_bytes()
    arrays.write_bytes(content[:-7])  # cut short: not used
    assert results(tmp_path / "index", False) == with_arrays
    arrays.unlink()  # an index written before the arrays existed
    assert results(tmp_path / "index", False) == with_arrays


def test_position_lists_decoded_together_are_whooshs_one_by_one():
    import random

    import numpy as np
    from whoosh import formats

    from indexer.docsets import _decoded_positions

    rng = random.Random(3)
    lists = [sorted(rng.sample(range(200_000), rng.randint(1, 400))) for _ in range(300)]
    lists += [[0], [65_535], [65_536], [2**31 - 1], [3, 4, 5]]  # one-, two- and four-byte pickled ints
    values = [formats.Positions().encode(positions) for positions in lists]  # a schema pickled before packing
    values[7] = values[7][:-1]  # a value stored without its STOP byte (whoosh's decoder adds it back)
    numbers = np.array(rng.sample(range(1_000_000), len(values)), dtype=np.int64)
    docs, positions = _decoded_positions(numbers, values)
    expected = [(int(n), p) for n, v in zip(numbers, values, strict=True)
                for p in formats.Positions().decode_positions(v)]
    assert list(zip(docs.tolist(), positions.tolist(), strict=True)) == expected
    empty = _decoded_positions(np.zeros(0, dtype=np.int64), [])
    assert empty[0].size == empty[1].size == 0


def test_packed_position_lists_read_as_arrays_are_the_formats_one_by_one():
    import pickle
    import random
    from array import array

    import numpy as np

    from indexer.analysis import RussianPositions
    from indexer.docsets import _packed_positions, _packed_values

    fmt = pickle.loads(pickle.dumps(RussianPositions(field_boost=2.0)))  # as an index's schema holds it
    assert fmt.packed
    rng = random.Random(4)
    lists = [sorted(rng.sample(range(200_000), rng.randint(1, 400))) for _ in range(300)]
    lists += [[0], [65_535], [65_536], [2**31 - 1], [2**32 - 1], [3, 4, 5]]
    values = [fmt.encode(positions) for positions in lists]
    assert [fmt.decode_positions(v) for v in values] == lists
    assert [fmt.decode_frequency(v) for v in values] == [len(p) for p in lists]  # whoosh's count header
    numbers = np.array(rng.sample(range(1_000_000), len(values)), dtype=np.int64)
    expected = [(int(n), p) for n, positions in zip(numbers, lists, strict=True) for p in positions]
    docs, positions = _packed_values(numbers, values)
    assert list(zip(docs.tolist(), positions.tolist(), strict=True)) == expected
    # a block's values, some postings wanted
    block = PostingValues(b"".join(values), array("I", map(len, values)))
    wanted = np.array([rng.random() < 0.3 for _ in values])
    docs, positions = _packed_positions(numbers, block, wanted)
    assert list(zip(docs.tolist(), positions.tolist(), strict=True)) == [
        (int(n), p) for n, positions, w in zip(numbers, lists, wanted, strict=True) if w for p in positions]
    nothing = _packed_positions(numbers, block, np.zeros(len(values), dtype=bool))
    assert nothing[0].size == nothing[1].size == 0


def _unpacked_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    """New indexes get the schema of a version before packed positions: no ``packed`` in the formats."""
    import indexer.index as index_module
    from indexer.analysis import RussianPositions
    from indexer.schema import build_schema

    def before_packing(analyzer):
        schema = build_schema(analyzer)
        for name in schema.names():
            if isinstance(schema[name].format, RussianPositions):
                del schema[name].format.__dict__["packed"]
        return schema

    monkeypatch.setattr(index_module, "build_schema", before_packing)


PHRASES = ['"школьный музей"', '"музей города"', '"города школьный"', '"музей школьный"', '"проект музей города"',
           '"научное общество"', '"общество научное"']


@pytest.mark.parametrize("packed", [True, False], ids=["packed", "pickled-before"])
def test_phrases_find_what_whooshs_phrase_matcher_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        packed: bool):
    """Both encodings of positions on disk (an index built before packing keeps its own until rebuilt, and
    writes new documents in it): the phrase check over position arrays finds whoosh's own matches."""
    import random
    from itertools import pairwise

    from whoosh import formats

    from indexer.analysis import RussianPositions
    from indexer.docsets import DocSets
    from indexer.query import parse_text

    if not packed:
        _unpacked_schemas(monkeypatch)
    rng = random.Random(6)
    words = ["школьный", "музей", "города", "проект", "научное", "общество", "и", "детей", "музея", "школьного"]
    texts = [" ".join(rng.choices(words, k=rng.randint(2, 60))) for _ in range(700)]
    ix = SearchIndex(tmp_path / "index")
    ix.apply([practice(i, text) for i, text in enumerate(texts[:400])])
    ix.apply([practice(i, text) for i, text in enumerate(texts[400:], 400)])  # two segments
    ix.apply(deletes=[f"practice:{i}" for i in range(0, 700, 9)])
    with ix._lock:
        searcher = ix._current_searcher()
        fmt = searcher.schema["body"].format
        assert isinstance(fmt, RussianPositions) and fmt.packed is packed
        value = next(iter(searcher.reader().leaf_readers()))[0].postings("body", MUSEUM).value()
        whoosh_value = formats.Positions().encode(fmt.decode_positions(value))
        assert (value == whoosh_value) is not packed  # what is on disk
        sets = DocSets(searcher)
        for text in PHRASES:
            q = parse_text(text, searcher.schema).strict
            phrases = [leaf for leaf in q.leaves() if leaf.__class__.__name__ == "Phrase"] if q else []
            assert phrases, text
            for phrase in phrases:
                found = DocSets.numbers(sets.matching(phrase))
                assert found == sorted(searcher.docs_for_query(phrase)), (text, phrase.fieldname)
    total = ix.search(SearchQuery(text='"школьный музей"', per_page=1)).total
    kept = [[w for w in t.split() if w != "и"] for t in texts]  # a stop word holds no position
    assert total == sum(1 for i, t in enumerate(kept) if i % 9 and any(
        a.startswith("школьн") and b.startswith("музе") for a, b in pairwise(t)))


@pytest.mark.parametrize("writer", ["plain-w3", "a-posting-at-a-time", "rebuild"])
def test_term_blocks_read_in_one_piece_are_whooshs_postings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            writer: str):
    """``leaf_values`` reads a term's blocks with one read (``_block_values``): every posting whoosh's matcher
    gives, with its value; with ``within``, every wanted one and no block without a wanted document."""
    import numpy as np
    from whoosh.reading import SegmentReader

    from indexer.docsets import leaf_values

    texts = ["Школьный музей и музей города.", "Проектная деятельность в школе.", "Музей школы, музей края."]
    docs = [practice(i, texts[i % 3] * (i % 4 + 1)) for i in range(1200)]
    ix = SearchIndex(tmp_path / "index", rebuild_procs=1)
    if writer == "plain-w3":
        old = whoosh_index.open_dir(str(tmp_path / "index")).writer(codec=W3Codec(), compound=False)
        for doc in docs:
            old.add_document(**to_fields(doc))
        old.commit()
    elif writer == "rebuild":
        ix.rebuild(docs)
    else:
        ix.apply(docs[:1000])
        ix.apply(docs[1000:])
    terms_checked = blocks_skipped = 0
    with whoosh_index.open_dir(str(tmp_path / "index")).reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            size = leaf.doc_count_all()
            within = np.zeros(size, dtype=bool)
            within[::400] = True
            within[size // 2 : size // 2 + 5] = True
            for fieldname, btext in leaf.all_terms():
                if fieldname != "body" or leaf.term_info(fieldname, btext).is_inlined():
                    continue
                matcher = leaf.postings(fieldname, btext)
                expected = []
                while matcher.is_active():
                    expected.append((matcher.id(), matcher.value()))
                    matcher.next()
                with monkeypatch.context() as patched:  # the direct read, not whoosh's matcher
                    patched.setattr(SegmentReader, "postings", lambda *a, **k: pytest.fail("matcher used"))
                    every = [(i, v) for ids, values in leaf_values(leaf, fieldname, btext)
                             for i, v in zip(ids.tolist(), values, strict=True)]
                    some = [(i, v) for ids, values in leaf_values(leaf, fieldname, btext, within)
                            for i, v in zip(ids.tolist(), values, strict=True)]
                assert every == expected, btext
                assert [p for p in some if within[p[0]]] == [p for p in expected if within[p[0]]], btext
                assert set(some) <= set(expected)
                if len(expected) > 4 * 128:
                    blocks_skipped += 1
                    assert len(some) <= len(expected) - 128, btext  # a block without a wanted document
                terms_checked += 1
    assert terms_checked >= 5 and blocks_skipped >= 1


def test_phrase_starts_are_numpys_unique_and_intersection():
    """The phrase check's set operations on sorted position keys, and on keys out of order (an index with
    segments of both position encodings)."""
    import numpy as np

    from indexer.docsets import _common, _sorted_unique

    rng = np.random.default_rng(4)
    for _ in range(200):
        a = np.unique(rng.integers(0, 300, size=rng.integers(0, 80)))
        b = np.unique(rng.integers(0, 300, size=rng.integers(0, 80)))
        assert _common(a, b).tolist() == np.intersect1d(a, b).tolist() == _common(b, a).tolist()
        shuffled = rng.permutation(np.concatenate([a, a[: a.size // 2]]))
        assert _sorted_unique(shuffled).tolist() == np.unique(shuffled).tolist()
        assert _sorted_unique(a) is a  # in order already: no sort, no copy
    assert _common(np.array([5], dtype=np.int64), np.array([1, 2, 3], dtype=np.int64)).tolist() == []


@pytest.mark.parametrize("damage", ["garbage", "cut-short"])
def test_a_damaged_postings_file_makes_a_phrase_say_the_index_cannot_be_read(tmp_path: Path, damage: str):
    from indexer import IndexUnavailable

    ix = SearchIndex(tmp_path / "index")
    ix.apply([practice(i, "Школьный музей и музей города. " * (i % 3 + 1)) for i in range(400)])
    assert ix.search(SearchQuery(text='"школьный музей"')).total == 400
    ix._close_searcher()
    (postings,) = (tmp_path / "index").glob("*.pst")
    data = bytearray(postings.read_bytes())
    # the body's postings come first in the file (fields in name order), "музей" after "город"
    if damage == "garbage":  # each term's blocks after its header tag
        import random

        noise = random.Random(1)
        start = 0
        while (start := data.find(b"W3Bl", start) + 4) > 3:
            data[start : start + 40] = noise.randbytes(40)
    else:
        del data[1000:]
    postings.write_bytes(bytes(data))
    with pytest.raises(IndexUnavailable):
        ix.search(SearchQuery(text='"музей города"'))
