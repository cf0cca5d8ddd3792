"""Queries compiled to SQL once per process and database, then run with new ids.

Django's ORM builds and compiles a queryset to SQL on every evaluation, and has no prepared
query cache. For the few queries every page of a kind runs with nothing but ids changing (the
signed-in user, the 360 page's customer, its flags, its orders and interactions), compiling
cost more CPU than the database spent answering: 1.2 ms for the customer with its department
and scores (about 120 columns), 0.75 ms for its orders, 0.2 ms for the flags' answer after
1.5 ms of compiling (bench/cpu_pages.py, issue 7's load targets).

Each query here is built once with sentinel arguments (negative ids no row has), compiled,
and kept; a call runs the kept SQL with the real ids in the sentinels' places. Only a query
whose parameters are all constants but for its ids (no clock, no user's language) may be
prepared this way, and each sentinel must appear among the parameters (checked).

- `OneRowFlags(build)`: `build(pk)` gives a `.values(...)` queryset of one row; `.values(pk)`
  returns that row as a dict, `.flags(pk)` as booleans.
- `PreparedObjects(build, arity)`: `build(*ids)` gives a queryset of model instances (with
  select_related, only, annotations); `.fetch(*ids)` returns the list of instances, built by
  Django's own ModelIterable from the kept compiler's column layout.
- `PreparedRows(build)`: `build(ids)` gives a `.values_list(...)` queryset for a list of ids
  (an `__in` filter: a page's 25 customers); `.rows(ids)` returns its tuples, through Django's
  ValuesListIterable (the fields' converters applied). Kept per number of ids.

Tests (tests/test_prepared.py) compare both with the freshly built queries.
"""

import copy
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable

SENTINEL = -918_273_645  # no row has it: a negative primary key never exists
SENTINELS = tuple(SENTINEL - n for n in range(4))


def _substitute(params: tuple, ids, sentinels=SENTINELS) -> tuple:
    """The kept parameters with each sentinel replaced by its id."""
    by_sentinel = dict(zip(sentinels, ids, strict=False))
    return tuple(
        # an int (PostgreSQL's compiler wraps some as psycopg's Int8, a subclass), not a bool
        by_sentinel[p] if isinstance(p, int) and not isinstance(p, bool) and p in by_sentinel else p
        for p in params
    )


def _check(params, sentinels) -> None:
    if any(s not in params for s in sentinels):
        raise ValueError("the prepared query does not depend on each of its ids")


class OneRowFlags:
    """`build(pk)` returns a `.values(name=expression, ...)` queryset of one row for `pk`;
    `flags(pk)` runs its SQL and returns {name: bool}, every flag False when no row matched;
    `values(pk)` returns the values as they come (None when no row matched)."""

    def __init__(self, build: Callable[[int], QuerySet]):
        self.build = build
        self._compiled: dict[str, tuple[str, tuple]] = {}

    def _sql(self, using: str) -> tuple[str, tuple]:
        vendor = connections[using].vendor
        if vendor not in self._compiled:
            sql, params = self.build(SENTINEL).query.get_compiler(using=using).as_sql()
            _check(params, SENTINELS[:1])
            self._compiled[vendor] = (sql, tuple(params))
        return self._compiled[vendor]

    def flags(self, pk: int, using: str = "default") -> dict[str, bool]:
        return {name: bool(value) for name, value in self.values(pk, using).items()}

    def values(self, pk: int, using: str = "default") -> dict:
        """The row as the database gives it ({name: None} when no row matched)."""
        sql, params = self._sql(using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, _substitute(params, (pk,)))
            row = cursor.fetchone()
            names = [column[0] for column in cursor.description]
        return dict(zip(names, row or [None] * len(names), strict=True))


def _run(queryset, compiler, sql: str, values: tuple, using: str, iterable) -> list:
    """The kept query's results through Django's `iterable`, its SQL run with `values` on the
    calling thread's connection (a shallow copy of the kept compiler: threads share nothing)."""
    run = copy.copy(compiler)
    run.connection = connections[using]  # this thread's
    run.as_sql = lambda *args, **kwargs: (sql, values)
    clone = queryset._chain()
    clone.query.get_compiler = lambda *args, **kwargs: run
    return list(iterable(clone))


class PreparedObjects:
    """`build(*ids)` returns a queryset of model instances depending on `arity` ids;
    `fetch(*ids)` returns its instances as a list, compiled once per process and database.

    The kept compiler holds the column layout Django's ModelIterable reads (select, klass_info,
    annotation_col_map); each fetch runs a shallow copy of it on the calling thread's
    connection with the kept SQL, so threads never share a connection."""

    def __init__(self, build: Callable[..., QuerySet], arity: int = 1):
        if not 1 <= arity <= len(SENTINELS):
            raise ValueError("arity out of range")
        self.build = build
        self.arity = arity
        self._prepared: dict[str, tuple] = {}

    def _prepare(self, using: str) -> tuple:
        vendor = connections[using].vendor
        if vendor not in self._prepared:
            queryset = self.build(*SENTINELS[: self.arity]).using(using)
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            _check(params, SENTINELS[: self.arity])
            self._prepared[vendor] = (queryset, compiler, sql, tuple(params))
        return self._prepared[vendor]

    def fetch(self, *ids, using: str = "default") -> list:
        if len(ids) != self.arity:
            raise TypeError(f"fetch() takes {self.arity} ids")
        queryset, compiler, sql, params = self._prepare(using)
        return _run(queryset, compiler, sql, _substitute(params, ids), using, ModelIterable)


class PreparedRows:
    """`build(ids)` returns a `.values_list(...)` queryset filtered by a list of ids
    (`field__in=ids`); `rows(ids)` returns its tuples as the queryset would, compiled once per
    process, database and number of distinct ids (up to `most`; a longer list is built afresh).
    """

    def __init__(self, build: Callable[[list[int]], QuerySet], most: int = 100):
        self.build = build
        self.most = most
        self._prepared: dict[tuple[str, int], tuple] = {}

    def _prepare(self, using: str, n: int) -> tuple:
        key = (connections[using].vendor, n)
        if key not in self._prepared:
            sentinels = [SENTINEL - 100 - k for k in range(n)]  # n distinct ids no row has
            queryset = self.build(sentinels).using(using)
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            _check(params, sentinels)
            self._prepared[key] = (queryset, compiler, sql, tuple(params), sentinels)
        return self._prepared[key]

    def rows(self, ids, using: str = "default") -> list[tuple]:
        ids = list(dict.fromkeys(ids))  # distinct, in order: as many as the `IN (...)` takes
        if not ids:
            return []
        if len(ids) > self.most:
            return list(self.build(ids).using(using))
        queryset, compiler, sql, params, sentinels = self._prepare(using, len(ids))
        values = _substitute(params, ids, sentinels)
        return _run(queryset, compiler, sql, values, using, ValuesListIterable)
