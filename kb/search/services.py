"""Search as the pages and the API see it: the index, results resolved against the database."""

from __future__ import annotations

import functools
import html
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote_plus, urlencode

from flask import current_app, has_app_context, has_request_context, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import bindparam, literal_column, select, union_all
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from indexer import FACET_FIELDS, IndexNewer, IndexUnavailable, SearchIndex, SearchQuery
from indexer.analysis import russian_analyzer
from indexer.query import NOTICE_CORRECTED, NOTICE_NO_WORDS
from kb.attachments.models import Attachment
from kb.config import DefaultConfig
from kb.extensions import db
from kb.practices.models import Practice, PracticeAuthor, practice_level, practice_topic
from kb.resolutions.models import Recommendation, Resolution
from kb.resolutions.services import gazetteer, host_region_codes, regions_host_first
from kb.routing import whole_number
from kb.search import documents, outbox, rebuilding
from kb.search.repair import repair_later
from kb.search.synonyms import ABBREVIATIONS, OTHER_READINGS, synonym_table
from kb.templating import plural
from kb.textclean import composed
from kb.vocabularies import data as vocabulary_data
from kb.vocabularies.services import Labels, fold, labels

SORTS = ("relevance", "date", "adoptions")
MAX_QUERY_LENGTH = 1000
EXCERPT_LENGTH = 240
# The feed shows the FEED_LENGTH matches that entered the bank last (the index's "entered" order: a practice's or
# a resolution's publication, not its year).
FEED_LENGTH = 30
FEED_EPOCH = datetime(2000, 1, 1)
UNAVAILABLE_NOTICE = "Поиск временно недоступен: индекс перестраивается. Попробуйте через несколько минут."
# An index a newer version built, read by a process of the previous one (not restarted after an upgrade): nothing
# rebuilds it, the process's restart on the new version brings search back.
UPGRADE_NOTICE = "Поиск временно недоступен: идёт обновление программы. Попробуйте через несколько минут."
UNAVAILABLE_PROGRESS_NOTICE = ("Поиск временно недоступен: индекс перестраивается, готово {percent}\u00a0%. "
                               "Попробуйте через несколько минут.")


class SearchParamsError(ValueError):
    """A search parameter that cannot be understood (the API answers 400 with it)."""


# Facet names and values (vocabulary codes, years) as a query string has them: a page links a couple of hundred.
_quoted = functools.lru_cache(maxsize=4096)(quote_plus)


@functools.lru_cache(maxsize=4096)
def value_pair(name: str, value: str) -> str:
    """``name=value`` of a facet value in a query string."""
    return f"{_quoted(name)}={_quoted(value)}"


@dataclass
class SearchParams:
    """A validated search request."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"
    # The page the request named, when past SEARCH_MAX_PAGE (``page`` is then SEARCH_MAX_PAGE): the search page
    # sends it to the last page it can show.
    asked_page: int | None = field(default=None, compare=False, repr=False)

    def without(self, name: str, value: str) -> dict:
        """Query-string arguments of this search with one filter value removed."""
        args = self.to_args()
        args[name] = [v for v in args.get(name, []) if v != value]
        args.pop("page", None)
        return args

    def with_value(self, name: str, value: str) -> dict:
        """Query-string arguments of this search with one filter value added."""
        args = self.to_args()
        if value not in args.get(name, []):
            args[name] = [*args.get(name, []), value]
        args.pop("page", None)
        return args

    def add_url(self, name: str, value: str) -> str:
        """``search_url(self.with_value(name, value))`` for a value not selected yet, from the query string
        encoded once per page: a search page links a couple of hundred facet values."""
        before, after = self.add_url_parts(name)
        return f"{before}{value_pair(name, value)}{after}"

    def add_url_parts(self, name: str) -> tuple[str, str]:
        """What ``add_url(name, …)`` puts before and after the value's ``name=value`` pair (worked out once)."""
        parts = self.__dict__.get("_add_url_parts")
        if parts is None:
            parts = self.__dict__["_add_url_parts"] = {}
        if (split := parts.get(name)) is None:
            pairs = [(key, item) for key, values in self.to_args(page=None).items()
                     for item in (values if isinstance(values, list | tuple) else [values]) if item not in (None, "")]
            last = max((i for i, (key, _) in enumerate(pairs) if key == name), default=None)
            before, after = (pairs, []) if last is None else (pairs[: last + 1], pairs[last + 1 :])
            split = parts[name] = (
                "/search?" + (urlencode(before) + "&" if before else ""), "&" + urlencode(after) if after else "",
            )
        return split

    def to_args(self, **changes: object) -> dict:
        args: dict = {"q": self.q} if self.q else {}
        for name in FACET_FIELDS:
            if self.filters.get(name):
                args[name] = list(self.filters[name])
        if self.sort != "relevance":
            args["sort"] = self.sort
        if self.page != 1:
            args["page"] = self.page
        args.update(changes)
        return args


# The filters as the search page names them (its facets' headings, the API's messages).
FACET_TITLES = {
    "type": "Тип материала",
    "expertise": "Экспертиза",
    "topic": "Тема",
    "region": "Регион",
    "municipality": "Муниципалитет",
    "level": "Уровень образования",
    "subject": "Предмет",
    "spread": "Уровень распространения",
    "year": "Год",
}


def parse_params(args: MultiDict, strict: bool) -> SearchParams:
    """Read search parameters; ``strict`` (the API) raises on bad values, pages drop them."""
    config = current_app.config
    # NFC: «й» typed as «и» and a combining breve (macOS, a PDF's copy) is «й», so the query, its suggestion and
    # the words it is parsed into are those of the same query typed in NFC
    q = composed((args.get("q") or "").strip())
    if len(q) > MAX_QUERY_LENGTH:
        if strict:
            raise SearchParamsError(f"Запрос длиннее {MAX_QUERY_LENGTH} символов.")
        q = q[:MAX_QUERY_LENGTH]
    vocab = labels()
    filters: dict[str, list[str]] = {}
    for name in FACET_FIELDS:
        values = list(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))
        unknown = [v for v in values if not vocab.known(name, v)]
        if unknown and strict:
            raise SearchParamsError(f"Неизвестное значение фильтра «{FACET_TITLES[name]}»: {', '.join(unknown[:5])}.")
        known = [v for v in values if vocab.known(name, v)]
        if name == "municipality" and (regions := filters.get("region")):
            # a municipality of none of the regions chosen (an edited link) would find nothing: not a filter
            foreign = [v for v in known if vocab.municipality_region.get(v) not in regions]
            if foreign and strict:
                raise SearchParamsError(f"Муниципалитет не из выбранных регионов: {', '.join(foreign[:5])}.")
            known = [v for v in known if v not in foreign]
        if known:
            filters[name] = known

    def integer(name: str, default: int, low: int, high: int) -> int:
        raw = args.get(name)
        if raw in (None, ""):
            return default
        value = whole_number(raw)  # ASCII digits only, as in the API's lists: «１» is not a page number
        if value is None:
            if strict:
                raise SearchParamsError(f"Параметр {name} должен быть целым числом.")
            return default
        if not low <= value <= high:
            if strict:
                raise SearchParamsError(f"Параметр {name} должен быть от {low} до {high}.")
            return min(max(value, low), high)
        return value

    page = integer("page", 1, 1, config["SEARCH_MAX_PAGE"])
    asked = whole_number(args.get("page") or "")
    asked_page = asked if asked is not None and asked > page else None
    per_page = integer("per_page", config["SEARCH_PER_PAGE"], 1, config["SEARCH_MAX_PER_PAGE"])
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        if strict:
            raise SearchParamsError("Параметр sort: relevance, date или adoptions.")
        sort = "relevance"
    return SearchParams(q=q, filters=filters, page=page, per_page=per_page, sort=sort, asked_page=asked_page)


