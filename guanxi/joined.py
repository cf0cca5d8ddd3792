"""Several rows' text in one column: an aggregate that joins strings, and its inverse.

The 360 page reads a customer's tag names and each order's lines as part of queries it makes
anyway (the flags query, the orders query) instead of one query each: with two sync workers a
query's round trip is a worker's idle time (issue 7's load targets). Django 5.2 has a string
aggregate only for PostgreSQL (contrib.postgres StringAgg; a portable one comes in 6.0), so
this one names the function per database. Parts are joined by the ASCII unit separator, which
no stored text contains (guanxi.validation rejects control characters), and arrive in no
particular order: SQLite before 3.44 cannot order inside an aggregate, so callers sort.
"""

from django.db.models import Aggregate, TextField, Value
from django.db.models.functions import Cast, Concat

SEPARATOR = "\x1f"  # ASCII unit separator, between parts
FIELD = "\x1e"  # ASCII record separator, between the fields of one part (see `fields`)


class Joined(Aggregate):
    """The group's values as text joined by SEPARATOR (NULL for an empty group)."""

    function = "GROUP_CONCAT"  # SQLite
    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(Cast(expression, TextField()), Value(SEPARATOR), **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra)


def fields(*expressions):
    """One part made of several columns (as text), for `Joined`; `split` takes them apart."""
    parts = []
    for expression in expressions:
        if parts:
            parts.append(Value(FIELD))
        parts.append(Cast(expression, TextField()))
    return Concat(*parts, output_field=TextField())


def split(joined: str | None, *, width: int = 1) -> list:
    """The parts of a `Joined` value: strings, or tuples of `width` fields (the last field
    keeps whatever follows the first width - 1 separators, so put free text last)."""
    if not joined:
        return []
    parts = joined.split(SEPARATOR)
    if width == 1:
        return parts
    return [tuple(part.split(FIELD, width - 1)) for part in parts]
