"""Collections: creating and sharing them, adding and ordering items, what a viewer may see of them."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Select, and_, exists, func, or_, select, union_all
from sqlalchemy.orm import defer, joinedload, load_only, selectinload

from kb.accounts.models import User
from kb.attachments.models import Attachment
from kb.citations.services import inner_quotes
from kb.collections.models import ITEM_TYPE_LABELS, ITEM_TYPES, VISIBILITIES, Collection, CollectionItem
from kb.extensions import db
from kb.practices import policy
from kb.practices.models import Practice
from kb.resolutions.models import Recommendation, Resolution
from kb.templating import format_date_range, plural
from kb.textclean import contains, unix_line_breaks, visible_strip
from kb.timeutil import utcnow
from kb.vocabularies.services import fold

DEFAULT_TITLE = "Моя подборка"
UNAVAILABLE = "Материал недоступен"
Material = Practice | Resolution | Recommendation | Attachment
_MODELS: dict[str, type[Material]] = {"practice": Practice, "resolution": Resolution, "recommendation": Recommendation,
                                      "attachment": Attachment}


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_owner(user: User | None, collection: Collection) -> bool:
    """Whether this user made the collection (only the owner changes it)."""
    return _signed_in(user) and collection.owner_id == user.id


def can_view(user: User | None, collection: Collection, token: str | None = None) -> bool:
    """The owner always; anyone when public; with the secret link when shared by link or public."""
    if is_owner(user, collection) or collection.visibility == "public":
        return True
    return (collection.visibility == "link" and token is not None
            and secrets.compare_digest(token, collection.share_token))


def create_collection(owner: User, title: str, description: str = "", visibility: str = "private") -> Collection:
    """A new collection of ``owner`` with a fresh secret link token."""
    collection = Collection(owner_id=owner.id, share_token=secrets.token_urlsafe(24))
    update_collection(collection, title, description, visibility)
    db.session.add(collection)
    db.session.flush()
    return collection


def update_collection(collection: Collection, title: str, description: str, visibility: str) -> None:
    """Change the title, the description and who may see the collection."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"unknown visibility {visibility!r}")
    collection.title = visible_strip(title) or DEFAULT_TITLE
    # at most the column's 300 characters, as the title: a few letters lower into two («İ» is «i̇»)
    collection.title_folded = fold(collection.title)[:300]
    collection.description = description.strip()
    collection.visibility = visibility
    collection.updated_at = utcnow()


def default_title(owner: User) -> str:
    """«Моя подборка» for the first collection, «Моя подборка 2» and so on after it."""
    count = db.session.scalar(select(func.count()).select_from(Collection).where(Collection.owner_id == owner.id))
    return DEFAULT_TITLE if not count else f"{DEFAULT_TITLE} {count + 1}"


def renew_share_token(collection: Collection) -> None:
    """A new secret link: the old one stops working."""
    collection.share_token = secrets.token_urlsafe(24)


def get_collection(collection_id: int) -> Collection | None:
    """A collection by id, whoever owns it (check can_view)."""
    return db.session.get(Collection, collection_id)


def get_shared_collection(token: str) -> Collection | None:
    """The collection behind a secret link, if it is shared by link or public."""
    collection = db.session.scalar(select(Collection).where(Collection.share_token == token))
    return collection if collection is not None and can_view(None, collection, token) else None


def owned_collections(user: User) -> list[Collection]:
    """The user's collections, the most recently changed first."""
    return list(db.session.scalars(
        select(Collection).where(Collection.owner_id == user.id)
        .order_by(Collection.updated_at.desc(), Collection.id.desc())
    ))


def latest_collection(user: User) -> Collection | None:
    """The user's most recently changed collection: the one a «В подборку» list offers first."""
    return db.session.scalar(
        select(Collection).where(Collection.owner_id == user.id)
        .order_by(Collection.updated_at.desc(), Collection.id.desc()).limit(1)
    )


def public_collections(query: str, page: int, per_page: int):
    """Public collections whose title contains ``query`` (case and «ё» folded), newest change first."""
    statement = select(Collection).where(Collection.visibility == "public")
    if fold(query):
        statement = statement.where(Collection.title_folded.like(contains(fold(query)), escape="\\"))
    statement = statement.order_by(Collection.updated_at.desc(), Collection.id.desc())
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def item_counts(collections: list[Collection]) -> dict[int, int]:
    """How many items each of these collections holds."""
    ids = [c.id for c in collections]
    if not ids:
        return {}
    rows = db.session.execute(select(CollectionItem.collection_id, func.count()).where(
        CollectionItem.collection_id.in_(ids)).group_by(CollectionItem.collection_id))
    return {collection_id: count for collection_id, count in rows}


