"""Writes on quotes and contracts: lines with discounts and totals in Decimal, the quote's life
(send, accept into a contract, reject, expire), the contract's approval (the owner submits, a
manager whose scope covers the customer approves or rejects) and life (activate, complete,
terminate), an order made from an approved contract through guanxi.sales, and the contracts
moving with their customers in a transfer. Every write is audited; payment plans and payments
are in collections.py."""

import secrets
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guanxi.accounts.scope import require_approve_contract, require_change, visible_opportunities
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.formats.money import format_money
from guanxi.pipeline import services as pipeline
from guanxi.pipeline.models import Opportunity
from guanxi.pipeline.models import Status as OpportunityStatus
from guanxi.sales import services as sales
from guanxi.services_common import claim_version, reject_unknown_fields
from guanxi.validation import Errors, check_number_text, check_text, check_year

from .models import (
    OPEN_CONTRACT_STATUSES,
    Contract,
    ContractLine,
    ContractStatus,
    Instalment,
    InstalmentStatus,
    Quote,
    QuoteLine,
    QuoteStatus,
)

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_LINES = 50
MAX_NOTES = 5000
MAX_REASON = 500
QUOTE_FIELDS = ["contact", "opportunity", "quoted_on", "valid_until", "currency", "notes"]
CONTRACT_FIELDS = ["title", "signed_on", "start_on", "end_on", "currency"]
#: How long a new quote is valid, and when a contract's default single instalment falls due.
QUOTE_VALID_DAYS = 30
DEFAULT_TERM_DAYS = 30


def _number(prefix: str, model, day: date) -> str:
    """PREFIX + the day + "-" + 6 random digits, free at the time of asking (the unique column
    has the last word)."""
    while True:
        number = f"{prefix}{day:%Y%m%d}-{secrets.randbelow(10**6):06d}"
        if not model.objects.filter(number=number).exists():
            return number