@dataclass
class ResultItem:
    id: int
    type: str
    title: str
    url: str
    snippet: Markup
    region: list[dict]
    levels: list[dict]
    topics: list[dict]
    year: int | None
    context: str = ""
    source: str = ""  # the file a snippet was found in
    authors: Markup | None = None  # «Авторы: …» of a practice, the query's words marked, when they matched there

    def to_json(self) -> dict:
        return {
            "id": self.id, "type": self.type, "title": self.title, "url": self.url, "snippet": str(self.snippet),
            "region": self.region[0] if self.region else None, "levels": self.levels, "topics": self.topics,
            "year": self.year,
        }


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchPage:
    params: SearchParams
    total: int
    results: list[ResultItem]
    facets: dict[str, list[FacetValue]]
    notice: str | None = None
    unavailable: bool = False
    suggestion: str | None = None  # the query with misspelt words corrected, when that finds something
    # The municipalities chosen while their facet is not shown (no region chosen, or more than
    # MUNICIPALITY_FACET_REGIONS): the page names them in its chips only; the API's facet lists them.
    chosen_municipalities: list[FacetValue] = field(default_factory=list)

    # The furthest page the site shows (SEARCH_MAX_PAGE): the index is not paged further.
    max_page: int = field(default_factory=lambda: _configured("SEARCH_MAX_PAGE"))

    @property
    def pages(self) -> int:
        """The pages that can be opened: those of every match, SEARCH_MAX_PAGE at most (100,000 matches would be
        5,000 pages; the links past the 500th all opened the 500th again, and «Дальше →» on it looped)."""
        return max(1, min(math.ceil(self.total / self.params.per_page), self.max_page))

    @property
    def shown(self) -> int:
        """How many of the matches the pages reach."""
        return min(self.total, self.pages * self.params.per_page)

    @property
    def listed_facets(self) -> dict[str, list[FacetValue]]:
        """The facet values the search page lists, for the API to give the same: none when nothing is found (the
        page then has no filters, only the chosen ones to remove); else every value found, and a selected value
        even with count 0 (it stays in sight, to be unselected). A municipality chosen while the page shows no
        facet of them is in sight on the page as a chip: the API's facet lists it, with its count."""
        if not self.total:
            return {name: [] for name in self.facets}
        if self.chosen_municipalities:
            return {**self.facets, "municipality": self.chosen_municipalities}
        return self.facets

    @property
    def cut_notice(self) -> str | None:
        """What the last page that can be opened says when there are more matches than the pages reach."""
        if self.total <= self.shown or self.params.page < self.pages:
            return None
        return (f"Показаны первые {self.shown} {plural(self.shown, 'результат', 'результата', 'результатов')} "
                f"из {self.total}: уточните запрос или добавьте фильтры.")

    def page_to_show(self) -> int | None:
        """The page a request should be sent to instead of the one it asked for, or None: a page past the last
        (an old link, a number typed by hand) showed «Найдено: 40» over «Ничего не найдено», and one past
        SEARCH_MAX_PAGE showed the 500th as if it were the page asked for. The last page that can be opened,
        which says so when there are more matches."""
        if self.unavailable or not self.total:
            return None
        asked = self.params.asked_page or self.params.page
        return self.pages if asked > self.pages else None

    @property
    def page_numbers(self) -> list[int]:
        """The page numbers the pagination names: the first two, the last two, two either side of this one,
        and 3 and pages-2 where a gap ("…") begins; computed, not looped over (100,000 matches are 5,000
        pages)."""
        pages, current = self.pages, self.params.page
        candidates = {1, 2, 3, pages - 2, pages - 1, pages, *range(current - 2, current + 3)}
        return sorted(n for n in candidates if 1 <= n <= pages)


def _configured(name: str) -> int:
    """A setting of the application, else its default (a page built outside a request, in a test)."""
    return current_app.config[name] if has_app_context() else getattr(DefaultConfig, name)


def get_index() -> SearchIndex:
    """This process's handle on the index (its searcher is reused until the next commit).

    It never creates an index: a missing one makes search unavailable until `reindex`, instead of
    silently answering from an empty index. `init` creates the first, empty index.
    """
    index = current_app.extensions.get("kb_index")
    if index is None:
        index = current_app.extensions["kb_index"] = SearchIndex(current_app.config["INDEX_DIR"], create=False)
    return index


def withdrawn() -> frozenset[str]:
    """The documents the index still holds that are no longer public (``outbox.pending_withdrawn``): every search
    leaves them out of what it finds and counts — the total, the facets, a hint's count — so that an archived or
    unpublished practice cannot be probed for its words while the index writer has not yet applied the change. The
    results are looked up in the database anyway (``_resolve``); these are what only the index counted. Read once a
    request (a search page asks for its hints' counts too)."""
    if not has_request_context():
        return outbox.pending_withdrawn(current_app.config["INDEX_DIR"])
    found = request.environ.get(_WITHDRAWN)
    if found is None:
        found = request.environ[_WITHDRAWN] = outbox.pending_withdrawn(current_app.config["INDEX_DIR"])
    return found


_WITHDRAWN = "kb.search.withdrawn"  # where a request keeps ``withdrawn()``


def searchable_index() -> SearchIndex:
    """The index to answer searches from: ``get_index()``, but ``IndexBeingReplaced`` (an IndexUnavailable) while a
    rebuild runs in place of an index that no longer tells what the database holds (``kb.search.rebuilding``), as
    for a deleted index folder. One file looked for."""
    progress = rebuilding.current(current_app.config["INDEX_DIR"])
    if progress is not None and progress.replacing:
        raise rebuilding.IndexBeingReplaced("the index is being rebuilt in place of one behind the database")
    return get_index()


def create_index() -> None:
    """Create an empty index where there is none (first run). A folder that cannot be made or written raises the
    file error itself (OSError: which file, why), as writing to the index does, not an index that cannot be read."""
    try:
        SearchIndex(current_app.config["INDEX_DIR"], create=True)
    except IndexUnavailable as exc:
        if isinstance(exc.__cause__, OSError):
            raise exc.__cause__ from None
        raise


def sync() -> int:
    """Apply committed changes to the index (returns at once if another process is writing); a web process that
    is its own index writer says how far its copy has got, as the `indexer` does (at most once a minute)."""
    index_dir = current_app.config["INDEX_DIR"]
    applied = outbox.sync_index(get_index(), index_dir)
    if applied:
        outbox.report_position(index_dir)
    return applied


def _excerpt(text: str) -> Markup:
    text = " ".join(text.split())
    if len(text) > EXCERPT_LENGTH:
        text = text[:EXCERPT_LENGTH].rsplit(" ", 1)[0] + "…"
    return escape(text)


def _coded(field_name: str, codes: list[str], vocab: Labels) -> list[dict]:
    return [{"code": c, "label": vocab.label(field_name, c)} for c in codes]


