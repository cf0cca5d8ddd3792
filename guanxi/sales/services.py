"""Writes on products and orders. Money is Decimal, CNY by default.

The rules for every door (pages, API, order import) are here: text a database can store,
dates within the years a CRM deals with, quantities and amounts that fit their columns,
currencies from a fixed list of ISO 4217 codes; all errors of an input at once, per field.
Every write is recorded in the audit trail.
"""

import re
import secrets
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.scope import require_change, require_manage, scoped
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.bulk import BulkInsert
from guanxi.formats.money import format_money
from guanxi.services_common import claim_version, reject_unknown_fields
from guanxi.validation import Errors, check_number_text, check_text, check_year

from .models import Order, OrderLine, OrderStatus, Product, Refund, RefundLine

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
# What an order edit may change: the number is given once (see create_order).
ORDER_EDITABLE = ["ordered_at", "status", "currency"]
CENT = Decimal("0.01")
# The money columns hold 14 digits, 2 after the point: amounts below one trillion.
MAX_MONEY = Decimal("999999999999.99")
MAX_QUANTITY = 1_000_000
MAX_FAB = 5000
DEFAULT_CURRENCY = "CNY"
# ISO 4217 codes an order or a product may be in (DEFAULT_CURRENCY first).
CURRENCIES = (
    "CNY",
    "HKD",
    "MOP",
    "TWD",
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "KRW",
    "SGD",
    "AUD",
    "CAD",
    "CHF",
    "NZD",
    "THB",
    "MYR",
    "VND",
    "RUB",
    "INR",
    "AED",
)
# The numbers this system (and the demo) gives: SO + date + "-" + letters and digits.
_SYSTEM_NUMBER = re.compile(r"^SO\d{8}-[0-9A-Z]+$")
NUMBER_DIGITS = 8


def order_number(placed, serial: int) -> str:
    """The one numbering format for orders: SO + the day placed + "-" + an 8-digit serial.

    `placed` is when the order was placed (an aware datetime is read in the site's time zone)
    or that local day: an order placed on 30 November at 06:27 in Shanghai (29 November 22:27
    UTC) is SO20261130-…. The demo passes the order's id as the serial, new orders a random one.
    """
    if isinstance(placed, datetime) and timezone.is_aware(placed):
        placed = timezone.localtime(placed)
    return f"SO{placed.year:04d}{placed.month:02d}{placed.day:02d}-{serial:08d}"


def _new_order_number(ordered_at) -> str:
    """A free number for `ordered_at` (random serial; the unique column has the last word)."""
    while True:
        number = order_number(ordered_at, secrets.randbelow(10**NUMBER_DIGITS))
        if not Order.objects.filter(number=number).exists():
            return number


def _money(value, field: str) -> Decimal:
    try:
        value = check_number_text(value)
    except ValueError as exc:
        raise ValidationError({field: [str(exc)]}) from exc
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError(
            {field: [_("“%(value)s” is not an amount of money.") % {"value": value}]}
        ) from exc
    if amount < 0:
        raise ValidationError({field: [_("An amount cannot be negative.")]})
    if amount > MAX_MONEY:
        raise ValidationError({field: [_too_large()]})
    return amount


def _too_large() -> str:
    return _("Enter an amount of at most %(max)s.") % {"max": f"{MAX_MONEY:,}"}


