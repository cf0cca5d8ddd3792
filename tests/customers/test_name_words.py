"""Name search from the start of a syllable (migration customers 0014): the words are filled
for customers stored before it, and on PostgreSQL the search is read from their GIN index
(a trigram scan of the pinyin cost ~1.3 ms of the database's CPU a search at 1,000,000
customers; the index answers in ~0.1 ms)."""

import importlib

from django.db import connection

from guanxi.customers.models import Customer
from guanxi.customers.queries import customer_list

migration = importlib.import_module("guanxi.customers.migrations.0014_name_words")


def test_the_migration_fills_the_words_of_stored_customers(personas, customer_of):
    made = [customer_of("rep1", name=name) for name in ("邓波", "欧阳娜娜", "Li Lei")]
    # stored before: no words, and the pinyin and initials as they were kept then
    Customer.objects.filter(pk__in=[c.pk for c in made]).update(
        name_words="", name_pinyin="stale", name_initials="st"
    )
    assert not list(customer_list(personas["rep1"], q="dengbo"))
    migration.BATCH = 2  # more than one batch
    migration.fill(None, connection.schema_editor())
    words = dict(
        Customer.objects.filter(pk__in=[c.pk for c in made]).values_list("name", "name_words")
    )
    assert words == {
        "邓波": "dengbo bo",
        "欧阳娜娜": "ouyangnana yangnana nana na",
        "Li Lei": "lilei lei",
    }
    assert [c.name for c in customer_list(personas["rep1"], q="yangnana")] == ["欧阳娜娜"]
    keys = Customer.objects.filter(pk__in=[c.pk for c in made]).values_list(
        "name", "name_pinyin", "name_initials"
    )
    assert sorted(keys) == [
        ("Li Lei", "lilei", "ll"),
        ("欧阳娜娜", "ouyangnana", "oynn"),
        ("邓波", "dengbo", "db"),
    ]


def test_postgresql_reads_the_search_from_the_words_index(personas, customer_of):
    customer_of("rep1", name="邓波")
    if connection.vendor != "postgresql":
        return  # SQLite has no such index: its search reads the table
    assert [c.name for c in customer_list(personas["rep1"], q="dengb")] == ["邓波"]
    qs = Customer.objects.filter(name_words__word_starts="dengb").values("pk")
    with connection.cursor() as cursor:
        # a test table is tiny: the planner reads it whole unless told not to, and then
        # uses the index only if the lookup's expression is the index's
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = qs.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'customers_customer'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert "customer_words_gin" in plan, plan
    assert "customer_pinyin_trgm" not in indexes  # replaced: nothing reads it any more
    assert "customer_name_trgm" in indexes  # 邓波 typed as characters still reads this one
