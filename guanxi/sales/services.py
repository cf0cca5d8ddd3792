"""Writes on products and orders. Money is Decimal, CNY by default."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.bulk import BulkInsert
from guanxi.services_common import reject_unknown_fields

from .models import Order, OrderLine, OrderStatus, Product

PRODUCT_FIELDS = [
    "sku",
    "name",
    "category",
    "price",
    "currency",
    "features",
    "advantages",
    "benefits",
    "active",
]
ORDER_FIELDS = ["number", "ordered_at", "status", "currency"]
CENT = Decimal("0.01")


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError) as exc:
        raise ValidationError(
            {field: [_("“%(value)s” is not an amount of money.") % {"value": value}]}
        ) from exc
    if amount < 0:
        raise ValidationError({field: [_("An amount cannot be negative.")]})
    return amount


@transaction.atomic
def create_product(actor, data: dict) -> Product:
    product = Product()
    return update_product(actor, product, data)


@transaction.atomic
def update_product(actor, product: Product, data: dict) -> Product:
    reject_unknown_fields(data, PRODUCT_FIELDS)
    for field, value in data.items():
        setattr(product, field, _money(value, "price") if field == "price" else value)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def delete_product(actor, product: Product) -> None:
    """Delete a product no order uses; one on orders stays for the books (mark it inactive)."""
    if product.order_lines.exists():
        raise ValidationError(
            _("This product appears on orders and cannot be deleted; mark it inactive instead.")
        )
    product.delete()


def _build_lines(order: Order, lines: list[dict]) -> list[OrderLine]:
    if not lines:
        raise ValidationError({"lines": [_("An order needs at least one line.")]})
    built, errors = [], []
    for index, line in enumerate(lines, start=1):
        product = line.get("product")
        if product is None:
            errors.append(_("Line %(n)d: unknown product.") % {"n": index})
            continue
        try:
            quantity = int(line.get("quantity", 1))
        except (TypeError, ValueError):
            quantity = 0
        if quantity < 1:
            errors.append(
                _("Line %(n)d: the quantity must be a whole number of at least 1.") % {"n": index}
            )
            continue
        price = line.get("unit_price")
        unit_price = product.price if price in (None, "") else _money(price, "unit_price")
        built.append(
            OrderLine(
                order=order,
                product=product,
                quantity=quantity,
                unit_price=unit_price,
                amount=(unit_price * quantity).quantize(CENT),
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    return built


def new_order(customer, data: dict, lines: list[dict]) -> tuple[Order, list[OrderLine]]:
    """An unsaved order and its lines, checked as create_order checks them (imports check a
    whole file with this before writing, then save the lot with NewOrders)."""
    reject_unknown_fields(data, ORDER_FIELDS)
    order = Order(customer=customer, owner=customer.owner, **data)
    order.number = order.number or timezone.now().strftime("SO%Y%m%d-") + get_random_string(
        6, "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    )
    order.ordered_at = order.ordered_at or timezone.now()
    order.status = order.status or OrderStatus.COMPLETED
    built = _build_lines(order, lines)
    order.total = sum((line.amount for line in built), Decimal("0"))
    order.full_clean(exclude=["customer", "owner"])
    return order, built


@transaction.atomic
def create_order(actor, customer, data: dict, lines: list[dict]) -> Order:
    """An order with its lines; the total is the sum of the lines."""
    order, built = new_order(customer, data, lines)
    order.save()
    for line in built:
        line.order = order
    OrderLine.objects.bulk_create(built)
    audit.record(
        actor,
        audit.AuditEntry.Action.CREATE,
        order,
        customer_id=customer.pk,
        changes={"number": [None, order.number], "total": [None, str(order.total)]},
    )
    return order


@transaction.atomic
def update_order(actor, order: Order, data: dict, lines: list[dict] | None = None) -> Order:
    reject_unknown_fields(data, ORDER_FIELDS)
    before = audit.snapshot(order, [*ORDER_FIELDS, "total"])
    for field, value in data.items():
        setattr(order, field, value)
    if lines is not None:
        built = _build_lines(order, lines)
        order.total = sum((line.amount for line in built), Decimal("0"))
    # Validate before touching the lines: a total too large for its column fails here, with a
    # message, instead of in the database.
    order.full_clean(exclude=["customer", "owner"])
    if lines is not None:
        order.lines.all().delete()
        OrderLine.objects.bulk_create(built)
    order.save()
    audit.record_update(
        actor, order, before, [*ORDER_FIELDS, "total"], customer_id=order.customer_id
    )
    return order


@transaction.atomic
def delete_order(actor, order: Order) -> None:
    audit.record(
        actor,
        audit.AuditEntry.Action.DELETE,
        order,
        customer_id=order.customer_id,
        changes={"number": [order.number, None], "total": [str(order.total), None]},
    )
    order.delete()


class NewOrders:
    """Orders made by new_order, made ready to save when created (database values, audit
    entries), saved by save() in a few statements inside a short transaction, each audited as
    create_order audits one."""

    def __init__(self, actor, orders: list[tuple[Order, list[OrderLine]]]):
        self.orders = [order for order, _lines in orders]
        self.lines = [line for _order, lines in orders for line in lines]
        self.insert = BulkInsert(Order, self.orders)
        self.line_insert = BulkInsert(OrderLine, self.lines)
        self.audit = audit.ManyRecords(
            actor,
            audit.AuditEntry.Action.CREATE,
            Order,
            ({"number": [None, o.number], "total": [None, str(o.total)]} for o in self.orders),
        )

    @transaction.atomic
    def save(self) -> None:
        self.insert.execute()
        self.line_insert.set_column("order", [line.order.pk for line in self.lines])
        self.line_insert.execute()
        self.audit.save(self.orders, [order.customer_id for order in self.orders])
