"""Home dashboard latency at scale, in process, against the kept PostgreSQL bench database.

Reuses the database bench_web.py seeds (default guanxi_bench_lists: 1,000,000 customers; it
does not seed one: run bench_web.py first). Measures, each --repeat times, median and p95:

- the manager's indicators computed cold (no cache): the whole scope (data scope all), and a
  lead's (subordinates);
- the home page as the browser gets it (Django test client, login, template): the manager's
  with the per-user cache warm (figures inline) and cold (the page comes without them and
  htmx fetches /home/indicators/, measured cold and warm); a rep's (today's tasks, at-risk
  customers, birthdays; nothing cached).

With --scores (default) one CustomerScore row per customer is inserted inside a transaction
that is rolled back at the end (nothing is left in the shared database), so the score
aggregates run on a full table.

    python bench/bench_home.py --database guanxi_bench_lists --repeat 15
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(label: str, repeat: int, fn) -> None:
    fn()  # warm the connection and the plan cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<52} median {statistics.median(times):7.1f} ms   p95 {pct(times, 0.95):7.1f} ms"
        f"   (n={repeat})",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="guanxi_bench_lists")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-scores", dest="scores", action="store_false")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("GUANXI_DATA_DIR", str(ROOT / "bench" / ".data" / "home"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from guanxi.workspace import home

    setup_test_environment()  # the test client's response.context; ALLOWED_HOSTS testserver
    users = get_user_model().objects
    manager, lead, rep = (users.get(username=n) for n in ("manager", "lead1", "rep1"))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM customers_customer")
        customers = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM sales_order")
        orders = cur.fetchone()[0]
    print(f"database {args.database}: {customers:,} customers, {orders:,} orders", flush=True)

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            if args.scores:
                start = time.perf_counter()
                with connection.cursor() as cur:
                    cur.execute(
                        "INSERT INTO scoring_scoringrun (status, trigger, as_of, model_version,"
                        " created_at, customers, orders, params, summary, error) VALUES"
                        " ('succeeded', 'command', CURRENT_DATE, 'bench', now(), 0, 0,"
                        " '{}', '{}', '') RETURNING id"
                    )
                    run_id = cur.fetchone()[0]
                    cur.execute(
                        """
                        INSERT INTO scoring_customerscore (customer_id, run_id, as_of,
                          model_version, frequency, monetary, r, f, m, rfm_segment, abc_tier,
                          pyramid_level, lifecycle_stage, customer_status, loyalty_step,
                          value_loyalty_quadrant, loyalty_type_suggested, clv_historical,
                          churn_risk, churn_reason, recovery_action, recovery_priority,
                          churn_risk_score, recency_days, quality, quality_criteria)
                        SELECT id, %s, CURRENT_DATE, 'bench', 1, 0, 1 + id %% 5, 1, 1,
                          'at_risk', (ARRAY['A','B','C','C','C'])[1 + id %% 5], '', '', '',
                          '', '', '', 0, (ARRAY['low','medium','high'])[1 + id %% 3],
                          'long_inactive', 'try_to_recover', 2, 0.9, 200, '', '[]'
                        FROM customers_customer
                        """,
                        [run_id],
                    )
                    cur.execute("ANALYZE scoring_customerscore")
                print(
                    f"inserted {customers:,} scores (rolled back at the end) in "
                    f"{time.perf_counter() - start:.1f} s",
                    flush=True,
                )
            timed(
                "indicators, manager (scope: all), cold",
                args.repeat,
                lambda: home.compute_indicators(manager),
            )
            timed(
                "indicators, lead1 (scope: subordinates), cold",
                args.repeat,
                lambda: home.compute_indicators(lead),
            )
            clients = {}
            for user in (manager, rep):
                clients[user.username] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
                clients[user.username].force_login(user)

            def page(username):
                response = clients[username].get("/")
                assert response.status_code == 200, response.status_code

            def fragment():
                response = clients["manager"].get("/home/indicators/", HTTP_HX_REQUEST="true")
                assert response.status_code == 200, response.status_code

            def forget():
                cache.delete(home._cache_key(manager, timezone.localdate()))

            timed("GET /home/indicators/ manager, cached (warm)", args.repeat * 2, fragment)
            timed(
                "GET / manager, figures cached (inline)", args.repeat * 2, lambda: page("manager")
            )
            timed(
                "GET / manager, not cached (page without them)",
                args.repeat * 2,
                lambda: (forget(), page("manager")),
            )
            timed(
                "GET /home/indicators/ manager, not cached (cold)",
                args.repeat,
                lambda: (forget(), fragment()),
            )
            timed("GET / rep1 (tasks, at risk, birthdays)", args.repeat * 2, lambda: page("rep1"))
            raise Rollback
    except Rollback:
        pass
    print(
        "caveat: 2 cores shared with other helpers' work while measuring; figures are upper bounds",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
