"""Every customer's scores from the app's own orders, through the analytics engine.

What counts as a purchase (the order log the engine sees):

- orders of live customers only: a customer merged into another (``merged_into`` set; the merge
  moved its orders to the survivor) or erased (``erased_at`` set) is neither scored nor counted;
- ``cancelled`` orders are left out;
- ``refunded`` orders are netted to zero, i.e. left out: the purchase and its refund cancel.
  Partial refunds and returns (``sales.Refund``) are netted on the order: its amount is its
  net total, the total less ``refunded_total`` (which sales.services.refund_order keeps);
- an order's day is its local date (``settings.TIME_ZONE``), its amount the order's net total;
  orders after the as-of date are ignored. Customers are keyed on their id, never their name.

Where it runs: everything is read over Django's own connection (a caller's open transaction is
what the engine sees; on PostgreSQL a run reads in one REPEATABLE READ transaction, so customers
and orders come from one snapshot). On PostgreSQL the uncancelled orders are copied once, as a
plain scan, with a binary COPY parsed by NumPy into Arrow (customer id, UTC time, amount,
refunded flag: 43 bytes an order, never Django objects); DuckDB in-process keeps the live
customers' orders on their local date and runs every analysis of the engine on that compact log.
From SQLite the rows stream from a raw cursor into the same DuckDB step. The per-customer
results come back as Arrow tables (one row per customer) and are merged with NumPy / pandas.

Why not push down (issue 9 asked for push-down; ARCHITECTURE.md says the engine pushes down on
PostgreSQL): measured with bench/bench_scoring.py on this 2-core machine, the push-down path
(``engine="postgres"``, kept and tested equal) ran each analysis as a new scan of the order log
inside PostgreSQL (one core per query, spilling with the default work_mem): 273.9 s for 100,000
customers / 1,000,000 orders (the previous version), 68.4 s against 47.6 s copied into DuckDB at
20,000 / 194,000 on the loaded machine. In PostgreSQL the plain scan of 10M orders took 7.0 s,
with the join to the customers and AT TIME ZONE 23.4 s: those moved to DuckDB too. The full
figures at 1,000,000 customers / 10,000,000 orders are in the bench's docstring.

Every customer gets a row, also those without orders (prospects): status ``potential``,
pyramid ``prospects`` (we have been in contact: an interaction is recorded) or ``suspects``,
loyalty ladder ``expectation`` or ``stranger`` likewise, and no RFM, ABC, CLV or churn score.
The loyalty type and the good / poor quality rules are in :mod:`guanxi.analytics.rules`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from guanxi.analytics import rules
from guanxi.analytics.abc import abc, pyramid
from guanxi.analytics.base import customer_base
from guanxi.analytics.churn import churn_risk
from guanxi.analytics.clv import bgnbd
from guanxi.analytics.clv.errors import CLVFitError, CLVInputError
from guanxi.analytics.clv.pipeline import fit_purchases, fit_spend, score_customers
from guanxi.analytics.clv.summary import compact, period_days
from guanxi.analytics.clv.summary import customer_summary as clv_summary
from guanxi.analytics.cohorts import cohorts
from guanxi.analytics.io import AnalyticsInputError
from guanxi.analytics.lifecycle import lifecycle
from guanxi.analytics.loyalty import DEFAULT_WEIGHTS, loyalty
from guanxi.analytics.rfm import rfm

# The analysis settings a run uses (AnalysisSettings fields) and their defaults.
DEFAULTS: dict = {
    "rfm_bins": 5,
    "abc_a_share": 0.7,
    "abc_b_share": 0.2,
    "loyalty_weights": {},
    "high_loyalty": 50.0,
    "clv_horizon_months": 12,
    "clv_discount_rate": 0.01,
    "clv_margin": 1.0,
    "churn_high_p_alive": 0.3,
    "decline_after_days": 180,
    "stability_after_days": 365,
    "new_within_days": 90,
}
CLV_PERIOD = "week"
CHURN_MEDIUM_P_ALIVE = 0.6  # medium risk below this P(alive) (or the high line, if higher)
PYRAMID_INACTIVE_DAYS = 365  # the engine's default: no purchase for a year = inactive
EXPECTED_DAYS = 90  # expected purchases over the next 90 days

# Progress: each step calls progress(name) once it is done.
STEPS = (
    "customers",
    "orders",
    "rfm_abc_cohorts",
    "pyramid_lifecycle",
    "loyalty",
    "clv",
    "churn",
    "combine",
)

# The CustomerScore columns the computation fills, in the order they are written.
SCORE_FIELDS = (
    "first_order_on",
    "last_order_on",
    "recency_days",
    "frequency",
    "monetary",
    "r",
    "f",
    "m",
    "rfm_segment",
    "abc_tier",
    "pyramid_level",
    "lifecycle_stage",
    "customer_status",
    "loyalty_index",
    "loyalty_step",
    "value_loyalty_quadrant",
    "loyalty_type_suggested",
    "clv_historical",
    "clv_predicted",
    "p_alive",
    "expected_purchases_90d",
    "churn_risk",
    "churn_risk_score",
    "churn_reason",
    "recovery_priority",
    "recovery_action",
    "quality_score",
    "quality",
    "quality_criteria",
)

# What a dry run (the settings preview) and the run summary count.
DISTRIBUTION_FIELDS = (
    "rfm_segment",
    "abc_tier",
    "value_loyalty_quadrant",
    "churn_risk",
    "lifecycle_stage",
    "customer_status",
    "quality",
)


class ScoringInputError(ValueError):
    """Analysis settings the engine cannot use; the message says which and why."""


def clean_params(params: dict | None) -> dict:
    """The analysis settings over the defaults, checked (ScoringInputError names the problem)."""
    merged = {**DEFAULTS, **(params or {})}
    unknown = sorted(set(merged) - set(DEFAULTS))
    if unknown:
        raise ScoringInputError(_("Unknown analysis settings: %s.") % ", ".join(unknown))
    out = {}
    try:
        for key in ("rfm_bins", "clv_horizon_months", "decline_after_days"):
            out[key] = int(merged[key])
        for key in ("stability_after_days", "new_within_days"):
            out[key] = int(merged[key])
        for key in (
            "abc_a_share",
            "abc_b_share",
            "high_loyalty",
            "clv_discount_rate",
            "clv_margin",
            "churn_high_p_alive",
        ):
            out[key] = float(merged[key])
        weights = merged["loyalty_weights"] or {}
        if not isinstance(weights, dict):
            raise TypeError
        out["loyalty_weights"] = {str(k): float(v) for k, v in weights.items()}
    except (TypeError, ValueError):
        raise ScoringInputError(_("Every analysis setting must be a number.")) from None
    if out["rfm_bins"] != 5:
        raise ScoringInputError(
            _("RFM scores use 5 bins: the named segments are defined on a 1–5 grid.")
        )
    a, b = out["abc_a_share"], out["abc_b_share"]
    if not (0 < a < 1 and 0 < b < 1 and a + b < 1):
        raise ScoringInputError(
            _("ABC shares: A and B must be above 0 and together below 100%, leaving C a share.")
        )
    unknown_weights = sorted(set(out["loyalty_weights"]) - set(DEFAULT_WEIGHTS))
    if unknown_weights:
        raise ScoringInputError(_("Unknown loyalty indicators: %s.") % ", ".join(unknown_weights))
    if any(v < 0 for v in out["loyalty_weights"].values()):
        raise ScoringInputError(_("Loyalty weights must not be negative."))
    if not 0 <= out["high_loyalty"] <= 100:
        raise ScoringInputError(_("The high-loyalty line is an index from 0 to 100."))
    if not 1 <= out["clv_horizon_months"] <= 120:
        raise ScoringInputError(_("The CLV horizon must be 1 to 120 months."))
    if not 0 <= out["clv_discount_rate"] < 1:
        raise ScoringInputError(_("The monthly discount rate must be at least 0 and below 1."))
    if not 0 < out["clv_margin"] <= 1:
        raise ScoringInputError(_("The profit margin must be above 0 and at most 1."))
    if not 0 <= out["churn_high_p_alive"] <= 1:
        raise ScoringInputError(_("The churn-risk P(alive) line must be between 0 and 1."))
    for key in ("decline_after_days", "stability_after_days", "new_within_days"):
        if not 1 <= out[key] <= 3650:
            raise ScoringInputError(_("Day counts must be 1 to 3650 days."))
    return out


def settings_params(analysis_settings) -> dict:
    """The parameters of an AnalysisSettings row (the snapshot stored in ScoringRun.params)."""
    return {key: getattr(analysis_settings, key) for key in DEFAULTS}


# Reading the orders --------------------------------------------------------------------------

LIVE_ORDERS_SQL = (
    "FROM sales_order o JOIN customers_customer c ON c.id = o.customer_id "
    "WHERE o.status NOT IN ('cancelled', 'refunded') "
    "AND c.merged_into_id IS NULL AND c.erased_at IS NULL"
)
# Live customers' orders that are not cancelled, refunded ones included (flagged): one pass
# gives the log and the per-customer order and refund counts (customer_facts' last two).
UNCANCELLED_ORDERS_SQL = (
    "FROM sales_order o JOIN customers_customer c ON c.id = o.customer_id "
    "WHERE o.status <> 'cancelled' AND c.merged_into_id IS NULL AND c.erased_at IS NULL"
)


def _time_zone() -> str:
    name = settings.TIME_ZONE
    zoneinfo.ZoneInfo(name)  # a bad name fails here, before it reaches SQL
    return name


#: Where the analyses run on PostgreSQL: "duckdb" (the compact order log copied once over
#: Django's connection into in-process DuckDB) or "postgres" (every analysis pushed down into
#: PostgreSQL through Ibis on Django's connection). See the module docstring for the numbers.
POSTGRES_ENGINE = "duckdb"
ENGINES = ("duckdb", "postgres")
WORK_MEM = "256MB"  # PostgreSQL's work_mem while a computation reads


@dataclass
class Source:
    """The filtered order log as an Ibis table (``customer_id, date, amount``) on its engine."""

    con: ibis.BaseBackend
    orders: ir.Table
    order_count: int
    vendor: str
    temp_tables: list[str] = field(default_factory=list)
    #: Per customer (index): ``orders_all`` (uncancelled orders) and ``refunded_orders``, when
    #: the source counted them on the way (otherwise customer_facts asks the database).
    counts: pd.DataFrame | None = None

    def upload(self, frame: pd.DataFrame) -> ir.Table:
        """A small per-customer table next to the orders (a temporary table on the engine)."""
        name = f"gx_{uuid.uuid4().hex[:12]}"
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.vendor == "postgresql":
            types = {
                pa.int64(): "bigint",
                pa.float64(): "double precision",
                pa.string(): "text",
                pa.large_string(): "text",
                pa.bool_(): "boolean",
            }
            columns = ", ".join(f'"{f.name}" {types[f.type]}' for f in table.schema)
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False, header=False)
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE TEMP TABLE "{name}" ({columns})')
                with cursor.cursor.copy(f'COPY "{name}" FROM STDIN (FORMAT csv)') as copy:
                    copy.write(buffer.getvalue())
                # Without statistics the planner guesses and picks nested loops at scale.
                cursor.execute(f'ANALYZE "{name}"')
            self.temp_tables.append(name)
            return self.con.table(name)
        self.con.con.register(f"{name}_arrow", table)
        self.con.con.execute(
            f'CREATE TEMP TABLE "{name}" AS SELECT * FROM "{name}_arrow"'  # noqa: S608 - generated temp-table names, no input
        ).fetchall()
        self.con.con.unregister(f"{name}_arrow")
        self.temp_tables.append(name)
        return _duckdb_table(self.con, name, table.schema)

    def close(self) -> None:
        """Drop the temporary tables; close the in-process DuckDB (Django's connection stays)."""
        try:
            if self.vendor == "postgresql":
                with connection.cursor() as cursor:
                    for name in self.temp_tables:
                        cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
            else:
                self.con.disconnect()
        except Exception:  # noqa: BLE001, S110 - closing a connection that already failed
            pass


def _duckdb_table(con, name: str, schema: pa.Schema) -> ir.Table:
    """An Ibis table over a DuckDB temporary table (Ibis 12's ``con.table()`` fails on DuckDB
    2.0, see guanxi.analytics.io)."""
    ibis_schema = ibis.Schema.from_pyarrow(schema)
    return ops.DatabaseTable(name, schema=ibis_schema, source=con).to_expr()


def open_source(as_of: dt.date, live: pd.Index, engine: str | None = None) -> Source:
    """The order log up to ``as_of``, read over Django's own connection (so a caller's open
    transaction and its snapshot are what the engine sees): on PostgreSQL copied into DuckDB
    (``engine="duckdb"``, the default) or pushed down (``"postgres"``); from SQLite into
    DuckDB. ``live``: the ids of the customers scored (customer_facts' index)."""
    tz = _time_zone()
    engine = engine or POSTGRES_ENGINE
    if engine not in ENGINES:
        raise ValueError(f"unknown scoring engine {engine!r}")
    if connection.vendor == "postgresql":
        if engine == "postgres":
            return _postgres_source(as_of, tz)
        return _duckdb_source(_postgres_log(), live, as_of, tz)
    return _duckdb_source(_sqlite_log(), live, as_of, tz)


def _postgres_source(as_of: dt.date, tz: str) -> Source:
    """Push-down: the filtered log as a temporary table on Django's connection, Ibis on it."""
    connection.ensure_connection()
    con = ibis.postgres.from_connection(connection.connection)
    name = f"gx_orders_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TEMP TABLE "{name}" AS SELECT o.customer_id::bigint AS customer_id, '
            "(o.ordered_at AT TIME ZONE %s)::date AS date, "
            "(o.total - o.refunded_total)::float8 AS amount "
            f"{LIVE_ORDERS_SQL} AND (o.ordered_at AT TIME ZONE %s)::date <= %s",
            [tz, tz, as_of],
        )
        count = cursor.rowcount
        cursor.execute(f'ANALYZE "{name}"')
    return Source(con, con.table(name), count, "postgresql", [name])


