"""Benchmark: guanxi RFM + ABC + cohorts (Ibis on DuckDB) against hand-written pandas, polars
and DuckDB SQL versions of the same queries, and against lifetimes' / PyMC-Marketing's summary
functions. Each contender runs in its own process, so its peak memory is its own.

    python bench/bench_tables.py --customers 1000000

The synthetic order log (about 9.7 orders per customer) is written once as Parquet under
bench/.data/ and reused.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).parent / ".data"
AS_OF = "2024-01-01"  # the day after the synthetic log ends


def order_log(customers: int, seed: int = 42) -> Path:
    """Write (once) and return the Parquet order log for ``customers`` customers."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = DATA_DIR / f"orders_{customers}.parquet"
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    counts = 1 + rng.poisson(8.7, size=customers)
    ids = np.repeat(np.arange(1, customers + 1, dtype=np.int64), counts)
    first = rng.integers(0, 700, size=customers)
    offsets = rng.integers(0, 730, size=len(ids))
    start = np.repeat(first, counts)
    day = np.minimum(start + (offsets * rng.random(len(ids)) ** 2).astype(np.int64), 729)
    dates = np.datetime64("2022-01-01") + day.astype("timedelta64[D]")
    amounts = np.round(rng.lognormal(3.0, 0.8, size=len(ids)), 2) + 0.01
    table = pa.table({"customer_id": ids, "date": dates, "amount": amounts})
    pq.write_table(table, path, row_group_size=1_000_000)
    return path


# --- the contenders -----------------------------------------------------------------------


def run_guanxi(path: Path) -> dict:
    """The fastest public path: the order log aggregated once per customer
    (``customer_base``, cached by the backend), RFM, ABC and cohorts derived from it; the
    same tables as ``rfm(orders)``, ``abc(orders)``, ``cohorts(orders)`` (and as ``tables()``,
    which runs exactly these steps)."""
    from guanxi.analytics.abc import abc
    from guanxi.analytics.base import customer_base
    from guanxi.analytics.cohorts import cohorts
    from guanxi.analytics.io import read_transactions
    from guanxi.analytics.rfm import rfm

    times = {}
    t0 = time.perf_counter()
    orders = read_transactions(path)
    times["read+validate"] = time.perf_counter() - t0
    t = time.perf_counter()
    base = customer_base(orders, as_of=AS_OF)
    times["base"] = time.perf_counter() - t
    t = time.perf_counter()
    r = rfm(base).to_pyarrow()
    times["rfm"] = time.perf_counter() - t
    t = time.perf_counter()
    a = abc(base).to_pyarrow()
    times["abc"] = time.perf_counter() - t
    t = time.perf_counter()
    c = cohorts(base).to_pyarrow()
    times["cohorts"] = time.perf_counter() - t
    base.release()
    times["total"] = time.perf_counter() - t0
    return {"times": times, "rows": [r.num_rows, a.num_rows, c.num_rows]}


