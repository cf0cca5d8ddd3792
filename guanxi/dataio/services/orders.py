"""Importing orders: rows with the same order number form one order, checked whole, written
through the sales service (create_order: validated and audited as on the order page)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.accounts.scope import can_write, scoped, visible_customers
from guanxi.customers.models import Customer
from guanxi.customers.normalize import normalize_phone
from guanxi.sales.models import Order, OrderStatus, Product
from guanxi.sales.services import NewOrders, new_order

from ..columns import (
    CHOICE_PARSERS,
    ORDER_COLUMNS,
    CellError,
    match_headers,
    parse_datetime,
    parse_int,
    parse_money,
    text,
)
from ..readers import Table
from .base import (
    ROW_WRITE_ERRORS,
    FileImport,
    ImportResult,
    Progress,
    RowError,
    RowInvalid,
    TooManyOutside,
    is_busy,
    refused_for_outside,
    spend_outside_check,
    validation_errors,
    write_failed,
)


class _OrderImport(FileImport):
    def __init__(self, user, table: Table):
        self.user = user
        self.table = table
        self.positions, self.unknown = match_headers(table.headers, ORDER_COLUMNS)
        self.products: dict[str, Product | None] = {}
        self.writable = visible_customers(user, write=True)

    def product(self, sku: str) -> Product | None:
        if sku not in self.products:
            self.products[sku] = Product.objects.filter(sku=sku).first()
        return self.products[sku]

    def checked(self, number: int, cells: list, name: str, errors: list[RowError]):
        """The cell's value, or None with its error noted (control characters and the like)."""
        try:
            return self.value(cells, name)
        except CellError as exc:
            errors.append(RowError(number, self.label(name), str(exc)))
            return None

    def header_of(self, number: int, cells: list, errors: list[RowError]) -> dict:
        """The order-level values a line carries: customer keys, time, status, currency."""
        values = {}
        for name in ("customer_external_id", "customer_mobile", "ordered_at", "status", "currency"):
            raw = self.checked(number, cells, name, errors)
            if not text(raw):
                continue
            try:
                if name == "ordered_at":
                    values[name] = parse_datetime(raw)
                elif name == "status":
                    values[name] = CHOICE_PARSERS["status"](raw)
                elif name == "customer_mobile":
                    values[name] = normalize_phone(text(raw))
                else:
                    values[name] = text(raw).upper() if name == "currency" else text(raw)
            except CellError as exc:
                errors.append(RowError(number, self.label(name), str(exc)))
            except ValidationError as exc:
                errors.extend(RowError(number, self.label(name), m) for m in exc.messages)
        return values

    def line_of(self, number: int, cells: list, errors: list[RowError]) -> dict:
        sku = text(self.checked(number, cells, "sku", errors))
        line: dict = {}
        if not sku:
            if not any(e.column == self.label("sku") and e.row == number for e in errors):
                errors.append(RowError(number, self.label("sku"), _("The product code is empty.")))
        else:
            line["product"] = self.product(sku)
            if line["product"] is None:
                errors.append(
                    RowError(number, self.label("sku"), _("No product “%(sku)s”.") % {"sku": sku})
                )
        try:
            quantity = parse_int(self.checked(number, cells, "quantity", errors), minimum=1)
            line["quantity"] = 1 if quantity is None else quantity
        except CellError as exc:
            errors.append(RowError(number, self.label("quantity"), str(exc)))
        try:
            line["unit_price"] = parse_money(self.checked(number, cells, "unit_price", errors))
        except CellError as exc:
            errors.append(RowError(number, self.label("unit_price"), str(exc)))
        return line

    def customer(self, first: int, values: dict) -> Customer:
        for name, lookup in (
            ("customer_external_id", "external_id"),
            ("customer_mobile", "mobile"),
        ):
            if name not in values:
                continue
            found = list(self.writable.filter(**{lookup: values[name]}).order_by("pk")[:2])
            if len(found) == 1:
                return found[0]
            message = (
                _("Several of your customers have “%(value)s”; use the external id.")
                if found
                else _("None of the customers you may change has “%(value)s”.")
            )
            raise RowInvalid([RowError(first, self.label(name), message % {"value": values[name]})])
        raise RowInvalid(
            [
                RowError(
                    first,
                    "",
                    _("Say whose order it is: a customer external id or mobile column."),
                )
            ]
        )

    def check(self, number: str, rows: list[tuple[int, list]], result: ImportResult):
        """(first row, (order, lines)) checked by the sales service; None if it exists."""
        errors: list[RowError] = []
        first = rows[0][0]
        header: dict = {}
        lines = []
        for row_number, cells in rows:
            values = self.header_of(row_number, cells, errors)
            for name, value in values.items():
                if name not in header:
                    header[name] = value
                elif header[name] != value:
                    errors.append(
                        RowError(
                            row_number,
                            self.label(name),
                            _("Differs from the first line of order %(number)s (row %(row)d).")
                            % {"number": number, "row": first},
                        )
                    )
            lines.append(self.line_of(row_number, cells, errors))
        if "ordered_at" not in header and not any(
            e.column == self.label("ordered_at") for e in errors
        ):
            errors.append(
                RowError(first, self.label("ordered_at"), _("The order date is missing."))
            )
        if errors:
            raise RowInvalid(errors)
        # an order already here is skipped (a file imported twice) when the user can see it;
        # one outside their scope gets check_order_number's refusal (in new_order), which reads
        # the same as for any unusable number, so the import reveals no other team's numbers
        existing = Order.objects.filter(number=number)
        clash = existing.exists()
        if clash and scoped(self.user, existing, via="customer").exists():
            result.skipped += 1
            result.notes.append(
                RowError(
                    first,
                    self.label("number"),
                    _("Skipped: order %(number)s already exists.") % {"number": number},
                )
            )
            return None
        if clash:  # another team's order: its refusal below is one 查重 of their numbers
            spend_outside_check(self.user)
        customer = self.customer(first, header)
        data = {
            "number": number,
            "ordered_at": header["ordered_at"],
            "status": header.get("status", OrderStatus.COMPLETED),
        }
        if header.get("currency"):
            data["currency"] = header["currency"]
        try:
            return first, new_order(customer, data, lines, actor=self.user)
        except ValidationError as exc:
            raise RowInvalid(validation_errors(first, exc, self.label)) from exc

    def write(self, ready: list[tuple[int, tuple]], batch: NewOrders, result: ImportResult):
        """Inside the import's transaction: all orders in bulk; if the database refuses one,
        each in its own savepoint, the refused ones reported."""
        try:
            with transaction.atomic():
                batch.save()
            written = [built for _first, built in ready]
        except ROW_WRITE_ERRORS as exc:
            if is_busy(exc):
                raise  # not this file's fault: the page and command say "busy, try again"
            written = []
            for first, built in ready:
                for record in (built[0], *built[1]):  # as if the failed bulk never ran
                    record.pk, record._state.adding = None, True
                try:
                    with transaction.atomic():
                        NewOrders(self.user, [built]).save()
                    written.append(built)
                except ROW_WRITE_ERRORS:
                    result.errors.append(write_failed(first))
                    result.rejected += 1
        result.created += len(written)
        result.lines += sum(len(lines) for _order, lines in written)


