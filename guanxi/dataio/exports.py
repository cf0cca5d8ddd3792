"""Exporting the customers and orders a user may see, in the columns imports read back.

Rows are produced lazily from a chunked iterator, so an export of a million customers holds a
few thousand in memory. Sensitive personal fields are masked unless the user has the
permission, asks for them explicitly and states a purpose; every revealed value is logged.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guanxi.accounts.scope import (
    can_view_sensitive,
    revealable_customers,
    scoped,
    visible_customers,
)
from guanxi.customers.models import CustomField
from guanxi.privacy.sensitive import SENSITIVE_FIELDS, RevealDenied, log_bulk_reveal, masked_dict
from guanxi.sales.models import OrderLine, Product
from guanxi.validation import clean_purpose

from .columns import (
    CUSTOMER_COLUMNS,
    EXPORT_LABELS,
    ORDER_COLUMNS,
    export_headers,
    status_label,
)
from .readers import file_format

CHUNK = 2000
XLSX_MAX_CELL = 32767  # Excel's limit on the characters of one cell

# A cell starting with one of these is a formula to Excel, LibreOffice and WPS (OWASP's list,
# with the tab and carriage return that hide one behind whitespace).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (so XLSX) cannot hold: control characters other than tab and line breaks.
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")  # -5.00 or +8613812345678: a number, not a formula
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def xml_safe(value: str) -> str:
    """The text with the characters XML (so XLSX) cannot hold replaced by U+FFFD."""
    return _ILLEGAL_XML.sub("\ufffd", value)


def safe_text(value):
    """A CSV cell a spreadsheet shows as text and never runs: text starting like a formula gets
    the OWASP prefix ' (imports take it off again); numbers and numeric text stay as they are."""
    if not isinstance(value, str):
        return value
    value = xml_safe(value)
    if value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


def _chunks(queryset, size: int = CHUNK) -> Iterator[list]:
    batch = []
    for item in queryset.iterator(chunk_size=size):
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# A segment export's score columns (the customer's current scores, guanxi.scoring)
SCORE_EXPORT_FIELDS = (
    "as_of",
    "rfm_segment",
    "abc_tier",
    "lifecycle_stage",
    "loyalty_index",
    "value_loyalty_quadrant",
    "clv_historical",
    "clv_predicted",
    "p_alive",
    "churn_risk",
)


def _score_columns() -> list[tuple[str, str, object]]:
    """(field, header, namer) per SCORE_EXPORT_FIELDS: headers in the user's language, codes
    named in it too (guanxi.customers.scores); dates and numbers stay as they are."""
    from django.utils.text import capfirst

    from guanxi.customers import scores as words
    from guanxi.scoring.models import CustomerScore

    namers = {
        "rfm_segment": words.segment_name,
        "lifecycle_stage": words.stage_name,
        "value_loyalty_quadrant": words.quadrant_name,
        "churn_risk": lambda code: str(words.CHURN_RISKS.get(code, code)),
    }
    headers = {"as_of": _("Scores as of")}  # "As of" alone says not of what
    return [
        (
            field,
            headers.get(field) or str(capfirst(CustomerScore._meta.get_field(field).verbose_name)),
            namers.get(field),
        )
        for field in SCORE_EXPORT_FIELDS
    ]


def _score_cells(customer, columns) -> list:
    try:
        score = customer.score
    except ObjectDoesNotExist:  # not scored yet: empty cells
        return [""] * len(columns)
    cells = []
    for field, _header, name in columns:
        value = getattr(score, field)
        cells.append(_cell(name(value) if name and value else value))
    return cells


