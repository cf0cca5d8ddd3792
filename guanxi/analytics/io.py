"""Reading an order log (CSV or Parquet) into a validated Ibis table on an embedded DuckDB.

Every analytics function takes an Ibis table; this module is the boundary where a file from an
analyst becomes such a table, and where bad input is turned into an :class:`AnalyticsInputError`
with a message that names the problem, instead of a traceback or a silent NaN later on.

Treatments (documented here once, applied by :func:`read_transactions`):

- missing columns, an empty file, a file with a header only, empty customer ids, dates that
  cannot be parsed, amounts that are not numbers: an error naming the column, the number of
  bad rows and the first bad value;
- zero amounts (a free order, a gift, a fully discounted order) are purchases with no spend:
  kept, so they count for frequency and recency and add 0 to monetary value. This is also
  what the published CDNOW inputs assume (the sample has 8 zero-amount rows; the 2,357
  customers and the BG/NBD, Pareto/NBD and Gamma-Gamma estimates of Fader, Hardie & Lee
  include them);
- negative amounts (refunds): an error by default; ``refunds="drop"`` drops those rows (a
  refund is not a purchase) and keeps the rest;
- a Parquet file whose column statistics already prove the checks (integer customer ids,
  native date and numeric amount columns, no nulls, no negative amount) is not scanned to
  validate it: reading it costs only its footer;
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
import ibis.expr.operations as ops
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


INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "REAL",
)


def _date_sql(column: str, duck_type: str) -> str:
    col = _quote(column)
    if duck_type == "DATE":
        return col
    if duck_type.startswith("TIMESTAMP"):
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
        What to do with rows whose amount is negative (refunds): raise, or drop them. Zero
        amounts are purchases with no spend and always kept.
    con : DuckDB backend, optional
        The Ibis DuckDB connection that reads and checks the file; a new in-memory one by
        default.

    Returns
    -------
    ibis.Table
        Columns ``customer_id``, ``date`` (date) and ``amount`` (float64), one row per purchase,
        on ``con``: a temporary view over a Parquet file (read in place by each query), or a
        temporary table holding the parsed CSV.

    Raises
    ------
    AnalyticsInputError
        For a missing or empty file, missing columns, or bad values (see the module docstring).

    Notes
    -----
    The file is inspected with DuckDB's own API on ``con.con``: with DuckDB 2.0, Ibis 12's
    ``con.sql()``, ``con.table()`` and ``con.read_parquet()`` fail (they call
    ``fetch_arrow_table``, which DuckDB 2.0 no longer has), while executing Ibis expressions
    works.
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
    duck = con.con
    source = _source_sql(path)
    try:
        described = duck.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()  # noqa: S608
    except duckdb.Error as exc:
        raise AnalyticsInputError(f"cannot read {path.name}: {_first_line(exc)}") from exc
    types = {row[0]: str(row[1]).upper() for row in described}
    missing = [
        f"'{name}' ({role})"
        for role, name in {"customer": customer, "date": date, "amount": amount}.items()
        if name not in types
    ]
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise AnalyticsInputError(
            f"missing {noun} {', '.join(missing)} in {path.name}; the file has: {', '.join(types)}"
        )
    amount_sql = (
        f"CAST({_quote(amount)} AS DOUBLE)"
        if types[amount].startswith(NUMERIC_TYPES)
        else f"TRY_CAST(TRIM(CAST({_quote(amount)} AS VARCHAR)) AS DOUBLE)"
    )
    # Integer ids stay integers (BIGINT), anything else becomes text; the Ibis schema below
    # states the same types.
    integer_id = types[customer] in INTEGER_TYPES
    customer_sql = (
        f"CAST({_quote(customer)} AS BIGINT)"
        if integer_id
        else f"NULLIF(TRIM(CAST({_quote(customer)} AS VARCHAR)), '')"
    )
    name = f"guanxi_orders_{uuid.uuid4().hex[:12]}"
    columns_sql = f"""{customer_sql} AS customer_id,
               {_date_sql(date, types[date])} AS date,
               {amount_sql} AS amount"""
    # A Parquet file is read in place by every query (a view: DuckDB scans it in parallel and
    # only the needed columns); a CSV is parsed once into a temporary table.
    kind = "VIEW" if path.suffix.lower() in PARQUET_SUFFIXES else "TABLE"
    parsed = f"{name}_all" if refunds == "drop" else name
    try:
        duck.execute(
            f"CREATE TEMP {kind} {parsed} AS SELECT {columns_sql} FROM {source}"  # noqa: S608
        ).fetchall()
        if not (kind == "VIEW" and _parquet_proves_valid(path, customer, date, amount, types)):
            bad = _Bad(duck, source, columns_sql, raw={"date": date, "amount": amount})
            _validate(
                duck,
                parsed,
                bad,
                path,
                customer=customer,
                date=date,
                amount=amount,
                refunds=refunds,
            )
        if refunds == "drop":
            duck.execute(
                f"CREATE TEMP VIEW {name} AS SELECT * FROM {parsed} WHERE amount >= 0"  # noqa: S608
            ).fetchall()
    except duckdb.Error as exc:
        raise AnalyticsInputError(f"cannot read {path.name}: {_first_line(exc)}") from exc
    schema = {
        "customer_id": "int64" if integer_id else "string",
        "date": "date",
        "amount": "float64",
    }
    # con.table() would call DuckDB's removed fetch_arrow_table (see Notes): build the table
    # expression from the schema we already know.
    return ops.DatabaseTable(name, schema=ibis.schema(schema), source=con).to_expr()


class _Bad:
    """Finds the first offending row of the source (only on the error path)."""

    def __init__(self, duck, source: str, columns_sql: str, raw: dict[str, str]):
        self.duck, self.source, self.columns_sql, self.raw = duck, source, columns_sql, raw

    def first(self, condition: str) -> dict:
        sql = f"""
            SELECT row_number, raw_date, raw_amount FROM (
              SELECT {self.columns_sql},
                     CAST({_quote(self.raw["date"])} AS VARCHAR) AS raw_date,
                     CAST({_quote(self.raw["amount"])} AS VARCHAR) AS raw_amount,
                     ROW_NUMBER() OVER () AS row_number
              FROM {self.source})
            WHERE {condition} ORDER BY row_number LIMIT 1
        """  # noqa: S608
        # DuckDB 2.0: a result must be consumed before the next query on the connection.
        row_number, raw_date, raw_amount = self.duck.execute(sql).fetchall()[0]
        return {"row_number": row_number, "raw_date": raw_date, "raw_amount": raw_amount}


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _validate(
    duck,
    name: str,
    bad_rows: _Bad,
    path: Path,
    *,
    customer: str,
    date: str,
    amount: str,
    refunds: str,
) -> None:
    counts = duck.execute(
        f"""SELECT count(*),
                  count(*) FILTER (WHERE customer_id IS NULL),
                  count(*) FILTER (WHERE date IS NULL),
                  count(*) FILTER (WHERE amount IS NULL),
                  count(*) FILTER (WHERE amount < 0),
                  count(*) FILTER (WHERE amount = 0)
           FROM {name}"""  # noqa: S608
    ).fetchall()[0]
    keys = ("rows", "no_customer", "bad_date", "bad_amount", "negative", "zero")
    counts = dict(zip(keys, (int(v or 0) for v in counts), strict=True))
    if counts["rows"] == 0:
        raise AnalyticsInputError(f"input file has no rows, only a header: {path}")
    # Data rows are numbered from 1; in a CSV the header is line 1, so data row n is line n + 1.
    if counts["no_customer"]:
        bad = bad_rows.first("customer_id IS NULL")
        raise AnalyticsInputError(
            f"column '{customer}': {counts['no_customer']} row(s) without a customer id "
            f"(first at data row {bad['row_number']})"
        )
    if counts["bad_date"]:
        bad = bad_rows.first("date IS NULL")
        raise AnalyticsInputError(
            f"column '{date}': {counts['bad_date']} value(s) cannot be parsed as dates, "
            f"e.g. {bad['raw_date']!r} at data row {bad['row_number']} "
            f"(expected YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)"
        )
    if counts["bad_amount"]:
        bad = bad_rows.first("amount IS NULL")
        raise AnalyticsInputError(
            f"column '{amount}': {counts['bad_amount']} value(s) are not numbers, "
            f"e.g. {bad['raw_amount']!r} at data row {bad['row_number']}"
        )
    if refunds == "error" and counts["negative"]:
        bad = bad_rows.first("amount < 0")
        raise AnalyticsInputError(
            f"column '{amount}': {counts['negative']} negative (refunds) amount(s), "
            f"e.g. {bad['raw_amount']} at data row {bad['row_number']}; purchases must not be "
            f"negative (use refunds='drop' / --refunds drop to leave refunds out; zero amounts "
            f"are purchases with no spend)"
        )


def _parquet_proves_valid(
    path: Path, customer: str, date: str, amount: str, types: dict[str, str]
) -> bool:
    """True when the Parquet footer's statistics prove what :func:`_validate` checks: rows,
    integer customer ids (text ids could be blank), native dates, numeric amounts, no nulls
    and no negative amount. Any missing statistic means False (the file is then scanned)."""
    if not (
        types[customer] in INTEGER_TYPES
        and (types[date] == "DATE" or types[date].startswith("TIMESTAMP"))
        and types[amount].startswith(NUMERIC_TYPES)
    ):
        return False
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        if meta.num_rows == 0:
            return False
        wanted = {customer, date, amount}
        seen: dict[str, int] = {}
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            for c in range(group.num_columns):
                column = group.column(c)
                name = column.path_in_schema
                if name not in wanted:
                    continue
                stats = column.statistics
                if stats is None or not stats.has_null_count or stats.null_count != 0:
                    return False
                if name == amount and not (stats.has_min_max and float(stats.min) >= 0):
                    return False
                seen[name] = seen.get(name, 0) + 1
        return all(seen.get(name) == meta.num_row_groups for name in wanted)
    except Exception:  # noqa: BLE001 - unreadable statistics: validate by scanning instead
        return False