# Lines -----------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = Decimal(str(check_number_text(value)).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def line_amount(unit_price: Decimal, quantity: int, discount: Decimal) -> Decimal:
    """unit price × quantity × (100 − discount) / 100, rounded half up to the cent.

    >>> line_amount(Decimal("19.99"), 3, Decimal("12.5"))
    Decimal('52.47')
    """
    return (unit_price * quantity * (HUNDRED - discount) / HUNDRED).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def build_lines(lines: list[dict], line_model, **parent) -> tuple[list, Decimal, Decimal]:
    """Unsaved lines of `line_model` from [{product, quantity, unit_price, discount}], with the
    list value (before discounts) and the total (after): every error at once on "lines"."""
    if not lines:
        raise ValidationError({"lines": [_("Add at least one line.")]})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": [_("At most %(n)d lines.") % {"n": MAX_LINES}]})
    built, errors = [], []
    for n, line in enumerate(lines, start=1):
        product = line.get("product")
        if product is None:
            errors.append(_("Line %(n)d: unknown product.") % {"n": n})
            continue
        quantity = sales._quantity(line.get("quantity", 1))
        if quantity is None:
            errors.append(
                sales.line_number_error(n, line.get("quantity", 1))
                or _("Line %(n)d: the quantity must be a whole number from 1 to %(max)s.")
                % {"n": n, "max": f"{sales.MAX_QUANTITY:,}"}
            )
            continue
        raw_price = line.get("unit_price")
        price = product.price if raw_price in (None, "") else _decimal(raw_price)
        if price is None or price < 0 or price > sales.MAX_MONEY:
            errors.append(
                sales.line_number_error(n, raw_price)
                or _("Line %(n)d: enter a unit price from 0 to %(max)s.")
                % {"n": n, "max": f"{sales.MAX_MONEY:,}"}
            )
            continue
        discount = _decimal(line.get("discount")) if line.get("discount") not in (None, "") else 0
        if discount is None or not 0 <= discount <= 100 or discount != round(discount, 2):
            errors.append(
                sales.line_number_error(n, line.get("discount"))
                or _("Line %(n)d: the discount is a per cent figure from 0 to 100.") % {"n": n}
            )
            continue
        price, discount = price.quantize(CENT), Decimal(discount).quantize(CENT)
        amount = line_amount(price, quantity, discount)
        if price * quantity > sales.MAX_MONEY:
            errors.append(_("Line %(n)d: the amount is too large.") % {"n": n})
            continue
        built.append(
            line_model(
                product=product,
                quantity=quantity,
                unit_price=price,
                discount=discount,
                amount=amount,
                **parent,
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    subtotal = sum((line.unit_price * line.quantity for line in built), Decimal("0"))
    total = sum((line.amount for line in built), Decimal("0"))
    if subtotal > sales.MAX_MONEY:
        raise ValidationError({"lines": [_("The total is too large.")]})
    return built, subtotal.quantize(CENT), total.quantize(CENT)


def _lines_summary(lines) -> list[str]:
    return [
        f"{line.product.sku} × {line.quantity} @ {line.unit_price} −{line.discount}%"
        for line in lines
    ]


def _date(errors: Errors, field: str, value, *, required: bool):
    if value in (None, ""):
        if required:
            errors.add(field, _("Enter a date."))
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            errors.add(field, _("Enter a date as YYYY-MM-DD."))
            return None
    if not isinstance(value, date):
        errors.add(field, _("Enter a date."))
        return None
    return errors.check(field, check_year, value)


# Quotes ----------------------------------------------------------------------------------


def _clean_quote(customer, data: dict, *, partial: bool) -> dict:
    reject_unknown_fields(data, QUOTE_FIELDS)
    errors = Errors()
    cleaned = {}
    if "contact" in data:
        contact = data["contact"]
        if contact is not None and contact.customer_id != customer.pk:
            errors.add("contact", _("Choose a contact of this customer."))
        cleaned["contact"] = contact
    if "opportunity" in data:
        # an opportunity of this customer, already found within the actor's scope by the caller
        opportunity = data["opportunity"]
        if opportunity is not None and opportunity.customer_id != customer.pk:
            errors.add("opportunity", _("Choose an opportunity of this customer."))
        cleaned["opportunity"] = opportunity
    for field in ("quoted_on", "valid_until"):
        if field in data or not partial:
            cleaned[field] = _date(errors, field, data.get(field), required=False)
    if "currency" in data or not partial:
        code = data.get("currency") or sales.DEFAULT_CURRENCY
        cleaned["currency"] = errors.check("currency", sales.check_currency, code)
    if "notes" in data:
        cleaned["notes"] = errors.check("notes", check_text, data["notes"], max_length=MAX_NOTES)
    errors.raise_any()
    return cleaned


def _check_quote_dates(quote: Quote) -> None:
    if quote.valid_until < quote.quoted_on:
        raise ValidationError(
            {"valid_until": [_("A quote cannot expire before the day it is made.")]}
        )


@transaction.atomic
def create_quote(actor, customer, data: dict, lines: list[dict]) -> Quote:
    """A draft quote for a customer the actor may change, numbered QT + date + serial; the
    totals are the lines' (list value and after discounts)."""
    require_change(actor, customer)
    cleaned = _clean_quote(customer, data, partial=False)
    today = timezone.localdate()
    quote = Quote(customer=customer, owner=customer.owner or actor, **cleaned)
    quote.quoted_on = quote.quoted_on or today
    quote.valid_until = quote.valid_until or quote.quoted_on + timedelta(days=QUOTE_VALID_DAYS)
    _check_quote_dates(quote)
    built, quote.subtotal, quote.total = build_lines(lines, QuoteLine)
    quote.number = _number("QT", Quote, quote.quoted_on)
    quote.save()
    for line in built:
        line.quote = quote
    QuoteLine.objects.bulk_create(built)
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        quote,
        changes={
            **audit.diff({}, audit.snapshot(quote, [*_QUOTE_TRAIL])),
            "lines": [None, _lines_summary(built)],
        },
    )
    return quote


_QUOTE_TRAIL = ["number", "quoted_on", "valid_until", "currency", "total", "status", "notes"]


@transaction.atomic
def update_quote(actor, quote: Quote, data: dict, lines: list[dict] | None = None, *, version=None):
    """Change a draft or sent quote (and replace its lines); accepted, rejected and expired
    quotes are history. `version` as everywhere (StaleEdit)."""
    require_change(actor, quote.customer)
    cleaned = _clean_quote(quote.customer, data, partial=True)
    before = audit.snapshot(quote, _QUOTE_TRAIL)
    claim_version(quote, version, {k: v for k, v in cleaned.items() if k != "contact"})
    quote.refresh_from_db(fields=["status"])
    if quote.status not in (QuoteStatus.DRAFT, QuoteStatus.SENT):
        raise ValidationError({"status": [_("Only a draft or sent quote can be changed.")]})
    for field, value in cleaned.items():
        setattr(quote, field, value)
    _check_quote_dates(quote)
    extra = {}
    if lines is not None:
        old = _lines_summary(quote.lines.select_related("product"))
        built, quote.subtotal, quote.total = build_lines(lines, QuoteLine, quote=quote)
        quote.lines.all().delete()
        QuoteLine.objects.bulk_create(built)
        if _lines_summary(built) != old:
            extra["lines"] = [old, _lines_summary(built)]
    quote.save()
    audit.record_update(actor, quote, before, _QUOTE_TRAIL, extra=extra)
    return quote


QUOTE_TRANSITIONS = {
    "send": ((QuoteStatus.DRAFT,), QuoteStatus.SENT),
    "accept": ((QuoteStatus.DRAFT, QuoteStatus.SENT), QuoteStatus.ACCEPTED),
    "reject": ((QuoteStatus.DRAFT, QuoteStatus.SENT), QuoteStatus.REJECTED),
}


def quote_action_labels() -> dict[str, str]:
    return {
        "send": _("Mark as sent"),
        "accept": _("Accepted: make a contract"),
        "reject": _("Rejected by the customer"),
    }


def quote_actions(quote: Quote) -> list[str]:
    """The actions the quote's status allows now."""
    return [name for name, (sources, _t) in QUOTE_TRANSITIONS.items() if quote.status in sources]


def _move_quote(actor, quote: Quote, action: str, version) -> None:
    require_change(actor, quote.customer)
    if action not in QUOTE_TRANSITIONS:
        raise ValidationError({"action": [_("Unknown action.")]})
    sources, target = QUOTE_TRANSITIONS[action]
    before = audit.snapshot(quote, ["status"])
    claim_version(quote, version, {"status": target})
    quote.refresh_from_db(fields=["status", "valid_until"])
    if quote.status not in sources:
        raise ValidationError(
            {
                "status": [
                    _("A quote that is %(status)s cannot be changed this way.")
                    % {"status": quote.get_status_display().lower()}
                ]
            }
        )
    if action == "accept" and quote.valid_until < timezone.localdate():
        raise ValidationError(
            {"status": [_("This quote is no longer valid: make a new one with today's prices.")]}
        )
    quote.status = target
    quote.save(update_fields=["status", "version", "updated_at"])
    audit.record_update(actor, quote, before, ["status"])


@transaction.atomic
def send_quote(actor, quote: Quote, *, version=None) -> Quote:
    """Draft → sent (the customer has it)."""
    _move_quote(actor, quote, "send", version)
    return quote


@transaction.atomic
def reject_quote(actor, quote: Quote, *, version=None) -> Quote:
    """The customer said no: draft or sent → rejected."""
    _move_quote(actor, quote, "reject", version)
    return quote


@transaction.atomic
def accept_quote(actor, quote: Quote, *, version=None) -> Contract:
    """The customer accepted a quote still valid: it becomes accepted and a draft contract is
    made from it (its lines copied, its total the contract amount, one instalment of the
    whole amount due in DEFAULT_TERM_DAYS, which the owner may split into a plan)."""
    _move_quote(actor, quote, "accept", version)
    lines = [
        {
            "product": line.product,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
        }
        for line in quote.lines.select_related("product")
    ]
    # the same in every language (whoever accepted it, a colleague may read it in another)
    title = f"{quote.number} · {quote.customer.name}"[:200]
    return create_contract(
        actor,
        quote.customer,
        {"title": title, "currency": quote.currency},
        lines,
        quote=quote,
    )


def expire_quotes(today: date | None = None) -> int:
    """What the daily job does: sent or draft quotes past their validity become expired
    (audited without an actor). Returns how many."""
    today = today or timezone.localdate()
    stale = list(
        Quote.objects.filter(
            status__in=(QuoteStatus.DRAFT, QuoteStatus.SENT), valid_until__lt=today
        ).select_related("customer")[:5000]
    )
    with transaction.atomic():
        for quote in stale:
            before = audit.snapshot(quote, ["status"])
            claim_version(quote, None, {})
            quote.status = QuoteStatus.EXPIRED
            quote.save(update_fields=["status", "updated_at"])
            audit.record_update(None, quote, before, ["status"])
    return len(stale)


# Contracts -------------------------------------------------------------------------------

_CONTRACT_TRAIL = [
    "number",
    "title",
    "signed_on",
    "start_on",
    "end_on",
    "amount",
    "currency",
    "status",
    "reject_reason",
    "end_reason",
]


def _clean_contract(data: dict, *, partial: bool) -> dict:
    reject_unknown_fields(data, CONTRACT_FIELDS)
    errors = Errors()
    cleaned = {}
    if "title" in data or not partial:
        cleaned["title"] = errors.check(
            "title", check_text, data.get("title"), max_length=200, multiline=False, required=True
        )
    for field in ("signed_on", "start_on", "end_on"):
        if field in data:
            cleaned[field] = _date(errors, field, data[field], required=False)
    if "currency" in data or not partial:
        code = data.get("currency") or sales.DEFAULT_CURRENCY
        cleaned["currency"] = errors.check("currency", sales.check_currency, code)
    errors.raise_any()
    return cleaned


def _check_contract_dates(contract: Contract) -> None:
    if contract.start_on and contract.end_on and contract.end_on < contract.start_on:
        raise ValidationError({"end_on": [_("A contract cannot end before it starts.")]})


@transaction.atomic
def create_contract(actor, customer, data: dict, lines: list[dict], *, quote=None) -> Contract:
    """A draft contract for a customer the actor may change (from an accepted quote or on its
    own), numbered CT + date + serial, with one instalment of the whole amount."""
    require_change(actor, customer)
    cleaned = _clean_contract(data, partial=False)
    today = timezone.localdate()
    contract = Contract(
        customer=customer, owner=customer.owner or actor, quote=quote, created_by=actor, **cleaned
    )
    _check_contract_dates(contract)
    if quote is not None:
        contract.opportunity_id = quote.opportunity_id
    built, _subtotal, contract.amount = build_lines(lines, ContractLine)
    contract.number = _number("CT", Contract, today)
    contract.save()
    for line in built:
        line.contract = contract
    ContractLine.objects.bulk_create(built)
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        contract,
        changes={
            **audit.diff({}, audit.snapshot(contract, _CONTRACT_TRAIL)),
            "quote": [None, quote.number if quote else None],
            "lines": [None, _lines_summary(built)],
        },
    )
    first = Instalment.objects.create(
        contract=contract,
        sequence=1,
        due_date=(contract.start_on or today) + timedelta(days=DEFAULT_TERM_DAYS),
        amount=contract.amount,
    )
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        first,
        customer_id=customer.pk,
        fields=["sequence", "due_date", "amount"],
    )
    return contract