def check_currency(value) -> str:
    """An ISO 4217 code from CURRENCIES (upper case), else ValueError."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in CURRENCIES:
        raise ValueError(_("Choose a currency from: %(codes)s.") % {"codes": ", ".join(CURRENCIES)})
    return code


def _clean_product(data: dict, *, partial: bool) -> dict:
    errors = Errors()
    cleaned = dict(data)
    for field, max_length in [("sku", 64), ("name", 200), ("category", 100)]:
        if field in data or (not partial and field != "category"):
            cleaned[field] = errors.check(
                field,
                check_text,
                data.get(field),
                max_length=max_length,
                multiline=False,
                required=field != "category",
            )
    for field in ("features", "advantages", "benefits"):
        if field in data:
            cleaned[field] = errors.check(field, check_text, data[field], max_length=MAX_FAB)
    if ("price" in data or not partial) and data.get("price") in (None, ""):
        errors.add("price", _("Enter a price."))
    elif "price" in data:
        try:
            cleaned["price"] = _money(data.get("price"), "price")
        except ValidationError as exc:
            for message in exc.message_dict["price"]:
                errors.add("price", message)
    if "currency" in data and data["currency"] not in (None, ""):
        cleaned["currency"] = errors.check("currency", check_currency, data["currency"])
    elif "currency" in data:
        cleaned["currency"] = DEFAULT_CURRENCY
    errors.raise_any()
    return cleaned


@transaction.atomic
def create_product(actor, data: dict) -> Product:
    reject_unknown_fields(data, PRODUCT_FIELDS)
    product = Product(**_clean_product(data, partial=False))
    product.full_clean()
    product.save()
    audit.record(actor, AuditEntry.Action.CREATE, product, fields=PRODUCT_FIELDS)
    return product


@transaction.atomic
def update_product(actor, product: Product, data: dict, *, version: int | None = None) -> Product:
    """Change a product. With `version` (the one the editor started from), an edit made on an
    older version than the stored one raises StaleEdit instead of overwriting it."""
    reject_unknown_fields(data, PRODUCT_FIELDS)
    data = _clean_product(data, partial=True)
    before = audit.snapshot(product, PRODUCT_FIELDS)
    claim_version(product, version, data)
    for field, value in data.items():
        setattr(product, field, value)
    product.full_clean()
    product.save()
    audit.record_update(actor, product, before, PRODUCT_FIELDS)
    return product


@transaction.atomic
def delete_product(actor, product: Product) -> None:
    """Delete a product no record uses; one on orders, quotes or contracts stays for the books.

    Quote and contract lines live in a domain above this one, so their PROTECT foreign keys
    answer here as ProtectedError rather than being asked for by name.
    """
    in_use = ValidationError(
        _(
            "This product appears on orders, quotes or contracts and cannot be deleted; "
            "mark it inactive instead."
        )
    )
    if product.order_lines.exists():
        raise in_use
    audit.record(actor, AuditEntry.Action.DELETE, product, fields=PRODUCT_FIELDS)
    try:
        product.delete()
    except ProtectedError as exc:
        raise in_use from exc


def line_number_error(n: int, value) -> str | None:
    """ "Line n: …" with validation.check_number_text's message if it refuses `value` ("1_0"),
    naming the value, rather than the line's general message for a bad number; else None."""
    try:
        check_number_text(value)
    except ValueError as exc:
        return _("Line %(n)d: %(error)s") % {"n": n, "error": str(exc)}
    return None