_MARKED = re.compile(r"<mark>(.*?)</mark>")


_NAME_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


def _authors_line(names: list[str], people: str) -> Markup | None:
    """«Авторы: …», a practice's author names HTML-escaped, with the words the highlighted people field
    (``Hit.people``) marks marked in them too; None when none of them is marked there (the match was its
    organisation or place)."""
    marked = {fold(word) for found in _MARKED.findall(people) for word in _NAME_WORD.findall(html.unescape(found))}
    if not marked:
        return None
    shown, any_marked = [], False

    def mark(match: re.Match) -> str:
        nonlocal any_marked
        if fold(match.group()) in marked:
            any_marked = True
            return f"<mark>{match.group()}</mark>"
        return match.group()

    for name in names:
        # escaped word by word: a word holds no character escaping changes, the rest is escaped as it is
        parts, at = [], 0
        for match in _NAME_WORD.finditer(name):
            parts += [str(escape(name[at:match.start()])), mark(match)]
            at = match.end()
        shown.append("".join([*parts, str(escape(name[at:]))]))
    if not any_marked:
        return None
    return Markup(f"{'Автор' if len(names) == 1 else 'Авторы'}: {', '.join(shown)}")


def _matching_file(files: list[tuple[str, str]], snippet: str) -> str:
    """Which of a practice's files, (original name, text), the highlighted words come from, for "В файле «…»"."""
    words = [fold(html.unescape(w)) for w in _MARKED.findall(snippet)]
    for name, text in files:
        if words and all(w in fold(text) for w in words):
            return name
    return ""


# What a result shows of a practice, and its level and topic codes: statements built once (compiled and cached,
# not built for each page: 0.9 -> 0.4 ms), the columns without the long sections. ``updated_at`` tells whether
# the index's copy of the practice, which its snippet comes from, is the current one (``documents.practice_stamp``).
_RESULT_ROWS = select(
    Practice.id, Practice.title, Practice.region_code, Practice.year, Practice.organisation, Practice.updated_at,
).where(Practice.status == "published", Practice.id.in_(bindparam("ids", expanding=True)))
# The text of an excerpt, read only for results without a snippet (their words only in metadata or past the
# highlighted part): the sections are most of a practice row, kilobytes each.
_EXCERPT_TEXTS = select(Practice.id, Practice.annotation, Practice.technology).where(
    Practice.id.in_(bindparam("ids", expanding=True)))
# Level and topic codes: put in vocabulary order here (the labels' order), not joined with the vocabularies.
_RESULT_TAGS = union_all(
    select(practice_level.c.practice_id, literal_column("'levels'").label("kind"),
           practice_level.c.level_code.label("code"))
    .where(practice_level.c.practice_id.in_(bindparam("ids", expanding=True))),
    select(practice_topic.c.practice_id, literal_column("'topics'"), practice_topic.c.topic_code)
    .where(practice_topic.c.practice_id.in_(bindparam("ids", expanding=True))),
)


_RESULT_AUTHORS = select(PracticeAuthor.practice_id, PracticeAuthor.name).where(
    PracticeAuthor.practice_id.in_(bindparam("ids", expanding=True))).order_by(
    PracticeAuthor.practice_id, PracticeAuthor.position_index, PracticeAuthor.id)


def _practice_rows(ids: list[int], with_files: set[int], without_snippet: set[int], vocab: Labels,
                   stamps: dict[int, str] | None = None, with_authors: set[int] = frozenset()) -> dict[int, dict]:
    """What a result shows of each published practice of ``ids``, read as plain rows (ORM objects with their
    ten long sections and the selectin machinery were most of a cached search page's time): columns, level
    and topic codes in vocabulary order, the files of those in ``with_files`` and the texts of an excerpt
    of those in ``without_snippet``.

    ``stamps``: practice -> the stamp of the index's copy its snippet comes from. A copy older than the database
    (the index writer has not applied an edit yet: a moment, minutes during a rebuild) may show words removed
    since: such a row is ``stale``, shown with an excerpt of the current text instead, as one without a snippet.
    The author names of those in ``with_authors`` (their people field matched)."""
    rows = {row.id: {**row._asdict(), "levels": [], "topics": [], "files": [], "annotation": "", "technology": "",
                     "stale": False, "authors": []}
            for row in db.session.execute(_RESULT_ROWS, {"ids": ids})}
    if not rows:
        return rows
    found = list(rows)
    for practice_id, stamp in (stamps or {}).items():
        if (row := rows.get(practice_id)) is not None and stamp != documents.practice_stamp(row["updated_at"]):
            row["stale"] = True
    if excerpts := [pid for pid in found if pid in without_snippet or rows[pid]["stale"]]:
        for practice_id, annotation, technology in db.session.execute(_EXCERPT_TEXTS, {"ids": excerpts}):
            rows[practice_id].update(annotation=annotation, technology=technology)
    for practice_id, kind, code in db.session.execute(_RESULT_TAGS, {"ids": found}):
        rows[practice_id][kind].append(code)
    if authored := [pid for pid in found if pid in with_authors]:
        for practice_id, name in db.session.execute(_RESULT_AUTHORS, {"ids": authored}):
            rows[practice_id]["authors"].append(name)
    for kind, codes in (("levels", vocab.level), ("topics", vocab.topic)):
        place = _vocabulary_places(tuple(codes))
        for row in rows.values():
            row[kind].sort(key=lambda code: place.get(code, len(place)))
    if wanted_files := [pid for pid in found if pid in with_files and not rows[pid]["stale"]]:
        for practice_id, name, text in db.session.execute(
            select(Attachment.practice_id, Attachment.original_name, Attachment.text)
            .where(Attachment.practice_id.in_(wanted_files)).order_by(Attachment.id)
        ):
            rows[practice_id]["files"].append((name, text or ""))
    return rows


@functools.lru_cache(maxsize=8)
def _vocabulary_places(codes: tuple[str, ...]) -> dict[str, int]:
    """Code -> its place in a vocabulary's order."""
    return {code: place for place, code in enumerate(codes)}


def _url_by_id(endpoint: str, argument: str, external: bool = False) -> Callable[[int], str]:
    """``url_for(endpoint, argument=id)`` for many ids, with one call of ``url_for`` (a page lists twenty, an
    export thousands); ``external``: absolute addresses."""
    sentinel = "987654321"
    before, _, after = url_for(endpoint, **{argument: int(sentinel)}, _external=external).partition(sentinel)
    return lambda value: f"{before}{int(value)}{after}"