# The order log leaves PostgreSQL in blocks of consecutive order ids: one COPY row per block
# holding four arrays (customer id, time, amount, refunded), so Python handles a few hundred
# messages instead of one per order (psycopg's per-message cost was ~1.7 µs an order, the
# largest cost of the copy on 10M orders). Binary COPY: a 16-bit field count, each field's
# 32-bit length and value; a binary array: 1 dimension, no nulls, then (length, value) pairs.
BLOCK = 65_536
_ARRAY_ITEMS = (
    np.dtype([("l", ">i4"), ("v", ">i8")]),  # customer id
    np.dtype([("l", ">i4"), ("v", ">i8")]),  # timestamptz: µs since 2000-01-01 UTC
    np.dtype([("l", ">i4"), ("v", ">f8")]),  # amount
    np.dtype([("l", ">i4"), ("v", "u1")]),  # refunded
)
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 (PostgreSQL's time 0) in µs since 1970
_LOG_SCHEMA = pa.schema(
    [("customer_id", pa.int64()), ("date", pa.date32()), ("amount", pa.float64())]
)
_RAW_SCHEMA = pa.schema(
    [
        ("customer_id", pa.int64()),
        ("ordered_at", pa.timestamp("us", tz="UTC")),
        ("amount", pa.float64()),
        ("refunded", pa.bool_()),
    ]
)


def _bad_copy() -> ValueError:
    return ValueError("unexpected data in the order log's binary COPY")


def _parse_blocks(data: bytes, out: list) -> int:
    """Parse the complete block rows at the start of ``data`` into ``out`` (lists of four
    arrays); returns the bytes used, or -1 once the trailer is reached."""
    pos, end = 0, len(data)
    while end - pos >= 2:
        count = int.from_bytes(data[pos : pos + 2], "big", signed=True)
        if count == -1:
            if end - pos != 2:
                raise _bad_copy()
            return -1
        if count != 4:
            raise _bad_copy()
        p, arrays = pos + 2, []
        for items in _ARRAY_ITEMS:
            if end - p < 4:
                return pos
            length = int.from_bytes(data[p : p + 4], "big", signed=True)
            if length < 20:
                raise _bad_copy()
            if end - p - 4 < length:
                return pos
            ndim, nulls, _oid, size, _lower = np.frombuffer(data, ">i4", 5, p + 4).tolist()
            values = np.frombuffer(data, items, size, p + 24)
            if ndim != 1 or nulls or 20 + size * items.itemsize != length:
                raise _bad_copy()
            if (values["l"] != items["v"].itemsize).any():
                raise _bad_copy()
            arrays.append(values["v"].copy())
            p += 4 + length
        out.append(arrays)
        pos = p
    return pos


def _postgres_log() -> pa.Table:
    """The uncancelled orders from PostgreSQL as Arrow (``customer_id, ordered_at (UTC),
    amount, refunded``): one binary COPY of a plain scan over Django's connection, in blocks
    of :data:`BLOCK` order ids, parsed with NumPy. The join with the live customers and the
    local dates are left to DuckDB: in PostgreSQL they tripled the scan's time (7.0 s → 23.4 s
    on 10M orders)."""
    query = (
        "COPY (SELECT x.c, x.t, x.a, x.r FROM generate_series("  # noqa: S608 - BLOCK: a constant
        f"(SELECT min(id) FROM sales_order), (SELECT max(id) FROM sales_order), {BLOCK}) b, "
        "LATERAL (SELECT array_agg(customer_id::bigint) AS c, array_agg(ordered_at) AS t, "
        "array_agg((total - refunded_total)::float8) AS a, "
        "array_agg(status = 'refunded') AS r FROM sales_order "
        f"WHERE id >= b AND id < b + {BLOCK} AND status <> 'cancelled') x WHERE x.c IS NOT NULL) "
        "TO STDOUT (FORMAT binary)"
    )
    blocks: list = []
    pending = bytearray()
    header, done = True, False
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        for chunk in copy:
            pending += chunk
            if header:
                if len(pending) < 19:
                    continue
                if bytes(pending[:11]) != _COPY_SIGNATURE:
                    raise _bad_copy()
                extension = int.from_bytes(pending[15:19], "big")
                del pending[: 19 + extension]
                header = False
            if len(pending) >= 8 * 1024 * 1024:
                used = _parse_blocks(bytes(pending), blocks)
                if used < 0:
                    raise _bad_copy()
                del pending[:used]
    if not header:
        done = _parse_blocks(bytes(pending), blocks) == -1
    if not done:
        raise ValueError("truncated binary COPY stream")
    columns = list(zip(*blocks, strict=True)) or [[], [], [], []]
    ids, stamps, amounts, refunded = (
        np.concatenate([np.zeros(0, dtype), *parts])
        for dtype, parts in zip(("int64", "int64", "float64", "uint8"), columns, strict=True)
    )
    return pa.table(
        [
            pa.array(ids.astype("int64")),
            pa.array(stamps.astype("int64") + _PG_EPOCH_US).cast(pa.timestamp("us", tz="UTC")),
            pa.array(amounts.astype("float64")),
            pa.array(refunded.astype(bool)),
        ],
        schema=_RAW_SCHEMA,
    )


def _sqlite_log() -> pa.Table:
    """The uncancelled orders from SQLite (a raw cursor streamed into Arrow; ordered_at is
    Django's UTC text there, made a UTC timestamp by DuckDB)."""
    batches = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_id, ordered_at, CAST(total - refunded_total AS REAL), "
            "status = 'refunded' "
            "FROM sales_order WHERE status <> 'cancelled'"
        )
        while rows := cursor.fetchmany(100_000):
            ids, stamps, totals, refunded = zip(*rows, strict=True)
            batches.append(
                pa.record_batch(
                    [
                        pa.array(ids, pa.int64()),
                        pa.array([str(s) for s in stamps], pa.string()),
                        pa.array(totals, pa.float64()),
                        pa.array([bool(r) for r in refunded], pa.bool_()),
                    ],
                    names=["customer_id", "ordered_at", "amount", "refunded"],
                )
            )
    schema = pa.schema(
        [
            ("customer_id", pa.int64()),
            ("ordered_at", pa.string()),
            ("amount", pa.float64()),
            ("refunded", pa.bool_()),
        ]
    )
    raw = pa.Table.from_batches(batches, schema=schema)
    duck = duckdb.connect()
    try:
        duck.register("gx_raw", raw)
        query = (
            "SELECT customer_id, timezone('UTC', CAST(ordered_at AS TIMESTAMP)) AS ordered_at, "
            "amount, refunded FROM gx_raw"
        )
        return duck.sql(query).to_arrow_table().cast(_RAW_SCHEMA)
    finally:
        duck.close()