def _build_lines(order: Order, lines: list[dict]) -> list[OrderLine]:
    if not lines:
        raise ValidationError({"lines": [_("An order needs at least one line.")]})
    built, errors = [], []
    for index, line in enumerate(lines, start=1):
        product = line.get("product")
        if product is None:
            errors.append(_("Line %(n)d: unknown product.") % {"n": index})
            continue
        quantity = _quantity(line.get("quantity", 1))
        if quantity is None:
            errors.append(
                line_number_error(index, line.get("quantity", 1))
                or _("Line %(n)d: the quantity must be a whole number from 1 to %(max)s.")
                % {"n": index, "max": f"{MAX_QUANTITY:,}"}
            )
            continue
        price = line.get("unit_price")
        try:
            unit_price = product.price if price in (None, "") else _money(price, "unit_price")
        except ValidationError as exc:
            errors.extend(
                _("Line %(n)d: %(error)s") % {"n": index, "error": message}
                for message in exc.message_dict["unit_price"]
            )
            continue
        amount = (unit_price * quantity).quantize(CENT)
        if amount > MAX_MONEY:
            errors.append(_("Line %(n)d: %(error)s") % {"n": index, "error": _too_large()})
            continue
        built.append(
            OrderLine(
                order=order,
                product=product,
                quantity=quantity,
                unit_price=unit_price,
                amount=amount,
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    total = sum((line.amount for line in built), Decimal("0"))
    if total > MAX_MONEY:
        raise ValidationError(
            {"lines": [_("The order's total is too large. %(error)s") % {"error": _too_large()}]}
        )
    return built


def _quantity(value) -> int | None:
    """A whole number of pieces within 1..MAX_QUANTITY (2, "2", 2.0, Decimal("2")), or None."""
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(check_number_text(value)).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    if not 1 <= number <= MAX_QUANTITY:
        return None
    return int(number)


def _clean_order(data: dict) -> dict:
    errors = Errors()
    cleaned = dict(data)
    if data.get("number") not in (None, ""):
        cleaned["number"] = errors.check(
            "number", check_text, data["number"], max_length=64, multiline=False, required=True
        )
    if data.get("ordered_at") not in (None, ""):
        cleaned["ordered_at"] = errors.check("ordered_at", check_year, data["ordered_at"])
    if "status" in data and data["status"] not in OrderStatus.values:
        errors.add(
            "status",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(OrderStatus.values)},
        )
    if data.get("currency") not in (None, ""):
        cleaned["currency"] = errors.check("currency", check_currency, data["currency"])
    errors.raise_any()
    return cleaned


def check_order_number(actor, number: str) -> None:
    """A chosen order number (imports keep the other system's numbers) must be unused; else
    ValidationError on "number". The order import should ask this instead of looking numbers
    up itself.

    The answer reveals nothing outside the caller's data scope: a clash with an order the
    caller can see names it; a clash with any other order, and any number in this system's
    own format (which only the system gives), get one and the same refusal, so it cannot be
    used to learn which numbers other teams' orders have. One query when the number is free.
    """
    clash = Order.objects.filter(number=number)
    if clash.exists():
        if actor is not None and scoped(actor, clash, via="customer").exists():
            raise ValidationError(
                {"number": [_("Order %(number)s already exists.") % {"number": number}]}
            )
    elif not _SYSTEM_NUMBER.match(number):
        return
    raise ValidationError(
        {
            "number": [
                _("This order number cannot be used; leave it empty and the system gives one.")
            ]
        }
    )


def new_order(
    customer, data: dict, lines: list[dict], *, actor=None
) -> tuple[Order, list[OrderLine]]:
    """An unsaved order and its lines, checked exactly as create_order checks them (imports
    check a whole file with this before writing, then save the lot with NewOrders).

    The number is given by the system unless `data` has one (imports keep the numbers of the
    system they come from; pages and the API do not take one): a given number is checked with
    check_order_number for `actor`, so the answer reveals nothing outside their scope."""
    reject_unknown_fields(data, ORDER_FIELDS)
    data = _clean_order(data)
    order = Order(customer=customer, owner=customer.owner, **data)
    if order.number:
        check_order_number(actor, order.number)
    order.ordered_at = order.ordered_at or timezone.now()
    if not order.number and isinstance(order.ordered_at, datetime):
        order.number = _new_order_number(order.ordered_at)
    order.status = order.status or OrderStatus.COMPLETED
    order.currency = order.currency or DEFAULT_CURRENCY
    built = _build_lines(order, lines)
    order.total = sum((line.amount for line in built), Decimal("0"))
    order.full_clean(exclude=["customer", "owner", "number"])
    return order, built


def _created_changes(order: Order, lines: list[OrderLine]) -> dict:
    """What the audit trail records of a new order: its fields and a summary of its lines."""
    return {
        **audit.diff({}, audit.snapshot(order, [*ORDER_FIELDS, "total"])),
        "lines": [None, _lines_summary(lines)],
    }


@transaction.atomic
def create_order(actor, customer, data: dict, lines: list[dict]) -> Order:
    """An order with its lines; the total is the sum of the lines (see new_order)."""
    order, built = new_order(customer, data, lines, actor=actor)
    order.save()
    for line in built:
        line.order = order
    OrderLine.objects.bulk_create(built)
    audit.record(actor, AuditEntry.Action.CREATE, order, changes=_created_changes(order, built))
    return order


def _lines_summary(lines: list[OrderLine]) -> list[str]:
    return [f"{line.product.sku} × {line.quantity} @ {line.unit_price}" for line in lines]


@transaction.atomic
def update_order(
    actor, order: Order, data: dict, lines: list[dict] | None = None, *, version=None
) -> Order:
    """Change an order (and replace its lines). With `version` (the one the editor started
    from), an edit made on an older version than the stored one raises StaleEdit.

    Lines change only while the order is pending (the same checks as create_order). A new
    status (the API's PATCH, the list's bulk action) must be a step TRANSITIONS allows from the
    current one, except cancelling (its own action, with a reason) and refunding (refund_order);
    an order with refunds keeps its status (refund_order sets it)."""
    reject_unknown_fields(data, ORDER_FIELDS)
    if "number" in data and data["number"] != order.number:
        raise ValidationError({"number": [_("An order's number cannot be changed.")]})
    if lines is not None and order.status != OrderStatus.PENDING:
        raise ValidationError({"lines": [_("Only a pending order's lines can be changed.")]})
    if order.refunded_total and data.get("status", order.status) != order.status:
        raise ValidationError(
            {"status": [_("An order with refunds changes its status only by its refunds.")]}
        )
    data = _clean_order({k: v for k, v in data.items() if k != "number"})
    if data.get("status", order.status) != order.status:
        _check_edit_step(order, data["status"])
    before = audit.snapshot(order, [*ORDER_FIELDS, "total"])
    claim_version(order, version, data)  # first, so a stale edit reads nothing
    old_lines = _lines_summary(list(order.lines.select_related("product")))
    for field, value in data.items():
        setattr(order, field, value)
    if lines is not None:
        built = _build_lines(order, lines)
        order.total = sum((line.amount for line in built), Decimal("0"))
    # Validate before touching the lines: a total too large for its column fails here, with a
    # message, instead of in the database.
    order.full_clean(exclude=["customer", "owner"])
    extra = {}
    if lines is not None:
        order.lines.all().delete()
        OrderLine.objects.bulk_create(built)
        if _lines_summary(built) != old_lines:
            extra["lines"] = [old_lines, _lines_summary(built)]
    order.save()
    audit.record_update(actor, order, before, [*ORDER_FIELDS, "total"], extra=extra)
    return order


def company_name() -> str:
    """The seller's name on printed orders: the COMPANY_NAME setting when a deployment sets
    one, else the top of the organisation chart (the demo's 茗香茶业总部), else Guanxi."""
    from django.conf import settings

    from guanxi.accounts.models import Department

    named = getattr(settings, "COMPANY_NAME", "")
    if named:
        return named
    top = Department.objects.filter(parent=None).order_by("id").values_list("name", flat=True)
    return top.first() or "Guanxi"


def company_details() -> dict[str, str]:
    """The seller (乙方) as printed on a contract: its name (company_name), and the
    COMPANY_ADDRESS and COMPANY_PHONE settings ("" when a deployment sets none)."""
    from django.conf import settings

    return {
        "name": company_name(),
        "address": getattr(settings, "COMPANY_ADDRESS", ""),
        "phone": getattr(settings, "COMPANY_PHONE", ""),
    }


# The life of an order ----------------------------------------------------------------------

#: Every status change an order may make through its actions: action -> (from, to). Anything
#: else is refused with a message naming what the order's status allows. A refund in full
#: (refund_order) is the only way to "refunded", from REFUNDABLE.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "confirm": ((OrderStatus.PENDING,), OrderStatus.PAID),
    "ship": ((OrderStatus.PAID,), OrderStatus.SHIPPED),
    "complete": ((OrderStatus.SHIPPED,), OrderStatus.COMPLETED),
    # only before shipping, and with a reason
    "cancel": ((OrderStatus.PENDING, OrderStatus.PAID), OrderStatus.CANCELLED),
}
#: Orders whose money has been received: they may be refunded, in part or in full.
REFUNDABLE = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED)
MAX_REASON = 500