def _resolve(hits: list, excerpts: bool = True) -> list[ResultItem]:
    """Load the hits' objects; anything no longer public is dropped, whatever the index says, and a practice's
    snippet is shown only from the index's copy of its current state (see ``_practice_rows``). Without
    ``excerpts`` (an export) a hit without a snippet gets none either: no section texts are read for it."""
    wanted: dict[str, list[int]] = {"practice": [], "resolution": [], "recommendation": []}
    in_files: set[int] = set()  # practices whose snippet comes from their files
    without_snippet: set[int] = set()  # practices shown with an excerpt
    stamps: dict[int, str] = {}  # practices with a snippet: the stamp of the copy it comes from
    by_authors: set[int] = set()  # practices whose people field (authors, organisation, place) matched
    for hit in hits:
        doc_type, _, raw_id = hit.id.partition(":")
        if doc_type in wanted and raw_id.isdigit():
            wanted[doc_type].append(int(raw_id))
            if doc_type == "practice" and hit.snippet_field == "attachments":
                in_files.add(int(raw_id))
            if doc_type == "practice" and not hit.snippet and excerpts:
                without_snippet.add(int(raw_id))
            if doc_type == "practice" and hit.snippet:
                stamps[int(raw_id)] = hit.stamp
            if doc_type == "practice" and hit.people:
                by_authors.add(int(raw_id))
    vocab = labels()
    practices = _practice_rows(wanted["practice"], in_files, without_snippet, vocab, stamps, by_authors) \
        if wanted["practice"] else {}
    resolutions = {r.id: r for r in db.session.scalars(
        select(Resolution).where(Resolution.id.in_(wanted["resolution"]), Resolution.status == "published")
        .options(selectinload(Resolution.regions))
    )} if wanted["resolution"] else {}
    recommendations = {r.id: r for r in db.session.scalars(
        select(Recommendation).join(Recommendation.resolution)
        .where(Recommendation.id.in_(wanted["recommendation"]), Resolution.status == "published")
        .options(selectinload(Recommendation.topics),
                 selectinload(Recommendation.resolution).selectinload(Resolution.regions))
    )} if wanted["recommendation"] else {}

    # a resolution's region shown first (and alone in the API) is its host's, not the vocabulary's first
    hosts = host_region_codes(
        {r.id: r for r in (*resolutions.values(), *(rec.resolution for rec in recommendations.values()))}.values()
    ) if resolutions or recommendations else {}
    items = []
    practice_url = _url_by_id("practices.detail", "practice_id") if practices else None
    for hit in hits:
        doc_type, _, raw_id = hit.id.partition(":")
        obj_id = int(raw_id) if raw_id.isdigit() else -1
        snippet = Markup(hit.snippet) if hit.snippet else None
        if doc_type == "practice" and (p := practices.get(obj_id)):
            if p["stale"]:
                snippet = None
            items.append(ResultItem(
                id=p["id"], type="practice", title=p["title"],
                url=practice_url(p["id"]),
                snippet=snippet or _excerpt(p["annotation"] or p["technology"] or ""),
                region=_coded("region", [p["region_code"]] if p["region_code"] else [], vocab),
                levels=_coded("level", p["levels"], vocab),
                topics=_coded("topic", p["topics"], vocab),
                year=p["year"], context=p["organisation"],
                source=_matching_file(p["files"], hit.snippet) if hit.snippet_field == "attachments" else "",
                authors=_authors_line(p["authors"], hit.people) if p["authors"] and not p["stale"] else None,
            ))
        elif doc_type == "resolution" and (r := resolutions.get(obj_id)):
            items.append(ResultItem(
                id=r.id, type="resolution", title=r.title,
                url=url_for("resolutions.detail", resolution_id=r.id),
                snippet=snippet or (_excerpt(r.full_text) if excerpts else Markup("")),
                region=_coded("region", [x.code for x in regions_host_first(r, hosts)], vocab), levels=[], topics=[],
                year=r.year, context=", ".join(x for x in (r.place, r.organiser) if x),
            ))
        elif doc_type == "recommendation" and (rec := recommendations.get(obj_id)):
            res = rec.resolution
            items.append(ResultItem(
                id=rec.id, type="recommendation", title=f"Рекомендация {rec.number}. {rec.addressee}".strip(". "),
                url=url_for("resolutions.detail", resolution_id=res.id, _anchor=rec.anchor),
                snippet=snippet or (_excerpt(rec.text) if excerpts else Markup("")),
                region=_coded("region", [x.code for x in regions_host_first(res, hosts)], vocab), levels=[],
                topics=_coded("topic", [t.code for t in rec.topics], vocab),
                year=res.year, context=res.title,
            ))
    return items


def unavailable_notice(exc: IndexUnavailable | None = None) -> str:
    """What the search page and the API say while the index cannot be read (``exc``: why): how far its rebuild has
    got, when one is running; no rebuild promised for an index of a newer version, which nothing rebuilds."""
    if isinstance(exc, IndexNewer):
        return UPGRADE_NOTICE
    progress = rebuilding.current(current_app.config["INDEX_DIR"])
    if progress is None:
        return UNAVAILABLE_NOTICE
    return UNAVAILABLE_PROGRESS_NOTICE.format(percent=progress.percent)


def search(params: SearchParams, typed_nothing: bool = False) -> SearchPage:
    """Run a search; an unavailable index gives an empty page that says so, never an error. ``typed_nothing``: the
    query was typed but had no character to read («?q=%00», dropped with the request's control characters), and
    the page says it has no word, as the index says of «🎓»."""
    vocab = labels()
    try:
        result = searchable_index().search(SearchQuery(
            text=params.q, filters=params.filters, page=params.page, per_page=params.per_page, sort=params.sort,
            synonyms=synonym_table(), exclude=withdrawn(),
        ))
    except IndexUnavailable as exc:
        repair_later(exc)
        return SearchPage(params, 0, [], {}, notice=unavailable_notice(exc), unavailable=True)
    suggestion = result.suggestion
    if suggestion and not _finds_current(params, suggestion):
        # The correction is a word of the index's copies, and none of the practices it finds is current: it may
        # be a word an edit has removed (the index writer has not applied the edit yet). It is not offered; a
        # page of that correction's results (nothing had the words as typed) is shown as what it is now: empty.
        if NOTICE_CORRECTED.format(suggestion=suggestion) in (result.notice or ""):
            return SearchPage(params, 0, [], _facets({}, params, vocab))
        suggestion = None
    notice = NOTICE_NO_WORDS if typed_nothing and not params.q else " ".join(
        filter(None, [result.notice, _topics_only_notice(params.q, result.topics_only, vocab)]))
    return SearchPage(params, result.total, _resolve(result.hits), _facets(result.facets, params, vocab),
                      notice=notice or None, suggestion=suggestion,
                      chosen_municipalities=_chosen_municipalities(result.facets, params, vocab))


NOTICE_TOPICS_ONLY = "Документов со словами запроса нет: показаны материалы по {topics}."


def _topics_only_notice(text: str, codes: list[str], vocab: Labels) -> str | None:
    """What a page found only through thesaurus topics the query names by another word says: a narrower term
    listed among a topic's synonyms («финансовая грамотность») found the documents of the whole topic
    («Функциональная грамотность»), none with the words. A topic named by its own label says nothing: its
    documents are what was asked for."""
    if not codes:
        return None
    analyzer = russian_analyzer()  # rarely needed: made each time (an analyzer is no object to share between threads)

    def analysed(phrase: str) -> set[str]:
        return {token.text for token in analyzer(phrase, mode="query")}

    typed = analysed(text)
    named = [label for code in codes
             if not analysed(_PARENTHESES.sub("", label := vocab.label("topic", code))) <= typed]
    if not named:
        return None
    quoted = ", ".join(f"«{label}»" for label in named)
    return NOTICE_TOPICS_ONLY.format(topics=f"теме {quoted}" if len(named) == 1 else f"темам {quoted}")


_PARENTHESES = re.compile(r"\([^)]*\)")


# The municipalities are a facet with one to this many regions chosen: of every region the list would be long and
# say little.
MUNICIPALITY_FACET_REGIONS = 3


