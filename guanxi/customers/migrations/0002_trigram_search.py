"""Trigram indexes for name and pinyin search on PostgreSQL; nothing on SQLite.

`contains` on these columns compiles to LIKE '%term%', which only a pg_trgm GIN index can
serve at a million rows (ARCHITECTURE.md, measured 280 ms → 5 ms).
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_name_trgm ON customers_customer "
    "USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customer_pinyin_trgm ON customers_customer "
    "USING gin (name_pinyin gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customer_pinyin_prefix ON customers_customer "
    "(name_pinyin varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS customer_initials_prefix ON customers_customer "
    "(name_initials varchar_pattern_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS customer_name_trgm",
    "DROP INDEX IF EXISTS customer_pinyin_trgm",
    "DROP INDEX IF EXISTS customer_pinyin_prefix",
    "DROP INDEX IF EXISTS customer_initials_prefix",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
