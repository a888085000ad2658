"""Finding what is already in the bank before a practice or a file is saved.

* The same file: attachments are stored by their SHA-256, so an identical upload has the same digest.
* Nearly the same text: the MinHash signature of a practice's title and sections (kept up to date in
  the same flush as the practice itself) compared with the text being saved; candidates come from
  the LSH buckets, the estimate decides. The same title (case and ё folded) counts as well.

Only practices the user may see are reported (kb/practices/policy.py): another teacher's draft is
never named, nor hinted at — a hint would tell anyone who pastes a text whether it sits in someone's
unpublished work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from flask import current_app
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import selectinload

from kb.accounts.models import User
from kb.attachments.extract import AttachmentError, detect
from kb.attachments.models import Attachment
from kb.attachments.services import clean_filename
from kb.attachments.storage import storage
from kb.duplicates import minhash
from kb.duplicates.models import PracticeFingerprint, PracticeFingerprintBand, practice_text, store, text_of
from kb.extensions import db
from kb.practices import policy
from kb.practices.models import Practice
from kb.textclean import composed
from kb.timeutil import utcnow

# Estimated Jaccard similarity of word-stem 3-shingles from which two texts count as near-duplicates.
# bench/duplicates.py on the demo data: different practices reach 0.12 at most (0.05 when they share a topic);
# copies with every fifth word changed keep 0.27 and more, copies of half the sections 0.30 and more.
DEFAULT_THRESHOLD = 0.2
MAX_SHOWN = 5


@dataclass(frozen=True)
class Duplicate:
    """A practice already in the bank that looks like the one being saved."""

    practice: Practice
    similarity: float            # estimated share of common wording; 1.0 for the very same file
    file_name: str | None = None  # for a file: the name it has in that practice
    same_title: bool = False
    attachment_id: int | None = None  # for a file: the attachment holding it there


def threshold() -> float:
    return float(current_app.config.get("DUPLICATE_THRESHOLD", DEFAULT_THRESHOLD))


# -- keeping fingerprints for practices stored before they existed ----------------------------

def ensure_fingerprints(batch: int = 500) -> int:
    """Fingerprint the practices stored before fingerprints existed; returns how many were added."""
    added = 0
    while True:
        missing = db.session.scalars(
            select(Practice).where(~select(PracticeFingerprint.practice_id)
                                   .where(PracticeFingerprint.practice_id == Practice.id).exists())
            .order_by(Practice.id).limit(batch)).all()
        if not missing:
            return added
        store(db.session.connection(), {p.id: text_of(p) for p in missing})
        added += len(missing)


# -- looking for duplicates ------------------------------------------------------------------------

def _visible(user: User | None, practices: list[Practice]) -> list[Practice]:
    return [p for p in practices if policy.can_view(user, p)]


def _fold(text: str) -> str:
    return " ".join(composed(text or "").lower().replace("ё", "е").split())


def similar_texts(user: User | None, title: str, sections: Mapping[str, str],
                  exclude_id: int | None = None) -> list[Duplicate]:
    """Practices this user may see with the same title or wording that nearly repeats this title and these
    sections, most alike first."""
    scores: dict[int, float] = {}
    hashes = minhash.shingles(practice_text(title, sections))
    if len(hashes) >= minhash.MIN_SHINGLES:  # a title and a line or two say too little to compare by wording
        ensure_fingerprints()
        sig = minhash.signature(hashes)
        candidates = select(PracticeFingerprintBand.practice_id).where(
            PracticeFingerprintBand.bucket.in_(minhash.band_hashes(sig)))
        for row in db.session.execute(select(PracticeFingerprint.practice_id, PracticeFingerprint.signature)
                                      .where(PracticeFingerprint.practice_id.in_(candidates))):
            score = minhash.similarity(sig, minhash.from_bytes(row.signature))
            if score >= threshold():
                scores[row.practice_id] = score
    folded = _fold(title)
    # The length test first: it spares SQLite's Python-level lower() on nearly every row.
    titled = set(db.session.scalars(select(Practice.id).where(
        func.length(Practice.title) == len(folded),
        func.replace(func.lower(Practice.title), "ё", "е") == folded))) if folded else set()
    ids = (set(scores) | titled) - {exclude_id}
    if not ids:
        return []
    practices = db.session.scalars(select(Practice).where(Practice.id.in_(ids))).all()
    return _ranked(_visible(user, list(practices)), scores, titled)


# PostgreSQL's advisory locks of new practices: (this number, the author's id).
NEW_PRACTICE_LOCK = 0x6B620001


def similar_to_new(user: User, title: str, sections: Mapping[str, str]) -> list[Duplicate]:
    """``similar_texts`` for a practice ``user`` is about to create; until this transaction ends, another creation
    by the same user waits here, and then finds this one if it was saved.

    The look and the insert after it were not one step: the same practice sent several times at once (an API
    client's parallel workers or retry, a double click on «Сохранить») found nothing each time and was created
    each time. PostgreSQL: a transaction-level advisory lock per author (the duplicates one may be told of are
    mostly one's own: another author's draft is never named). SQLite: its one write lock, taken now (BEGIN
    IMMEDIATE) rather than at the insert; a transaction that already wrote holds it."""
    _lock_new_practices(user)
    return similar_texts(user, title, sections)


def _lock_new_practices(user: User) -> None:
    """Until this transaction ends, another creation by ``user`` waits (see ``similar_to_new``)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:kind, :user_id)"),
                           {"kind": NEW_PRACTICE_LOCK, "user_id": user.id})
    elif connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# A practice the same author created this recently with the very same content is the same request sent again (a
