"""One Ibis code path, three engines: RFM, ABC and cohort tables identical on DuckDB,
PostgreSQL and Spark (ARCHITECTURE.md: the test that caught the tie and integer-division bugs)."""

import datetime as dt
import os
import uuid

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from guanxi.analytics.abc import abc
from guanxi.analytics.base import customer_base
from guanxi.analytics.cohorts import cohorts
from guanxi.analytics.combined import tables
from guanxi.analytics.io import AnalyticsInputError
from guanxi.analytics.rfm import rfm


def synthetic_orders(customers: int = 400, seed: int = 7) -> pd.DataFrame:
    """Orders with many ties: amounts on a coarse grid, dates within 14 months."""
    rng = np.random.default_rng(seed)
    counts = rng.geometric(0.35, size=customers)
    ids = np.repeat([f"c{i:04d}" for i in range(customers)], counts)
    start = dt.date(2023, 1, 1)
    days = rng.integers(0, 425, size=len(ids))
    amounts = rng.choice([9.99, 10.0, 19.9, 25.5, 0.3, 100.01, 7.0], size=len(ids))
    return pd.DataFrame(
        {
            "customer_id": ids,
            "date": [start + dt.timedelta(days=int(d)) for d in days],
            "amount": amounts,
        }
    )


ORDERS = synthetic_orders()
ARROW = pa.Table.from_pandas(ORDERS, preserve_index=False)


ORDER = {"rfm": ["customer_id"], "abc": ["customer_id"], "cohorts": ["cohort", "period"]}


def compute(table) -> dict[str, pd.DataFrame]:
    """The three tables from the order log, and again from the per-customer base (``customer_base``
    and ``tables``, cached by the engine), which must give the same tables."""
    results = {
        "rfm": rfm(table, as_of="2024-03-01").order_by("customer_id").to_pyarrow(),
        "abc": abc(table).drop("guidance").order_by("customer_id").to_pyarrow(),
        "cohorts": cohorts(table).order_by(["cohort", "period"]).to_pyarrow(),
    }
    base = customer_base(table, as_of="2024-03-01")
    try:
        results["rfm from base"] = rfm(base).order_by("customer_id").to_pyarrow()
    finally:
        base.release()
    both = tables(table, lang="zh-hans")
    results["abc from base"] = both["abc"].drop_columns(["guidance"]).sort_by("customer_id")
    results["cohorts from base"] = both["cohorts"].sort_by(
        [("cohort", "ascending"), ("period", "ascending")]
    )
    out = {}
    for name, arrow in results.items():
        frame = arrow.to_pandas()
        if "cohort" in frame:
            frame["cohort"] = pd.to_datetime(frame["cohort"]).dt.date
        out[name] = frame.reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def duckdb_results():
    con = ibis.duckdb.connect()
    return compute(con.create_table("orders", ARROW))


def assert_same(results, expected):
    for name, frame in expected.items():
        got = results[name]
        assert list(got.columns) == list(frame.columns), name
        assert len(got) == len(frame), name
        for column in frame.columns:
            left, right = got[column], frame[column]
            if pd.api.types.is_float_dtype(right):
                np.testing.assert_array_equal(
                    left.to_numpy(float), right.to_numpy(float), err_msg=f"{name}.{column}"
                )
            else:
                assert left.astype(str).tolist() == right.astype(str).tolist(), f"{name}.{column}"


def test_base_gives_the_same_tables(duckdb_results):
    for name in ("rfm", "abc", "cohorts"):
        assert_same({name: duckdb_results[f"{name} from base"]}, {name: duckdb_results[name]})


def test_base_as_of_must_match():
    con = ibis.duckdb.connect()
    base = customer_base(con.create_table("orders", ARROW), as_of="2024-03-01")
    with pytest.raises(AnalyticsInputError, match="as of 2024-03-01"):
        rfm(base, as_of="2024-02-01")
    rfm(base, as_of="2024-03-01")  # the same date is fine


def test_duckdb_results_are_sane(duckdb_results):
    rfm_table = duckdb_results["rfm"]
    assert rfm_table["frequency"].sum() == len(ORDERS[ORDERS["date"] <= dt.date(2024, 3, 1)])
    assert set(rfm_table["f_score"]) <= {1, 2, 3, 4, 5}


@pytest.fixture(scope="module")
def postgres():
    """The PostgreSQL database named by GUANXI_TEST_POSTGRES_URL (CI sets it), else by
    DATABASE_URL when that is PostgreSQL. A configured database that cannot be reached is an
    error, never a skip; with none configured the test is skipped (and CI fails on skips)."""
    url = os.environ.get("GUANXI_TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("no PostgreSQL configured: set GUANXI_TEST_POSTGRES_URL")
    con = ibis.connect(url.replace("postgresql://", "postgres://", 1))
    yield con
    con.disconnect()


@pytest.mark.postgres
def test_same_tables_on_postgres(postgres, duckdb_results):
    name = f"guanxi_orders_{uuid.uuid4().hex[:10]}"
    table = postgres.create_table(name, ARROW, temp=True)
    try:
        assert_same(compute(table), duckdb_results)
    finally:
        postgres.drop_table(name, force=True)


@pytest.fixture(scope="module")
def spark():
    pyspark = pytest.importorskip("pyspark.sql")
    session = (
        pyspark.SparkSession.builder.master("local[2]")
        .appName("guanxi-analytics-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session, ibis.pyspark.connect(session)
    session.stop()


@pytest.mark.spark
def test_same_tables_on_spark(spark, duckdb_results):
    session, con = spark
    name = f"guanxi_orders_{uuid.uuid4().hex[:10]}"
    # Ibis' PySpark backend has no temporary tables: register a temporary view instead.
    session.createDataFrame(ORDERS).createOrReplaceTempView(name)
    try:
        assert_same(compute(con.table(name)), duckdb_results)
    finally:
        session.catalog.dropTempView(name)


def test_base_from_memory_is_kept_until_released():
    """An in-memory order log (registered on first use) gives a cached base on DuckDB, and
    release() drops the temporary table it made."""
    base = customer_base(ibis.memtable(ORDERS), as_of="2024-03-01")
    con = base.table._find_backend().con

    def temp_tables():
        return con.sql("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()

    assert base.temp_table in {name for (name,) in temp_tables()}
    assert rfm(base).count().to_pyarrow().as_py() == ORDERS.customer_id.nunique()
    base.release()
    assert base.temp_table not in {name for (name,) in temp_tables()}


def test_tables_from_a_base_honour_as_of():
    """tables() given a base checks as_of like each analysis does: another day is an error."""
    base = customer_base(ibis.memtable(ORDERS), as_of="2024-03-01")
    try:
        with pytest.raises(AnalyticsInputError, match="as of 2024-03-01"):
            tables(base, as_of="2024-02-01")
        assert tables(base, as_of="2024-03-01")["rfm"].num_rows == ORDERS.customer_id.nunique()
    finally:
        base.release()
