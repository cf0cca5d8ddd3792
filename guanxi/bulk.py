"""Inserting many rows quickly, with the slow part done before the write transaction.

Django's bulk_create prepares every value while the transaction (on SQLite: the database's one
write lock) is held, and on SQLite it sends 16 rows of a wide table per statement. BulkInsert
prepares the values (defaults, auto_now_add, conversions) when made, outside any transaction;
execute(), inside one, sends them: on SQLite in one executemany with the ids assigned under
the write lock, elsewhere through bulk_create (PostgreSQL takes 1,000 rows per statement and
does not lock readers out).
"""

from django.db import connections, router

# Text goes to the database as it is: no conversion to call for each of a million cells.
_PLAIN_TEXT = frozenset({"CharField", "TextField", "EmailField", "SlugField"})


class BulkInsert:
    """`objects`: a list, or with keep_objects=False any iterable whose objects are dropped
    once their values are taken (on SQLite: memory for rows nobody reads again, e.g. audit
    entries of a 50,000-row import); such objects do not get their ids."""

    def __init__(self, model, objects, *, using: str | None = None, keep_objects: bool = True):
        self.model = model
        self.using = using or router.db_for_write(model)
        connection = connections[self.using]
        if keep_objects or connection.vendor != "sqlite":
            objects = list(objects)
            self.objects = objects
        else:
            self.objects = None
        self.fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
        plain = [f.get_internal_type() in _PLAIN_TEXT for f in self.fields]
        self.rows = [
            tuple(
                value
                if (is_plain and type(value) is str) or value is None
                else f.get_db_prep_save(value, connection)
                for f, is_plain in zip(self.fields, plain, strict=True)
                for value in (f.pre_save(obj, True),)
            )
            for obj in objects
        ]

    def set_column(self, name: str, values: list) -> None:
        """Replace one column's values, e.g. ids known only once other rows are inserted."""
        index = next(i for i, f in enumerate(self.fields) if name in (f.name, f.attname))
        attname = self.fields[index].attname
        for obj, value in zip(self.objects or [], values, strict=False):
            setattr(obj, attname, value)  # what bulk_create sends, off SQLite
        self.rows = [
            (*row[:index], value, *row[index + 1 :])
            for row, value in zip(self.rows, values, strict=True)
        ]

    def execute(self) -> None:
        """Insert the rows and set the objects' ids; only inside a transaction."""
        connection = connections[self.using]
        assert connection.in_atomic_block, "BulkInsert.execute() needs a transaction"
        if not self.rows:
            return
        if connection.vendor != "sqlite":
            self.model.objects.using(self.using).bulk_create(self.objects, batch_size=1000)
            return
        quote = connection.ops.quote_name
        meta = self.model._meta
        table = quote(meta.db_table)
        with connection.cursor() as cursor:
            # AUTOINCREMENT never reuses an id: start above the largest ever handed out. The
            # transaction holds the write lock, so nobody else takes these ids meanwhile.
            cursor.execute(f"SELECT MAX({quote(meta.pk.column)}) FROM {table}")  # noqa: S608
            top = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
            found = cursor.fetchone()
            start = max(top, found[0] if found else 0) + 1
            columns = ", ".join(quote(f.column) for f in [meta.pk, *self.fields])
            marks = ", ".join(["%s"] * (len(self.fields) + 1))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - names only
                [(start + i, *row) for i, row in enumerate(self.rows)],
            )
        for i, obj in enumerate(self.objects or []):
            obj.pk = start + i
            obj._state.adding, obj._state.db = False, self.using
