"""`guanxi score|export|import|worker` on a database with no tables (GUANXI_DATA_DIR unset
points at an empty ./var) say so in one line and exit 1, never a 70-line traceback. Run as
the real command in a new process: the test database here is migrated."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def guanxi(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LANGUAGE"}}
    env.update(GUANXI_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT), LANG="C.UTF-8")
    return subprocess.run(
        [sys.executable, "-m", "guanxi.cli", *args],
        cwd=data_dir.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        ["score"],
        ["export", "orders", "orders.csv"],
        ["import", "customers", "customers.csv"],
        ["worker"],
    ],
)
def test_a_database_without_tables_is_one_clear_line(tmp_path, command):
    (tmp_path / "customers.csv").write_text("姓名\n张三\n", encoding="utf-8")
    done = guanxi(*command, data_dir=tmp_path / "data")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0] == (
        f"guanxi {command[0]}: the database {tmp_path / 'data' / 'guanxi.sqlite3'} has no "
        "tables: run `guanxi manage migrate` or `guanxi demo` first (set GUANXI_DATA_DIR to "
        "use another data directory)"
    )


def test_a_half_migrated_database_says_migrate(tmp_path):
    data = tmp_path / "data"
    assert guanxi("manage", "migrate", "contenttypes", data_dir=data).returncode == 0
    done = guanxi("score", data_dir=data)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "is not up to date" in done.stderr and "run `guanxi manage migrate` first" in done.stderr
