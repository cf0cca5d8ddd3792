"""Indexes for phone search by ending (尾号, `8000`) and by prefix (`138001`) on PostgreSQL.

Numbers are stored in E.164. The ending is matched as a prefix of the reversed number
(`reverse(mobile) LIKE '0008%'`), which a btree on the expression with text_pattern_ops
serves as a range scan; the prefix needs varchar_pattern_ops unless the database collation
is "C". SQLite gets nothing: it evaluates the same expressions row by row.
"""

from django.db import migrations

COLUMNS = ("mobile", "phone")
FORWARD = [
    sql
    for column in COLUMNS
    for sql in (
        f"CREATE INDEX IF NOT EXISTS customer_{column}_rev ON customers_customer "
        f"(reverse({column}) text_pattern_ops)",
        f"CREATE INDEX IF NOT EXISTS customer_{column}_prefix ON customers_customer "
        f"({column} varchar_pattern_ops)",
    )
]
BACKWARD = [
    f"DROP INDEX IF EXISTS customer_{column}_{kind}"
    for column in COLUMNS
    for kind in ("rev", "prefix")
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_merge_records_uscc_index")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