@transaction.atomic
def update_contract(actor, contract: Contract, data: dict, *, version=None) -> Contract:
    """Change a contract's title, dates or currency while it is a draft or was rejected (an
    approved contract is what was approved)."""
    require_change(actor, contract.customer)
    cleaned = _clean_contract(data, partial=True)
    before = audit.snapshot(contract, _CONTRACT_TRAIL)
    claim_version(contract, version, cleaned)
    contract.refresh_from_db(fields=["status"])
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.REJECTED):
        raise ValidationError({"status": [_("Only a draft or rejected contract can be changed.")]})
    for field, value in cleaned.items():
        setattr(contract, field, value)
    _check_contract_dates(contract)
    contract.save()
    audit.record_update(actor, contract, before, _CONTRACT_TRAIL)
    return contract


#: action -> (from statuses, to status). approve / reject need require_approve_contract.
CONTRACT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": ((ContractStatus.DRAFT, ContractStatus.REJECTED), ContractStatus.PENDING),
    "approve": ((ContractStatus.PENDING,), ContractStatus.APPROVED),
    "reject": ((ContractStatus.PENDING,), ContractStatus.REJECTED),
    "activate": ((ContractStatus.APPROVED,), ContractStatus.ACTIVE),
    "complete": ((ContractStatus.ACTIVE,), ContractStatus.COMPLETED),
    "terminate": ((ContractStatus.APPROVED, ContractStatus.ACTIVE), ContractStatus.TERMINATED),
}


