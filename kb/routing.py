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
