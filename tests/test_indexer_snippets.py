"""Snippets: which field they come from, and highlighting limited to the start of long fields."""

from pathlib import Path

from indexer import IndexDocument, SearchIndex, SearchQuery
from indexer.index import HIGHLIGHT_CHARS


def test_snippet_reports_its_field_and_skips_far_matches(tmp_path: Path):
    ix = SearchIndex(tmp_path / "index")
    filler = "Обычный текст раздела без особых слов. " * (HIGHLIGHT_CHARS // 30)
    ix.apply(upserts=[
        IndexDocument(id="practice:1", type="practice", title="Первая", body="Кружок астрономии для пятиклассников.",
                      attachments="Отчёт: кружок астрономии, наблюдения Луны."),
        IndexDocument(id="practice:2", type="practice", title="Вторая", body="Занятия по биологии.",
                      attachments="Протокол: гидропоника в школьной теплице."),
        IndexDocument(id="practice:3", type="practice", title="Третья", body=filler + " Редкостная криптограмма."),
    ])

    def first(q: str):
        return ix.search(SearchQuery(text=q)).hits[0]

    assert first("астрономии").snippet_field == "body", "the body wins over the files"
    in_file = first("гидропоника")
    assert in_file.snippet_field == "attachments" and "<mark>гидропоника</mark>" in in_file.snippet
    far = first("криптограмма")
    assert far.id == "practice:3", "a match beyond the highlighted part is still found"
    assert far.snippet_field == "body" and "<mark>криптограмма</mark>" in far.snippet, "…and shown marked"


def test_a_match_past_the_highlighted_start_of_a_section_is_shown_marked(tmp_path: Path):
    """Only the first HIGHLIGHT_CHARS of a section were highlighted: a practice found by a word further on was
    listed with the start of its annotation and nothing marked. A match within the limit, or in the title, is
    still what the snippet shows."""
    ix = SearchIndex(tmp_path / "index")
    filler = "Абзац о методике чтения на уроке. " * 220
    ix.apply(upserts=[
        IndexDocument(id="practice:1", type="practice", title="Методика уроков литературы",
                      annotation="Краткая аннотация о чтении.", body=filler + "В конце применяется кейс-стади."),
        IndexDocument(id="practice:2", type="practice", title="Кейс-стади на уроках",
                      body=filler + "Снова кейс-стади."),
    ])
    hits = {hit.id: hit for hit in ix.search(SearchQuery(text="кейс-стади")).hits}
    assert hits["practice:1"].snippet_field == "body"
    assert "применяется <mark>кейс</mark>-<mark>стади</mark>" in hits["practice:1"].snippet
    assert len(hits["practice:1"].snippet) < 1000
    assert hits["practice:2"].snippet_field == "title"  # its title matches: the far body is not read


def test_highlighting_reads_a_field_only_a_fragment_past_its_first_matches():
    from indexer.analysis import term
    from indexer.index import SNIPPET_FRAGMENT_CHARS, SNIPPET_MATCHES, _marked_tokens

    text = "Музей в школе и музей в городе. " * 50
    tokens = [(t.text, t.matched, t.endchar) for t in _marked_tokens(text, frozenset({term("музей")}), term)]
    matches = [end for _, matched, end in tokens if matched]
    assert len(matches) > SNIPPET_MATCHES  # the matches of the fragment after the last counted one
    assert tokens[-1][2] <= matches[SNIPPET_MATCHES - 1] + SNIPPET_FRAGMENT_CHARS + 10 < len(text) // 5
    few = "Музей в школе. " + "Обычные слова без совпадений. " * 20 + "Музей в конце."
    assert [t.text for t in _marked_tokens(few, frozenset({term("музей")}), term)][-1] == "конце"


def test_highlighting_only_the_parts_around_matches_gives_the_same_snippets(tmp_path: Path, monkeypatch):
    import indexer.index as index_module

    filler = "Описание условий и ресурсов опыта работы. "
    texts = [
        filler * 40 + "Школьное научное общество. " + filler * 30 + "Итоги работы общества. " + filler * 5,
        "Научное общество в начале. " + filler * 3 + "И снова общество, и ещё раз научное.",
        filler * 10 + "Одно-единственное научное слово в самом конце",
    ]
    ix = SearchIndex(tmp_path / "index")
    ix.apply(upserts=[IndexDocument(id=f"practice:{i}", type="practice", title="Практика", body=text)
                      for i, text in enumerate(texts)])

    def snippets() -> dict[str, str]:
        ix._results.clear()
        return {hit.id: hit.snippet for hit in ix.search(SearchQuery(text="научное общество")).hits + ix.search(
            SearchQuery(text="научное")).hits}

    windowed = snippets()
    assert all("<mark>" in s for s in windowed.values()) and len(windowed) == 3
    assert index_module._match_windows("Без совпадений вовсе.", frozenset({"научн"}), index_module.term) == []
    scan = index_module._scan
    monkeypatch.setattr(index_module, "_scan", lambda text, *args: ([(0, len(text))], scan(text, *args)[1]))
    assert snippets() == windowed
    # ... and so does looking at every word of the text again instead of taking the matches the scan found
    monkeypatch.setattr(index_module, "_scan", lambda text, *args: ([(0, len(text))], None))
    assert snippets() == windowed


def test_words_starting_like_a_query_term_are_found_whole_and_only_at_a_word_s_start():
    from indexer.index import _prefix_pattern

    text = "сна наука я-я япония нана ая на_на 2на на2 наНа"
    found = [m.group() for m in _prefix_pattern(frozenset({"на", "я"})).finditer(text.lower())]
    assert found == ["наука", "я", "я", "япония", "нана", "на", "на", "на2", "нана"]


def test_long_file_texts_are_indexed_whole_and_stored_only_as_far_as_snippets_read(tmp_path: Path):
    long_text = "Отчёт о наблюдениях за погодой. " * 2000 + "Редкостная метеостанция."  # ~64,000 characters
    doc = IndexDocument(id="practice:1", type="practice", title="Метеорология", body="Кружок.",
                        attachments="Гидропоника в теплице. " + long_text)
    for build in ("apply", "rebuild"):
        ix = SearchIndex(tmp_path / build / "index")
        if build == "apply":
            ix.apply(upserts=[doc])
        else:
            ix.rebuild([doc])
        assert [hit.id for hit in ix.search(SearchQuery(text="метеостанция")).hits] == ["practice:1"], build
        hit = ix.search(SearchQuery(text="гидропоника")).hits[0]
        assert hit.snippet_field == "attachments" and "<mark>Гидропоника</mark>" in hit.snippet, build
        with ix._lock:
            stored = ix._current_searcher().stored_fields(0)
        assert stored["attachments"] == doc.attachments[:HIGHLIGHT_CHARS], build
        assert stored["body"] == "Кружок.", build


def test_body_fragments_from_the_matches_are_whooshs_own_steps(tmp_path: Path, monkeypatch):
    """``_fragments`` replaces whoosh's tokens -> merge -> ContextFragmenter -> top_fragments for body
    snippets: on random texts of every shape (matches near each other and far apart, at the edges, more
    than SNIPPET_MATCHES of them, long words, stress marks, markup) the snippet is the same, character
    for character."""
    import random

    import indexer.index as index_module
    from indexer.analysis import term

    ix = SearchIndex(tmp_path / "index")
    ix.apply(upserts=[IndexDocument(id="practice:1", type="practice", title="Практика", body="Музей.")])
    rng = random.Random(7)
    plain = ["работа", "школа", "учитель", "урок", "проект", "опыт", "класс", "группа", "задание", "итоги", "район",
             "конкурс", "ученики", "родители", "занятие", "программа", "и", "в", "на", "с", "по", "для", "а", "но"]
    matching = ["музей", "музея", "музеями", "Музейный", "научное", "НАУЧНОГО", "общество", "обществе", "ёлка",
                "Ёлки", "елкой"]
    odd = ["му\u0301зей", "м\u0301узей", "\u00adмузей", "İmuseum", "педа\u00adгог", "научно-практический",
           "<b>музей</b>", "&amp;", "а" * 70, "я" * 140, "музей" * 13, "2024", "STEM-музей"]
    separators = [" ", " ", " ", ", ", ". ", " — ", "\n", "  ", ": ", "«", "»"]
    queries = [["музей"], ["научное", "общество"], ["ёлка", "музей"], ["общество"]]
    with ix._lock:
        searcher = ix._current_searcher()
    compared = marked = 0
    for _ in range(600):
        share = rng.choice([0.01, 0.05, 0.2, 0.5])
        pool = [*plain * 3, *odd] if rng.random() < 0.3 else plain
        words = [rng.choice(matching) if rng.random() < share else rng.choice(pool)
                 for _ in range(rng.randint(1, 400))]
        text = "".join(word + rng.choice(separators) for word in words).strip()
        typed = rng.choice(queries)
        terms = frozenset(term(word.replace("ё", "е")) for word in typed)
        prefixes = index_module._word_prefixes({"body": terms}, typed) if rng.random() < 0.7 else None
        outputs = []
        for fused in (True, False):
            monkeypatch.setattr(index_module, "_FUSED_FRAGMENTS", fused)
            outputs.append(index_module._highlight(index_module._BODY_HIGHLIGHTER, searcher, "body", text, terms,
                                                   index_module.SNIPPET_FRAGMENTS, prefixes))
        assert outputs[0] == outputs[1], (text, typed)
        compared += 1
        marked += "<mark>" in outputs[0]
    assert compared == 600 and 400 < marked < 600


def test_body_fragments_at_the_fragmenter_s_edges_are_whooshs_own(tmp_path: Path, monkeypatch):
    """The fragmenter's edge cases, on texts of words of every length (a fragment's length and the
    surround counted in letters): a match 40 letters long ends its fragment with nothing left to count,
    so the next word cannot begin one; fragments cut at the maximum length; matches in a run. The
    snippet is whoosh's own, character for character."""
    import random

    import indexer.index as index_module
    from indexer.analysis import term

    ix = SearchIndex(tmp_path / "index")
    ix.apply(upserts=[IndexDocument(id="practice:1", type="practice", title="Практика", body="Музей.")])
    with ix._lock:
        searcher = ix._current_searcher()
    surround = index_module._BODY_HIGHLIGHTER.fragmenter.surround
    long = [("музей" + "кабинет" * 9)[:n] for n in (surround - 1, surround, surround + 1)]
    terms = frozenset({term("музей"), term("школа"), *map(term, long)})
    matching = ["музей", "музея", "школа", "школы", "МУЗЕЙ", "музеи", *long]
    rng = random.Random(11)
    marked = 0
    for _ in range(1500):
        longest = rng.choice([3, 8, 20, 45, 140])
        share = rng.choice([0.02, 0.1, 0.3, 0.6])
        words = [rng.choice(matching) if rng.random() < share else rng.choice("бвгдклмнпрст") * rng.randint(1, longest)
                 for _ in range(rng.randint(1, 300))]
        text = "".join(word + rng.choice([" ", " ", ", ", "  ", "-", "\n"]) for word in words).strip()
        prefixes = index_module._word_prefixes({"body": terms}, ["музей", "школа"]) if rng.random() < 0.7 else None
        outputs = []
        for fused in (True, False):
            monkeypatch.setattr(index_module, "_FUSED_FRAGMENTS", fused)
            outputs.append(index_module._highlight(index_module._BODY_HIGHLIGHTER, searcher, "body", text, terms,
                                                   index_module.SNIPPET_FRAGMENTS, prefixes))
        assert outputs[0] == outputs[1], text
        marked += "<mark>" in outputs[0]
    assert 1000 < marked < 1500


def test_the_first_letters_of_a_typed_word_s_forms_are_its_lexemes_remembered():
    """``_word_prefixes`` takes every form of every reading of a typed word (the forms of "дети" include
    "ребёнок", "люди" — "человек") from a cache per word: the same letters as the dictionary's lexemes."""
    import indexer.index as index_module
    from indexer.analysis import fold, morphology

    def expected(word: str) -> set[str]:
        return {fold(form.word)[:index_module.PREFIX_LETTERS] for parse in morphology().parse(word)
                for form in parse.lexeme}

    typed = ["дети", "люди", "шёл", "лучше", "музей", "глобаллаб"]
    index_module._form_prefixes.cache_clear()
    for _ in range(2):
        prefixes = index_module._word_prefixes({"body": frozenset({"научн"})}, [*typed, "STEM", "2024"])
        assert prefixes == frozenset({"на"}.union(*map(expected, typed)))
    assert {"ре", "че", "ид", "хо"} <= prefixes
    assert index_module._form_prefixes.cache_info().hits == len(typed)
