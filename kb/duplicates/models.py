"""Stored MinHash signatures of practice texts, and their LSH buckets for finding candidates fast.

Both tables are derived data, written in the same flush as the practice whose title or sections
changed (like the index outbox); a practice stored before they existed gets its rows the first time
duplicates are looked for (services.ensure_fingerprints).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import BigInteger, Connection, ForeignKey, Index, LargeBinary, SmallInteger, delete, event, insert
from sqlalchemy import inspect as inspect_object
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb.duplicates import minhash
from kb.extensions import db
from kb.practices.models import SECTION_KEYS, Practice

TEXT_FIELDS = ("title", *SECTION_KEYS)


class PracticeFingerprint(db.Model):
    """The MinHash signature of one practice's title and sections."""

    __tablename__ = "practice_fingerprint"

    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    shingle_count: Mapped[int]


class PracticeFingerprintBand(db.Model):
    """One LSH bucket of a practice: practices sharing a bucket are candidates to compare."""

    __tablename__ = "practice_fingerprint_band"
    __table_args__ = (Index("ix_practice_fingerprint_band_bucket", "bucket"),)

    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger)


def practice_text(title: str, sections: Mapping[str, str]) -> str:
    """The text a practice is compared by: its title and every section."""
    return "\n".join([title or "", *((sections.get(key) or "") for key in SECTION_KEYS)])


def text_of(practice: Practice) -> str:
    return practice_text(practice.title, {key: getattr(practice, key) or "" for key in SECTION_KEYS})


def forget(connection: Connection, practice_ids: list[int]) -> None:
    connection.execute(delete(PracticeFingerprintBand).where(PracticeFingerprintBand.practice_id.in_(practice_ids)))
    connection.execute(delete(PracticeFingerprint).where(PracticeFingerprint.practice_id.in_(practice_ids)))


def store(connection: Connection, texts: dict[int, str]) -> None:
    """Replace the fingerprints of these practices (id → text)."""
    forget(connection, list(texts))
    rows, bands = [], []
    for practice_id, text in texts.items():
        hashes = minhash.shingles(text)
        sig = minhash.signature(hashes)
        rows.append({"practice_id": practice_id, "signature": minhash.to_bytes(sig), "shingle_count": len(hashes)})
        bands += [{"practice_id": practice_id, "band": i, "bucket": bucket}
                  for i, bucket in enumerate(minhash.band_hashes(sig))]
    connection.execute(insert(PracticeFingerprint), rows)
    connection.execute(insert(PracticeFingerprintBand), bands)


def _text_changed(practice: Practice) -> bool:
    state = inspect_object(practice)
    return any(state.attrs[name].history.has_changes() for name in TEXT_FIELDS)


@event.listens_for(Session, "after_flush")
def _refresh_fingerprints(session: Session, flush_context: object) -> None:
    changed = {p.id: text_of(p) for p in session.new if isinstance(p, Practice)}
    changed.update({p.id: text_of(p) for p in session.dirty if isinstance(p, Practice) and _text_changed(p)})
    gone = [p.id for p in session.deleted if isinstance(p, Practice)]
    if changed:
        store(session.connection(), changed)
    if gone:  # SQLite leaves the cascade to us unless foreign keys are switched on
        forget(session.connection(), gone)