def facet_label(name: str, value: str, params: SearchParams, vocab: Labels) -> str:
    """A facet value's name as the search page (its facet and its chip), the API and a saved search's name give it:
    a municipality, with several regions chosen, named with its region, «Октябрьский муниципальный район
    (Смоленская область)», so that two of that name are told apart."""
    label = vocab.label(name, value)
    several = name == "municipality" and len(params.filters.get("region", [])) > 1
    region = vocab.region.get(vocab.municipality_region.get(value, "")) if several else None
    return f"{label} ({region})" if region else label


def _facets(counts: dict[str, list[tuple[str, int]]], params: SearchParams, vocab: Labels) -> dict[str, list]:
    """The facet values of a page from the index's counts, each selected value among them. The municipalities are
    a facet with one to MUNICIPALITY_FACET_REGIONS regions chosen, those of these regions, grouped by region in
    the order chosen (each one's by count) and, with several, named with their region."""
    regions = params.filters.get("region", [])
    shown_fields = [name for name in FACET_FIELDS
                    if name != "municipality" or 1 <= len(regions) <= MUNICIPALITY_FACET_REGIONS]
    facets: dict[str, list[FacetValue]] = {name: [] for name in FACET_FIELDS}
    for name in shown_fields:
        facets[name] = [
            FacetValue(value, facet_label(name, value, params, vocab), count, value in params.filters.get(name, []))
            for value, count in counts.get(name, [])
            if name == "year" or (vocab.known(name, value)
                                  and (name != "municipality" or vocab.municipality_region[value] in regions))
        ]
    for name in shown_fields:
        if not (values := params.filters.get(name)):
            continue
        # A selected value stays in sight (to be unselected) even when nothing holds it any more.
        shown = {f.value for f in facets[name]}
        facets[name] += [FacetValue(v, facet_label(name, v, params, vocab), 0, True)
                         for v in values if v not in shown]
    facets["year"].sort(key=lambda f: f.value, reverse=True)
    for name in _VOCABULARY_ORDER:  # a few values with an order of their own: the mark first, the levels upwards
        order = {value: i for i, value in enumerate(getattr(vocab, name))}
        facets[name].sort(key=lambda f: order.get(f.value, len(order)))
    if len(regions) > 1:  # stable: by count within a region
        order = {region: i for i, region in enumerate(regions)}
        facets["municipality"].sort(key=lambda f: order.get(vocab.municipality_region.get(f.value), len(order)))
    return facets


def _chosen_municipalities(counts: dict[str, list[tuple[str, int]]], params: SearchParams,
                           vocab: Labels) -> list[FacetValue]:
    """The municipalities chosen while no facet of them is shown (no region chosen, or more than
    MUNICIPALITY_FACET_REGIONS), each with its count as the facet would give it (under the other filters, 0 when
    nothing holds it), by count and named as its chip names it; [] when the facet is shown or none is chosen."""
    chosen = params.filters.get("municipality", [])
    if not chosen or 1 <= len(params.filters.get("region", [])) <= MUNICIPALITY_FACET_REGIONS:
        return []
    counted = dict(counts.get("municipality", []))
    values = sorted((FacetValue(value, facet_label("municipality", value, params, vocab), counted.get(value, 0), True)
                     for value in chosen), key=lambda f: -f.count)
    if len(regions := params.filters.get("region", [])) > 1:  # as the facet: by region in the order chosen
        order = {region: i for i, region in enumerate(regions)}
        values.sort(key=lambda f: order.get(vocab.municipality_region.get(f.value), len(order)))
    return values


# Facets shown in their vocabulary's order, not by count.
_VOCABULARY_ORDER = ("expertise", "spread")


# How many of a spelling correction's matches are looked at for a current one (``_finds_current``).
CORRECTION_CHECK = 50
_CURRENT_STAMPS = select(Practice.id, Practice.updated_at).where(
    Practice.status == "published", Practice.id.in_(bindparam("ids", expanding=True)))


def _finds_current(params: SearchParams, text: str) -> bool:
    """Whether ``text`` (a spelling correction) finds, among its first CORRECTION_CHECK matches, a public material
    whose copy in the index is its current state: only such a copy's words are words of the bank. Asked only of a
    page with a correction (a search of ids, without snippets)."""
    try:
        result = searchable_index().search(SearchQuery(
            text=text, filters=params.filters, page=1, per_page=CORRECTION_CHECK, sort="relevance",
            synonyms=synonym_table(), snippets=False, exclude=withdrawn(),
        ))
    except IndexUnavailable:
        return False
    practices: dict[int, str] = {}
    others = []
    for hit in result.hits:
        doc_type, _, raw_id = hit.id.partition(":")
        if doc_type == "practice" and raw_id.isdigit():
            practices[int(raw_id)] = hit.stamp
        else:
            others.append(hit)
    if practices and any(
        practices[practice_id] == documents.practice_stamp(updated_at)
        for practice_id, updated_at in db.session.execute(_CURRENT_STAMPS, {"ids": list(practices)})
    ):
        return True
    return bool(others) and bool(_resolve(others, excerpts=False))


def export_hits(params: SearchParams, limit: int) -> tuple[list, int]:
    """The index's matches of a search from the first, in the page's order, up to ``limit`` (an export), and how
    many there are in all; not looked up in the database yet (``export_results``, ``kb.search.exports``). No
    snippets (a file has no place for them; each one reads and highlights a document's text). An unavailable
    index gives nothing."""
    try:
        result = searchable_index().search(SearchQuery(
            text=params.q, filters=params.filters, page=1, per_page=limit, sort=params.sort,
            synonyms=synonym_table(), snippets=False, exclude=withdrawn(),
        ))
    except IndexUnavailable as exc:
        repair_later(exc)
        return [], 0
    return result.hits, result.total


def export_results(hits: list) -> list[ResultItem]:
    """The results of ``export_hits``: what the search page would list on its pages, and only that: the index
    holds only what is public, and each hit is looked up again as published."""
    return _resolve(hits, excerpts=False)


def hit_ids(hits: list) -> list[tuple[str, int]]:
    """(type, id) of each hit, in order."""
    ids = []
    for hit in hits:
        doc_type, _, raw_id = hit.id.partition(":")
        if raw_id.isdigit():
            ids.append((doc_type, int(raw_id)))
    return ids


@dataclass
class RegionHint:
    """A region named in the query, offered as the region filter: «шахматы челябинская область» finds only
    the practices whose text names the region, while most practices are tagged with theirs and never name it."""

    code: str
    label: str
    rest: str  # the query without the region's name
    count: int  # what the rest finds in the region


# Words that only tie a region's name to the rest of the query: «проекты в Смоленской области».
_REGION_LINKS = frozenset({"в", "во", "из", "по", "для", "на"})
# Quote marks of every kind the query parser reads as such (indexer/query.py).
_QUOTE_MARK = re.compile('["«»“”„]')


# A query with operators or brackets has a structure the region and level hints do not cut a name out of («СПО ИЛИ
# вуз», «(СПО OR школа)»): the rest would be half an expression.
_OPERATORS = re.compile(r"(?<!\S)(?:OR|AND|NOT|ИЛИ)(?!\S)|[()]")
# Before a name, what asks for texts without it: «-СПО», «НЕ СПО», «NOT Татарстан».
_NEGATIONS = frozenset({"не", "not"})