def action_labels() -> dict[str, str]:
    """The actions' names in the user's language (buttons, messages)."""
    return {
        "confirm": _("Confirm payment"),
        "ship": _("Ship"),
        "complete": _("Complete"),
        "cancel": _("Cancel order"),
    }


def allowed_actions(order: Order) -> list[str]:
    """The actions the order's status allows now, in the table's order."""
    return [
        name
        for name, (sources, _to) in TRANSITIONS.items()
        if order.status in sources and not (name == "cancel" and order.refunded_total)
    ]


def _status_label(status: str) -> str:
    return str(OrderStatus(status).label)


#: The statuses an edit may move an order to (the steps of TRANSITIONS that need no reason).
EDIT_TARGETS = tuple(
    target for action, (_sources, target) in TRANSITIONS.items() if action != "cancel"
)


def _check_edit_step(order: Order, target: str) -> None:
    """Refuse a status an edit asks for unless TRANSITIONS allows that step from the order's
    status: a plain edit never reopens a cancelled order, skips payment, or cancels or refunds
    one without its action (a reason, a refund record)."""
    steps = {
        to: action
        for action, (sources, to) in TRANSITIONS.items()
        if order.status in sources and action != "cancel"
    }
    if target in steps:
        return
    if target == OrderStatus.CANCELLED:
        message = _("To cancel an order use its “Cancel order” action, which asks for a reason.")
    elif target == OrderStatus.REFUNDED:
        message = _("An order becomes refunded by refunding it in full (its “Refund” action).")
    else:
        message = _("A %(status)s order cannot become %(target)s; its next steps: %(allowed)s.") % {
            "status": _status_label(order.status),
            "target": _status_label(target),
            "allowed": ", ".join(action_labels()[a] for a in allowed_actions(order))
            or _("nothing"),
        }
    raise ValidationError({"status": [message]})