def contract_action_labels() -> dict[str, str]:
    return {
        "submit": _("Submit for approval"),
        "approve": _("Approve"),
        "reject": pgettext("contract approval", "Reject"),
        "activate": _("Activate"),
        "complete": _("Complete"),
        "terminate": _("Terminate"),
    }


def contract_actions(contract: Contract) -> list[str]:
    """The actions the contract's status allows now (who may do them is checked on doing)."""
    return [n for n, (sources, _t) in CONTRACT_TRANSITIONS.items() if contract.status in sources]


def _check_plan_complete(contract: Contract) -> None:
    planned = sum(
        contract.instalments.exclude(status=InstalmentStatus.VOID).values_list("amount", flat=True),
        Decimal("0"),
    )
    if planned != contract.amount:
        raise ValidationError(
            {
                "instalments": [
                    _(
                        "The payment plan adds up to %(planned)s but the contract is for "
                        "%(amount)s: correct the plan before submitting."
                    )
                    % {
                        "planned": format_money(planned, contract.currency),
                        "amount": format_money(contract.amount, contract.currency),
                    }
                ]
            }
        )


@transaction.atomic
def change_contract_status(
    actor, contract: Contract, action: str, *, reason: str = "", version=None
) -> Contract:
    """Move the contract by `action` (see CONTRACT_TRANSITIONS), audited.

    submit, activate, complete and terminate need write access to the customer; approve and
    reject a manager whose own scope covers the customer and who is not the owner (scope.
    require_approve_contract); reject and terminate need a reason. Submitting checks that the
    payment plan adds up to the amount; terminating voids the instalments not yet paid;
    activating wins the contract's opportunity if it is still open (the returned contract's
    `won_opportunity`, else None)."""
    from . import collections

    if action not in CONTRACT_TRANSITIONS:
        raise ValidationError({"action": [_("Unknown action.")]})
    if action in ("approve", "reject"):
        require_approve_contract(actor, contract)
    else:
        require_change(actor, contract.customer)
    errors = Errors()
    if action in ("reject", "terminate"):
        reason = errors.check(
            "reason", check_text, reason, max_length=MAX_REASON, multiline=False, required=True
        )
    errors.raise_any()
    sources, target = CONTRACT_TRANSITIONS[action]
    before = audit.snapshot(contract, _CONTRACT_TRAIL)
    claim_version(contract, version, {"status": target})
    contract.refresh_from_db(fields=["status", "amount", "owner"])
    if contract.status not in sources:
        raise ValidationError(
            {
                "status": [
                    _("A contract that is %(status)s cannot be changed by “%(action)s”.")
                    % {
                        "status": contract.get_status_display().lower(),
                        "action": contract_action_labels()[action],
                    }
                ]
            }
        )
    if action == "submit":
        _check_plan_complete(contract)
        contract.submitted_at, contract.submitted_by = timezone.now(), actor
        contract.reject_reason = ""
    if action in ("approve", "reject"):
        contract.decided_by, contract.decided_at = actor, timezone.now()
    if action == "reject":
        contract.reject_reason = reason.strip()
    if action == "activate" and contract.signed_on is None:
        contract.signed_on = timezone.localdate()
    if action == "activate" and contract.start_on is None:
        contract.start_on = timezone.localdate()
    if action == "terminate":
        contract.end_reason = reason.strip()
    contract.status = target
    contract.save()
    audit.record_update(actor, contract, before, _CONTRACT_TRAIL)
    if action == "terminate":
        collections.void_unpaid(actor, contract)
    elif action in ("submit", "approve", "reject"):
        # coming into force (or not): late instalments become overdue (or stop being)
        collections._allocate(actor, contract)
    contract.won_opportunity = _win_opportunity(actor, contract) if action == "activate" else None
    return contract


