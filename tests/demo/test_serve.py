"""`guanxi serve` migrates a fresh data directory and serves pages and static files through
gunicorn, and stops cleanly on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            return urllib.request.urlopen(url, timeout=5)  # noqa: S310 (a local URL)
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_serve_runs_gunicorn_with_static_files(tmp_path):
    port = free_port()
    env = {**os.environ, "GUANXI_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "guanxi", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        login = wait_for(f"http://127.0.0.1:{port}/login/", process)
        assert login.status == 200
        assert login.headers["Server"] == "gunicorn"
        assert 'name="username"' in login.read().decode()
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/guanxi/app.css")  # noqa: S310
        assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
        htmx = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js")  # noqa: S310
        assert htmx.status == 200
        # migrated first: the database exists with the auth tables
        assert (tmp_path / "guanxi.sqlite3").stat().st_size > 0
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
