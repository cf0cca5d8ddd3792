"""The pipeline board (销售漏斗) at 1,000,000 customers on PostgreSQL: latency per request.

Reuses the database bench_web.py seeds (default guanxi_bench_lists: 1,000,000 customers; run
bench_web.py or `guanxi demo --size 1000000 --no-serve` first) and migrates it. Inside a
transaction rolled back at the end (nothing is left behind) it inserts one opportunity for
every --every-th customer (default 5: 200,000 opportunities, 80 % open, spread over the five
stages, owned by the customer's owner), then measures through Django's test client (every
middleware, the template, in this process), each --repeat times, median and p95:

- the board of the manager (every customer), of lead1 (their team) and of rep1 (their own):
  as it is viewed again and again (the columns' counts and totals cached until an
  opportunity changes), right after a change (counts and totals recomputed), and filtered to
  one close month;
- the ping view for scale.

Target (issue 10): the board's p95 under 300 ms.

    python bench/bench_board.py --database guanxi_bench_lists --repeat 20
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(label: str, repeat: int, fn) -> float:
    fn()  # warm the connection and the plan cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    p95 = pct(times, 0.95)
    print(
        f"{label:<44} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   (n={repeat})",
        flush=True,
    )
    return p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="guanxi_bench_lists")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--every", type=int, default=5, help="one opportunity per N customers")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("GUANXI_DATA_DIR", str(ROOT / "bench" / ".data" / "board"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    sys.path.insert(0, str(ROOT))
    subprocess.run(
        [sys.executable, "-m", "guanxi", "manage", "migrate", "-v0"],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    from guanxi.pipeline.models import Stage
    from guanxi.pipeline.services import ensure_default_stages
    from guanxi.pipeline.signals import opportunity_changed

    setup_test_environment()
    users = get_user_model().objects
    people = [users.get(username=n) for n in ("manager", "lead1", "rep1")]

    class Rollback(Exception):  # noqa: N818
        pass

    try:
        with transaction.atomic():
            ensure_default_stages(None)
            stages = list(Stage.objects.filter(active=True).order_by("order"))
            ids = "ARRAY[" + ",".join(str(s.pk) for s in stages) + "]"
            probs = "ARRAY[" + ",".join(str(s.probability) for s in stages) + "]"
            n = len(stages)
            start = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(
                    f"""
                    INSERT INTO pipeline_opportunity (customer_id, owner_id, name, amount,
                      currency, expected_close, stage_id, probability, status, lost_reason,
                      lost_note, meeting_time, meeting_agenda, meeting_purpose, version,
                      created_at, updated_at)
                    SELECT id, owner_id, '商机 ' || id, (id %% 97) * 100 + 500, 'CNY',
                      CURRENT_DATE + (id %% 120)::int, ({ids})[1 + (id / %s) %% {n}],
                      ({probs})[1 + (id / %s) %% {n}],
                      CASE WHEN (id / %s) %% 10 = 0 THEN 'won' WHEN (id / %s) %% 10 = 1 THEN 'lost'
                        ELSE 'open' END,
                      CASE WHEN (id / %s) %% 10 = 1 THEN 'price' ELSE '' END, '', '', '', '', 1,
                      now() - (id %% 300) * interval '1 day',
                      now() - (id %% 200) * interval '1 hour'
                    FROM customers_customer WHERE id %% %s = 0
                    """,  # noqa: S608 - our own integers
                    [args.every] * 6,
                )
                inserted = cur.rowcount
                cur.execute("ANALYZE pipeline_opportunity")
            print(
                f"inserted {inserted:,} opportunities (rolled back at the end) in "
                f"{time.perf_counter() - start:.1f} s",
                flush=True,
            )
            ping = Client()
            timed("ping", args.repeat, lambda: ping.get("/ping/"))
            worst = 0.0
            month = time.strftime("%Y-%m")
            for user in people:
                client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
                client.force_login(user)

                def board(client=client, query=""):
                    response = client.get("/pipeline/" + query)
                    assert response.status_code == 200, response.status_code

                worst = max(worst, timed(f"board, {user.username}", args.repeat, board))

                def after_a_change(board=board):
                    opportunity_changed(None)  # as any save does: the totals are recomputed
                    board()

                timed(f"board, {user.username}, right after a change", args.repeat, after_a_change)
                worst = max(
                    worst,
                    timed(
                        f"board, {user.username}, close month {month}",
                        args.repeat,
                        lambda b=board: b(query=f"?close_month={month}"),
                    ),
                )
            print(f"worst board p95 {worst:.1f} ms (target: under 300 ms)", flush=True)
            raise Rollback
    except Rollback:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
