"""Full-text search over the bank's documents, behind a small face.

The caller builds ``IndexDocument`` objects from its database and hands them to ``SearchIndex``;
this package knows nothing of Flask or of the ``kb`` package.
"""

from indexer.index import (
    Hit,
    IndexLocked,
    IndexNewer,
    IndexOutdated,
    IndexUnavailable,
    SearchIndex,
    SearchQuery,
    SearchResult,
)
from indexer.schema import FACET_FIELDS, IndexDocument
from indexer.synonyms import SynonymTable

__all__ = [
    "FACET_FIELDS",
    "Hit",
    "IndexDocument",
    "IndexLocked",
    "IndexNewer",
    "IndexOutdated",
    "IndexUnavailable",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "SynonymTable",
]
