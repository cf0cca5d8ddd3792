"""Fast bulk writes for the demo generator: COPY on PostgreSQL, executemany on SQLite.

The generator produces plain tuples in a fixed column order; models are never instantiated.
Columns the generator does not produce get the model field's default, so a new field with a
default does not break the demo.
"""

import json
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection


def _default(field):
    if field.has_default():
        value = field.get_default()
    elif field.null:
        value = None
    else:
        value = field.get_default()  # "" for text fields
    if field.get_internal_type() == "JSONField":
        return json.dumps(value)
    return value


class Table:
    """One model's table, with the generator's columns first and defaults for the rest."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        self.name = model._meta.db_table
        by_column = {f.column: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(by_column)
        if unknown:
            raise ValueError(f"{self.name}: no columns {sorted(unknown)}")
        rest = [c for c in by_column if c not in columns and not by_column[c].primary_key]
        self.columns = [*columns, *rest]
        self.defaults = tuple(_plain(_default(by_column[c])) for c in rest)


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class BulkWriter:
    """Rows hold only str, int, bool and None: timestamps come from stamp(), money as text."""

    def __init__(self):
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.rows_written = 0
        # SQLite stores Django's aware datetimes as naive UTC text; PostgreSQL gets the offset.
        self._suffix = "+00:00" if self.vendor == "postgresql" else ""

    def stamp(self, epoch: float) -> str:
        """A UTC timestamp from seconds since the epoch, as this database stores it."""
        return datetime.fromtimestamp(int(epoch), UTC).isoformat(" ")[:19] + self._suffix

    def write(self, table: Table, rows: Iterable[tuple]) -> int:
        defaults = table.defaults
        count = 0
        if self.vendor == "postgresql":
            from psycopg import sql

            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, table.columns))
            )
            with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row + defaults)
                    count += 1
        else:
            placeholders = ", ".join(["?"] * len(table.columns))
            columns = ", ".join(f'"{c}"' for c in table.columns)
            statement = f'INSERT INTO "{table.name}" ({columns}) VALUES ({placeholders})'  # noqa: S608
            batch = [row + defaults for row in rows]
            count = len(batch)
            with connection.cursor() as cursor:
                cursor.cursor.executemany(statement, batch)
        self.rows_written += count
        return count

    def next_id(self, model) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT MAX(id) FROM "{model._meta.db_table}"')  # noqa: S608
            return (cursor.fetchone()[0] or 0) + 1

    def reset_sequences(self, models) -> None:
        """After explicit ids, point PostgreSQL's sequences past them (SQLite does it itself)."""
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


@contextmanager
def constraints_deferred_to_the_end(models):
    """On PostgreSQL, drop the tables' foreign keys and secondary indexes, put them back after.

    Building an index once over loaded rows is much faster than updating it per row (the
    trigram GIN indexes above all), and re-adding a foreign key checks all rows in one join
    instead of queueing a deferred check per row until commit. Primary keys and unique
    constraints stay: they guard the load itself. Inside the caller's transaction, so a
    failed load leaves the schema as it was. Elsewhere a no-op.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute(
            "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')


def truncate(models) -> bool:
    """Empty the tables (and, on PostgreSQL, every table referring to them) at once."""
    if connection.vendor != "postgresql":
        return False
    names = ", ".join(f'"{m._meta.db_table}"' for m in models)
    with connection.cursor() as cursor:
        # Rows written earlier in this transaction may still owe deferred foreign-key checks;
        # PostgreSQL refuses to truncate a table with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {names} CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys' default again
    return True