# double click on «Всё равно сохранить», an API client's retry with confirm_duplicates), not a new one.
TWIN_SECONDS = 120


def twin_of_new(user: User, data) -> Practice | None:
    """The practice ``user`` created in the last TWIN_SECONDS with exactly this content (``PracticeData``: title,
    sections, authors and every field), or None; under the same per-author lock as ``similar_to_new``, so that of
    two such requests at once the second waits for the first and then finds what it created."""
    from kb.practices.services import holds

    _lock_new_practices(user)
    since = utcnow() - timedelta(seconds=TWIN_SECONDS)
    recent = db.session.scalars(select(Practice).where(Practice.owner_id == user.id, Practice.created_at >= since)
                                .order_by(Practice.id.desc()).limit(20))
    return next((practice for practice in recent if holds(practice, data)), None)


# Values of one IN (...) at a time: within SQLite's and PostgreSQL's limits on parameters, few round trips.
_BATCH = 500
_BUCKET_HOLDERS = (select(PracticeFingerprintBand.bucket, PracticeFingerprintBand.practice_id)
                   .where(PracticeFingerprintBand.bucket.in_(bindparam("values", expanding=True))))
_SIGNATURES = (select(PracticeFingerprint.practice_id, PracticeFingerprint.signature)
               .where(PracticeFingerprint.practice_id.in_(bindparam("values", expanding=True))))


def _batched(statement, values) -> list:
    """The rows of a statement with an expanding «values» parameter, run for a batch of values at a time (on the
    session's connection, as Core: the ORM's handling of a statement would double the time of a registry's
    check)."""
    connection, values, rows = db.session.connection(), sorted(values), []
    for start in range(0, len(values), _BATCH):
        rows += connection.execute(statement, {"values": values[start:start + _BATCH]}).all()
    return rows


@dataclass(frozen=True)
class Print:
    """What a text is compared by: its MinHash signature (None for a text too short to compare by its wording) and
    its LSH buckets."""

    signature: np.ndarray | None
    buckets: list[int]


def text_prints(texts: list[tuple[str, Mapping[str, str]]]) -> list[Print]:
    """The ``Print`` of each (title, sections): computed once for the bank's practices and the batch's own."""
    prints = []
    for title, sections in texts:
        hashes = minhash.shingles(practice_text(title, sections))
        # a title and a line or two say too little to compare by wording
        sig = minhash.signature(hashes) if len(hashes) >= minhash.MIN_SHINGLES else None
        prints.append(Print(sig, minhash.band_hashes(sig) if sig is not None else []))
    return prints


@dataclass(frozen=True)
class Repeat:
    """An earlier text of a batch (a registry's new rows) that a later one nearly repeats."""

    index: int  # its position in the batch
    similarity: float
    same_title: bool = False


# From this share of common wording two texts of one batch (the rows of a registry) repeat each other: the rows of
# one office share its boilerplate (the same annotation under different titles was 0.34 in a test registry), and a row
# copied twice is 1.0; the same title counts as for the bank.
BATCH_THRESHOLD = 0.5
# The earlier texts of a batch a bucket remembers: a registry of 2000 copies of one row compares each with the first
# ones, not with all before it (2 million comparisons), and names the first ones it repeats.
_BUCKET_KEEP = 4 * MAX_SHOWN


