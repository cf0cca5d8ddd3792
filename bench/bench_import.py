"""Import speed and what other users feel meanwhile, on SQLite (the default install).

Seeds a fresh SQLite database in a temporary folder, writes a CSV of N customers (50,000 by
default), then:
1. measures reads (a rep's customer list: count + first page) and small writes (creating one
   customer through the service) from a second process, without an import running;
2. runs `guanxi import customers FILE` and measures the same reads and writes meanwhile;
3. prints rows/s of the import and p50/p95/max latency and failures of both phases.

    python bench/bench_import.py                 # 50,000 rows
    python bench/bench_import.py --rows 5000     # quicker
"""

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup(data_dir: str) -> None:
    os.environ["GUANXI_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
    places = [
        ("浙江省", "杭州市", "西湖区"),
        ("广东省", "深圳市", "南山区"),
        ("上海市", "上海市", "浦东新区"),
    ]
    with path.open("w", encoding="utf-8") as out:
        out.write("姓名,手机,邮箱,省,市,区,地址,生日,性别,客户等级,来源,标签,外部编号,积分\n")
        for i in range(rows):
            province, city, district = rng.choice(places)
            name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(2))
            out.write(
                f"{name},139{i:08d},c{i}@example.com,{province},{city},{district},"
                f"长安路{i % 999 + 1}号,19{rng.randint(50, 99)}-{rng.randint(1, 12)}-"
                f"{rng.randint(1, 28)},{rng.choice('男女')},{rng.choice('ABC')},"
                f"{rng.choice(['转介绍', '网络咨询', '展会'])},"
                f"{rng.choice(['茶友', '老客户', 'VIP'])},X{i:07d},{rng.randint(0, 900)}\n"
            )


def load(data_dir: str, stop, queue) -> None:
    """A rep reading their list and saving a customer, about 20 times a second."""
    # The rep saves ~5 customers a second; each save counts its new mobile against the 查重
    # limit (30 a minute by default, against enumeration by a person), which refused all
    # but the first 30 and hid what this measures: whether a write waits for the import.
    os.environ["GUANXI_DUPLICATE_CHECKS_PER_MINUTE"] = "1000000"
    django_setup(data_dir)
    from django.contrib.auth import get_user_model

    from guanxi.accounts.scope import visible_customers
    from guanxi.customers.services import create_customer

    rep = get_user_model().objects.get(username="rep")
    reads, writes, failures = [], [], []
    n = 0
    while not stop.is_set():
        started = time.perf_counter()
        try:
            customers = visible_customers(rep)
            customers.count()
            list(customers.order_by("-pk")[:50])
            reads.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - counted, that is the measurement
            failures.append(f"read: {exc}")
        if n % 4 == 0:
            started = time.perf_counter()
            try:
                create_customer(
                    rep, {"name": f"并发{n}", "mobile": f"137{os.getpid() % 1000:03d}{n:05d}"}
                )
                writes.append(time.perf_counter() - started)
            except Exception as exc:  # noqa: BLE001
                failures.append(f"write: {exc}")
        n += 1
        time.sleep(0.05)
    queue.put({"reads": reads, "writes": writes, "failures": failures})


def summary(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: none"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return (
        f"{label}: n={len(values)} p50={statistics.median(values) * 1000:.1f} ms "
        f"p95={p95 * 1000:.1f} ms max={values[-1] * 1000:.1f} ms"
    )


def measure(data_dir: str, seconds: float | None, command: list[str] | None, env) -> dict:
    stop, queue = mp.Event(), mp.Queue()
    worker = mp.Process(target=load, args=(data_dir, stop, queue))
    worker.start()
    time.sleep(2)  # the worker's Django start-up
    elapsed, output = None, ""
    if command:
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
        elapsed = time.perf_counter() - started
        output = done.stdout.strip().splitlines()[-1:] + done.stderr.strip().splitlines()[-3:]
    else:
        time.sleep(seconds)
    stop.set()
    result = queue.get()
    worker.join()
    result["elapsed"], result["output"] = elapsed, output
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as data_dir:
        env = {**os.environ, "GUANXI_DATA_DIR": data_dir, "PYTHONPATH": str(ROOT)}
        env.pop("DATABASE_URL", None)
        guanxi = [sys.executable, "-m", "guanxi"]
        subprocess.run([*guanxi, "manage", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        setup = (
            "from django.contrib.auth import get_user_model as g;"
            "from guanxi.accounts.models import Role;"
            "from guanxi.accounts.services import create_user;"
            "g().objects.create_superuser('admin','a@x.cn','pw-123456789');"
            "create_user('rep', 'pw-123456789', role=Role.REP)"
        )
        subprocess.run([*guanxi, "manage", "shell", "-c", setup], env=env, check=True, cwd=ROOT)
        csv = Path(data_dir) / "customers.csv"
        write_csv(csv, args.rows)
        idle = measure(data_dir, 10, None, env)
        busy = measure(data_dir, None, [*guanxi, "import", "customers", str(csv)], env)
        rate = args.rows / busy["elapsed"]
        print(f"import of {args.rows:,} rows: {busy['elapsed']:.1f} s, {rate:,.0f} rows/s")
        print("  " + " | ".join(busy["output"]))
        for name, phase in (("without import", idle), ("during import", busy)):
            print(f"{name}:")
            print("  " + summary("reads ", phase["reads"]))
            print("  " + summary("writes", phase["writes"]))
            print(
                f"  failures: {len(phase['failures'])} {json.dumps(phase['failures'][:3], ensure_ascii=False)}"
            )


if __name__ == "__main__":
    main()
