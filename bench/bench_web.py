"""Web latency at scale: list, search and the 360 page under load from a second process.

Seeds N customers into a PostgreSQL database with the demo generator (bulk paths), starts
gunicorn (2 sync workers, as a small production install would), runs a background load
process (several keep-alive connections hitting the list and the API), and measures
p50/p95 of each request kind from this process at the same time.

    python bench/bench_web.py --customers 1000000            # seeds once, then measures
    python bench/bench_web.py --customers 100000 --reuse     # reuse an already seeded DB

Needs PostgreSQL at 127.0.0.1:5432 (trust auth) and gunicorn (in the test extras).
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A keep-alive HTTP client holding cookies (enough for Django's login form)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        h = {**self.headers, **(headers or {})}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=h)
        resp = self.conn.getresponse()
        data = resp.read()
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return resp.status, data

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        status, _ = self.request(
            "POST",
            "/login/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1/"},
        )
        if status not in (302, 303):
            raise SystemExit(f"login as {username} failed with HTTP {status}")

    def bearer(self, username: str, password: str) -> None:
        status, data = self.request(
            "POST",
            "/api/v1/auth/token",
            json.dumps({"username": username, "password": password}),
            {"Content-Type": "application/json"},
        )
        if status != 200:
            raise SystemExit(f"token for {username} failed with HTTP {status}")
        self.headers["Authorization"] = "Bearer " + json.loads(data)["token"]


def load(port: int, stop, counter, paths: list[str]) -> None:
    """Background load: one keep-alive API client looping over `paths` until `stop` is set."""
    client = Client(port)
    client.bearer("rep1", "demo")
    done = 0
    while not stop.is_set():
        client.request("GET", paths[done % len(paths)])
        done += 1
    with counter.get_lock():
        counter.value += done


def measure(client: Client, path: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        status, _ = client.request("GET", path)
        times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"GET {path} answered HTTP {status}")
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 2 else max(values)


def run_sql(db_url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", db_url, "-Atc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database", default="guanxi_bench")
    parser.add_argument("--reuse", action="store_true", help="do not reseed if data exists")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per kind")
    parser.add_argument("--load-clients", type=int, default=4)
    args = parser.parse_args()

    admin_url = "postgres://postgres@127.0.0.1:5432/postgres"
    db_url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "GUANXI_DATA_DIR": str(ROOT / "bench" / ".data" / "web"),
    }
    exists = run_sql(admin_url, f"SELECT 1 FROM pg_database WHERE datname='{args.database}'")
    count = 0
    if exists and args.reuse:
        count = int(run_sql(db_url, "SELECT count(*) FROM customers_customer") or 0)
    if count < args.customers:
        if exists:
            run_sql(admin_url, f'DROP DATABASE "{args.database}" WITH (FORCE)')
        run_sql(admin_url, f'CREATE DATABASE "{args.database}"')
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "guanxi", "demo", "--size", str(args.customers), "--no-serve"],
            check=True,
            env=env,
        )
        print(f"seeded {args.customers:,} customers in {time.perf_counter() - start:.0f} s")
        run_sql(db_url, "ANALYZE")
    count = int(run_sql(db_url, "SELECT count(*) FROM customers_customer"))
    rep_count = int(
        run_sql(
            db_url,
            "SELECT count(*) FROM customers_customer c JOIN auth_user u "
            "ON u.id = c.owner_id WHERE u.username = 'rep1'",
        )
    )
    sample_id = run_sql(
        db_url,
        "SELECT c.id FROM customers_customer c JOIN auth_user u ON "
        "u.id = c.owner_id WHERE u.username='rep1' ORDER BY c.id DESC "
        "LIMIT 1",
    )
    name = run_sql(db_url, f"SELECT name_pinyin FROM customers_customer WHERE id={sample_id}")
    mobile = run_sql(db_url, f"SELECT mobile FROM customers_customer WHERE id={sample_id}")

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "guanxi.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                Client(port).request("GET", "/login/")
                break
            except OSError:
                time.sleep(0.2)
        kinds = {
            "rep: customer list page": "/customers/",
            "rep: search page (pinyin)": f"/customers/?q={name[:6]}",
            "rep: search page (initials, 2 letters)": f"/customers/?q={name[:1]}{name[-1:]}",
            "rep: search page (phone)": "/customers/?q=" + urllib.parse.quote(mobile[3:]),
            "rep: 360 page": f"/customers/{sample_id}/",
            "manager: customer list page": "/customers/",
            "manager: search page (pinyin)": f"/customers/?q={name[:6]}",
            "rep: API list": "/api/v1/customers?limit=25",
            "rep: API search": f"/api/v1/customers?q={name[:6]}&limit=25",
        }
        rep, mgr, api = Client(port), Client(port), Client(port)
        rep.login("rep1", "demo")
        mgr.login("manager", "demo")
        api.bearer("rep1", "demo")
        for path in kinds.values():  # warm caches and check every route answers
            (mgr if path.startswith("/customers") else api).request("GET", path)

        counter = mp.Value("i", 0)
        stop = mp.Event()
        load_paths = [
            "/api/v1/customers?limit=25",
            f"/api/v1/customers?q={name[:4]}&limit=25",
            f"/api/v1/customers/{sample_id}",
        ]
        workers = [
            mp.Process(target=load, args=(port, stop, counter, load_paths))
            for _ in range(args.load_clients)
        ]
        load_start = time.time()
        for w in workers:
            w.start()
        time.sleep(2)
        rows = []
        for label, path in kinds.items():
            client = mgr if label.startswith("manager") else (api if "API" in label else rep)
            times = measure(client, path, args.requests)
            rows.append((label, statistics.median(times), pct(times, 95)))
        stop.set()
        for w in workers:
            w.join()
        elapsed = time.time() - load_start
    finally:
        server.terminate()
        server.wait()

    print(
        f"\n{count:,} customers on PostgreSQL, rep1 owns {rep_count:,}; gunicorn 2 sync "
        f"workers; background load: {args.load_clients} keep-alive API clients in another "
        f"process"
    )
    print(f"{'request':42} {'p50 ms':>8} {'p95 ms':>8}")
    for label, p50, p95 in rows:
        print(f"{label:42} {p50:8.1f} {p95:8.1f}")
    print(f"background load completed ≈{counter.value / elapsed:.0f} req/s while measuring")
    return 0


if __name__ == "__main__":
    mp.set_start_method("fork")
    sys.exit(main())