def _duckdb_source(raw: pa.Table, live: pd.Index, as_of: dt.date, tz: str) -> Source:
    """The order log as one DuckDB table in-process (the analyses run there): the live
    customers' orders that are not refunded, on their local date (``tz``), up to ``as_of``;
    the per-customer counts of all uncancelled and of refunded orders (any date) on the side."""
    con = ibis.duckdb.connect()
    name = f"gx_orders_{uuid.uuid4().hex[:12]}"
    duck = con.con
    duck.register("gx_raw", raw)
    duck.register("gx_live", pa.table({"customer_id": pa.array(live.to_numpy(dtype="int64"))}))
    duck.execute(
        "CREATE TEMP TABLE gx_live_orders AS SELECT r.customer_id, "
        "CAST(timezone(?, r.ordered_at) AS DATE) AS date, r.amount, r.refunded "
        "FROM gx_raw r SEMI JOIN gx_live l ON l.customer_id = r.customer_id",
        [tz],
    ).fetchall()
    duck.unregister("gx_raw")
    duck.unregister("gx_live")
    del raw
    duck.execute(
        f'CREATE TEMP TABLE "{name}" AS SELECT customer_id, date, amount FROM gx_live_orders '  # noqa: S608 - generated temp-table names, no input
        "WHERE NOT refunded AND date <= ?",
        [as_of],
    ).fetchall()
    counts = (
        duck.sql(
            "SELECT customer_id, count(*) AS orders_all, count(*) FILTER (WHERE refunded) "
            "AS refunded_orders FROM gx_live_orders GROUP BY customer_id"
        )
        .to_arrow_table()
        .to_pandas()
        .set_index("customer_id")
    )
    duck.execute("DROP TABLE gx_live_orders").fetchall()
    count = duck.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]  # noqa: S608 - generated temp-table names, no input
    source = Source(con, _duckdb_table(con, name, _LOG_SCHEMA), count, "duckdb", [name])
    source.counts = counts
    return source