@transaction.atomic
def change_status(actor, order: Order, action: str, *, reason: str = "", version=None) -> Order:
    """Move the order along TRANSITIONS by `action` (confirm, ship, complete, cancel), audited.

    The actor needs write access to the order's customer (scope); a cancel needs a reason.
    With `version` (the one the user saw) a change made meanwhile raises StaleEdit. Refused
    with a ValidationError on "status" when the order's status does not allow the action."""
    require_change(actor, order.customer)
    if action not in TRANSITIONS:
        raise ValidationError(
            {"action": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(TRANSITIONS)}]}
        )
    sources, target = TRANSITIONS[action]
    errors = Errors()
    if action == "cancel":
        reason = errors.check(
            "reason", check_text, reason, max_length=MAX_REASON, multiline=False, required=True
        )
    errors.raise_any()
    reason = (reason or "").strip()
    before = audit.snapshot(order, ["status", "cancel_reason"])
    claim_version(order, version, {"status": target})
    order.refresh_from_db(fields=["status", "refunded_total"])
    if order.status not in sources:
        raise ValidationError(
            {
                "status": [
                    _("A %(status)s order cannot be changed by “%(action)s”; allowed: %(allowed)s.")
                    % {
                        "status": _status_label(order.status),
                        "action": action_labels()[action],
                        "allowed": ", ".join(action_labels()[a] for a in allowed_actions(order))
                        or _("nothing"),
                    }
                ]
            }
        )
    if action == "cancel" and order.refunded_total:
        # Money has gone back already: what is left is refunded, not cancelled (a cancelled
        # order with a refund would count neither as a sale nor as fully given back).
        raise ValidationError(
            {
                "status": [
                    _(
                        "This order has been refunded in part: refund the rest instead of "
                        "cancelling it."
                    )
                ]
            }
        )
    order.status = target
    if action == "cancel":
        order.cancel_reason = reason
    order.save(update_fields=["status", "cancel_reason", "version", "updated_at"])
    audit.record_update(actor, order, before, ["status", "cancel_reason"])
    return order


def returnable(order: Order) -> dict[int, int]:
    """{order line id: pieces that may still be returned} (ordered less already returned)."""
    from django.db.models import Sum

    returned = dict(
        RefundLine.objects.filter(line__order=order)
        .values("line")
        .annotate(n=Sum("quantity"))
        .values_list("line", "n")
    )
    return {line.pk: line.quantity - (returned.get(line.pk) or 0) for line in order.lines.all()}


def _refund_lines(order: Order, quantities: dict, errors: Errors) -> list[tuple[OrderLine, int]]:
    """The returned (line, pieces) from {line id: pieces}; errors per line on "lines"."""
    lines = {line.pk: line for line in order.lines.select_related("product")}
    left = returnable(order)
    chosen = []
    for key, raw in quantities.items():
        line = lines.get(int(key)) if str(key).isdigit() else None
        if line is None:
            errors.add("lines", _("Line %(id)s is not a line of this order.") % {"id": key})
            continue
        if raw in (None, "", 0, "0"):
            continue
        pieces = _quantity(raw)
        if pieces is None or pieces > left[line.pk]:
            errors.add(
                "lines",
                _("%(product)s: return a whole number of at most %(left)d pieces.")
                % {"product": line.product.name, "left": left[line.pk]},
            )
            continue
        chosen.append((line, pieces))
    return chosen


