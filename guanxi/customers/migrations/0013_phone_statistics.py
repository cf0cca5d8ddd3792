"""Finer statistics for the phone columns on PostgreSQL, so that a phone-prefix search is
planned as the few rows it finds.

Every stored number starts "+861", so the default histogram (100 buckets over 1,000,000
customers) cannot tell "+86177203…" from its neighbours: PostgreSQL expected 9,529 rows where
46 matched, and then also read the owner's index (181,101 entries) to intersect with them:
8.3 ms a search instead of 0.17 ms (bench/bench_web.py's phone-prefix search fell from ~270
to ~150 requests a second after an ANALYZE drew such a sample). 1,000 buckets give the
estimate its prefix. The next ANALYZE (autovacuum's, or `guanxi manage dbshell`'s) reads them.
SQLite gets nothing: it has no such statistics.
"""

from django.db import migrations

COLUMNS = ("mobile", "phone")


def _statistics(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE customers_customer ALTER COLUMN {column} SET STATISTICS {target}"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0012_external_id_verbose_name")]
    operations = [migrations.RunPython(_statistics(1000), _statistics(-1))]
