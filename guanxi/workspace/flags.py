"""A query of one row of flags for one id, compiled to SQL once per process and database.

The 360 page asks a dozen EXISTS questions about its customer in one query (its optional cards
and its timeline's sources). Django's ORM builds and compiles that query in ~1.5 ms of CPU on
every call, about as much as the rest of the page's context together, while the database
answers it in ~0.2 ms. Django has no prepared-query cache, so this builds the queryset once
with a sentinel id, keeps its SQL, and runs it with the real id in the sentinel's place. Only
a queryset whose parameters are all constants (no clock, no user) may be compiled this way;
`OneRowFlags` checks that the sentinel is among them.
"""

from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

SENTINEL = -918_273_645  # no row has it: a negative primary key never exists


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
            if SENTINEL not in params:
                raise ValueError("the flags query does not depend on its id")
            self._compiled[vendor] = (sql, tuple(params))
        return self._compiled[vendor]

    def flags(self, pk: int, using: str = "default") -> dict[str, bool]:
        return {name: bool(value) for name, value in self.values(pk, using).items()}

    def values(self, pk: int, using: str = "default") -> dict:
        """The row as the database gives it ({name: None} when no row matched)."""
        sql, params = self._sql(using)
        values = [pk if p == SENTINEL else p for p in params]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)
            row = cursor.fetchone()
            names = [column[0] for column in cursor.description]
        return dict(zip(names, row or [None] * len(names), strict=True))
