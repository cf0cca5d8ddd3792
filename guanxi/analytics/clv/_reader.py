"""Minimal CSV/Parquet reader for `guanxi analyze clv`, used only when the shared reader fails.

The shared, validated reader is :func:`guanxi.analytics.io.read_transactions`. On Ibis 12 with
DuckDB 2.0 its ``con.sql(...)`` call fails inside Ibis (``fetch_arrow_table`` was removed from
DuckDB), so the CLV command falls back to this reader, which only uses Ibis' ``read_csv`` /
``read_parquet``. Remove it once the shared reader works on the pinned versions.
"""

from __future__ import annotations

from pathlib import Path

import ibis

from guanxi.analytics.clv.errors import CLVInputError


def read_plain(path, *, customer: str, date: str, amount: str) -> ibis.Table:
    path = Path(path)
    if not path.is_file():
        raise CLVInputError(f"input file not found: {path}")
    con = ibis.duckdb.connect()
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            t = con.read_parquet(path)
        else:
            t = con.read_csv(path)
    except Exception as exc:
        raise CLVInputError(f"cannot read {path.name}: {str(exc).splitlines()[0]}") from exc
    missing = [c for c in (customer, date, amount) if c not in t.columns]
    if missing:
        raise CLVInputError(
            f"missing column(s) {', '.join(missing)}; the table has {', '.join(t.columns)}"
        )
    dtype = t[date].type()
    if dtype.is_integer():  # YYYYMMDD as a number (the CDNOW layout)
        day = t[date].cast("string").as_date("%Y%m%d")
    elif dtype.is_string():
        day = t[date].cast("timestamp").cast("date")
    else:
        day = t[date].cast("date")
    return t.select(customer_id=t[customer], date=day, amount=t[amount].cast("float64"))
