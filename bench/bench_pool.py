"""The pool rules job (公海回收) at scale on PostgreSQL: seconds per 100,000 customers.

Reuses a PostgreSQL database built by `guanxi demo --size N --no-serve` with DATABASE_URL
(the default database guanxi_bench_pool is built here with --size, default 20,000, when it holds
no customers; at 1,000,000 build it once beforehand, it takes a while). Everything the bench
changes happens in a transaction rolled back at the end: the database is left as it was.

Measured, each --repeat times (median):
- full run: home pools, every owned customer's last follow-up and return date recomputed
  (one UPDATE per pool and level), due customers returned (audited), reminders written; with
  --due-share of the owned customers made overdue first so the return step has real work;
- nightly run: the same, incremental (only customers touched since the last run), as the
  scheduled job does every night.

    python bench/bench_pool.py --size 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guanxi_bench_1m python bench/bench_pool.py
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Rollback(Exception):  # noqa: N818
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=20_000, help="customers, when seeding")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--due-share", type=float, default=0.05)
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guanxi_bench_pool")
    os.environ.setdefault("GUANXI_DATA_DIR", str(ROOT / "bench" / ".data" / "pool"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    sys.path.insert(0, str(ROOT))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "guanxi", "demo", "--size", str(args.size), "--no-serve"],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )  # migrates; seeds only an empty database
    import django

    django.setup()
    from django.db import connection, transaction

    from guanxi.customers.models import Customer
    from guanxi.pool.models import Pool
    from guanxi.pool.services import run_rules

    if not Pool.objects.exists():  # a database seeded before the pools: the demo's two
        from types import SimpleNamespace

        from django.contrib.auth import get_user_model

        from guanxi.demo.pools import seed_pools

        manager = get_user_model().objects.get(username="manager")
        start = time.perf_counter()
        seed_pools(SimpleNamespace(manager_id=manager.pk))
        print(
            f"made the demo's two pools (with a first full run) in "
            f"{time.perf_counter() - start:.1f} s",
            flush=True,
        )
    customers = Customer.objects.count()
    owned = Customer.objects.filter(owner__isnull=False).count()
    print(
        f"database {connection.settings_dict['NAME']}: {customers:,} customers, {owned:,} owned",
        flush=True,
    )
    per = 100_000 / max(customers, 1)

    def measure(label: str, full: bool) -> None:
        times, returned = [], []
        for _ in range(args.repeat):
            try:
                with transaction.atomic():
                    if full and args.due_share > 0:
                        every = max(1, round(1 / args.due_share))
                        with connection.cursor() as cursor:
                            cursor.execute(
                                "UPDATE customers_customer SET owned_since = now() - interval "
                                "'400 days', last_follow_up_at = NULL, locked = false "
                                "WHERE owner_id IS NOT NULL AND id %% %s = 0",
                                [every],
                            )
                    start = time.perf_counter()
                    run = run_rules(full=full)
                    times.append(time.perf_counter() - start)
                    returned.append(run.returned)
                    raise Rollback
            except Rollback:
                pass
        median = statistics.median(times)
        print(
            f"{label:<14} median {median:6.2f} s  = {median * per:6.2f} s per 100k customers"
            f"   (returned {statistics.median(returned):,.0f}; n={args.repeat})",
            flush=True,
        )

    measure("full run", full=True)
    measure("nightly run", full=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
