"""Reading an order log (CSV or Parquet) into a validated Ibis table on an embedded DuckDB.

Every analytics function takes an Ibis table; this module is the boundary where a file from an
analyst becomes such a table, and where bad input is turned into an :class:`AnalyticsInputError`
with a message that names the problem, instead of a traceback or a silent NaN later on.

Treatments (documented here once, applied by :func:`read_transactions`):

- missing columns, an empty file, a file with a header only, empty customer ids, dates that
  cannot be parsed, amounts that are not numbers: an error naming the column, the number of
  bad rows and the first bad value;
- zero or negative amounts (free orders, refunds): an error by default; ``refunds="drop"``
  drops those rows (they are not purchases) and keeps the rest;
- accepted date spellings: a native DATE or TIMESTAMP column, ``YYYY-MM-DD`` (optionally with a
  time, which is dropped), ``YYYY/MM/DD`` and ``YYYYMMDD`` (the CDNOW layout), as text or as an
  integer;
- the result always has the columns ``customer_id``, ``date`` (DATE) and ``amount`` (DOUBLE),
  whatever the file called them, so every function's defaults apply.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Literal

import ibis
import ibis.expr.types as ir

__all__ = [
    "AnalyticsInputError",
    "connect",
    "read_transactions",
    "require_columns",
]

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")


class AnalyticsInputError(ValueError):
    """Input that the analytics cannot use; the message says what is wrong and where."""


def require_columns(table: ir.Table, columns: dict[str, str]) -> None:
    """Raise :class:`AnalyticsInputError` unless ``table`` has every column named.

    ``columns`` maps a role ("customer", "date", ...) to the column name the caller chose.

    >>> import ibis
    >>> t = ibis.memtable({"customer_id": [1], "day": ["2024-01-01"]})
    >>> require_columns(t, {"customer": "customer_id", "date": "date"})
    Traceback (most recent call last):
    ...
    guanxi.analytics.io.AnalyticsInputError: missing column 'date' (date); the table has: customer_id, day
    """
    have = list(table.columns)
    missing = [f"'{name}' ({role})" for role, name in columns.items() if name not in have]
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise AnalyticsInputError(
            f"missing {noun} {', '.join(missing)}; the table has: {', '.join(have)}"
        )


def connect() -> ibis.BaseBackend:
    """A new in-memory DuckDB connection, the embedded default engine."""
    return ibis.duckdb.connect()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source_sql(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return f"read_parquet({_literal(str(path))})"
    if suffix in CSV_SUFFIXES:
        # Read every column as text: ids keep their leading zeros and bad dates or amounts are
        # reported by us, with the row, instead of failing inside the CSV sniffer.
        return f"read_csv({_literal(str(path))}, all_varchar = true, header = true)"
    raise AnalyticsInputError(
        f"cannot read {path.name}: expected a .csv or .parquet file, got '{suffix or 'no suffix'}'"
    )


def _date_sql(column: str, dtype: ir.DataType) -> str:
    col = _quote(column)
    if dtype.is_date():
        return col
    if dtype.is_timestamp():
        return f"CAST({col} AS DATE)"
    formats = ", ".join(_literal(f) for f in DATE_FORMATS)
    text = f"TRIM(CAST({col} AS VARCHAR))"
    return (
        f"COALESCE(TRY_CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE), "
        f"CAST(TRY_STRPTIME({text}, [{formats}]) AS DATE))"
    )


def read_transactions(
    path: str | Path,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    refunds: Literal["error", "drop"] = "error",
    con: ibis.BaseBackend | None = None,
) -> ir.Table:
    """Read an order log (one row per purchase) from CSV or Parquet, validated.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file with a header row, or a ``.parquet`` file.
    customer, date, amount : str
        The file's names for the customer id, purchase date and amount columns.
    refunds : {"error", "drop"}
        What to do with rows whose amount is zero or negative: raise, or drop them.
    con : DuckDB backend, optional
        The connection that will hold the table; a new in-memory one by default.

    Returns
    -------
    ibis.Table
        Columns ``customer_id``, ``date`` (date) and ``amount`` (float64), one row per purchase,
        materialised in a temporary table on ``con``.

    Raises
    ------
    AnalyticsInputError
        For a missing or empty file, missing columns, or bad values (see the module docstring).
    """
    import duckdb

    path = Path(path)
    if not path.exists():
        raise AnalyticsInputError(f"input file not found: {path}")
    if path.is_dir():
        raise AnalyticsInputError(f"input is a directory, not a file: {path}")
    if path.stat().st_size == 0:
        raise AnalyticsInputError(f"input file is empty: {path}")
    if refunds not in ("error", "drop"):
        raise AnalyticsInputError(f"refunds must be 'error' or 'drop', not {refunds!r}")
    con = con or connect()
    source = _source_sql(path)
    try:
        raw = con.sql(f"SELECT * FROM {source}")  # noqa: S608 - path is quoted as a literal
    except (duckdb.Error, ibis.common.exceptions.IbisError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AnalyticsInputError(f"cannot read {path.name}: {first_line}") from exc
    require_columns(raw, {"customer": customer, "date": date, "amount": amount})

    schema = raw.schema()
    amount_type = schema[amount]
    amount_sql = (
        f"CAST({_quote(amount)} AS DOUBLE)"
        if amount_type.is_numeric()
        else f"TRY_CAST(TRIM(CAST({_quote(amount)} AS VARCHAR)) AS DOUBLE)"
    )
    customer_sql = _quote(customer)
    if schema[customer].is_string():
        customer_sql = f"NULLIF(TRIM({customer_sql}), '')"
    parsed_sql = f"""
        SELECT {customer_sql} AS customer_id,
               {_date_sql(date, schema[date])} AS date,
               {amount_sql} AS amount,
               CAST({_quote(date)} AS VARCHAR) AS raw_date,
               CAST({_quote(amount)} AS VARCHAR) AS raw_amount,
               ROW_NUMBER() OVER () AS row_number
        FROM {source}
    """  # noqa: S608 - identifiers and the path are quoted
    name = f"guanxi_orders_{uuid.uuid4().hex[:12]}"
    try:
        parsed = con.create_table(f"{name}_parsed", con.sql(parsed_sql), temp=True)
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise AnalyticsInputError(f"cannot read {path.name}: {first_line}") from exc
    try:
        _validate(parsed, path, customer=customer, date=date, amount=amount, refunds=refunds)
        kept = parsed.filter(parsed.amount > 0) if refunds == "drop" else parsed
        return con.create_table(name, kept.select("customer_id", "date", "amount"), temp=True)
    finally:
        con.drop_table(f"{name}_parsed", force=True)


def _first_bad(table: ir.Table, condition: ir.BooleanValue) -> dict:
    row = table.filter(condition).order_by("row_number").limit(1).to_pyarrow().to_pylist()
    return row[0]


def _validate(
    parsed: ir.Table, path: Path, *, customer: str, date: str, amount: str, refunds: str
) -> None:
    checks = {
        "rows": parsed.count(),
        "no_customer": (parsed.customer_id.isnull()).sum(),
        "bad_date": (parsed.date.isnull()).sum(),
        "bad_amount": (parsed.amount.isnull()).sum(),
        "negative": (parsed.amount < 0).sum(),
        "zero": (parsed.amount == 0).sum(),
    }
    counts = parsed.aggregate(**checks).to_pyarrow().to_pylist()[0]
    counts = {key: int(value or 0) for key, value in counts.items()}
    if counts["rows"] == 0:
        raise AnalyticsInputError(f"input file has no rows, only a header: {path}")
    # Data rows are numbered from 1; in a CSV the header is line 1, so data row n is line n + 1.
    if counts["no_customer"]:
        bad = _first_bad(parsed, parsed.customer_id.isnull())
        raise AnalyticsInputError(
            f"column '{customer}': {counts['no_customer']} row(s) without a customer id "
            f"(first at data row {bad['row_number']})"
        )
    if counts["bad_date"]:
        bad = _first_bad(parsed, parsed.date.isnull())
        raise AnalyticsInputError(
            f"column '{date}': {counts['bad_date']} value(s) cannot be parsed as dates, "
            f"e.g. {bad['raw_date']!r} at data row {bad['row_number']} "
            f"(expected YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)"
        )
    if counts["bad_amount"]:
        bad = _first_bad(parsed, parsed.amount.isnull())
        raise AnalyticsInputError(
            f"column '{amount}': {counts['bad_amount']} value(s) are not numbers, "
            f"e.g. {bad['raw_amount']!r} at data row {bad['row_number']}"
        )
    if refunds == "error" and (counts["negative"] or counts["zero"]):
        bad = _first_bad(parsed, parsed.amount <= 0)
        parts = []
        if counts["negative"]:
            parts.append(f"{counts['negative']} negative (refunds)")
        if counts["zero"]:
            parts.append(f"{counts['zero']} zero")
        raise AnalyticsInputError(
            f"column '{amount}': {' and '.join(parts)} amount(s), e.g. {bad['raw_amount']} "
            f"at data row {bad['row_number']}; purchases must be positive "
            f"(use refunds='drop' / --refunds drop to leave such rows out)"
        )