def repeats_among(texts: list[tuple[str, Mapping[str, str]]], prints: list[Print] | None = None) -> list[list[Repeat]]:
    """For each text, the earlier texts of the batch it repeats: the same title (case and ё folded), as
    ``similar_texts`` judges a practice, or wording alike from BATCH_THRESHOLD (or the bank's threshold, if higher),
    the most alike first (at most MAX_SHOWN). The candidates come from the LSH buckets, as for the bank, and are
    scored together."""
    prints = text_prints(texts) if prints is None else prints
    least = max(threshold(), BATCH_THRESHOLD)
    stacked = np.stack([item.signature if item.signature is not None else np.zeros(minhash.PERMUTATIONS, np.uint32)
                        for item in prints]) if texts else None
    holders: dict[int, list[int]] = {}  # a bucket -> the first earlier texts in it
    titles: dict[str, list[int]] = {}
    found: list[list[Repeat]] = []
    for index, ((title, _sections), item) in enumerate(zip(texts, prints, strict=True)):
        bands = item.buckets
        candidates = sorted({earlier for band in bands for earlier in holders.get(band, ())})
        scores: dict[int, float] = {}
        if candidates:
            alike = np.count_nonzero(stacked[candidates] == item.signature, axis=1) / minhash.PERMUTATIONS
            scores = {earlier: float(score) for earlier, score in zip(candidates, alike, strict=True)
                      if score >= least}
        folded = _fold(title)
        titled = set(titles.get(folded, ())) if folded else set()
        ordered = sorted(set(scores) | titled, key=lambda earlier: (-scores.get(earlier, 0) - (earlier in titled),
                                                                    earlier))
        found.append([Repeat(earlier, scores.get(earlier, 0.0), earlier in titled) for earlier in ordered[:MAX_SHOWN]])
        for band in bands:
            if len(holder := holders.setdefault(band, [])) < _BUCKET_KEEP:
                holder.append(index)
        if folded and len(holder := titles.setdefault(folded, [])) < _BUCKET_KEEP:
            holder.append(index)
    return found