def customer_rows(
    user,
    *,
    include_sensitive: bool = False,
    purpose: str = "",
    ids: list[int] | None = None,
    scores: bool = False,
) -> tuple[list[str], Iterator[list]]:
    """Headers and rows of the customers visible to `user` (only `ids` of them, if given).

    With include_sensitive the user must hold the permission and state a purpose
    (validation.clean_purpose, as for a single reveal); the values are shown only for the customers the user may reveal
    (scope.revealable_customers: never through a collaboration, as a single reveal), masked for
    the others, and every exported non-empty sensitive value is logged as a reveal. With
    `scores` each row ends with the customer's current scores (SCORE_EXPORT_FIELDS, empty
    when not scored yet): a segment's export, which no import reads back.
    """
    if include_sensitive:
        if not can_view_sensitive(user):
            raise RevealDenied(_("You do not have permission to view sensitive personal data."))
        purpose = clean_purpose(purpose)  # ValueError, before the first row is streamed
    custom_fields = list(CustomField.objects.order_by("key"))
    headers = export_headers(CUSTOMER_COLUMNS) + [f.label for f in custom_fields]
    queryset = (
        visible_customers(user).select_related("owner").prefetch_related("tags").order_by("pk")
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    score_columns = _score_columns() if scores else []
    if score_columns:
        headers += [str(header) for _field, header, _name in score_columns]
        queryset = queryset.select_related("score")

    def rows() -> Iterator[list]:
        for batch in _chunks(queryset):
            unmasked = set()
            if include_sensitive:
                unmasked = set(
                    revealable_customers(user)
                    .filter(pk__in=[c.pk for c in batch])
                    .values_list("pk", flat=True)
                )
                for name in SENSITIVE_FIELDS:
                    revealed = [
                        c
                        for c in batch
                        if c.pk in unmasked and getattr(c, name) not in ("", None, False)
                    ]
                    if revealed:
                        log_bulk_reveal(user, revealed, [name], purpose, route="export")
            for customer in batch:
                row = _customer_row(customer, custom_fields, customer.pk in unmasked)
                if score_columns:
                    row.extend(_score_cells(customer, score_columns))
                yield row

    return headers, rows()


def _customer_row(customer, custom_fields, unmasked: bool) -> list:
    sensitive = {} if unmasked else masked_dict(customer)
    row = []
    for name, _aliases in CUSTOMER_COLUMNS:
        if name == "tags":
            value = "、".join(sorted(t.name for t in customer.tags.all()))
        elif name == "owner":
            value = customer.owner.get_username() if customer.owner else ""
        elif name in sensitive:
            value = sensitive[name]
        else:
            value = getattr(customer, name)
            if name in EXPORT_LABELS:
                value = EXPORT_LABELS[name](value)
        row.append(_cell(value))
    row.extend(_cell(customer.custom_fields.get(f.key)) for f in custom_fields)
    return row


def order_rows(user, *, ids: list[int] | None = None) -> tuple[list[str], Iterator[list]]:
    """One row per order line of the orders of customers visible to `user` (only the orders
    `ids`, if given)."""
    headers = export_headers(ORDER_COLUMNS)
    queryset = (
        scoped(user, OrderLine.objects.all(), via="order__customer")
        .select_related("order__customer", "product")
        .order_by("order_id", "pk")
    )
    if ids is not None:
        queryset = queryset.filter(order_id__in=ids)
    status = status_label()  # in the headers' language

    def rows() -> Iterator[list]:
        for line in queryset.iterator(chunk_size=CHUNK):
            order, customer = line.order, line.order.customer
            values = {
                "number": order.number,
                "customer_id": customer.pk,
                "customer_external_id": customer.external_id,
                "customer_mobile": customer.mobile,
                "customer_name": customer.name,
                "ordered_at": order.ordered_at,
                "sku": line.product.sku,
                "product_name": line.product.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,  # numbers, so a spreadsheet can sum them
                "amount": line.amount,
                "status": status(order.status),
                "currency": order.currency,
                "refunded": order.refunded_total,
            }
            yield [_cell(values[name]) for name, _aliases in ORDER_COLUMNS]

    return headers, rows()


def product_rows(ids: list[int]) -> tuple[list[str], Iterator[list]]:
    """The products `ids` (a shared catalogue: no data scope), headers in the user's language."""
    headers = [
        _("SKU"),
        pgettext("product", "Name"),
        _("Category"),
        _("Price"),
        pgettext("spreadsheet column", "Currency"),
        _("Status"),
    ]
    queryset = Product.objects.filter(pk__in=ids).order_by("sku")

    def rows() -> Iterator[list]:
        for product in queryset.iterator(chunk_size=CHUNK):
            status = _("Active") if product.active else _("Inactive")
            values = [product.sku, product.name, product.category, product.price]
            yield [_cell(v) for v in values] + [product.currency, status]

    return headers, rows()


def task_rows(tasks) -> tuple[list[str], Iterator[list]]:
    """The tasks given (already chosen within the user's scope), headers in the user's
    language."""
    headers = [
        _("Due"),
        _("Kind"),
        _("Title"),
        _("Customer"),
        _("Assignee"),
        _("Overdue"),
    ]

    def rows() -> Iterator[list]:
        now = timezone.now()
        for task in tasks:
            assignee = task.assignee
            name = (assignee.profile.display_name or assignee.username) if assignee else ""
            customer = task.customer.name if task.customer_id else ""
            overdue = task.done_at is None and task.due_at < now
            values = [
                task.due_at,
                task.get_kind_display(),
                task.shown_title,
                customer,
                name,
                overdue,
            ]
            yield [_cell(v) for v in values]

    return headers, rows()


# Writers ----------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def csv_chunks(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text piece by piece, starting with a BOM so Excel reads the Chinese as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_text(h) for h in headers])
    for row in rows:
        yield writer.writerow([safe_text(c) for c in row])


def write_csv(stream, headers: list[str], rows: Iterable[list]) -> int:
    pieces = csv_chunks(headers, rows)
    stream.write(next(pieces).encode("utf-8"))
    count = 0
    for piece in pieces:
        stream.write(piece.encode("utf-8"))
        count += 1
    return count


def _xlsx_row(sheet, row: list) -> list:
    """Cells for a write-only sheet: every string an explicit text cell (openpyxl would make
    "=1+1" a formula and "#N/A" an error), cleaned by xml_safe; numbers stay numbers."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in row:
        if isinstance(value, str):
            # An explicit text cell is never a formula, so the value needs no ' prefix.
            cell = WriteOnlyCell(sheet, xml_safe(value)[:XLSX_MAX_CELL])
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def write_xlsx(stream, headers: list[str], rows: Iterable[list], title: str) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    sheet.append(_xlsx_row(sheet, headers))
    count = 0
    for row in rows:
        # Text stays text: a mobile or an id number must not become a number in Excel.
        sheet.append(_xlsx_row(sheet, row))
        count += 1
    workbook.save(stream)
    return count


def write_export(path: str | Path, headers: list[str], rows: Iterable[list], title: str) -> int:
    """Write rows to a .csv or .xlsx file chosen by extension; returns the number of rows."""
    fmt = file_format(str(path))
    with open(path, "wb") as stream:
        if fmt == "xlsx":
            return write_xlsx(stream, headers, rows, title)
        return write_csv(stream, headers, rows)


def xlsx_bytes(headers: list[str], rows: Iterable[list], title: str) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows, title)
    return buffer.getvalue()