def _win_opportunity(actor, contract: Contract):
    """An activated contract closes the deal: its opportunity, when still open and the actor
    may change it, is won (pipeline.win_opportunity, audited there) at the amount of its
    accepted contracts. Returns it, or None when there was nothing to win: no opportunity, or
    one already won or lost (a closed opportunity keeps its figures)."""
    if contract.opportunity_id is None:
        return None
    still_open = visible_opportunities(
        actor,
        Opportunity.objects.filter(pk=contract.opportunity_id, status=OpportunityStatus.OPEN),
        write=True,
    )
    if not still_open.exists():
        return None
    return pipeline.win_opportunity(actor, contract.opportunity_id)


@transaction.atomic
def create_order_from_contract(actor, contract: Contract, *, version=None):
    """An order (guanxi.sales, audited there, counted by the analytics) with the contract's
    lines, for an approved or active contract that has none yet. A line's unit price on the
    order is the discounted one; the order's total may differ from the contract's amount by a
    few cents of rounding, which the contract keeps as agreed."""
    require_change(actor, contract.customer)
    claim_version(contract, version, {})
    contract.refresh_from_db(fields=["status", "order"])
    if contract.status not in (ContractStatus.APPROVED, ContractStatus.ACTIVE):
        raise ValidationError(
            {"status": [_("Only an approved or active contract can become an order.")]}
        )
    if contract.order_id is not None:
        raise ValidationError({"status": [_("This contract already has an order.")]})
    lines = [
        {
            "product": line.product,
            "quantity": line.quantity,
            "unit_price": (line.amount / line.quantity).quantize(CENT),
        }
        for line in contract.lines.select_related("product")
    ]
    order = sales.create_order(
        actor,
        contract.customer,
        {"status": "pending", "currency": contract.currency},
        lines,
    )
    before = {"order": None}
    contract.order = order
    contract.save(update_fields=["order", "version", "updated_at"])
    audit.record(
        actor,
        AuditEntry.Action.UPDATE,
        contract,
        changes=audit.diff(before, {"order": order.number}),
    )
    return order


