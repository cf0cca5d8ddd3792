"""SQLite runs in WAL mode with a busy timeout and IMMEDIATE transactions (Django 5.2 options),
so a read never fails while another process holds the write lock (a long import)."""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, time, django
django.setup()
from django.db import connection
from guanxi.accounts.models import Department
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode"); mode = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout"); busy = cursor.fetchone()[0]
    cursor.execute("PRAGMA synchronous"); sync = cursor.fetchone()[0]
started = time.monotonic()
count = Department.objects.count()
print(json.dumps({"mode": mode, "busy": busy, "sync": sync, "count": count,
                  "read_seconds": time.monotonic() - started,
                  "transaction_mode": connection.transaction_mode}))
"""


def run(code: str, data_dir: Path, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        PYTHONPATH=str(ROOT),
        GUANXI_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="guanxi.settings",
    )
    return subprocess.run(
        [sys.executable, *args] if not code else [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_reads_succeed_at_once_while_another_process_holds_the_write_lock(tmp_path):
    run("", tmp_path, "-m", "guanxi", "manage", "migrate", "-v0")
    writer = sqlite3.connect(tmp_path / "guanxi.sqlite3", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO accounts_department (name, created_at) VALUES ('导入中', '2026-01-01')"
        )
        started = time.monotonic()
        probe = json.loads(run(PROBE, tmp_path).stdout)
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert probe["mode"] == "wal"
    assert probe["busy"] == 20000  # "timeout": 20 seconds
    assert probe["sync"] == 1  # NORMAL
    assert probe["transaction_mode"] == "IMMEDIATE"
    assert probe["count"] == 0  # the uncommitted row is not seen, and the read did not wait
    assert probe["read_seconds"] < 1, probe
    assert elapsed < 30


SETUP_TOKEN = """
import django
django.setup()
from guanxi.accounts.services import create_user, new_token_for
print(new_token_for(create_user("importer", "a-long-secret-1")))
"""

CHECK_TOKEN = """
import json, sys, time, django
django.setup()
from guanxi.accounts.services import token_for_key
started = time.monotonic()
token = token_for_key(sys.argv[1])
print(json.dumps({"user": token.user.username, "seconds": time.monotonic() - started}))
"""


def test_a_token_check_does_not_wait_for_another_process_holding_the_write_lock(tmp_path):
    # given a token never used, and another process (an import) holding the write lock
    run("", tmp_path, "-m", "guanxi", "manage", "migrate", "-v0")
    key = run(SETUP_TOKEN, tmp_path).stdout.strip()
    database = tmp_path / "guanxi.sqlite3"
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO accounts_department (name, created_at) VALUES ('导入中', '2026-01-01')"
        )
        # when the token is checked (its last use is due to be written)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(PYTHONPATH=str(ROOT), GUANXI_DATA_DIR=str(tmp_path))
        env["DJANGO_SETTINGS_MODULE"] = "guanxi.settings"
        checked = subprocess.run(
            [sys.executable, "-c", CHECK_TOKEN, key],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    # then it answers at once; the last use is left for a later request
    result = json.loads(checked.stdout)
    assert result["user"] == "importer"
    assert result["seconds"] < 1, result
    reader = sqlite3.connect(database)
    assert reader.execute("SELECT last_used_at FROM accounts_apitoken").fetchall() == [(None,)]
    reader.close()

    # and once the lock is gone the use is written
    run(CHECK_TOKEN.replace("sys.argv[1]", repr(key)), tmp_path)
    reader = sqlite3.connect(database)
    assert reader.execute("SELECT last_used_at FROM accounts_apitoken").fetchone()[0] is not None
    reader.close()