def run_guanxi_separate(path: Path) -> dict:
    """Each analysis on the raw order log (three scans of it)."""
    from guanxi.analytics.abc import abc
    from guanxi.analytics.cohorts import cohorts
    from guanxi.analytics.io import read_transactions
    from guanxi.analytics.rfm import rfm

    times = {}
    t0 = time.perf_counter()
    orders = read_transactions(path)
    times["read+validate"] = time.perf_counter() - t0
    t = time.perf_counter()
    r = rfm(orders, as_of=AS_OF).to_pyarrow()
    times["rfm"] = time.perf_counter() - t
    t = time.perf_counter()
    a = abc(orders, as_of=AS_OF).to_pyarrow()
    times["abc"] = time.perf_counter() - t
    t = time.perf_counter()
    c = cohorts(orders, as_of=AS_OF).to_pyarrow()
    times["cohorts"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    return {"times": times, "rows": [r.num_rows, a.num_rows, c.num_rows]}


# Hand-written DuckDB SQL: the fastest way we know to produce the same tables as guanxi (same
# columns, tie rules, integer cents), written directly for this file's types.
DUCKDB_RFM = """
WITH per AS (
  SELECT customer_id, date_diff('day', max(date), DATE '{as_of}') AS recency_days,
         count(*) AS frequency,
         CAST(sum(CAST(floor(amount * 100 + 0.5) AS BIGINT)) AS BIGINT) AS cents
  FROM orders WHERE date <= DATE '{as_of}' GROUP BY customer_id),
sc AS (
  SELECT customer_id, recency_days, frequency, cents / 100.0 AS monetary,
    cents / (frequency * 100.0) AS avg_monetary,
    1 + CAST(floor(5.0 * (rank() OVER (ORDER BY recency_days DESC) - 1) / count(*) OVER ()) AS BIGINT) AS r,
    1 + CAST(floor(5.0 * (rank() OVER (ORDER BY frequency) - 1) / count(*) OVER ()) AS BIGINT) AS f,
    1 + CAST(floor(5.0 * (rank() OVER (ORDER BY cents) - 1) / count(*) OVER ()) AS BIGINT) AS m
  FROM per)
SELECT *, 100 * r + 10 * f + m AS rfm_score,
  CASE WHEN r >= 5 AND f >= 4 THEN 'champions' WHEN r >= 3 AND f >= 4 THEN 'loyal'
       WHEN r >= 4 AND f >= 2 THEN 'potential_loyalist' WHEN r >= 5 THEN 'new'
       WHEN r >= 4 THEN 'promising' WHEN r >= 3 AND f >= 3 THEN 'need_attention'
       WHEN r >= 3 THEN 'about_to_sleep' WHEN f >= 5 THEN 'cannot_lose'
       WHEN f >= 3 THEN 'at_risk' WHEN r >= 2 THEN 'hibernating' ELSE 'lost' END AS segment
FROM sc
"""

DUCKDB_ABC = """
WITH per AS (
  SELECT customer_id, CAST(sum(CAST(floor(amount * 100 + 0.5) AS BIGINT)) AS BIGINT) AS cents
  FROM orders WHERE date <= DATE '{as_of}' GROUP BY customer_id),
lv AS (SELECT cents, count(*) AS n, CAST(sum(cents) AS BIGINT) AS s FROM per GROUP BY cents),
run AS (
  SELECT cents, sum(n) OVER w - n + 1 AS rank, CAST(sum(s) OVER w - s AS DOUBLE) / sum(s) OVER () AS before,
         CAST(sum(s) OVER w AS DOUBLE) / sum(s) OVER () AS share, cents / sum(s) OVER () AS revenue_share
  FROM lv WINDOW w AS (ORDER BY cents DESC ROWS UNBOUNDED PRECEDING)),
cl AS (
  SELECT customer_id, per.cents / 100.0 AS revenue, revenue_share, rank,
         before AS cumulative_share_before, share AS cumulative_share,
         CASE WHEN before < 0.7 - 1e-12 THEN 'A' WHEN before < 0.9 - 1e-12 THEN 'B' ELSE 'C' END AS abc_class
  FROM per JOIN run USING (cents))
SELECT *, CASE abc_class
  WHEN 'A' THEN 'Key accounts: dedicated staff, priority service, regular senior contact.'
  WHEN 'B' THEN 'Middle customers: regular visits, develop them towards A.'
  WHEN 'C' THEN 'Small customers: basic, low-cost service (self-service, group communication).'
  END AS guidance
FROM cl
"""

# Cohorts in one pass per customer: the months with a purchase as a bit mask (bit b = b months
# before the as-of month; 62 months fit this log, which spans 24), then counts from the
# distinct (cohort, mask) patterns and revenue from one join of the orders with the masks.
# (The textbook version, a customer-month aggregate plus an anti-join to the next month, took
# about twice as long.)
DUCKDB_COHORTS = """
WITH o AS (
  SELECT customer_id, {last} - (year(date) * 12 + month(date) - 1) AS back,
         CAST(floor(amount * 100 + 0.5) AS BIGINT) AS cents
  FROM orders WHERE date <= DATE '{as_of}'),
cu AS (SELECT customer_id, max(back) AS cb, bit_or(CAST(1 AS BIGINT) << back) AS mask
       FROM o GROUP BY customer_id),
pat AS (SELECT cb, mask, count(*) AS n FROM cu GROUP BY cb, mask),
cells AS (
  SELECT cb, p, CAST(sum(n) AS BIGINT) AS size,
         CAST(sum(n * ((mask >> (cb - p)) & 1)) AS BIGINT) AS active,
         CAST(sum(CASE WHEN p > 0 THEN n * ((mask >> (cb - p + 1)) & 1) ELSE 0 END) AS BIGINT) AS start,
         CAST(sum(CASE WHEN p > 0 THEN n * ((mask >> (cb - p + 1)) & 1) * (1 - ((mask >> (cb - p)) & 1))
                  ELSE 0 END) AS BIGINT) AS churned
  FROM (SELECT cb, mask, n, unnest(range(0, cb + 1)) AS p FROM pat) GROUP BY cb, p),
rev AS (
  SELECT cb, back, CAST(sum(cents) AS BIGINT) AS revenue,
         CAST(sum(CASE WHEN back > 0 AND (mask >> (back - 1)) & 1 = 0 THEN cents ELSE 0 END) AS BIGINT) AS lost
  FROM o JOIN cu USING (customer_id) GROUP BY cb, back)
SELECT make_date(({last} - cells.cb) // 12, ({last} - cells.cb) % 12 + 1, 1) AS cohort, p AS period,
       size AS cohort_size, active AS active_customers, active / size AS retention,
       coalesce(r.revenue, 0) / 100.0 AS revenue, start AS start_customers,
       churned AS churned_customers, CASE WHEN start > 0 THEN churned / start END AS churn_rate,
       coalesce(l.lost, 0) / 100.0 AS revenue_lost
FROM cells LEFT JOIN rev r ON r.cb = cells.cb AND r.back = cells.cb - cells.p
LEFT JOIN rev l ON l.cb = cells.cb AND l.back = cells.cb - cells.p + 1
"""


def run_duckdb_sql_separate(path: Path) -> dict:
    """The three queries above, each on the order log."""
    import duckdb

    con = duckdb.connect()
    times = {}
    t0 = time.perf_counter()
    con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet('{path}')").fetchall()
    last = 2024 * 12 + 1 - 1  # the as-of month
    rows = []
    for name, sql in (("rfm", DUCKDB_RFM), ("abc", DUCKDB_ABC), ("cohorts", DUCKDB_COHORTS)):
        t = time.perf_counter()
        rows.append(con.sql(sql.format(as_of=AS_OF, last=last)).to_arrow_table().num_rows)
        times[name] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    return {"times": times, "rows": rows}


# The same tables by hand with the one-pass idea: the order log aggregated once per customer
# into a temporary table (last date, orders, cents, cohort month, month mask), everything else
# from it; quintile scores as running counts over the distinct values (no sort of every
# customer), revenue lost as the previous period's figure of the cohort (lag).
DUCKDB_BASE = """
CREATE OR REPLACE TEMP TABLE base AS
SELECT customer_id, date_diff('day', max(date), DATE '{as_of}') AS recency_days,
       count(*) AS frequency, CAST(sum(cents) AS BIGINT) AS cents, max(back) AS cb,
       bit_or(CAST(1 AS BIGINT) << back) AS mask
FROM (SELECT customer_id, date, CAST(floor(amount * 100 + 0.5) AS BIGINT) AS cents,
             {last} - (year(date) * 12 + month(date) - 1) AS back
      FROM orders WHERE date <= DATE '{as_of}')
GROUP BY customer_id
"""

DUCKDB_BASE_RFM = """
WITH n AS (SELECT CAST(count(*) AS DOUBLE) AS n FROM base),
r AS (SELECT v, 1 + CAST(floor(5 * (sum(c) OVER (ORDER BY v DESC) - c) / (SELECT n FROM n)) AS BIGINT) AS r
      FROM (SELECT recency_days AS v, count(*) AS c FROM base GROUP BY 1)),
f AS (SELECT v, 1 + CAST(floor(5 * (sum(c) OVER (ORDER BY v) - c) / (SELECT n FROM n)) AS BIGINT) AS f
      FROM (SELECT frequency AS v, count(*) AS c FROM base GROUP BY 1)),
m AS (SELECT v, 1 + CAST(floor(5 * (sum(c) OVER (ORDER BY v) - c) / (SELECT n FROM n)) AS BIGINT) AS m
      FROM (SELECT cents AS v, count(*) AS c FROM base GROUP BY 1)),
sc AS (
  SELECT customer_id, recency_days, frequency, cents / 100.0 AS monetary,
         cents / (frequency * 100.0) AS avg_monetary, r, f, m
  FROM base JOIN r ON r.v = recency_days JOIN f ON f.v = frequency JOIN m ON m.v = cents)
SELECT *, 100 * r + 10 * f + m AS rfm_score,
  CASE WHEN r >= 5 AND f >= 4 THEN 'champions' WHEN r >= 3 AND f >= 4 THEN 'loyal'
       WHEN r >= 4 AND f >= 2 THEN 'potential_loyalist' WHEN r >= 5 THEN 'new'
       WHEN r >= 4 THEN 'promising' WHEN r >= 3 AND f >= 3 THEN 'need_attention'
       WHEN r >= 3 THEN 'about_to_sleep' WHEN f >= 5 THEN 'cannot_lose'
       WHEN f >= 3 THEN 'at_risk' WHEN r >= 2 THEN 'hibernating' ELSE 'lost' END AS segment
FROM sc
"""

DUCKDB_BASE_ABC = DUCKDB_ABC.replace(
    """per AS (
  SELECT customer_id, CAST(sum(CAST(floor(amount * 100 + 0.5) AS BIGINT)) AS BIGINT) AS cents
  FROM orders WHERE date <= DATE '{as_of}' GROUP BY customer_id)""",
    "per AS (SELECT customer_id, cents FROM base)",
)

DUCKDB_BASE_COHORTS = """
WITH pat AS (SELECT cb, mask, count(*) AS n FROM base GROUP BY cb, mask),
cells AS (
  SELECT cb, p, CAST(sum(n) AS BIGINT) AS size,
         CAST(sum(n * ((mask >> (cb - p)) & 1)) AS BIGINT) AS active,
         CAST(sum(CASE WHEN p > 0 THEN n * ((mask >> (cb - p + 1)) & 1) ELSE 0 END) AS BIGINT) AS start,
         CAST(sum(CASE WHEN p > 0 THEN n * ((mask >> (cb - p + 1)) & 1) * (1 - ((mask >> (cb - p)) & 1))
                  ELSE 0 END) AS BIGINT) AS churned
  FROM (SELECT cb, mask, n, unnest(range(0, cb + 1)) AS p FROM pat) GROUP BY cb, p),
rev AS (
  SELECT cb, o.back, CAST(sum(o.cents) AS BIGINT) AS revenue,
         CAST(sum(CASE WHEN o.back > 0 AND (mask >> (o.back - 1)) & 1 = 0 THEN o.cents ELSE 0 END) AS BIGINT) AS lost
  FROM (SELECT customer_id, {last} - (year(date) * 12 + month(date) - 1) AS back,
               CAST(floor(amount * 100 + 0.5) AS BIGINT) AS cents
        FROM orders WHERE date <= DATE '{as_of}') o JOIN base USING (customer_id)
  GROUP BY cb, o.back)
SELECT make_date(({last} - cells.cb) // 12, ({last} - cells.cb) % 12 + 1, 1) AS cohort, p AS period,
       size AS cohort_size, active AS active_customers, active / size AS retention,
       coalesce(r.revenue, 0) / 100.0 AS revenue, start AS start_customers,
       churned AS churned_customers, CASE WHEN start > 0 THEN churned / start END AS churn_rate,
       coalesce(lag(r.lost) OVER (PARTITION BY cells.cb ORDER BY p), 0) / 100.0 AS revenue_lost
FROM cells LEFT JOIN rev r ON r.cb = cells.cb AND r.back = cells.cb - cells.p
"""


def run_duckdb_sql(path: Path) -> dict:
    """One pass over the order log into a per-customer temporary table, then the three."""
    import duckdb

    con = duckdb.connect()
    times = {}
    t0 = time.perf_counter()
    con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet('{path}')").fetchall()
    last = 2024 * 12 + 1 - 1  # the as-of month
    t = time.perf_counter()
    con.execute(DUCKDB_BASE.format(as_of=AS_OF, last=last)).fetchall()
    times["base"] = time.perf_counter() - t
    rows = []
    for name, sql in (
        ("rfm", DUCKDB_BASE_RFM),
        ("abc", DUCKDB_BASE_ABC),
        ("cohorts", DUCKDB_BASE_COHORTS),
    ):
        t = time.perf_counter()
        rows.append(con.sql(sql.format(as_of=AS_OF, last=last)).to_arrow_table().num_rows)
        times[name] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    return {"times": times, "rows": rows}


def run_pandas(path: Path) -> dict:
    import pandas as pd

    times = {}
    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    df["date"] = pd.to_datetime(df["date"])
    as_of = pd.Timestamp(AS_OF)
    df = df[df["date"] <= as_of]
    df["cents"] = np.floor(df["amount"].to_numpy() * 100 + 0.5).astype(np.int64)
    times["read"] = time.perf_counter() - t0

    t = time.perf_counter()
    g = df.groupby("customer_id", sort=False)
    per = pd.DataFrame({"last": g["date"].max(), "frequency": g.size(), "cents": g["cents"].sum()})
    per["recency_days"] = (as_of - per["last"]).dt.days
    n = len(per)
    for col, score, asc in (
        ("recency_days", "r", False),
        ("frequency", "f", True),
        ("cents", "m", True),
    ):
        worse = per[col].rank(method="min", ascending=asc).to_numpy() - 1
        per[score] = 1 + np.floor(5 * worse / n).astype(np.int64)
    times["rfm"] = time.perf_counter() - t

    t = time.perf_counter()
    cents = per["cents"]
    levels = cents.groupby(cents).sum().sort_index(ascending=False)
    before = (levels.cumsum() - levels) / levels.sum()
    share = cents.map(before)
    abc_class = np.where(share < 0.7, "A", np.where(share < 0.9, "B", "C"))
    abc = pd.DataFrame({"revenue": cents / 100, "abc_class": abc_class})
    times["abc"] = time.perf_counter() - t

    t = time.perf_counter()
    m = df["date"].dt.year * 12 + df["date"].dt.month - 1
    act = df.assign(m=m).groupby(["customer_id", "m"], sort=False)["cents"].sum().reset_index()
    act["c"] = act.groupby("customer_id")["m"].transform("min")
    act["p"] = act["m"] - act["c"]
    sizes = act[act["p"] == 0].groupby("c").size().rename("size")
    cells = act.groupby(["c", "p"]).agg(active=("cents", "size"), revenue=("cents", "sum"))
    nxt = act[["customer_id", "p"]].assign(p=act["p"] - 1, back=True)
    merged = act.merge(nxt, on=["customer_id", "p"], how="left")
    gone = merged[merged["back"].isna()].copy()
    last = 2024 * 12 + 1 - 1
    gone = gone[gone["c"] + gone["p"] + 1 <= last]
    gone["p"] = gone["p"] + 1
    losses = gone.groupby(["c", "p"]).agg(churned=("cents", "size"), lost=("cents", "sum"))
    table = cells.join(losses, how="outer").join(sizes, on="c")
    table["retention"] = table["active"].fillna(0) / table["size"]
    times["cohorts"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    return {"times": times, "rows": [len(per), len(abc), len(table)]}


def polars_tables(path: Path):
    """The same tables in polars, with the one-pass idea of the DuckDB version: the order log
    aggregated once per customer (last date, orders, cents, cohort month, month mask), the rest
    from that. Yields (step, DataFrame) in order: base, rfm, abc, cohorts."""
    import datetime as dt

    import polars as pl

    as_of = dt.date.fromisoformat(AS_OF)
    last = as_of.year * 12 + as_of.month - 1
    orders = (
        pl.scan_parquet(path)
        .filter(pl.col("date") <= as_of)
        .select(
            "customer_id",
            "date",
            cents=(pl.col("amount") * 100 + 0.5).floor().cast(pl.Int64),
            back=pl.lit(last, pl.Int64)
            - (pl.col("date").dt.year().cast(pl.Int64) * 12 + pl.col("date").dt.month() - 1),
        )
    )
    two = pl.lit(2, pl.Int64)

    def bit(mask, k):
        return (mask // two.pow(k)) % 2

    base = (
        orders.group_by("customer_id")
        .agg(
            recency_days=(pl.lit(as_of) - pl.col("date").max()).dt.total_days(),
            frequency=pl.len().cast(pl.Int64),
            cents=pl.col("cents").sum(),
            cb=pl.col("back").max(),
            mask=two.pow(pl.col("back").unique()).sum(),
        )
        .collect()
    )
    yield "base", base

    n = base.height

    def score(col, descending=False):
        worse = pl.col(col).rank("min", descending=descending) - 1
        return (1 + (5 * worse / n).floor()).cast(pl.Int64)

    r, f, m = pl.col("r"), pl.col("f"), pl.col("m")
    segment = (
        pl.when((r >= 5) & (f >= 4)).then(pl.lit("champions"))
        .when((r >= 3) & (f >= 4)).then(pl.lit("loyal"))
        .when((r >= 4) & (f >= 2)).then(pl.lit("potential_loyalist"))
        .when(r >= 5).then(pl.lit("new"))
        .when(r >= 4).then(pl.lit("promising"))
        .when((r >= 3) & (f >= 3)).then(pl.lit("need_attention"))
        .when(r >= 3).then(pl.lit("about_to_sleep"))
        .when(f >= 5).then(pl.lit("cannot_lose"))
        .when(f >= 3).then(pl.lit("at_risk"))
        .when(r >= 2).then(pl.lit("hibernating"))
        .otherwise(pl.lit("lost"))
    )  # fmt: skip
    rfm = (
        base.lazy()
        .select(
            "customer_id",
            "recency_days",
            "frequency",
            monetary=pl.col("cents") / 100.0,
            avg_monetary=pl.col("cents") / (pl.col("frequency") * 100.0),
            r=score("recency_days", descending=True),
            f=score("frequency"),
            m=score("cents"),
        )
        .with_columns(rfm_score=100 * r + 10 * f + m, segment=segment)
        .collect()
    )
    yield "rfm", rfm

    total = base["cents"].sum()
    levels = (
        base.lazy()
        .group_by("cents")
        .agg(n=pl.len(), s=pl.col("cents").sum())
        .sort("cents", descending=True)
        .with_columns(run_n=pl.col("n").cum_sum(), run_s=pl.col("s").cum_sum())
        .select(
            "cents",
            rank=pl.col("run_n") - pl.col("n") + 1,
            cumulative_share_before=(pl.col("run_s") - pl.col("s")) / total,
            cumulative_share=pl.col("run_s") / total,
            revenue_share=pl.col("cents") / total,
        )
    )
    before = pl.col("cumulative_share_before")
    guidance = {
        "A": "Key accounts: dedicated staff, priority service, regular senior contact.",
        "B": "Middle customers: regular visits, develop them towards A.",
        "C": "Small customers: basic, low-cost service (self-service, group communication).",
    }
    abc = (
        base.lazy()
        .select("customer_id", "cents")
        .join(levels, on="cents")
        .with_columns(
            revenue=pl.col("cents") / 100.0,
            abc_class=pl.when(before < 0.7 - 1e-12)
            .then(pl.lit("A"))
            .when(before < 0.9 - 1e-12)
            .then(pl.lit("B"))
            .otherwise(pl.lit("C")),
        )
        .with_columns(guidance=pl.col("abc_class").replace_strict(guidance))
        .drop("cents")
        .collect()
    )
    yield "abc", abc

    cb, p, mask, cnt = pl.col("cb"), pl.col("p"), pl.col("mask"), pl.col("n")
    cells = (
        base.lazy()
        .group_by("cb", "mask")
        .agg(n=pl.len().cast(pl.Int64))
        .with_columns(p=pl.int_ranges(0, cb + 1))
        .explode("p")
        .group_by("cb", "p")
        .agg(
            cohort_size=cnt.sum(),
            active_customers=(cnt * bit(mask, cb - p)).sum(),
            start_customers=pl.when(p > 0).then(cnt * bit(mask, cb - p + 1)).otherwise(0).sum(),
            churned_customers=pl.when(p > 0)
            .then(cnt * bit(mask, cb - p + 1) * (1 - bit(mask, cb - p)))
            .otherwise(0)
            .sum(),
        )
    )
    back = pl.col("back")
    rev = (
        orders.join(base.lazy().select("customer_id", "cb", "mask"), on="customer_id")
        .group_by("cb", "back")
        .agg(
            revenue=pl.col("cents").sum(),
            lost=pl.when((back > 0) & (bit(mask, (back - 1).clip(0)) == 0))
            .then(pl.col("cents"))
            .otherwise(0)
            .sum(),
        )
        .with_columns(p=cb - back)
    )
    cohort_month = pl.lit(last, pl.Int64) - cb
    cohorts = (
        cells.join(rev.drop("back"), on=["cb", "p"], how="left")
        .sort("cb", "p")
        .select(
            cohort=pl.date(cohort_month // 12, cohort_month % 12 + 1, 1),
            period=p,
            cohort_size=pl.col("cohort_size"),
            active_customers=pl.col("active_customers"),
            retention=pl.col("active_customers") / pl.col("cohort_size"),
            revenue=pl.col("revenue").fill_null(0) / 100.0,
            start_customers=pl.col("start_customers"),
            churned_customers=pl.col("churned_customers"),
            churn_rate=pl.when(pl.col("start_customers") > 0).then(
                pl.col("churned_customers") / pl.col("start_customers")
            ),
            revenue_lost=pl.col("lost").shift(1).over("cb").fill_null(0) / 100.0,
        )
        .collect()
    )
    yield "cohorts", cohorts


def run_polars(path: Path) -> dict:
    times = {}
    rows = []
    t0 = t = time.perf_counter()
    for step, frame in polars_tables(path):
        times[step] = time.perf_counter() - t
        if step != "base":
            rows.append(frame.height)
        t = time.perf_counter()
    times["total"] = time.perf_counter() - t0
    return {"times": times, "rows": rows}


def run_lifetimes(path: Path) -> dict:
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    df = pd.read_parquet(path)
    t0 = time.perf_counter()
    summary = summary_data_from_transaction_data(
        df, "customer_id", "date", monetary_value_col="amount", observation_period_end=AS_OF
    )
    return {"times": {"summary": time.perf_counter() - t0}, "rows": [len(summary)]}


def run_pymc_marketing(path: Path) -> dict:
    import pandas as pd
    from pymc_marketing.clv.utils import rfm_summary

    df = pd.read_parquet(path)
    t0 = time.perf_counter()
    summary = rfm_summary(df, "customer_id", "date", "amount", observation_period_end=AS_OF)
    return {"times": {"summary": time.perf_counter() - t0}, "rows": [len(summary)]}


CONTENDERS = {
    "guanxi (Ibis/DuckDB)": run_guanxi,
    "guanxi, separate scans": run_guanxi_separate,
    "DuckDB SQL": run_duckdb_sql,
    "DuckDB SQL, separate scans": run_duckdb_sql_separate,
    "pandas": run_pandas,
    "polars": run_polars,
    "lifetimes summary": run_lifetimes,
    "PyMC-Marketing rfm_summary": run_pymc_marketing,
}
OPTIONAL = {"polars": "polars", "PyMC-Marketing rfm_summary": "pymc_marketing"}


def run_one(name: str, path: Path, repeat: int) -> None:
    """Child process: run one contender ``repeat`` times, print the best time of each step
    (warm: imports, query compilation and the file cache paid once) and the first (cold)
    total, as JSON on the last line."""
    try:
        runs = [CONTENDERS[name](path) for _ in range(max(repeat, 1))]
        first = dict(runs[0]["times"])
        result = {
            "times": {k: min(r["times"][k] for r in runs) for k in first},
            "rows": runs[0]["rows"],
            "cold_total": first.get("total", first.get("summary")),
        }
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        result = {"error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:120]}"}
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--skip", action="append", default=[], help="contender to leave out")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per contender")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (best kept)")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        run_one(args.run_one, Path(args.path), args.repeat)
        return 0

    import importlib.util

    t = time.perf_counter()
    path = order_log(args.customers)
    import pyarrow.parquet as pq

    rows = pq.ParquetFile(path).metadata.num_rows
    print(
        f"order log: {path} ({rows:,} orders, {args.customers:,} customers; "
        f"ready in {time.perf_counter() - t:.1f} s)"
    )
    results = {}
    for name in CONTENDERS:
        if name in args.skip:
            continue
        module = OPTIONAL.get(name)
        if module and importlib.util.find_spec(module) is None:
            results[name] = {"error": f"skipped: {module} is not installed"}
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--run-one",
                    name,
                    "--path",
                    str(path),
                    "--repeat",
                    str(args.repeat),
                ],
                capture_output=True,
                text=True,
                timeout=args.timeout,
                check=False,
            )
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            results[name] = {"error": f"timed out after {args.timeout} s"}
        except (json.JSONDecodeError, IndexError):
            results[name] = {"error": f"crashed: {out.stderr.strip().splitlines()[-1:]}"}
    report(results)
    return 0


def report(results: dict) -> None:
    hand = ("DuckDB SQL", "DuckDB SQL, separate scans", "pandas", "polars")
    fastest = min(
        (r["times"]["total"] for n, r in results.items() if n in hand and "times" in r),
        default=None,
    )
    lifetimes = results.get("lifetimes summary", {}).get("times", {}).get("summary")
    pymc = results.get("PyMC-Marketing rfm_summary", {}).get("times", {}).get("summary")
    print()
    print(
        f"{'contender':30} {'rfm':>7} {'abc':>7} {'cohorts':>8} {'total s':>8} "
        f"{'vs fastest hand':>16} {'vs lifetimes':>13} {'vs PyMC':>8} {'cold s':>7} {'peak MB':>8}"
    )
    for name, r in results.items():
        if "error" in r:
            print(f"{name:30} {r['error']}")
            continue
        times = r["times"]
        total = times.get("total", times.get("summary"))
        ratio_hand = f"{total / fastest:.2f}x" if fastest else "-"
        ratio_lt = f"{lifetimes / total:.1f}x faster" if lifetimes else "-"
        if name == "lifetimes summary":
            ratio_lt = "1.0"
        ratio_pm = f"{pymc / total:.1f}x" if pymc else "-"
        print(
            f"{name:30} {times.get('rfm', float('nan')):7.2f} {times.get('abc', float('nan')):7.2f} "
            f"{times.get('cohorts', float('nan')):8.2f} {total:8.2f} {ratio_hand:>16} "
            f"{ratio_lt:>13} {ratio_pm:>8} {r['cold_total']:7.2f} {r['peak_rss_mb']:8.0f}"
        )
    guanxi = results.get("guanxi (Ibis/DuckDB)", {}).get("times")
    if guanxi:
        print("\nguanxi steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in guanxi.items()))
    print(
        "best of --repeat runs in one process (cold s = the first run); totals include reading "
        "the Parquet file; lifetimes / PyMC-Marketing: their summary function only"
    )


if __name__ == "__main__":
    sys.exit(main())
