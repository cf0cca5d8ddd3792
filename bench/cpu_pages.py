"""CPU cost per request of the list, search and 360 pages, measured in-process.

bench_web.py measures throughput under load, which depends on everything else the machine
is doing; this measures what one request costs, which does not: Django's test client
renders each page (every middleware, as rep1, in a warm process) against a seeded database,
and for each page prints

- `py ms`: CPU time of this process per request (time.process_time: the view, the ORM, the
  templates, the middleware; not the database server),
- `db ms`: wall time of the page's queries (the database server's work plus the round trips),
- `queries`: how many,
- `KB`: the size of the page,

as the median over --repeat requests (after a warm-up; py ms also as the minimum, which a busy
machine inflates least), plus the ping view for scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guanxi_bench_lists \\
        python bench/cpu_pages.py [--repeat 30] [--profile "360 page"]

--profile KIND prints a cProfile profile (CPU time) of one page kind.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--user", default="rep1")
    parser.add_argument("--profile", default="", help="page kind to profile")
    parser.add_argument("--only", default="", help="comma-separated page kinds")
    parser.add_argument("--sort", default="cumulative", help="profile order (pstats key)")
    parser.add_argument("--lines", type=int, default=60, help="profile lines shown")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from guanxi.customers.models import Customer

    user = get_user_model().objects.get(username=args.user)
    mine = Customer.objects.filter(owner=user).order_by("-id")
    ids = list(mine.values_list("pk", flat=True)[:20])
    sample = mine.first()
    kinds = {
        "ping": ["/ping/"],
        "customer list": ["/customers/"],
        "search (pinyin)": [f"/customers/?q={sample.name_pinyin[:6]}"],
        "search (尾号)": [f"/customers/?q={sample.mobile[-4:]}"],
        "search (prefix)": [f"/customers/?q={sample.mobile[3:9]}"],
        "list (htmx)": ["/customers/?q="],
        "360 page": [f"/customers/{pk}/" for pk in ids],
    }
    if args.only:
        wanted = {k.strip() for k in args.only.split(",")}
        kinds = {k: v for k, v in kinds.items() if k in wanted}
    client = Client()
    client.force_login(user)

    state = {"db": 0.0, "n": 0}

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            state["db"] += time.perf_counter() - start
            state["n"] += 1

    def get(path, htmx):
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.get(path, **headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        return response

    if args.profile:
        paths = kinds[args.profile]
        for path in paths:  # warm
            get(path, args.profile.endswith("(htmx)"))
        import cProfile
        import pstats

        # CPU time, not wall time: the machine may be busy with other work
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        for i in range(args.repeat):
            get(paths[i % len(paths)], args.profile.endswith("(htmx)"))
        prof.disable()
        stats = pstats.Stats(prof)
        stats.sort_stats(args.sort).print_stats(args.lines)
        return 0

    print(f"{'page':20} {'py ms':>7} {'(min)':>7} {'db ms':>7} {'queries':>8} {'KB':>6}")
    with connection.execute_wrapper(timer):
        for label, paths in kinds.items():
            htmx = label.endswith("(htmx)")
            for path in paths[:3]:  # warm caches and the connection
                get(path, htmx)
            cpu, db, queries, size = [], [], [], 0
            for i in range(args.repeat):
                state.update(db=0.0, n=0)
                start = time.process_time()
                response = get(paths[i % len(paths)], htmx)
                cpu.append((time.process_time() - start) * 1000)
                db.append(state["db"] * 1000)
                queries.append(state["n"])
                size = len(response.content)
            print(
                f"{label:20} {statistics.median(cpu):7.1f} {min(cpu):7.1f} {statistics.median(db):7.1f} "
                f"{statistics.median(queries):8.0f} {size / 1024:6.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
