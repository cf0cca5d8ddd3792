"""PostgreSQL's prepared statements (settings: GUANXI_PG_PREPARED_STATEMENTS, on by default).

The settings are read in a fresh interpreter for each value (no database needed); on the
PostgreSQL run, a query repeated on one connection is prepared there, and results are the
same as unprepared ones."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
PRINT_OPTIONS = (
    "from django.conf import settings; import json; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
)


def database_options(tmp_path, **variables) -> dict:
    import json

    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANXI_")}
    env.update(
        PYTHONPATH=str(ROOT),
        GUANXI_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="guanxi.settings",
        **variables,
    )
    code = f"import django; django.setup(); {PRINT_OPTIONS}"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_prepares_statements_by_default_and_the_variable_turns_it_off(tmp_path):
    url = "postgres://someone@127.0.0.1:5432/anything"
    assert database_options(tmp_path, DATABASE_URL=url) == {
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
    off = database_options(tmp_path, DATABASE_URL=url, GUANXI_PG_PREPARED_STATEMENTS="false")
    assert "server_side_binding" not in off and "prepare_threshold" not in off
    # SQLite has no such options
    sqlite = database_options(tmp_path, DATABASE_URL="sqlite:///" + str(tmp_path / "x.db"))
    assert "server_side_binding" not in sqlite


def test_a_repeated_query_is_prepared_on_postgresql_and_answers_the_same(django_user_model, db):
    users = [django_user_model.objects.create_user(f"prep{i}") for i in range(3)]
    sql = "SELECT username FROM auth_user WHERE id = %s"
    with connection.cursor() as cursor:
        answers = []
        for _round in range(3):
            for user in users:
                cursor.execute(sql, [user.pk])
                answers.append(cursor.fetchone()[0])
        assert answers == [u.username for u in users] * 3
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["SELECT username FROM auth_user WHERE id = $1%"],
            )
            assert cursor.fetchone()[0] == 1
        else:
            assert connection.vendor == "sqlite"