def _material_visible(user: User | None, material: Material) -> bool:
    if isinstance(material, Practice):
        return policy.can_view(user, material)
    if isinstance(material, Attachment):  # a practice's file: whoever may see the practice, as its download
        return policy.can_view(user, material.practice)
    resolution = material if isinstance(material, Resolution) else material.resolution
    return resolution.is_published


def visible_material(user: User | None, item_type: str, item_id: int) -> Material | None:
    """The practice, resolution, recommendation or practice's file if it exists and this user may see it."""
    model = _MODELS.get(item_type)
    material = db.session.get(model, item_id, options=_reference_loads(item_type)) if model else None
    return material if material is not None and _material_visible(user, material) else None


class ItemNotFound(LookupError):
    """No such material, or the user may not see it."""


class ItemRefused(ValueError):
    """The material does not go into the collection; the message says why to the user."""


class CollectionFull(ItemRefused):
    """The collection holds COLLECTION_MAX_ITEMS items already."""


# A file is handed out to the collection's readers and in its exports: that of a practice not public (a draft, one on
# review, one taken down) would be «Материал недоступен» to all of them. Its page has no «В подборку» for it.
UNPUBLISHED_FILE = ("Файл неопубликованной практики в подборку не добавляется: читатели подборки и её выгрузки "
                    "его не получат. Добавьте файл, когда практику опубликуют.")


def _unpublished_file(material: Material) -> bool:
    """A file of a practice not published: it goes into no collection (``UNPUBLISHED_FILE``), nor into a copy."""
    return isinstance(material, Attachment) and not material.practice.is_published


def max_items() -> int:
    """How many items a collection may hold (COLLECTION_MAX_ITEMS): its exports are made while the reader waits."""
    return current_app.config["COLLECTION_MAX_ITEMS"]


def full_message(collection: Collection) -> str:
    limit = max_items()
    return (f"В подборке «{collection.title}» уже {limit} {plural(limit, 'материал', 'материала', 'материалов')} — "
            "больше в одну подборку не помещается. Уберите из неё лишнее или начните новую подборку.")


def over_limit_message(count: int) -> str:
    """What a copy says of the materials past max_items() it left out: «3 материала не вошли: в подборку помещается
    не больше 500 материалов.» (not «недоступных»: the reader sees them)."""
    limit = max_items()
    return (f"{count} {plural(count, 'материал', 'материала', 'материалов')} "
            f"{plural(count, 'не вошёл', 'не вошли', 'не вошли')}: в подборку помещается не больше {limit} "
            f"{plural(limit, 'материала', 'материалов', 'материалов')}.")


def add_item(user: User, collection: Collection, item_type: str, item_id: int) -> tuple[CollectionItem, bool]:
    """Put a material at the end of the collection; (item, False) when it is there already. Raises ItemNotFound
    for a material the user may not see, ItemRefused for a file of a practice not published, CollectionFull when
    the collection holds max_items() already: none of them for a material already in the user's own collection
    (its owner put it there)."""
    # Already there: «уже есть» is the truth, the refusal was not (a file added while its practice was public), nor
    # a 404 (a practice taken back to a draft since: its row in the list is «Материал недоступен»). It tells the
    # owner nothing her list does not show; whoever never had it there gets ItemNotFound below.
    there = next((i for i in collection.items if i.item_type == item_type and i.item_id == item_id), None)
    if there is not None and is_owner(user, collection):
        return there, False
    material = visible_material(user, item_type, item_id)
    if material is None:
        raise ItemNotFound(f"{item_type} {item_id}")
    if there is not None:
        return there, False
    if _unpublished_file(material):
        raise ItemRefused(UNPUBLISHED_FILE)
    if len(collection.items) >= max_items():
        raise CollectionFull(full_message(collection))
    item = CollectionItem(item_type=item_type, item_id=item_id,
                          position=max((i.position for i in collection.items), default=-1) + 1)
    collection.items.append(item)
    collection.updated_at = utcnow()
    db.session.flush()
    return item, True


COPY_PREFIX = "Копия: "


class Copied(NamedTuple):
    """What ``copy_collection`` made and what it left out, each for its own reason (the view says them apart)."""

    collection: Collection
    unavailable: int  # the user does not see them (a colleague's draft, a practice taken down, one deleted)
    over_limit: int  # seen, but past max_items(): the source holds more (made before the limit was lowered)
    unpublished_files: int  # files of practices not published: the owner sees her draft's, which no list takes


