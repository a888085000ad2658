"""Shingling and MinHash: an estimate of how much two texts share, robust to light edits.

A text becomes the set of its overlapping runs of ``SHINGLE_WORDS`` word stems (so a changed case
ending or ё/е does not count as an edit); MinHash keeps, for each of ``PERMUTATIONS`` fixed random
permutations of the shingle hashes, the smallest one. The share of equal positions in two
signatures estimates the Jaccard similarity of the two shingle sets. Locality-sensitive hashing
cuts a signature into bands: texts with at least one equal band are the only candidates worth
comparing. Nothing here knows of Flask or the database.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import Stemmer

SHINGLE_WORDS = 3
PERMUTATIONS = 128
BAND_ROWS = 2                       # 64 bands of 2 rows: a pair with Jaccard 0.2 becomes a candidate with p ≈ 0.93,
BANDS = PERMUTATIONS // BAND_ROWS   # 0.25 → 0.98, 0.3 → 0.998; a pair at 0.05 only with p ≈ 0.15
MIN_SHINGLES = 8                    # below this a text is too short to compare by its wording

_rng = np.random.default_rng(20170417)  # fixed: stored signatures must stay comparable across processes
# h(x) = (a·x + b) mod 2^64, top 32 bits: the multiply-add-shift family (a odd), applied to 64-bit shingle hashes.
_A = _rng.integers(0, 1 << 63, size=PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 1 << 63, size=PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"[0-9a-zа-я]+")
_STEMMER = Stemmer.Stemmer("russian")


def words(text: str) -> list[str]:
    """The stems of the words of ``text``, lower-cased with ё folded to е."""
    return _STEMMER.stemWords(_WORD.findall((text or "").lower().replace("ё", "е")))


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "little")


def shingles(text: str) -> set[int]:
    """64-bit hashes of the overlapping word-stem runs of ``text``."""
    stems = words(text)
    if len(stems) < SHINGLE_WORDS:
        return {_hash(" ".join(stems))} if stems else set()
    return {_hash(" ".join(stems[i:i + SHINGLE_WORDS])) for i in range(len(stems) - SHINGLE_WORDS + 1)}


def signature(hashes: set[int]) -> np.ndarray:
    """The MinHash signature (PERMUTATIONS unsigned 32-bit values) of a set of shingle hashes."""
    if not hashes:
        return np.full(PERMUTATIONS, 0xFFFFFFFF, dtype=np.uint32)
    values = np.fromiter(hashes, dtype=np.uint64, count=len(hashes))
    permuted = (np.outer(values, _A) + _B) >> np.uint64(32)  # unsigned arithmetic wraps: that is the "mod 2^64"
    return permuted.min(axis=0).astype(np.uint32)


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """The estimated Jaccard similarity of the two texts behind two signatures."""
    return float(np.count_nonzero(first == second)) / PERMUTATIONS


def jaccard(first: set[int], second: set[int]) -> float:
    """The exact Jaccard similarity of two shingle sets (for checks and measurement)."""
    if not first and not second:
        return 0.0
    return len(first & second) / len(first | second)


def band_hashes(sig: np.ndarray) -> list[int]:
    """One signed 64-bit hash per band of the signature (the LSH buckets the text falls into)."""
    return [int.from_bytes(hashlib.blake2b(sig[i * BAND_ROWS:(i + 1) * BAND_ROWS].tobytes(), digest_size=8,
                                           person=i.to_bytes(2, "little")).digest(), "little", signed=True)
            for i in range(BANDS)]


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)
