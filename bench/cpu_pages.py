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

--instructions counts the machine instructions per request of each kind (or --only's) with
valgrind's callgrind: the same count for the same code and data however busy the machine is,
where CPU time on a shared machine varies by ±40 % between runs, so a change of a few percent
can be seen. Each kind runs twice under callgrind (warm-up plus --repeat and plus twice
--repeat requests; PYTHONHASHSEED fixed) and the difference is divided by --repeat. It counts
this process only (the view, ORM, templates, middleware and the test client), not the
database server; ~1 minute a kind. Needs valgrind (Debian's package).
"""

import argparse
import os
import re
import statistics
import subprocess
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
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions per request (valgrind)"
    )
    parser.add_argument("--loop", default="", help=argparse.SUPPRESS)  # one kind, no output
    args = parser.parse_args()
    if args.instructions:
        return count_instructions(args)

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

    if args.loop:  # under callgrind (count_instructions): per kind, warm, then --repeat requests
        callgrind_dump("start")
        callgrind_dump("empty")
        for kind in args.loop.split(","):
            paths = kinds[kind]
            htmx = kind.endswith("(htmx)")
            for path in paths[:3]:
                get(path, htmx)
            callgrind_dump(f"warm {KINDS.index(kind)}")
            for i in range(args.repeat):
                get(paths[i % len(paths)], htmx)
            callgrind_dump(f"kind {KINDS.index(kind)}")
        return 0

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


KINDS = (
    "ping",
    "customer list",
    "search (pinyin)",
    "search (尾号)",
    "search (prefix)",
    "list (htmx)",
    "360 page",
)


def count_instructions(args) -> int:
    """Instructions per request of each kind, from one run under callgrind: the loop (--loop)
    asks callgrind for a dump after each kind's requests (callgrind_control), so start-up and
    warm-up are not counted; a dump's own cost is measured as an empty segment and taken off."""
    kinds = [k.strip() for k in args.only.split(",")] if args.only else list(KINDS)
    # valgrind runs the interpreter itself (not a shim or a venv's link), given this sys.path
    python = os.path.realpath(sys.executable)
    path = os.pathsep.join(p for p in sys.path if p)
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": path}
    out = f"/tmp/guanxi-callgrind-{os.getpid()}"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}.%p"]
    command += [python, __file__, "--loop", ",".join(kinds), "--repeat", str(args.repeat)]
    command += ["--user", args.user]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    segments = {}
    for dump in Path("/tmp").glob(f"{Path(out).name}.*"):
        text = dump.read_text(errors="replace")
        name = re.search(
            r"^desc: Trigger: Client Request: (.*)$|^desc: Trigger: dump (.*)$", text, re.M
        )
        total = re.search(r"^summary: (\d+)", text, re.M)
        if name and total:
            segments[name.group(1) or name.group(2)] = int(total.group(1))
        dump.unlink()
    if done.returncode != 0 or "empty" not in segments:
        raise SystemExit(f"callgrind failed:\n{done.stderr[-2000:]}")
    print(f"{'page':20} {'M instructions':>15}  (a request, {args.repeat} measured)")
    for kind in kinds:
        per = (segments[f"kind {KINDS.index(kind)}"] - segments["empty"]) / args.repeat
        print(f"{kind:20} {per / 1e6:15.2f}")
    return 0


def callgrind_dump(name: str) -> None:
    """Ask callgrind to write the counts since the last dump under `name` (--loop)."""
    subprocess.run(["callgrind_control", "-d", name, str(os.getpid())], capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
