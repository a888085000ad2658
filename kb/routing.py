"""URL converters: an <int:…> id beyond what the id columns hold must give 404, not a database error."""

from werkzeug.routing import IntegerConverter

# Ids are INTEGER columns: 32 bits in PostgreSQL (SQLite would take 64).
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """Flask's int converter; a value beyond what an id column holds becomes 0, an id no row has.

    (Rejecting it in the converter instead makes werkzeug answer 405 to other methods of the same path.)
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


# The furthest page a paginated list goes to: far past any real list, and an OFFSET every database takes.
MAX_PAGE = 100_000


def bounded_int(args, name: str, default: int | None = None) -> int | None:
    """A whole-number query-string argument (an id, a version number) as ``args.get(name, type=int)`` gives it;
    a value beyond what an INTEGER column holds becomes 0, which no row has (a database cannot even compare
    with it: ``?from=99999999999999999999`` was a 500)."""
    number = args.get(name, default, type=int)
    if number is not None and abs(number) > MAX_ID:
        return 0
    return number


def page_arg(args, name: str = "page") -> int:
    """The page a paginated list is asked for, from 1 to MAX_PAGE: a page past the end is an empty page, a
    nonsense one the first."""
    return min(max(args.get(name, 1, type=int), 1), MAX_PAGE)