def copy_collection(user: User, source: Collection) -> Copied:
    """A private collection of ``user`` with the materials of ``source`` they see on its page (``entries``: one
    query per kind of material), in its order and with its notes (a course designer adapts a colleague's list),
    up to max_items(); with how many were left out, and why (``Copied``)."""
    title = source.title if is_owner(user, source) or source.title.startswith(COPY_PREFIX) \
        else COPY_PREFIX + source.title
    copy = create_collection(user, title[:300], source.description, "private")
    unavailable = over_limit = unpublished_files = 0
    for entry in entries(source, user):
        item = entry.item
        if not entry.available:
            unavailable += 1
        elif _unpublished_file(entry.material):
            unpublished_files += 1
        elif len(copy.items) >= max_items():
            over_limit += 1
        else:
            copy.items.append(CollectionItem(item_type=item.item_type, item_id=item.item_id, note=item.note,
                                             position=len(copy.items)))
    db.session.flush()
    return Copied(copy, unavailable, over_limit, unpublished_files)


def remove_item(collection: Collection, item: CollectionItem) -> None:
    """Take an item out of the collection."""
    collection.items.remove(item)
    collection.updated_at = utcnow()


MOVES = ("up", "down", "top", "bottom")


def move_item(collection: Collection, item: CollectionItem, direction: str) -> bool:
    """Swap the item with its neighbour above ("up") or below ("down"), or put it first ("top") or last ("bottom":
    moving item 40 of a course's list to its top took 39 reloads); False where it already is, or for another word."""
    items = list(collection.items)
    index = items.index(item)
    other = {"up": index - 1, "down": index + 1, "top": 0, "bottom": len(items) - 1}.get(direction, -1)
    if not 0 <= other < len(items) or other == index:
        return False
    items.insert(other, items.pop(index))  # a neighbour's swap too
    # Renumber all: positions stay dense whatever earlier removals left behind.
    for position, each in enumerate(items):
        each.position = position
    collection.updated_at = utcnow()
    return True


def moved_message(collection: Collection, item: CollectionItem, direction: str, numbered: bool) -> str:
    """What a move says, beside the item (static/flashes.js): its place now, by the number the page shows
    (``numbered``: the page's numbers are the exports' in the collection's order, ``item_numbers``), «Перемещено:
    теперь 3-е из 12.» An item the page shows without one (unavailable, the owner's draft; any, with the exports
    alphabetical) is told its place without a number: at either end, or by the numbers around it, or which way it
    went. An ordinal in figures takes «-е», «-м», «-го» whatever the number (третье, третьим, третьего)."""
    items = sorted(collection.items, key=lambda i: i.position)  # the list loaded before the move keeps the old order
    numbers = item_numbers(collection, items) if numbered else {}
    if item.id in numbers:
        count = len(numbers)
        return f"Перемещено: теперь {numbers[item.id]}-е из {count}" + (
            " пронумерованных." if count < len(items) else ".")
    index = items.index(item)
    if index == 0:
        return "Перемещено: теперь в начале подборки."
    if index == len(items) - 1:
        return "Перемещено: теперь в конце подборки."
    before = [numbers[i.id] for i in items[:index] if i.id in numbers]
    after = [numbers[i.id] for i in items[index + 1:] if i.id in numbers]
    if before:
        return f"Перемещено: теперь после {before[-1]}-го."
    if after:
        return f"Перемещено: теперь перед {after[0]}-м."
    return "Перемещено выше." if direction in ("up", "top") else "Перемещено ниже."


def unmoved_message(direction: str) -> str:
    """A move past either end (from a page shown before the last move): nothing changes, and the page says why."""
    return ("Материал и так первый в подборке." if direction in ("up", "top")
            else "Материал и так последний в подборке.")


def set_note(collection: Collection, item: CollectionItem, note: str) -> None:
    """The owner's note on an item (what to read it for, which part)."""
    item.note = unix_line_breaks(note).strip()  # the page's text area sends CR LF
    collection.updated_at = utcnow()