def similar_many(user: User | None, texts: list[tuple[str, Mapping[str, str]]],
                 exclude: set[int] | frozenset[int] = frozenset(),
                 prints: list[Print] | None = None) -> list[list[Duplicate]]:
    """``similar_texts`` for many texts at once (the new rows of a registry), each list as that function gives it,
    without the practices in ``exclude`` (``prints``: their ``text_prints``, if known): the buckets, the
    candidates' signatures and the practices found are read a batch of values at a time, and the titles once.

    Each row keeps only its MAX_SHOWN best practices, not every candidate and its score: 2000 rows against a bank
    of 5000 alike practices held 10 million scores (1.8 GB). The best ones are chosen among the practices the user
    may see: a row whose best include one hidden from the user is ranked again without it."""
    if not texts:
        return []
    ensure_fingerprints()
    prints = text_prints(texts) if prints is None else prints
    holders: dict[int, list[int]] = {}
    for bucket, practice_id in _batched(_BUCKET_HOLDERS, {b for item in prints for b in item.buckets}):
        holders.setdefault(bucket, []).append(practice_id)
    ids = np.array(sorted({practice_id for held in holders.values() for practice_id in held} - set(exclude)),
                   dtype=np.int64)
    place = {int(practice_id): row for row, practice_id in enumerate(ids)}
    stacked = np.zeros((len(ids), minhash.PERMUTATIONS), np.uint32)
    has_signature = np.zeros(len(ids), bool)
    for practice_id, signature in _batched(_SIGNATURES, place):
        stacked[place[practice_id]] = minhash.from_bytes(signature)
        has_signature[place[practice_id]] = True
    rows_of = {bucket: np.array([place[i] for i in held if i in place], np.int64) for bucket, held in holders.items()}
    del holders
    titles: dict[str, list[int]] = {}
    for practice_id, title in db.session.execute(select(Practice.id, Practice.title)):
        if practice_id not in exclude:
            titles.setdefault(_fold(title), []).append(practice_id)
    least = threshold()

    def best(item: Print, title: str, hidden: set[int]) -> list[tuple[int, int, bool]]:
        """The row's MAX_SHOWN best practices not in ``hidden``: (id, common signature positions, same title)."""
        candidate = np.zeros(len(ids), bool)  # one flag per practice: a bucket's holders are set, not gathered
        for bucket in item.buckets:
            if bucket in rows_of:
                candidate[rows_of[bucket]] = True
        rows = np.flatnonzero(candidate & has_signature)
        if not len(rows):
            common = np.zeros(0, np.uint16)
        elif 2 * len(rows) > len(ids):  # most of them: comparing all spares copying the candidates' signatures
            common = (stacked == item.signature).view(np.uint8).sum(axis=1, dtype=np.uint16)[rows]
        else:
            common = (stacked[rows] == item.signature).view(np.uint8).sum(axis=1, dtype=np.uint16)
        kept = common / minhash.PERMUTATIONS >= least
        found, counts = ids[rows[kept]], common[kept].astype(np.int64)
        folded = _fold(title)
        titled = np.array(titles.get(folded, []) if folded else [], np.int64)
        if len(titled):
            found, at = np.unique(np.concatenate([found, titled]), return_index=True)
            counts = np.concatenate([counts, np.zeros(len(titled), np.int64)])[at]
        same_title = np.isin(found, titled)
        if hidden:
            shown = ~np.isin(found, np.fromiter(hidden, np.int64, len(hidden)))
            found, counts, same_title = found[shown], counts[shown], same_title[shown]
        # the most alike first, then the lower id: one integer per practice, the smallest first
        order = (2 * minhash.PERMUTATIONS - counts - minhash.PERMUTATIONS * same_title) << 32 | found
        if len(order) > MAX_SHOWN:
            order = np.partition(order, MAX_SHOWN - 1)[:MAX_SHOWN]
        picked = np.sort(order) & 0xFFFFFFFF
        where = np.searchsorted(found, picked)
        return [(int(found[k]), int(counts[k]), bool(same_title[k])) for k in where]

    visible: dict[int, Practice | None] = {}  # the practices looked at: a Practice the user may see, or None
    hidden: set[int] = set()
    results: list[list[tuple[int, int, bool]] | None] = [None] * len(texts)
    pending = list(range(len(texts)))
    while pending:
        ranked = {index: best(prints[index], texts[index][0], hidden) for index in pending}
        wanted = sorted({practice_id for row in ranked.values() for practice_id, _c, _t in row} - set(visible))
        for start in range(0, len(wanted), _BATCH):
            loaded = db.session.scalars(select(Practice).where(Practice.id.in_(wanted[start:start + _BATCH]))).all()
            seen = {practice.id for practice in _visible(user, list(loaded))}
            for practice in loaded:
                visible[practice.id] = practice if practice.id in seen else None
        for practice_id in wanted:
            if visible.setdefault(practice_id, None) is None:
                hidden.add(practice_id)
        pending = []
        for index, row in ranked.items():
            if all(visible[practice_id] is not None for practice_id, _c, _t in row):
                results[index] = row
            else:
                pending.append(index)
    return [[Duplicate(visible[practice_id], common / minhash.PERMUTATIONS, same_title=same_title)
             for practice_id, common, same_title in row] for row in results]


def _ranked(practices: list[Practice], scores: Mapping[int, float], titled: set[int]) -> list[Duplicate]:
    """The most alike first: the same title counts as a whole text in common."""
    ordered = sorted(practices, key=lambda p: (-scores.get(p.id, 0) - (p.id in titled), p.id))
    return [Duplicate(p, scores.get(p.id, 0.0), same_title=p.id in titled) for p in ordered[:MAX_SHOWN]]


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def same_files(user: User | None, digest: str) -> list[Duplicate]:
    """Practices this user may see that already have a file with this SHA-256."""
    attachments = db.session.scalars(select(Attachment).where(Attachment.sha256 == digest)
                                     .options(selectinload(Attachment.practice)).order_by(Attachment.id)).all()
    found: dict[int, Duplicate] = {}
    for attachment in attachments:
        if attachment.practice_id not in found and policy.can_view(user, attachment.practice):
            found[attachment.practice_id] = Duplicate(attachment.practice, 1.0, attachment.original_name,
                                                      attachment_id=attachment.id)
    return list(found.values())


def before_upload(user: User, practice: Practice, filename: str, data: bytes) -> list[Duplicate]:
    """The practices already holding this very file, for a file its uploader may attach and the bank would take
    (a refused file gets its own message instead)."""
    if not policy.can_edit(user, practice) or len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
        return []
    try:
        detect(data, clean_filename(filename))
    except AttachmentError:
        return []
    return same_files(user, digest_of(data))


def stored_copy(user: User | None, digest: str) -> bytes | None:
    """The bytes of a file this user can already see in the bank, to attach it again without a new upload."""
    if len(digest) != 64 or not same_files(user, digest):
        return None
    try:
        path = storage().path(digest)
    except ValueError:
        return None
    return path.read_bytes() if path.is_file() else None