@transaction.atomic
def refund_order(
    actor,
    order: Order,
    *,
    reason: str,
    lines: dict | None = None,
    amount=None,
    refunded_on=None,
    version=None,
) -> Refund:
    """Refund an order in part or in full, with goods returned or money only, audited.

    `lines`: {order line id: pieces returned} (at most what was ordered less what was
    returned before); `amount`: the money given back, by default what the returned pieces
    cost. Never more than the order's net total (what was paid and not yet refunded). The
    order's refunded_total goes up by the amount; refunded to nothing left, it is "refunded".
    Needs write access to the customer; `version` as for change_status."""
    require_change(actor, order.customer)
    errors = Errors()
    reason = errors.check(
        "reason", check_text, reason, max_length=MAX_REASON, multiline=False, required=True
    )
    if refunded_on in (None, ""):
        refunded_on = timezone.localdate()
    elif not isinstance(refunded_on, date) or isinstance(refunded_on, datetime):
        errors.add("refunded_on", _("Enter a date."))
    elif refunded_on > timezone.localdate():
        errors.add("refunded_on", _("A refund cannot be dated in the future."))
    else:
        refunded_on = errors.check("refunded_on", check_year, refunded_on)
    errors.raise_any()
    reason = reason.strip()
    claim_version(order, version, {})
    order.refresh_from_db(fields=["status", "total", "refunded_total"])
    if order.status not in REFUNDABLE:
        raise ValidationError(
            {
                "status": [
                    _(
                        "A %(status)s order cannot be refunded; only paid, shipped or completed ones."
                    )
                    % {"status": _status_label(order.status)}
                ]
            }
        )
    chosen = _refund_lines(order, lines or {}, errors)
    if amount in (None, ""):
        amount = sum((line.unit_price * n for line, n in chosen), Decimal("0")).quantize(CENT)
        if not chosen and not errors:
            errors.add("amount", _("Enter the amount refunded or the pieces returned."))
    else:
        try:
            amount = _money(amount, "amount")
        except ValidationError as exc:
            for message in exc.message_dict["amount"]:
                errors.add("amount", message)
            amount = None
    if amount is not None and not errors:
        if amount <= 0:
            errors.add("amount", _("A refund must be more than zero."))
        elif amount > order.net_total:
            errors.add(
                "amount",
                _("At most %(left)s can be refunded (the total less earlier refunds).")
                % {"left": format_money(order.net_total, order.currency)},
            )
    errors.raise_any()
    before = audit.snapshot(order, ["status", "refunded_total"])
    refund = Refund.objects.create(
        order=order, amount=amount, reason=reason, refunded_on=refunded_on, created_by=actor
    )
    RefundLine.objects.bulk_create(
        RefundLine(refund=refund, line=line, quantity=n) for line, n in chosen
    )
    order.refunded_total += amount
    if order.refunded_total >= order.total:
        order.status = OrderStatus.REFUNDED
    order.save(update_fields=["status", "refunded_total", "version", "updated_at"])
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        refund,
        customer_id=order.customer_id,
        changes={
            "order": [None, order.number],
            "amount": [None, str(amount)],
            "reason": [None, reason],
            "refunded_on": [None, refunded_on.isoformat()],
            "lines": [
                None,
                [f"{line.product.sku} × {n} @ {line.unit_price}" for line, n in chosen],
            ],
        },
    )
    audit.record_update(actor, order, before, ["status", "refunded_total"])
    return refund


@transaction.atomic
def delete_order(actor, order: Order) -> None:
    """Delete an order with its lines: only the customer's owner side (scope.require_manage) —
    an order is money received, not a collaborator's to remove."""
    require_manage(
        actor,
        order.customer,
        _("Only the customer's owner or a colleague whose data scope covers it may delete orders."),
    )
    audit.record(actor, AuditEntry.Action.DELETE, order, fields=[*ORDER_FIELDS, "total"])
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
            (_created_changes(order, lines) for order, lines in orders),
        )

    @transaction.atomic
    def save(self) -> None:
        self.insert.execute()
        self.line_insert.set_column("order", [line.order.pk for line in self.lines])
        self.line_insert.execute()
        self.audit.save(self.orders, [order.customer_id for order in self.orders])