@dataclass
class Entry:
    """One item as a viewer sees it: the material, or nothing when it is unavailable to them."""

    item: CollectionItem
    material: Material | None
    files: list[Attachment] = field(default_factory=list)  # a practice's, in the exports (``public_entries``)

    @property
    def available(self) -> bool:
        return self.material is not None

    @property
    def published(self) -> bool:
        """Whether everyone sees the material (the owner may see a draft or a submission that others do not)."""
        return self.material is not None and _published(self.material)

    @property
    def type_label(self) -> str:
        return ITEM_TYPE_LABELS.get(self.item.item_type, "")

    @property
    def title(self) -> str:
        if self.material is None:
            return UNAVAILABLE
        if isinstance(self.material, Recommendation):
            return f"Рекомендация {self.material.number}: {self.material.resolution.title}"
        if isinstance(self.material, Attachment):
            return self.material.original_name  # as the practice's page and the download name it
        return self.material.title

    @property
    def practice(self) -> Practice | None:
        """The practice a file belongs to (a file's item); None for any other item, and for an unavailable one."""
        return self.material.practice if isinstance(self.material, Attachment) else None

    @property
    def file_format(self) -> str:
        """A file's format and size as the practice's page gives them: «DOCX, 36 КБ»."""
        if not isinstance(self.material, Attachment):
            return ""
        return f"{self.material.kind.upper()}, {-(-self.material.size // 1024)} КБ"

    @property
    def excerpt(self) -> str:
        """A short annotation: a practice's annotation, a recommendation's text, a resolution's place and dates."""
        material = self.material
        if material is None:
            return ""
        if isinstance(material, Practice):
            text = material.annotation
        elif isinstance(material, Attachment):  # its format, size and practice; never the text extracted from it
            text = f"{self.file_format}, приложение к практике «{inner_quotes(material.practice.title)}»"
        elif isinstance(material, Recommendation):
            text = material.text
        else:
            # The title already names the conference: say where, when and who took part («более 450» alone would
            # not say what the figure counts: the resolution page labels it «Участники» too).
            participants = f"участники: {material.participants_text}" if material.participants_text else ""
            text = " · ".join(x for x in (material.place, format_date_range(material.date_start, material.date_end),
                                          participants) if x)
        return _shorten(text, 400)


def _shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:—–-") + "…"


def _reference_loads(item_type: str) -> tuple:
    """What a reference needs (kb/citations): a collection of 300 practices asked for each one's authors apart.
    Built on use, not on import: loader options configure the mappers, which needs every model imported."""
    if item_type == "practice":
        return (selectinload(Practice.authors),)
    if item_type == "recommendation":
        return (joinedload(Recommendation.resolution),)
    if item_type == "attachment":  # without the text extracted from the file (up to 2 million characters)
        return (defer(Attachment.text), joinedload(Attachment.practice).selectinload(Practice.authors))
    return ()


def entries(collection: Collection, viewer: User | None, items: list[CollectionItem] | None = None) -> list[Entry]:
    """The items in order (``items``: these of them only, one page); materials the viewer may not see (or
    deleted) come without their content.

    The owner sees what the practice policy lets them see; everyone else sees published materials only.
    """
    items = collection.items if items is None else items
    wanted: dict[str, set[int]] = {t: set() for t in ITEM_TYPES}
    for item in items:
        if item.item_type in wanted:
            wanted[item.item_type].add(item.item_id)
    found: dict[tuple[str, int], Material] = {}
    for item_type, ids in wanted.items():
        if ids:
            model = _MODELS[item_type]
            statement = select(model).where(model.id.in_(ids)).options(*_reference_loads(item_type))
            for material in db.session.scalars(statement):
                found[(item_type, material.id)] = material
    owner_view = is_owner(viewer, collection)
    result = []
    for item in items:
        material = found.get((item.item_type, item.item_id))
        if material is not None:
            visible = _material_visible(viewer, material) if owner_view else _published(material)
            material = material if visible else None
        result.append(Entry(item, material))
    return result


ITEMS_PER_PAGE = 50  # on a collection's page: 300 items made one page of 850 KB