def move_contracts(sender=None, *, actor, customer_ids, from_user, to_user, move, **kwargs):
    """Receiver of services_common.customers_transferred: with "contracts" in `move`, the open
    contracts of the customers (and their open quotes) go to `to_user`, audited as reassigned.
    Runs inside the transfer's transaction."""
    if "contracts" not in (move or ()):
        return 0
    contracts = list(
        Contract.objects.filter(customer_id__in=customer_ids, status__in=OPEN_CONTRACT_STATUSES)
        .exclude(owner=to_user)
        .select_related("customer")
    )
    for contract in contracts:
        before = {"owner_id": contract.owner_id}
        claim_version(contract, None, {})
        contract.owner = to_user
        contract.save(update_fields=["owner", "updated_at"])
        audit.record(
            actor,
            AuditEntry.Action.ASSIGN,
            contract,
            changes=audit.diff(before, {"owner_id": to_user.pk}),
        )
    quotes = list(
        Quote.objects.filter(
            customer_id__in=customer_ids, status__in=(QuoteStatus.DRAFT, QuoteStatus.SENT)
        ).exclude(owner=to_user)
    )
    for quote in quotes:
        before = {"owner_id": quote.owner_id}
        claim_version(quote, None, {})
        quote.owner = to_user
        quote.save(update_fields=["owner", "updated_at"])
        audit.record(
            actor,
            AuditEntry.Action.ASSIGN,
            quote,
            changes=audit.diff(before, {"owner_id": to_user.pk}),
        )
    return len(contracts)