def _negated(before: str) -> bool:
    """Whether a name after the query's text ``before`` is excluded: right after a «-», or after «не»/«NOT» (a
    preposition between them too: «не в Челябинской области»)."""
    if before.endswith("-"):
        return True
    words = before.split()
    if words and words[-1].lower() in _REGION_LINKS:
        words.pop()
    return bool(words) and words[-1].lower() in _NEGATIONS


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each phrase in quotes in a query, its quote marks included; none when a quote mark is left
    unpaired (the parser drops every quote mark then)."""
    marks = [match.start() for match in _QUOTE_MARK.finditer(text)]
    if len(marks) % 2:
        return []
    return [(marks[i], marks[i + 1] + 1) for i in range(0, len(marks), 2)]


def region_hint(params: SearchParams) -> RegionHint | None:
    """The region filter the query's words ask for, with what it finds; None when the query names no
    region, or more than one, or a region is already chosen, or the filter finds nothing, or the region is
    excluded («-Татарстан», «не Татарстан»), or the query has operators or brackets."""
    if not params.q or params.filters.get("region") or _OPERATORS.search(params.q):
        return None
    # A region named inside a phrase in quotes is part of what was asked for as typed («"МБУ Центр развития
    # образования г. Смоленска"», an organisation's search): cutting its words out left half a phrase.
    quoted = _quoted_spans(params.q)
    mentions = [(code, start, end) for code, start, end in gazetteer().typed_mentions(params.q)
                if not any(start < span_end and span_start < end for span_start, span_end in quoted)]
    vocab = labels()
    if len({code for code, _start, _end in mentions}) != 1 or not vocab.known("region", mentions[0][0]):
        return None
    if any(_negated(params.q[:start]) for _code, start, _end in mentions):  # «проекты -Татарстан»: not there
        return None
    rest = params.q
    for _code, start, end in reversed(mentions):
        before = rest[:start].split()
        if before and before[-1].lower() in _REGION_LINKS:
            before.pop()
        after = rest[end:].removeprefix(".")  # the stop of «обл.»
        rest = " ".join([*before, *after.split()])
    code = mentions[0][0]
    count = _hint_count(params, "region", code, rest)
    return RegionHint(code, vocab.label("region", code), rest, count) if count else None


def _hint_count(params: SearchParams, field: str, code: str, rest: str) -> int:
    """What the rest of a query finds with the filter a hint offers (``field`` = ``code``) beside the filters already
    chosen: the count only, no page of hits; 0 when the index is unavailable."""
    try:
        return searchable_index().search(SearchQuery(
            text=rest, filters={**params.filters, field: [code]}, page=1, per_page=1, sort=params.sort,
            synonyms=synonym_table(), count_only=True, exclude=withdrawn(),
        )).total
    except IndexUnavailable:
        return 0


@dataclass
class LevelHint:
    """A level of education named in the query («СПО», «начальное общее образование»), offered as the level
    filter: most practices are tagged with their level and never write its name, as with regions."""

    code: str
    label: str
    rest: str  # the query without the level's name
    count: int  # what the rest finds at the level


# What a query calls a level in everyday words: a kindergarten is preschool, a college vocational. Any form of the
# words («в детском саду», «младших школьников»); the preposition before them goes too. The words are the levels'
# aliases (kb.vocabularies.data.LEVELS), which the registry import reads too; here only what a query says and a
# registry cell does not: «дошкольное» alone.
_LEVEL_WORDS = {"preschool": ["дошкольное"]}
# Between two levels' words: the query is about both («преемственность дошкольного и начального образования»).
_LEVEL_JOINS = frozenset({"и", "или", "/", "—", "-"})
# From one level to the next: «переход из начальной школы в основную», «от детского сада к начальной».
_LEVEL_STEPS = frozenset({"в", "во", "на", "к", "ко", "до"})


# Where a level is taught, named alone («из детского сада в школу»: a step to a level all the same)
_LEVEL_PLACES = ("школа", "класс", "колледж", "техникум", "вуз", "университет", "институт", "детский сад")


@dataclass(frozen=True)
class _LevelTerms:
    """The level hint's words as the analyzer gives them (``_level_terms``)."""

    names: list[tuple[str, tuple[str, ...]]]  # (code, the terms of one of its names)
    first_words: frozenset[str]  # the first term of a level's name: «начального», «детского»
    places: frozenset[str]  # the first term of a place a level is taught in (_LEVEL_PLACES)


@functools.lru_cache(maxsize=1)
def _level_terms() -> _LevelTerms:
    """The level hint's words in one pass of the analyzer: (code, the terms of one of its names) for every name of
    every level — full, short and other names («ДОУ») and the everyday words for it (``_LEVEL_WORDS``); a short
    name the analyzer drops as a function word («во», «до») or one of two levels («ДО», ``LEVEL_OTHER_READINGS``)
    names nothing — with the first words of those names and of the places a level is taught in (``_LEVEL_PLACES``)."""
    analyzer = russian_analyzer()

    def analysed(name: str) -> tuple[str, ...]:
        return tuple(token.text for token in analyzer(name, mode="query"))

    # «повышение квалификации» names the level ДПО in a registry's column, but in a query it is the topic
    # «Профессиональное развитие педагогов» (a synonym of it): it is no level's word, and beside another level's
    # name («повышение квалификации воспитателей ДОУ») it does not make two levels of one
    topic_names = {analysed(synonym) for topic in vocabulary_data.TOPICS for synonym in topic.get("synonyms", [])}
    found = []
    for level in vocabulary_data.LEVELS:
        # a short name of two levels («ДО»: дошкольное and дополнительное образование, «педагог ДО») names neither
        short = [] if level["short"] in vocabulary_data.LEVEL_OTHER_READINGS else [level["short"]]
        for name in [level["name"], *short, *level.get("aliases", []), *_LEVEL_WORDS.get(level["code"], [])]:
            terms = analysed(name)
            if terms and terms not in topic_names and (code_terms := (level["code"], terms)) not in found:
                found.append(code_terms)
    places = frozenset(terms[0] for place in _LEVEL_PLACES if (terms := analysed(place)))
    return _LevelTerms(found, frozenset(name[0] for _code, name in found), places)


def _level_word(terms: tuple[str, ...]) -> bool:
    """Whether a word is the first word of a level's name: «начального», «основную», «детского» (alone they name
    no level, beside another level's name they do)."""
    return bool(terms) and terms[0] in _level_terms().first_words


def _place_word(terms: tuple[str, ...]) -> bool:
    """Whether a word is the first word of a place a level is taught in: «школу», «колледж», «детского»."""
    return bool(terms) and terms[0] in _level_terms().places


def _joined_levels(words: tuple[str, ...], terms: tuple[tuple[str, ...], ...], start: int, end: int) -> bool:
    """Whether the level named by ``words[start:end]`` is joined to another one: «и», «или», «/» after it
    («дошкольного и начального образования»), or before it with a level's word before that («начального и
    дошкольного образования»), or a step to a level's word after it («из начальной школы в основную»)."""
    if end < len(words) and words[end].lower() in _LEVEL_JOINS:
        return True
    if start > 1 and words[start - 1].lower() in _LEVEL_JOINS and _level_word(terms[start - 2]):
        return True
    return (start > 0 and words[start - 1].lower() in {"из", "от"} and end + 1 < len(words)
            and words[end].lower() in _LEVEL_STEPS and (_level_word(terms[end + 1]) or _place_word(terms[end + 1])))