@dataclass
class EntryPage:
    """One page of a collection's items, as the page template's pager wants it."""

    entries: list[Entry]
    page: int
    pages: int
    offset: int  # items before this page: the first one's place in the collection is offset + 1
    total: int
    numbers: dict[int, int]  # item id → its number in the exports (``item_numbers``): the page shows the same

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def entry_page(collection: Collection, viewer: User | None, page: int) -> EntryPage:
    """Page ``page`` of the items (past the end: the last page), only its materials read."""
    items = list(collection.items)
    pages = max(1, -(-len(items) // ITEMS_PER_PAGE))
    page = min(max(page, 1), pages)
    offset = (page - 1) * ITEMS_PER_PAGE
    return EntryPage(entries(collection, viewer, items[offset:offset + ITEMS_PER_PAGE]), page, pages, offset,
                     len(items), item_numbers(collection))


def page_of(collection: Collection, item: CollectionItem) -> int:
    """The page of the collection the item is on (where the owner goes back to after moving it)."""
    # by position: a move renumbers the items, and the list loaded before it keeps the old order
    return sorted(collection.items, key=lambda i: i.position).index(item) // ITEMS_PER_PAGE + 1


def public_entries(collection: Collection) -> list[Entry]:
    """The items as anyone but the owner sees them: what is not published comes as «Материал недоступен».

    The exports are made of these, the owner's too: a file is handed out, and a draft's title and a link that
    answers 404 to its reader have no place in it. A published practice comes with its files (its appendices): a
    draft's are nobody's to cite. A file that is an item of the collection itself is cited once, as that item (with
    its note): its practice's appendices are the others.
    """
    result = entries(collection, None)
    _with_files(result)
    return result


def _with_files(result: list[Entry]) -> None:
    """The files of the practices among ``result`` in the order they were attached, in one query and without the
    text extracted from them (up to 2 million characters each)."""
    ids = {entry.material.id for entry in result if isinstance(entry.material, Practice)}
    if not ids:
        return
    own_items = {entry.material.id for entry in result if isinstance(entry.material, Attachment)}
    files: dict[int, list[Attachment]] = defaultdict(list)
    statement = select(Attachment).where(Attachment.practice_id.in_(ids)).order_by(Attachment.id) \
        .options(load_only(Attachment.id, Attachment.practice_id, Attachment.original_name, Attachment.kind))
    for attachment in db.session.scalars(statement):
        if attachment.id not in own_items:
            files[attachment.practice_id].append(attachment)
    for entry in result:
        if isinstance(entry.material, Practice):
            entry.files = files[entry.material.id]


def _public_items(collection: Collection) -> list[Select]:
    """Selects of the ids of the collection's items everyone sees (``public_entries``), one per kind of material."""
    item = CollectionItem
    mine = item.collection_id == collection.id
    practice = select(item.id).join(Practice, and_(item.item_type == "practice", Practice.id == item.item_id)) \
        .where(mine, Practice.status == "published")
    resolution = select(item.id).join(Resolution, and_(item.item_type == "resolution", Resolution.id == item.item_id)) \
        .where(mine, Resolution.status == "published")
    recommendation = select(item.id) \
        .join(Recommendation, and_(item.item_type == "recommendation", Recommendation.id == item.item_id)) \
        .join(Resolution, Resolution.id == Recommendation.resolution_id) \
        .where(mine, Resolution.status == "published")
    attachment = select(item.id).join(Attachment, and_(item.item_type == "attachment", Attachment.id == item.item_id)) \
        .join(Practice, Practice.id == Attachment.practice_id).where(mine, Practice.status == "published")
    return [practice, resolution, recommendation, attachment]


def has_public_material(collection: Collection) -> bool:
    """Whether the exports have something to list: an item everyone sees (``public_entries``). An empty collection,
    or one whose materials were all unpublished, gave 0-byte RIS and BibTeX files and a DOCX and a PDF of two bare
    headings. One query, whatever the number of items."""
    return bool(db.session.scalar(select(or_(*(exists(query) for query in _public_items(collection))))))


def bibliography_numbers(cited: Iterable[bool]) -> list[int | None]:
    """The numbers of items in an export's bibliography, by whether each is cited, in the order given: 1, 2, 3… for
    the cited ones, None for one that is not (unavailable to readers: «Материал недоступен»). Every part of an export
    and the collection's page call an item by this number."""
    numbers: list[int | None] = []
    count = 0
    for each in cited:
        if each:
            count += 1
        numbers.append(count if each else None)
    return numbers


def item_numbers(collection: Collection, items: list[CollectionItem] | None = None) -> dict[int, int]:
    """Each item's number in the exports in the collection's order (``bibliography_numbers``; ``items``: all of
    them, in the order they are now), by the item's id; an item the exports do not cite has none. One query,
    whatever the number of items."""
    public = set(db.session.scalars(union_all(*_public_items(collection))))
    items = collection.items if items is None else items
    numbers = bibliography_numbers(item.id in public for item in items)
    return {item.id: number for item, number in zip(items, numbers, strict=True) if number is not None}


def _published(material: Material) -> bool:
    if isinstance(material, Recommendation):
        return material.resolution.is_published
    if isinstance(material, Attachment):
        return material.practice.is_published
    return material.is_published
