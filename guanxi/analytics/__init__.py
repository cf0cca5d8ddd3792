"""Guanxi's analytical CRM engine: framework-free (no Django), tables in, tables out.

Every function takes an Ibis table and column names and returns an Ibis table, so the same
code runs on DuckDB (the embedded default), PostgreSQL and Spark. Read a file with
:func:`guanxi.analytics.io.read_transactions`; materialise a result with ``.to_pyarrow()``.
"""

from guanxi.analytics.io import AnalyticsInputError, connect, read_transactions
from guanxi.analytics.rfm import rfm

__all__ = ["AnalyticsInputError", "connect", "read_transactions", "rfm"]
