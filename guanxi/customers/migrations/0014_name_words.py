"""Name search from the start of a syllable or word (issue 7's load targets).

Adds `name_words` (normalize.name_words: 邓波 → "dengbo bo"), fills it for every customer
(with the pinyin and initials, which now fold full-width forms and accents: normalize.fold),
and on PostgreSQL indexes it for prefix search as a text-search vector (GIN), replacing the
trigram index of name_pinyin: a pinyin search matched anywhere in the pinyin and read the long
posting lists of common trigrams ("eng", "ang") every time, ~1.3 ms of PostgreSQL's CPU at
1,000,000 customers; a prefix of one word reads one short range. The expression is the one
queries.WordStarts writes. SQLite gets the column only (its search reads the table).
"""

from django.db import migrations, models

BATCH = 5000

INDEX = (
    "CREATE INDEX IF NOT EXISTS customer_words_gin ON customers_customer "
    "USING gin (array_to_tsvector(string_to_array(name_words, ' ')))"
)
TRIGRAM = (
    "CREATE INDEX IF NOT EXISTS customer_pinyin_trgm ON customers_customer "
    "USING gin (name_pinyin gin_trgm_ops)"
)


def fill(apps, schema_editor):
    """Every customer's words, and its pinyin and initials again: those now read full-width
    forms and Latin letters with marks as they are typed (Ｗａｎｇ, Müller: normalize.fold)."""
    from guanxi.customers.normalize import name_initials, name_pinyin, name_words

    connection = schema_editor.connection
    after = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, name FROM customers_customer WHERE id > %s ORDER BY id LIMIT %s",
                [after, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            after = rows[-1][0]
            values = [
                (name_words(name), name_pinyin(name), name_initials(name), pk) for pk, name in rows
            ]
            if connection.vendor == "postgresql":
                cursor.execute(
                    "UPDATE customers_customer c SET name_words = v.words, "
                    "name_pinyin = v.pinyin, name_initials = v.initials "
                    "FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[]) "
                    "AS v(words, pinyin, initials, id) WHERE c.id = v.id",
                    [list(column) for column in zip(*values, strict=True)],
                )
            else:
                cursor.executemany(
                    "UPDATE customers_customer SET name_words = %s, name_pinyin = %s, "
                    "name_initials = %s WHERE id = %s",
                    values,
                )


def index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)
        schema_editor.execute("DROP INDEX IF EXISTS customer_pinyin_trgm")


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_words_gin")
        schema_editor.execute(TRIGRAM)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0013_phone_statistics"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_words",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index, unindex),
    ]
