"""Reading Guanxi's own order export (the CSV or XLSX that /data/export/ writes) as an order log.

The export has one row per order line, its headers in the exporting user's language (English
or simplified Chinese), the customer's id in the app, and the order's status. This module turns
it into the order log every analysis takes (``customer_id``, ``date``, ``amount``; one row per
order): lines are summed per order number less the order's partial refunds (the net, as the
app's scores count it), cancelled and refunded orders are left out, and the customer is the app's customer id, never the name (two customers may share a name).

No Django here (tests/test_layers.py): the headers are plain constants below, and a test
checks them against the exporter's (tests/analytics/test_analyze_app_export.py).
"""

from __future__ import annotations

import contextlib
import csv
import io
import uuid
from pathlib import Path

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from guanxi.analytics.io import AnalyticsInputError, connect

__all__ = [
    "APP_ORDER_EXPORT_HEADERS",
    "EXCLUDED_STATUSES",
    "app_export_columns",
    "read_app_order_export",
]

#: field -> the header the exporter writes, in English and in simplified Chinese
APP_ORDER_EXPORT_HEADERS: dict[str, tuple[str, str]] = {
    "number": ("Order number", "订单号"),
    "customer_id": ("Customer ID", "客户ID"),
    "ordered_at": ("Ordered at", "下单时间"),
    "amount": ("Amount", "金额"),
    "status": ("Status", "状态"),
}

#: Columns read when there (exports before it lack it): the order's refunds so far, on each
#: of its lines; the order counts its net, the total less them (sales.Order.net_total)
OPTIONAL_HEADERS: dict[str, tuple[str, str]] = {"refunded": ("Refunded amount", "已退款金额")}

#: Order statuses that are no purchase (the export writes the word in its language, Chinese or
#: English; the codes are accepted too); sales.models.NOT_PURCHASES
EXCLUDED_STATUSES = ("已取消", "已退款", "cancelled", "refunded")

XLSX_SUFFIXES = {".xlsx"}
CSV_SUFFIXES = {".csv"}


def _norm(header) -> str:
    return " ".join(str(header or "").replace("\ufeff", "").split()).lower()


def app_export_columns(headers: list) -> dict[str, int] | None:
    """Position of each needed column if `headers` are those of the app's order export (in
    either language), else None."""
    positions = {}
    normalised = [_norm(h) for h in headers]
    for field, names in APP_ORDER_EXPORT_HEADERS.items():
        wanted = {_norm(n) for n in names}
        found = [i for i, h in enumerate(normalised) if h in wanted]
        if not found:
            return None
        positions[field] = found[0]
    for field, names in OPTIONAL_HEADERS.items():
        wanted = {_norm(n) for n in names}
        found = [i for i, h in enumerate(normalised) if h in wanted]
        if found:
            positions[field] = found[0]
    return positions


def _rows_of(path: Path):
    """(headers, rows as lists of text) of a CSV or XLSX file."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        # UTF-8 (with or without the BOM the export writes), or GB18030: the export saved
        # again by Excel on a Chinese Windows
        handle = io.StringIO(_decode(path.read_bytes(), path.name), newline="")
        reader = csv.reader(handle)
        headers = next(reader, [])
        return headers, reader, handle.close
    if suffix in XLSX_SUFFIXES:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        rows = book.active.iter_rows(values_only=True)
        headers = list(next(rows, ()) or ())
        return headers, rows, book.close
    raise AnalyticsInputError(f"cannot read {path.name} as the app's order export")


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode(encoding)
    raise AnalyticsInputError(f"cannot read {name}: the file is neither UTF-8 nor GB18030 text")


def sniff_app_export(path: str | Path) -> bool:
    """True when `path` is a CSV or XLSX file with the app's order export headers."""
    path = Path(path)
    if path.suffix.lower() not in CSV_SUFFIXES | XLSX_SUFFIXES or not path.is_file():
        return False
    try:
        headers, _rows, close = _rows_of(path)
    except Exception:  # noqa: BLE001 - not ours to report: the normal reader will
        return False
    close()
    return app_export_columns(headers) is not None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text  # the export's formula guard