# Per-customer facts from the database (pushed down as plain SQL on either engine) ------------


def customer_facts(order_counts: bool = True, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every live customer: lost reason, customers referred, contacted (an interaction),
    orders with lines, those with a discounted line, and (``order_counts``) uncancelled and
    refunded orders (see :func:`add_order_counts` for counts the order log gave), and the
    payment behaviour of the year before ``as_of`` (default today). Index: id."""
    as_of = as_of or dt.date.today()  # noqa: DTZ011 - a day, as the runs' as_of
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, lost_reason FROM customers_customer "
            "WHERE merged_into_id IS NULL AND erased_at IS NULL ORDER BY id"
        )
        rows = cursor.fetchall()
        frame = pd.DataFrame(rows, columns=["customer_id", "lost_reason"]).set_index("customer_id")
        frame.index = frame.index.astype("int64")

        def counts(sql: str, column: str) -> None:
            cursor.execute(sql)
            found = dict(cursor.fetchall())
            frame[column] = frame.index.map(found).fillna(0).astype("int64")

        counts(
            "SELECT referred_by_id, COUNT(*) FROM customers_customer "
            "WHERE referred_by_id IS NOT NULL AND merged_into_id IS NULL "
            "GROUP BY referred_by_id",
            "referrals",
        )
        counts(
            "SELECT customer_id, COUNT(*) FROM activities_interaction GROUP BY customer_id",
            "interactions",
        )
        if order_counts:
            counts(
                "SELECT customer_id, COUNT(*) FROM sales_order WHERE status = 'refunded' "
                "GROUP BY customer_id",
                "refunded_orders",
            )
            counts(
                "SELECT customer_id, COUNT(*) FROM sales_order WHERE status <> 'cancelled' "
                "GROUP BY customer_id",
                "orders_all",
            )
        # Orders with lines, and those with a line below the product's (current) list price.
        lined = (
            "SELECT l.order_id, MAX(CASE WHEN l.unit_price < p.price THEN 1 ELSE 0 END) AS d "
            "FROM sales_orderline l JOIN sales_product p ON p.id = l.product_id "
            "GROUP BY l.order_id"
        )
        cursor.execute(
            f"SELECT o.customer_id, COUNT(*), SUM(x.d) FROM ({lined}) x "  # noqa: S608 - generated temp-table names, no input
            "JOIN sales_order o ON o.id = x.order_id "
            "WHERE o.status NOT IN ('cancelled', 'refunded') GROUP BY o.customer_id"
        )
        lines = {cid: (n, d) for cid, n, d in cursor.fetchall()}
        # Payment behaviour (回款) in one grouped query over the instalments of the year before
        # as_of: paid ones, paid more than 7 / 30 days late, and overdue now (unpaid, not void,
        # due before as_of). guanxi.contracts keeps days_late when an instalment is paid.
        year_ago = as_of - dt.timedelta(days=365)
        cursor.execute(
            "SELECT c.customer_id, "
            "SUM(CASE WHEN i.paid_on IS NOT NULL AND i.paid_on >= %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN i.paid_on >= %s AND i.days_late > 7 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN i.paid_on >= %s AND i.days_late > 30 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN i.paid_on IS NULL AND i.status <> 'void' AND i.due_date < %s "
            "THEN 1 ELSE 0 END) "
            "FROM contracts_instalment i JOIN contracts_contract c ON c.id = i.contract_id "
            "WHERE i.due_date < %s OR i.paid_on IS NOT NULL GROUP BY c.customer_id",
            [year_ago, year_ago, year_ago, as_of, as_of],
        )
        paying = {cid: row for cid, *row in cursor.fetchall()}
    for j, column in enumerate(("paid_instalments", "late_7", "late_30", "overdue_now")):
        frame[column] = frame.index.map({k: v[j] for k, v in paying.items()})
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["lined_orders"] = frame.index.map({k: v[0] for k, v in lines.items()})
    frame["discounted_orders"] = frame.index.map({k: v[1] for k, v in lines.items()})
    frame[["lined_orders", "discounted_orders"]] = (
        frame[["lined_orders", "discounted_orders"]].fillna(0).astype("int64")
    )
    frame["lost_reason"] = frame["lost_reason"].fillna("")
    return frame


def add_order_counts(facts: pd.DataFrame, counts: pd.DataFrame) -> None:
    """Put the order log's per-customer counts into ``facts`` (0 for customers without)."""
    for column in ("refunded_orders", "orders_all"):
        values = counts[column].reindex(facts.index).fillna(0).astype("int64")
        facts[column] = values.to_numpy()


# The computation -----------------------------------------------------------------------------


@dataclass
class Computed:
    """The result of a computation: one row per customer (index: id, columns SCORE_FIELDS),
    the run summary (contract keys) and the distribution (counts per code)."""

    frame: pd.DataFrame
    summary: dict
    distribution: dict
    orders: int


def _frame(table: ir.Table, columns: list[str]) -> pd.DataFrame:
    frame = table.select("customer_id", *columns).to_pyarrow().to_pandas()
    return frame.set_index("customer_id")


def compute_scores(
    as_of: dt.date,
    params: dict,
    progress: Callable[[str], None] | None = None,
    engine: str | None = None,
) -> Computed:
    """Compute every live customer's scores as of ``as_of`` with ``params`` (see clean_params).

    ``progress(step)`` is called after each of :data:`STEPS`. Everything is read over Django's
    connection; on PostgreSQL in one transaction, when the caller has none open, a read-only
    REPEATABLE READ one, so the customers and the orders come from one consistent snapshot.
    ``engine`` chooses where the analyses run on PostgreSQL (see :data:`POSTGRES_ENGINE`).
    """
    params = clean_params(params)
    step = progress or (lambda name: None)
    postgres = connection.vendor == "postgresql"
    outermost = not connection.in_atomic_block
    # Not on SQLite: its transactions are IMMEDIATE here (settings) and would hold the write
    # lock for the whole computation.
    with transaction.atomic() if postgres else contextlib.nullcontext():
        if postgres:
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                # The log's hash join (orders x customers) and the counts' hash aggregates
                # spill to disk in many batches with the default 4 MB (for this transaction).
                cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        pushdown = postgres and (engine or POSTGRES_ENGINE) == "postgres"
        facts = customer_facts(order_counts=pushdown, as_of=as_of)
        step("customers")
        source = open_source(as_of, facts.index, engine)
        if source.counts is not None:
            add_order_counts(facts, source.counts)
        step("orders")
        try:
            return _compute(source, facts, params, as_of, step)
        finally:
            source.close()


def _compute(source: Source, facts: pd.DataFrame, params: dict, as_of, step) -> Computed:
    ids = facts.index
    out = pd.DataFrame(index=ids)
    summary: dict = {
        "as_of": as_of.isoformat(),
        "cohorts": {"cohorts": [], "periods": [], "retention": []},
        "churn_by_month": [],
        "clv_model": {},
    }
    if source.order_count == 0:
        for name in STEPS[2:]:
            step(name)
        frame = _assemble(out, facts, params, buyers=pd.Index([], dtype="int64"))
        return _finish(frame, summary, source.order_count)

    orders = source.orders
    cuts = (params["abc_a_share"], params["abc_b_share"])
    cuts = (*cuts, 1 - sum(cuts))

    # RFM, ABC and cohorts from one per-customer aggregation.
    base = customer_base(orders, as_of=as_of)
    try:
        r = _frame(
            rfm(base),
            ["recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"],
        )
        a = _frame(abc(base, cuts=cuts), ["abc_class"])
        cohort_table = cohorts(base).to_pyarrow().to_pandas()
    finally:
        base.release()
    buyers = r.index
    out = out.join(r).join(a)
    summary["cohorts"], summary["churn_by_month"] = _cohort_summary(cohort_table)
    step("rfm_abc_cohorts")

    # Pyramid and lifecycle, with the customers who have not bought as leads / prospects.
    no_orders = ids.difference(buyers)
    leads = source.upload(
        pd.DataFrame(
            {
                "customer_id": no_orders.to_numpy(dtype="int64"),
                "status": np.where(
                    facts.loc[no_orders, "interactions"].to_numpy() > 0, "prospect", "suspect"
                ),
            }
        )
    )
    p = _frame(
        pyramid(orders, as_of=as_of, inactive_after_days=PYRAMID_INACTIVE_DAYS, leads=leads),
        ["tier"],
    )
    life = _frame(
        lifecycle(
            orders,
            as_of=as_of,
            decline_after_days=params["decline_after_days"],
            stability_after_days=params["stability_after_days"],
            new_within_days=params["new_within_days"],
            prospects=leads.select("customer_id"),
        ),
        ["first_date", "last_date", "stage", "status"],
    )
    out = out.join(p).join(life)
    step("pyramid_lifecycle")

    # Loyalty: A1 from the orders; A31 (mention rate) = customers this customer referred.
    mentions = source.upload(
        pd.DataFrame(
            {
                "customer_id": buyers.to_numpy(dtype="int64"),
                "mention_rate": facts.loc[buyers, "referrals"].to_numpy(dtype="float64"),
            }
        )
    )
    loy = _frame(
        loyalty(
            orders,
            as_of=as_of,
            attributes=mentions,
            weights=params["loyalty_weights"] or None,
            high_loyalty=params["high_loyalty"],
        ),
        ["loyalty_index", "ladder", "quadrant", "a13_trend"],
    )
    out = out.join(loy)
    step("loyalty")

    # Predictive CLV: BG/NBD + Gamma-Gamma; P(alive); expected purchases in 90 days.
    clv, summary["clv_model"] = _clv(orders, as_of, params)
    if clv is not None:
        out = out.join(clv)
    step("clv")

    # Churn risk with P(alive) and the churn kind of each lost customer's reason.
    # BG/NBD gives P(alive) = 1 to everyone without a repeat purchase (x = 0), however long
    # ago they bought: for them the engine's RFM rules decide the risk instead.
    p_alive = None
    if clv is not None:
        frame = clv.loc[clv["repeat"], ["p_alive"]].reset_index()
        p_alive = source.upload(frame.astype({"customer_id": "int64", "p_alive": "float64"}))
    lost = facts[facts["lost_reason"] != ""]
    kinds = None
    if len(lost):
        kinds = source.upload(
            pd.DataFrame(
                {
                    "customer_id": lost.index.to_numpy(dtype="int64"),
                    "churn_kind": [rules.churn_kind(v) for v in lost["lost_reason"]],
                }
            )
        )
    high = params["churn_high_p_alive"]
    churn = _frame(
        churn_risk(
            orders,
            as_of=as_of,
            p_alive=p_alive,
            kinds=kinds,
            abc_cuts=cuts,
            p_alive_high=high,
            p_alive_medium=max(CHURN_MEDIUM_P_ALIVE, high),
        ),
        ["risk", "risk_score", "reason_code", "recovery_priority", "recovery_action"],
    )
    out = out.join(churn)
    step("churn")

    frame = _assemble(out, facts, params, buyers=buyers)
    step("combine")
    return _finish(frame, summary, source.order_count)


def _clv(orders: ir.Table, as_of, params) -> tuple[pd.DataFrame | None, dict]:
    """The engine's fit_clv steps (summary, fits, scores) plus the 90-day expectation."""
    try:
        summary = clv_summary(orders, calibration_end=as_of, period=CLV_PERIOD)
        fitted, ll = fit_purchases(summary, "bgnbd")
    except (CLVInputError, CLVFitError, AnalyticsInputError, FloatingPointError) as exc:
        return None, {"model": "bgnbd", "error": str(exc)}
    model = {
        "model": "bgnbd",
        "period": CLV_PERIOD,
        "params": fitted,
        "log_likelihood": ll,
        "horizon_months": params["clv_horizon_months"],
        "discount_rate": params["clv_discount_rate"],
        "margin": params["clv_margin"],
        "customers": len(summary),
        "repeat_customers": int((summary.frequency > 0).sum()),
    }
    try:
        spend, spend_ll = fit_spend(summary)
        model["spend"] = {"model": "gamma-gamma", "params": spend, "log_likelihood": spend_ll}
    except (CLVInputError, CLVFitError, FloatingPointError) as exc:
        spend = None
        model["spend"] = {"model": "gamma-gamma", "error": str(exc)}
    scores = score_customers(
        summary,
        fitted,
        model="bgnbd",
        spend_params=spend,
        horizon=params["clv_horizon_months"],
        discount_rate=params["clv_discount_rate"],
        margin=params["clv_margin"],
    )
    unit = period_days(CLV_PERIOD)
    (ux, ut), _counts, inverse = compact(summary.frequency, summary.T_days)
    grid = bgnbd.alive_expectation_grid(fitted, [EXPECTED_DAYS / unit], ux, ut / unit)
    frame = pd.DataFrame(
        {
            "customer_id": np.asarray(summary.customer_id, dtype="int64"),
            "repeat": summary.frequency > 0,
            "p_alive": scores["p_alive"].to_numpy(),
            "expected_90d": scores["p_alive"].to_numpy() * grid[inverse, 0],
            "clv": scores["clv"].to_numpy() if "clv" in scores else np.nan,
        }
    ).set_index("customer_id")
    return frame, model


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _cohort_summary(table: pd.DataFrame) -> tuple[dict, list]:
    """The retention matrix and churn per calendar month from the engine's cohort table."""
    if table.empty:
        return {"cohorts": [], "periods": [], "retention": []}, []
    cohort = pd.to_datetime(table["cohort"])
    month0 = (cohort.dt.year * 12 + cohort.dt.month - 1).astype("int64")
    table = table.assign(month0=month0.to_numpy())
    months = sorted(table["month0"].unique())
    periods = list(range(int(table["period"].max()) + 1))
    grid = {
        (m, p): v
        for m, p, v in zip(table["month0"], table["period"], table["retention"], strict=True)
    }
    retention = [
        [None if (m, p) not in grid else round(float(grid[(m, p)]), 6) for p in periods]
        for m in months
    ]
    later = table[table["period"] > 0]
    by_month = (
        later.assign(month=later["month0"] + later["period"])
        .groupby("month")[["churned_customers", "revenue_lost", "start_customers"]]
        .sum()
    )
    # start: the buyers of the month before, of whom `lost` bought nothing in this month
    churn = [
        {"month": _month_label(int(m)), "lost": int(row.churned_customers),
         "revenue_lost": round(float(row.revenue_lost), 2),
         "start": int(row.start_customers)}
        for m, row in by_month.iterrows()
    ]  # fmt: skip
    labels = [_month_label(int(m)) for m in months]
    return {"cohorts": labels, "periods": periods, "retention": retention}, churn


def _assemble(out: pd.DataFrame, facts: pd.DataFrame, params: dict, buyers) -> pd.DataFrame:
    """The score columns from the engine's columns and our rules."""
    n = len(out)
    frame = pd.DataFrame(index=out.index)
    has = out.index.isin(buyers)

    def col(name, default=np.nan):
        return out[name] if name in out else pd.Series(default, index=out.index)

    frame["first_order_on"] = col("first_date", None)
    frame["last_order_on"] = col("last_date", None)
    frame["recency_days"] = col("recency_days").astype("Int64")
    frame["frequency"] = col("frequency").fillna(0).astype("int64")
    monetary = col("monetary").fillna(0.0).astype("float64").round(2)
    frame["monetary"] = monetary
    for short, long in (("r", "r_score"), ("f", "f_score"), ("m", "m_score")):
        frame[short] = col(long).fillna(0).astype("int64")
    frame["rfm_segment"] = col("segment", "").fillna("")
    frame["abc_tier"] = col("abc_class", "").fillna("")
    frame["pyramid_level"] = col("tier", "").fillna("")
    frame["lifecycle_stage"] = col("stage", "").fillna("")
    status = col("status", "").fillna("")
    frame["customer_status"] = np.where(has, status, "potential")
    frame["loyalty_index"] = col("loyalty_index").astype("float64")
    contacted = facts["interactions"].reindex(out.index).to_numpy() > 0
    no_step = np.where(contacted, "expectation", "stranger")
    frame["loyalty_step"] = np.where(has, col("ladder", "").fillna(""), no_step)
    frame["value_loyalty_quadrant"] = col("quadrant", "").fillna("")
    frame["clv_historical"] = monetary
    frame["clv_predicted"] = col("clv").astype("float64").round(2)
    frame["p_alive"] = col("p_alive").astype("float64")
    frame["expected_purchases_90d"] = col("expected_90d").astype("float64")
    frame["churn_risk"] = col("risk", "").fillna("")
    frame["churn_risk_score"] = col("risk_score").astype("float64")
    frame["churn_reason"] = col("reason_code", "").fillna("")
    frame["recovery_priority"] = col("recovery_priority").astype("Int64")
    frame["recovery_action"] = col("recovery_action", "").fillna("")

    # Loyalty type and quality (buyers only).
    f = facts.reindex(out.index)
    high_loyalty = params["high_loyalty"]
    index = frame["loyalty_index"].to_numpy()
    loyal = np.nan_to_num(index, nan=-1.0) >= high_loyalty
    price_only = (f["lined_orders"].to_numpy() >= 2) & (
        f["discounted_orders"].to_numpy() == f["lined_orders"].to_numpy()
    )
    advocate = f["referrals"].to_numpy() > 0
    quadrant = frame["value_loyalty_quadrant"].to_numpy()
    fscore = frame["f"].to_numpy()
    suggested = np.select(
        [
            has & price_only,
            has & (quadrant == "true_friends") & advocate,
            has & loyal & (fscore <= 2),
        ],
        ["price", "super_value", "latent"],
        default="",
    )
    frame["loyalty_type_suggested"] = suggested

    clv = frame["clv_predicted"].to_numpy()
    top_clv = np.zeros(n, dtype=bool)
    if np.isfinite(clv).any():
        line = np.nanquantile(clv, 0.8)
        top_clv = np.nan_to_num(clv, nan=-np.inf) >= line
    trend = col("a13_trend").to_numpy(dtype="float64")
    refunded = f["refunded_orders"].to_numpy()
    all_orders = np.maximum(f["orders_all"].to_numpy(), 1)
    risk = frame["churn_risk"].to_numpy()
    m = frame["m"].to_numpy()
    flags = {
        "purchasing_power": m >= 4,
        "loyal": loyal,
        "low_churn_risk": risk == "low",
        "growing": ((np.nan_to_num(trend) > 0) & (frame["lifecycle_stage"].to_numpy() != "decline"))
        | top_clv,
        "low_spend": m == 1,
        "high_churn_risk": risk == "high",
        "declining": frame["lifecycle_stage"].to_numpy() == "decline",
        "price_only": price_only,
        "refunds": (refunded >= 2) & (refunded * 5 >= all_orders),
        "pays_on_time": (f["paid_instalments"].to_numpy() >= 1)
        & (f["late_7"].to_numpy() == 0)
        & (f["overdue_now"].to_numpy() == 0),
        "pays_late": (f["overdue_now"].to_numpy() > 0) | (f["late_30"].to_numpy() > 0),
    }
    flags = {code: flag & has for code, flag in flags.items()}
    score = rules.quality_points(flags)
    frame["quality_score"] = pd.array(np.where(has, score, 0), dtype="Int64")
    frame.loc[~has, "quality_score"] = pd.NA
    frame["quality"] = np.where(has, rules.quality_label(score), "")
    # The criteria lists: each customer's flags as one bit pattern, each distinct pattern's
    # list built once (a few dozen at most) and handed out by index (no per-row Python).
    codes = list(flags)
    bits = np.zeros(n, dtype=np.int64)
    for j, code in enumerate(codes):
        bits |= flags[code].astype(np.int64) << j
    patterns, inverse = np.unique(bits, return_inverse=True)
    lists = np.empty(len(patterns), dtype=object)
    for k, pattern in enumerate(patterns):
        lists[k] = [code for j, code in enumerate(codes) if pattern >> j & 1]
    frame["quality_criteria"] = lists[inverse.reshape(-1)] if n else np.empty(0, dtype=object)
    return frame[list(SCORE_FIELDS)]


def distribution(frame: pd.DataFrame) -> dict:
    """Counts per code of each DISTRIBUTION_FIELDS column ("" = no value)."""
    return {
        name: {str(k): int(v) for k, v in frame[name].value_counts(sort=False).items()}
        for name in DISTRIBUTION_FIELDS
    }


def _finish(frame: pd.DataFrame, summary: dict, orders: int) -> Computed:
    dist = distribution(frame)
    summary["totals"] = {
        "customers": len(frame),
        "buyers": int((frame["frequency"] > 0).sum()),
        "orders": int(orders),
        "revenue": round(float(frame["monetary"].sum()), 2),
    }
    summary["distribution"] = dist
    return Computed(frame=frame, summary=summary, distribution=dist, orders=orders)