def import_orders(
    user, table: Table, *, skip_invalid: bool = False, progress: Progress = None
) -> ImportResult:
    """Import order lines as `user`; rows with the same order number form one order. All orders
    are checked first, then written in one transaction."""
    if not can_write(user):
        raise PermissionDenied(_("Read-only users cannot import."))
    job = _OrderImport(user, table)
    result = ImportResult("orders", rows=len(table.rows), ignored_columns=job.unknown)
    missing = [
        label
        for name, label in (("number", "订单号/order number"), ("sku", "商品编码/SKU"))
        if name not in job.positions
    ]
    if not ({"customer_external_id", "customer_mobile"} & set(job.positions)):
        missing.append("客户外部编号/customer external id | 客户手机/customer mobile")
    if missing:
        result.errors.append(
            RowError(1, "", _("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
        )
        result.committed = False
        return result
    groups: dict[str, list[tuple[int, list]]] = {}
    for row_number, cells in table.rows:
        cells = list(cells)
        try:
            number = text(job.value(cells, "number"))
        except CellError as exc:
            result.errors.append(RowError(row_number, job.label("number"), str(exc)))
            continue
        if not number:
            result.errors.append(
                RowError(row_number, job.label("number"), _("The order number is empty."))
            )
            continue
        groups.setdefault(number, []).append((row_number, cells))
    ready = []
    for number, rows in groups.items():
        try:
            checked = job.check(number, rows, result)
            if checked:
                ready.append(checked)
        except RowInvalid as exc:
            result.errors.extend(exc.errors)
            result.rejected += 1
        except TooManyOutside:
            return refused_for_outside(result)
        if progress:
            progress(len(rows))
    if result.errors and not skip_invalid:
        result.committed = False
        return result
    batch = NewOrders(user, [built for _first, built in ready])
    with transaction.atomic():
        job.write(ready, batch, result)
        if result.errors and not skip_invalid:
            transaction.set_rollback(True)
            result.committed = False
    return result