def read_app_order_export(path: str | Path, *, con: ibis.BaseBackend | None = None) -> ir.Table:
    """The app's order export as an order log on ``con`` (DuckDB; a new one by default).

    Returns an Ibis table ``customer_id`` (int64, the app's id), ``date`` (the local order
    date the export shows), ``amount`` (float64, the order's lines summed less its
    refunds), one row per order that is neither cancelled nor refunded.

    Raises :class:`AnalyticsInputError` naming the row for a missing customer id, an
    unreadable date or amount, or an order number whose lines name different customers.
    """
    import pyarrow as pa

    path = Path(path)
    if not path.is_file():
        raise AnalyticsInputError(f"input file not found: {path}")
    headers, rows, close = _rows_of(path)
    try:
        where = app_export_columns(headers)
        if where is None:
            raise AnalyticsInputError(
                f"{path.name} is not the app's order export: expected the columns "
                + ", ".join(f"'{en}' or '{zh}'" for en, zh in APP_ORDER_EXPORT_HEADERS.values())
            )
        excluded = {_norm(s) for s in EXCLUDED_STATUSES}
        orders: dict[str, list] = {}
        for number, row in enumerate(rows, start=2):
            cells = list(row or ())
            if not any(_text(c) for c in cells):
                continue
            value = {f: _text(cells[i]) if i < len(cells) else "" for f, i in where.items()}
            value.setdefault("refunded", "")
            if _norm(value["status"]) in excluded:
                continue
            try:
                customer = int(value["customer_id"])
            except ValueError:
                raise AnalyticsInputError(
                    f"row {number}: customer id {value['customer_id']!r} is not a number "
                    "(the export's 'Customer ID' / '客户ID' column)"
                ) from None
            try:
                amount = float(value["amount"] or 0)
            except ValueError:
                raise AnalyticsInputError(
                    f"row {number}: amount {value['amount']!r} is not a number"
                ) from None
            try:
                refunded = float(value["refunded"] or 0)
            except ValueError:
                raise AnalyticsInputError(
                    f"row {number}: refunded amount {value['refunded']!r} is not a number"
                ) from None
            day = _date_of(value["ordered_at"], number)
            key = value["number"] or f"row-{number}"
            if key in orders:
                known = orders[key]
                if known[0] != customer:
                    raise AnalyticsInputError(
                        f"row {number}: order {key} names customer {customer}, an earlier line "
                        f"customer {known[0]}"
                    )
                known[2] += amount
            else:  # the order's refunds once, on its first line
                orders[key] = [customer, day, amount - refunded]
    finally:
        close()
    if not orders:
        raise AnalyticsInputError(
            f"{path.name} has no orders (after leaving out cancelled and refunded ones)"
        )
    customers, days, amounts = zip(*orders.values(), strict=True)
    arrow = pa.table(
        {
            "customer_id": pa.array(customers, pa.int64()),
            "date": pa.array(days, pa.date32()),
            "amount": pa.array([round(a, 2) for a in amounts], pa.float64()),
        }
    )
    con = con or connect()
    name = f"guanxi_app_orders_{uuid.uuid4().hex[:12]}"
    # DuckDB's own API (see io.read_transactions: Ibis 12's con.table() fails on DuckDB 2.0)
    con.con.register(f"{name}_arrow", arrow)
    con.con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow").fetchall()  # noqa: S608
    con.con.unregister(f"{name}_arrow")
    schema = ibis.schema({"customer_id": "int64", "date": "date", "amount": "float64"})
    return ops.DatabaseTable(name, schema=schema, source=con).to_expr()


def _date_of(text: str, number: int):
    """The date of the export's local order time ("2025-03-01 23:30:00"; 2025/3/1 too)."""
    import datetime as dt

    try:
        year, month, day = (int(part) for part in text.strip()[:10].replace("/", "-").split("-"))
        return dt.date(year, month, day)
    except ValueError:
        raise AnalyticsInputError(f"row {number}: order time {text!r} is not a date") from None
