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