@functools.lru_cache(maxsize=64)
def _query_words(query: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """A query's words (split at spaces) and the terms the analyzer gives each (none for a function word): the level
    and subject hints read the same query, analysed once."""
    analyzer = russian_analyzer()
    words = tuple(query.split())
    return words, tuple(tuple(token.text for token in analyzer(word, mode="query")) for word in words)


def _mentions(names: list[tuple[str, tuple[str, ...]]],
              terms: tuple[tuple[str, ...], ...]) -> list[tuple[str, int, int]]:
    """(code, first word, after the last) of each run of a query's words whose terms are one of ``names`` (code, the
    terms of a name): «в начальной школе» → ("primary", 1, 3)."""
    mentions = []
    for code, name in names:
        for start in range(len(terms)):
            taken, end = (), start
            while terms[start] and end < len(terms) and len(taken) < len(name):
                taken, end = taken + terms[end], end + 1
            if taken == name:
                mentions.append((code, start, end))
    return mentions


def _named_hint(params: SearchParams, field: str, names: list[tuple[str, tuple[str, ...]]], links: frozenset[str], *,
                joined=None, innermost: bool = False) -> tuple[str, str, int] | None:
    """(code, the rest of the query, what the rest finds with the filter) for the value of ``field`` that the query's
    words name — ``names`` holds (code, the terms of one of its names) — cut out with a word of ``links`` before it
    («олимпиады по математике»: «олимпиады»); None when the query names no value, or more than one, or the filter is
    already chosen, or a name stands in quotes, or the value is excluded («-СПО», «НЕ музыка»), or the query has
    operators or brackets, or the filter finds nothing. ``joined(words, terms, start, end)`` tells a name joined to
    another value's («дошкольного и начального»): no hint then; with ``innermost`` a name inside a longer one is the
    longer one's («литература» in «родной язык и литература»)."""
    if not params.q or params.filters.get(field) or _QUOTE_MARK.search(params.q) or _OPERATORS.search(params.q):
        return None
    words, terms = _query_words(params.q)
    mentions = _mentions(names, terms)
    if innermost:
        mentions = [(code, start, end) for code, start, end in mentions
                    if not any(other_start <= start and end <= other_end and other_end - other_start > end - start
                               for _other, other_start, other_end in mentions)]
    codes = {code for code, _start, _end in mentions}
    if len(codes) != 1 or not labels().known(field, next(iter(codes))):
        return None
    if any(words[start].startswith("-") or _negated(" ".join(words[:start])) for _code, start, _end in mentions):
        return None  # «проекты -СПО», «проекты НЕ музыка»: texts of other values are asked for
    if joined and any(joined(words, terms, start, end) for _code, start, end in mentions):
        return None
    code = codes.pop()
    cut = {i for _code, start, end in mentions
           for i in range(start - (start > 0 and words[start - 1].lower() in links), end)}
    kept = [i for i in range(len(words)) if i not in cut]
    # only function words left («математике по»): the query asked for the value alone
    rest = " ".join(words[i] for i in kept) if any(terms[i] for i in kept) else ""
    count = _hint_count(params, field, code, rest)
    return (code, rest, count) if count else None


def level_hint(params: SearchParams) -> LevelHint | None:
    """The level filter the query's words ask for, with what the rest of the query finds at that level (the rules of
    ``_named_hint``); none either when the query names more than one level («высшее образование» names three) or
    two levels side by side («дошкольного и начального образования»: «начального» alone names none)."""
    found = _named_hint(params, "level", _level_terms().names, _REGION_LINKS, joined=_joined_levels)
    return found and LevelHint(found[0], labels().label("level", found[0]), found[1], found[2])


@dataclass
class SubjectHint:
    """A school subject named in the query («музыка», «иностранный язык»), offered as the subject filter: a
    practice tagged with its subject may not write its name («музыкальной одарённости»), as with levels."""

    code: str
    label: str
    rest: str  # the query without the subject's name
    count: int  # what the rest finds in the subject


# Words that only tie a subject's name to the rest of the query: «олимпиады по математике» drops «по».
_SUBJECT_LINKS = frozenset({"по", "в", "на"})


@functools.lru_cache(maxsize=1)
def _subject_terms() -> list[tuple[str, tuple[str, ...]]]:
    """(code, the terms of one of its names) for every name of every subject: its name, each part of a name of two
    («ОРКСЭ / ОДНКНР»), an abbreviation in brackets («ОБЗР») and its other names («ИЗО», «английский язык»)."""
    analyzer = russian_analyzer()
    found = []
    for subject in vocabulary_data.SUBJECTS:
        name = subject["name"]
        names = [name, *name.split(" / "), *re.findall(r"\(([^)]+)\)", name), *subject.get("aliases", [])]
        for each in names:
            terms = tuple(token.text for token in analyzer(each, mode="query"))
            if terms and (code_terms := (subject["code"], terms)) not in found:
                found.append(code_terms)
    return found


def subject_hint(params: SearchParams) -> SubjectHint | None:
    """The subject filter the query's words ask for, with what the rest of the query finds in that subject (the rules
    of ``_named_hint``); none either when the query names two subjects («физика и математика»)."""
    found = _named_hint(params, "subject", _subject_terms(), _SUBJECT_LINKS, innermost=True)
    return found and SubjectHint(found[0], labels().label("subject", found[0]), found[1], found[2])


@dataclass
class ReadingHint:
    """An abbreviation of the query with several readings («ПД»): what the search read it as, and the query with
    each other reading instead."""

    abbreviation: str
    searched: list[str]  # the expansions searched (ABBREVIATIONS)
    others: list[tuple[str, str]]  # (another reading, the query with it in place of the abbreviation)


# Each abbreviation with other readings as a word of a query, in any case: «ПД», «пд», «ПД,»; not inside a word
# («ПДД») or a hyphenated one («ПД-проекты»).
_READING_WORDS = {abbreviation: re.compile(rf"(?<![\w-]){re.escape(abbreviation)}(?![\w-])", re.IGNORECASE)
                  for abbreviation in OTHER_READINGS}


def reading_hint(params: SearchParams) -> ReadingHint | None:
    """The other readings of an abbreviation of the query that has several (``OTHER_READINGS``), each a search of
    the query with it in place of the abbreviation; None when the query has none, or the abbreviation is excluded
    («-ПД», «не ПД»), or the query has quotes, operators or brackets (a reading of several words put in would
    change what they bind)."""
    if not params.q or _QUOTE_MARK.search(params.q) or _OPERATORS.search(params.q):
        return None
    for abbreviation, pattern in _READING_WORDS.items():
        found = list(pattern.finditer(params.q))
        if not found or any(_negated(params.q[:match.start()]) for match in found):
            continue
        others = [(reading, pattern.sub(reading, params.q)) for reading in OTHER_READINGS[abbreviation]]
        return ReadingHint(abbreviation, list(ABBREVIATIONS[abbreviation]), others)
    return None


def similar_practices(practice_id: int, limit: int = 5) -> list[ResultItem]:
    """Published practices like this one ("Похожие практики"), itself left out; [] if search is unavailable."""
    try:
        hits = searchable_index().similar(f"practice:{practice_id}", limit=limit)
    except IndexUnavailable as exc:
        repair_later(exc)
        return []
    return _resolve(hits)


@dataclass
class FeedEntry:
    """One entry of the Atom feed of a search."""

    item: ResultItem
    updated: datetime


def feed_entries(params: SearchParams) -> list[FeedEntry]:
    """The newest public materials of a search, newest first by the time they entered the bank: only those with
    every word of the query (the search page adds those with some of the words after a few, and says so; a feed
    sorted by date mixed them in above the real matches, with nothing to say so)."""
    try:
        result = searchable_index().search(SearchQuery(
            text=params.q, filters=params.filters, per_page=FEED_LENGTH, sort="entered", synonyms=synonym_table(),
            partial=False, exclude=withdrawn(),
        ))
    except IndexUnavailable as exc:
        repair_later(exc)
        return []
    items = _resolve(result.hits)
    stamps = _entered(items)
    entries = [FeedEntry(item, stamps.get((item.type, item.id)) or FEED_EPOCH) for item in items]
    # the database's times, should the index not have applied a change yet
    entries.sort(key=lambda entry: entry.updated, reverse=True)
    return entries


def _entered(items: list[ResultItem]) -> dict[tuple[str, int], datetime]:
    """(type, id) -> when the material became public: a practice's or a resolution's publication (a
    recommendation's: its resolution's), their creation for those published before it was recorded."""
    ids: dict[str, list[int]] = {}
    for item in items:
        ids.setdefault(item.type, []).append(item.id)
    stamps: dict[tuple[str, int], datetime] = {}
    if ids.get("practice"):
        for pid, published, created in db.session.execute(
            select(Practice.id, Practice.published_at, Practice.created_at).where(Practice.id.in_(ids["practice"]))
        ):
            stamps[("practice", pid)] = published or created
    if ids.get("resolution"):
        for rid, published, created in db.session.execute(
            select(Resolution.id, Resolution.published_at, Resolution.created_at)
            .where(Resolution.id.in_(ids["resolution"]))
        ):
            stamps[("resolution", rid)] = published or created
    if ids.get("recommendation"):
        for rec_id, published, created in db.session.execute(
            select(Recommendation.id, Resolution.published_at, Resolution.created_at).join(Recommendation.resolution)
            .where(Recommendation.id.in_(ids["recommendation"]))
        ):
            stamps[("recommendation", rec_id)] = published or created
    return stamps


@dataclass
class IndexReport:
    """Differences between the database and the index."""

    missing: list[str]
    extra: list[str]
    stale: list[str]
    pending: int
    # every difference is a document with a change waiting in the outbox: applying it (the writer, `sync-index`)
    # is the fix, not a rebuild
    queued: bool = False

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def check_index() -> IndexReport:
    """Compare what the database says is public with what the index holds."""
    index_dir = current_app.config["INDEX_DIR"]
    expected = {doc.id: doc.version for doc in documents.all_documents()}
    actual = get_index().versions()
    report = IndexReport(
        missing=sorted(set(expected) - set(actual), key=document_order),
        extra=sorted(set(actual) - set(expected), key=document_order),
        stale=sorted((k for k in set(expected) & set(actual) if expected[k] != actual[k]), key=document_order),
        pending=outbox.pending_count(index_dir),
    )
    if report.pending and not report.clean:
        report.queued = {*report.missing, *report.extra, *report.stale} <= outbox.pending_documents(index_dir)
    return report


def document_order(doc_id: str) -> tuple[str, int, str]:
    """An index id's place in a list: by type, then by number (practice:69 before practice:100)."""
    doc_type, _, number = doc_id.partition(":")
    return doc_type, int(number) if number.isascii() and number.isdigit() else 0, number


@dataclass
class Leftover:
    """The folder of a rebuild that was killed before the swap."""

    path: Path
    size: int  # bytes


LOCK_PATIENCE = 5.0  # seconds


def leftover_rebuilds(remove: bool = False, patience: float | None = None) -> list[Leftover] | None:
    """The folders that rebuilds of this index copy left behind when they were killed (removed if ``remove``);
    None when the writer lock stayed taken for ``patience`` seconds (LOCK_PATIENCE): a rebuild holds it from
    start to swap, and its folder is not a leftover. A sync holds it for a moment only."""
    index_dir = current_app.config["INDEX_DIR"]
    deadline = time.monotonic() + (LOCK_PATIENCE if patience is None else patience)
    while True:
        with outbox.writer_lock(index_dir) as acquired:
            if acquired:
                index = get_index()
                found = [Leftover(folder, _folder_size(folder)) for folder in index.unfinished_rebuilds()]
                if remove:
                    index.remove_unfinished_rebuilds()
                    rebuilding.progress_path(index_dir).unlink(missing_ok=True)  # a killed one's percent
                return found
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


def _folder_size(folder: Path) -> int:
    return sum(entry.stat().st_size for entry in folder.rglob("*") if entry.is_file())


def rebuild_index(progress=None, replacing: bool = False) -> int:
    """Rebuild the whole index from the database under the writer lock; ``replacing`` an index that no longer tells
    what the database holds (behind the outbox's pruning, another database's, before a restore): search says
    «индекс перестраивается» meanwhile instead of answering from it (``searchable_index``)."""
    index_dir = current_app.config["INDEX_DIR"]
    with outbox.writer_lock(index_dir, wait=True):
        count = _rebuild_locked(index_dir, progress, replacing)
    _rebuilt(index_dir)
    return count


def _rebuild_locked(index_dir: str, progress=None, replacing: bool = False) -> int:
    # every rebuild of this copy runs under the writer lock: a rebuild folder found now is one that was killed
    for folder in get_index().remove_unfinished_rebuilds():
        current_app.logger.warning("Removed the folder of a rebuild that never ended: %s", folder)
    start = outbox.rebuild_point()
    recorder = rebuilding.Recorder(index_dir, documents.count_documents(), progress, replacing=replacing)
    try:
        count = get_index().rebuild(documents.all_documents(), progress=recorder)
    finally:
        recorder.close()
    outbox.reset_position(index_dir, start)
    db.session.rollback()
    return count


def _rebuilt(index_dir: str) -> None:
    """After a rebuild: apply what was committed while it ran (a web process that found the lock taken left its
    changes in the outbox), and say where this copy is. The rebuild is done either way: a failure here only
    leaves those changes to the next sync."""
    try:
        outbox.sync_index(get_index(), index_dir)
    except (IndexUnavailable, OSError, SQLAlchemyError) as exc:
        db.session.rollback()
        current_app.logger.warning("Changes made during the rebuild wait in the outbox: %s", exc)
    outbox.report_position(index_dir, force=True)


def repair_index() -> int | None:
    """Rebuild the index from the database if it is missing or damaged, or if `prune-outbox` deleted changes it
    had not applied; returns the document count, or None when there was nothing to repair or another writer
    holds the lock (that writer repairs it, or the next call does).

    What the `indexer` process does in production, for a web process that is its own index writer (which runs it
    in a child process, `kb.search.repair`). Search says «индекс перестраивается» meanwhile, whatever the reason
    (``searchable_index``)."""
    index_dir = current_app.config["INDEX_DIR"]
    with outbox.writer_lock(index_dir) as acquired:
        if not acquired:
            return None
        try:
            get_index().doc_count()
            outbox.check_not_pruned(index_dir)
        except IndexUnavailable:
            pass
        else:
            db.session.rollback()
            return None
        count = _rebuild_locked(index_dir, replacing=True)
    _rebuilt(index_dir)
    return count
