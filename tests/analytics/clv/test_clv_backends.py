"""The CLV summary is identical on DuckDB, PostgreSQL and Spark (CDNOW sample)."""

import uuid

import ibis
import pyarrow as pa
import pytest

from guanxi.analytics.clv.summary import summary_expr
from tests.analytics.clv.conftest import CALIBRATION_END, OBSERVATION_END, read_cdnow


def summarise(table) -> pa.Table:
    expr = summary_expr(table, calibration_end=CALIBRATION_END, observation_end=OBSERVATION_END)
    result = expr.to_pyarrow()
    columns = ["customer_id", "frequency", "recency_days", "T_days", "repeat_cents", "holdout"]
    return (
        result.select(columns)
        .sort_by("customer_id")
        .cast(pa.schema([(c, pa.int64()) for c in columns]))
    )


@pytest.fixture(scope="module")
def expected():
    return summarise(ibis.duckdb.connect().create_table("cdnow", read_cdnow()))


def test_duckdb_summary(expected):
    assert expected.num_rows == 2357


@pytest.mark.postgres
def test_postgres_summary_equals_duckdb(expected):
    try:
        con = ibis.postgres.connect(host="127.0.0.1", port=5432, user="postgres", database="test")
    except Exception as exc:  # pragma: no cover - the service is part of CI
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    name = f"clv_cdnow_{uuid.uuid4().hex[:10]}"
    try:
        table = con.create_table(name, read_cdnow())
        assert summarise(table).equals(expected)
    finally:
        con.drop_table(name, force=True)
        con.disconnect()


@pytest.fixture(scope="module")
def spark():
    pyspark = pytest.importorskip("pyspark.sql")
    session = (
        pyspark.SparkSession.builder.master("local[2]")
        .appName("guanxi-clv-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_summary_equals_duckdb(spark, expected):
    con = ibis.pyspark.connect(spark)
    name = f"clv_cdnow_{uuid.uuid4().hex[:10]}"
    table = con.create_table(name, read_cdnow())
    try:
        assert summarise(table).equals(expected)
    finally:
        con.drop_table(name, force=True)
