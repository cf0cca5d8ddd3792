"""Quotes, contracts, payment plans, payments and collections over the API. Each record is
visible and writable exactly when its customer is (guanxi.accounts.scope); approving a
contract and confirming a payment are a manager's, never the asker's own."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Status

from guanxi.accounts.scope import get_contract_record_or_404, get_customer_or_404
from guanxi.api_common import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    Limit,
    Offset,
    paginate,
    text,
)
from guanxi.customers.api import owner_out
from guanxi.customers.models import Contact
from guanxi.sales.models import Product

from . import collections, queries, services
from .models import (
    Contract,
    ContractStatus,
    Instalment,
    Payment,
    PaymentStatus,
    Quote,
    QuoteStatus,
)
from .schemas import (
    CollectionsOut,
    ContractIn,
    ContractOut,
    ContractPage,
    ContractPatch,
    ContractVersionIn,
    InstalmentOut,
    InstalmentPlanIn,
    PaymentIn,
    PaymentOut,
    PaymentPage,
    QuoteIn,
    QuoteOut,
    QuotePage,
    QuotePatch,
    ReasonIn,
)

router = Router(tags=["contracts"])
Choice = text(20)


def _lines_out(lines, currency: str) -> list[dict]:
    return [
        {
            "product_id": line.product_id,
            "product_name": line.product.name,
            "sku": line.product.sku,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "amount": line.amount,
            "currency": currency,
        }
        for line in lines
    ]


def _lines_in(lines) -> list[dict]:
    products = Product.objects.in_bulk([line.product_id for line in lines])
    return [
        {
            "product": products.get(line.product_id),
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
        }
        for line in lines
    ]


def quote_out(quote: Quote) -> dict:
    contract = getattr(quote, "contract", None)
    return {
        **{
            f: getattr(quote, f)
            for f in (
                "number",
                "contact_id",
                "opportunity_id",
                "quoted_on",
                "valid_until",
                "currency",
                "subtotal",
                "total",
                "notes",
                "status",
                "version",
                "customer_id",
            )
        },
        "id": quote.pk,
        "customer_name": quote.customer.name,
        "owner": owner_out(quote.owner),
        "contract_id": contract.pk if contract else None,
        "lines": _lines_out(quote.lines.all(), quote.currency),
    }


def contract_out(contract: Contract) -> dict:
    return {
        **{
            f: getattr(contract, f)
            for f in (
                "number",
                "customer_id",
                "quote_id",
                "opportunity_id",
                "order_id",
                "title",
                "signed_on",
                "start_on",
                "end_on",
                "amount",
                "received",
                "outstanding",
                "currency",
                "status",
                "reject_reason",
                "end_reason",
                "submitted_at",
                "decided_at",
                "version",
            )
        },
        "id": contract.pk,
        "customer_name": contract.customer.name,
        "owner": owner_out(contract.owner),
        "decided_by": owner_out(contract.decided_by),
        "lines": _lines_out(contract.lines.all(), contract.currency),
    }


def instalment_out(inst: Instalment) -> dict:
    return {
        **{
            f: getattr(inst, f)
            for f in (
                "contract_id",
                "sequence",
                "due_date",
                "amount",
                "received",
                "outstanding",
                "status",
                "paid_on",
                "days_late",
            )
        },
        "id": inst.pk,
        "contract_number": inst.contract.number,
        "currency": inst.contract.currency,
        "customer_id": inst.contract.customer_id,
        "customer_name": inst.contract.customer.name,
    }


def payment_out(payment: Payment) -> dict:
    return {
        **{
            f: getattr(payment, f)
            for f in (
                "contract_id",
                "customer_id",
                "received_on",
                "amount",
                "method",
                "reference",
                "status",
                "confirmed_at",
                "void_reason",
                "version",
            )
        },
        "id": payment.pk,
        "contract_number": payment.contract.number,
        "currency": payment.contract.currency,
        "recorded_by": owner_out(payment.recorded_by),
        "confirmed_by": owner_out(payment.confirmed_by),
    }


def _choice(name: str, value, allowed) -> None:
    if value and value not in allowed:
        raise ValidationError(
            {name: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}]}
        )


def _contact(customer, contact_id):
    if contact_id is None:
        return None
    contact = Contact.objects.filter(pk=contact_id, customer=customer).first()
    if contact is None:
        raise ValidationError({"contact_id": [_("Choose a contact of this customer.")]})
    return contact


# Quotes ------------------------------------------------------------------------------------


def _quote(user, pk, *, write=False) -> Quote:
    qs = Quote.objects.select_related("customer", "owner__profile", "contract")
    return get_contract_record_or_404(user, qs.prefetch_related("lines__product"), pk, write=write)


@router.get("/quotes", response={200: QuotePage, **READ_ERRORS})
def list_quotes(
    request,
    limit: Limit = 25,
    offset: Offset = 0,
    status: Choice | None = None,
    customer_id: Id | None = None,
):
    """Quotes of the customers in the caller's scope, newest first (filters: `status` draft,
    sent, accepted, rejected, expired; `customer_id`)."""
    _choice("status", status, QuoteStatus.values)
    qs = queries.quotes(request.user)
    if status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    qs = qs.select_related("contract").prefetch_related("lines__product")
    return paginate(qs, limit, offset, quote_out)


@router.post("/quotes", response={201: QuoteOut, **WRITE_ERRORS})
def create_quote(request, payload: QuoteIn):
    """A draft quote for a customer the caller may change; totals computed from the lines
    (unit price × quantity less the discount per cent, to the cent)."""
    customer = get_customer_or_404(request.user, payload.customer_id)
    data = payload.dict(exclude={"customer_id", "contact_id", "opportunity_id", "lines"})
    data["contact"] = _contact(customer, payload.contact_id)
    if payload.opportunity_id is not None:
        data["opportunity"] = queries.customer_opportunity(
            request.user, customer, payload.opportunity_id, field="opportunity_id"
        )
    quote = services.create_quote(request.user, customer, data, _lines_in(payload.lines))
    return Status(201, quote_out(_quote(request.user, quote.pk)))


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **ONE_ERRORS})
def get_quote(request, quote_id: Id):
    """One quote of a customer the caller sees, with its lines and totals, or 404."""
    return quote_out(_quote(request.user, quote_id))


@router.patch("/quotes/{quote_id}", response={200: QuoteOut, **WRITE_ERRORS})
def update_quote(request, quote_id: Id, payload: QuotePatch):
    """Change a draft or sent quote (the fields sent; `lines` replaces them all)."""
    quote = _quote(request.user, quote_id, write=True)
    data = payload.dict(exclude_unset=True, exclude={"version", "lines", "contact_id"})
    if "contact_id" in payload.model_fields_set:
        data["contact"] = _contact(quote.customer, payload.contact_id)
    lines = _lines_in(payload.lines) if payload.lines is not None else None
    services.update_quote(request.user, quote, data, lines, version=payload.version)
    return quote_out(_quote(request.user, quote_id))


@router.post("/quotes/{quote_id}/send", response={200: QuoteOut, **WRITE_ERRORS})
def send_quote(request, quote_id: Id, payload: ContractVersionIn):
    """Mark a draft quote as sent to the customer."""
    services.send_quote(
        request.user, _quote(request.user, quote_id, write=True), version=payload.version
    )
    return quote_out(_quote(request.user, quote_id))


@router.post("/quotes/{quote_id}/accept", response={201: ContractOut, **WRITE_ERRORS})
def accept_quote(request, quote_id: Id, payload: ContractVersionIn):
    """The customer accepted a quote still valid: a draft contract is made from it."""
    quote = _quote(request.user, quote_id, write=True)
    contract = services.accept_quote(request.user, quote, version=payload.version)
    return Status(201, contract_out(_contract(request.user, contract.pk)))


@router.post("/quotes/{quote_id}/reject", response={200: QuoteOut, **WRITE_ERRORS})
def reject_quote(request, quote_id: Id, payload: ContractVersionIn):
    """The customer turned the quote down."""
    services.reject_quote(
        request.user, _quote(request.user, quote_id, write=True), version=payload.version
    )
    return quote_out(_quote(request.user, quote_id))


# Contracts -------------------------------------------------------------------------------


def _contract(user, pk, *, write=False) -> Contract:
    return get_contract_record_or_404(
        user,
        Contract.objects.select_related(
            "customer", "owner__profile", "decided_by__profile"
        ).prefetch_related("lines__product"),
        pk,
        write=write,
    )


@router.get("/contracts", response={200: ContractPage, **READ_ERRORS})
def list_contracts(
    request,
    limit: Limit = 25,
    offset: Offset = 0,
    status: Choice | None = None,
    customer_id: Id | None = None,
    awaiting: Choice | None = None,
):
    """Contracts of the customers in the caller's scope, newest first (filters: `status`
    draft, pending, approved, rejected, active, completed, terminated; `customer_id`;
    `awaiting=me`: the submitted contracts the caller may approve, as on the home page)."""
    _choice("status", status, ContractStatus.values)
    _choice("awaiting", awaiting, ["me"])
    own = queries.awaiting_approval_by if awaiting else queries.contracts
    qs = own(request.user).select_related("decided_by__profile")
    qs = qs.prefetch_related("lines__product")
    if status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return paginate(qs, limit, offset, contract_out)


@router.post("/contracts", response={201: ContractOut, **WRITE_ERRORS})
def create_contract(request, payload: ContractIn):
    """A draft contract (without a quote) for a customer the caller may change, with one
    instalment of the whole amount due in 30 days (PUT its instalments to plan more)."""
    customer = get_customer_or_404(request.user, payload.customer_id)
    data = payload.dict(exclude={"customer_id", "lines"})
    contract = services.create_contract(request.user, customer, data, _lines_in(payload.lines))
    return Status(201, contract_out(_contract(request.user, contract.pk)))


@router.get("/contracts/{contract_id}", response={200: ContractOut, **ONE_ERRORS})
def get_contract(request, contract_id: Id):
    """One contract of a customer the caller sees, with lines, status and received vs outstanding, or 404."""
    return contract_out(_contract(request.user, contract_id))


@router.patch("/contracts/{contract_id}", response={200: ContractOut, **WRITE_ERRORS})
def update_contract(request, contract_id: Id, payload: ContractPatch):
    """Change a draft or rejected contract's title, dates or currency."""
    contract = _contract(request.user, contract_id, write=True)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    services.update_contract(request.user, contract, data, version=payload.version)
    return contract_out(_contract(request.user, contract_id))


def _contract_action(action: str):
    def run(request, contract_id: Id, payload: ReasonIn):
        contract = _contract(request.user, contract_id, write=action not in ("approve", "reject"))
        services.change_contract_status(
            request.user, contract, action, reason=payload.reason, version=payload.version
        )
        return contract_out(_contract(request.user, contract_id))

    run.__name__ = f"{action}_contract"
    return run


_ACTION_DOCS = {
    "submit": "The owner's side submits a draft or rejected contract for approval (its "
    "payment plan must add up to the amount).",
    "approve": "A manager whose data scope covers the customer approves a pending contract; "
    "never its owner (403).",
    "reject": "A manager rejects a pending contract, with a `reason`; never its owner (403).",
    "activate": "An approved contract starts (signed and start dates default to today).",
    "complete": "An active contract is fulfilled.",
    "terminate": "An approved or active contract ends early, with a `reason`; its unpaid "
    "instalments become void.",
}
for _action, _doc in _ACTION_DOCS.items():
    _view = _contract_action(_action)
    _view.__doc__ = _doc
    router.post(
        f"/contracts/{{contract_id}}/{_action}", response={200: ContractOut, **WRITE_ERRORS}
    )(_view)


@router.post("/contracts/{contract_id}/order", response={201: ContractOut, **WRITE_ERRORS})
def order_from_contract(request, contract_id: Id, payload: ContractVersionIn):
    """An order (pending) with the contract's lines, for an approved or active contract that
    has none yet; the contract names it in `order_id`."""
    contract = _contract(request.user, contract_id, write=True)
    services.create_order_from_contract(request.user, contract, version=payload.version)
    return Status(201, contract_out(_contract(request.user, contract_id)))


@router.get(
    "/contracts/{contract_id}/instalments", response={200: list[InstalmentOut], **ONE_ERRORS}
)
def list_instalments(request, contract_id: Id):
    """The contract's payment plan, in due order, with what each has received and its status."""
    contract = _contract(request.user, contract_id)
    qs = contract.instalments.select_related("contract__customer")
    return [instalment_out(inst) for inst in qs]


@router.put(
    "/contracts/{contract_id}/instalments", response={200: list[InstalmentOut], **WRITE_ERRORS}
)
def set_instalments(request, contract_id: Id, payload: InstalmentPlanIn):
    """Replace the payment plan: the amounts must add up exactly to the contract amount (422
    naming the difference otherwise). Confirmed payments are allocated again."""
    contract = _contract(request.user, contract_id, write=True)
    rows = [row.dict() for row in payload.instalments]
    collections.set_plan(request.user, contract, rows, version=payload.version)
    return list_instalments(request, contract_id)


# Payments and collections --------------------------------------------------------------------


def _payment(user, pk, *, write=False) -> Payment:
    qs = Payment.objects.select_related(
        "contract", "customer", "recorded_by__profile", "confirmed_by__profile"
    )
    return get_contract_record_or_404(user, qs, pk, write=write)


@router.get("/payments", response={200: PaymentPage, **READ_ERRORS})
def list_payments(
    request,
    limit: Limit = 25,
    offset: Offset = 0,
    status: Choice | None = None,
    contract_id: Id | None = None,
):
    """Payments in the caller's scope, newest first (filters: `status` pending, confirmed,
    void; `contract_id`)."""
    _choice("status", status, PaymentStatus.values)
    qs = queries.payments(request.user).select_related("confirmed_by__profile")
    if status:
        qs = qs.filter(status=status)
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    return paginate(qs, limit, offset, payment_out)


@router.post("/payments", response={201: PaymentOut, **WRITE_ERRORS})
def record_payment(request, payload: PaymentIn):
    """Record money received against an approved, active or completed contract; it awaits a
    manager's confirmation before it pays an instalment."""
    contract = _contract(request.user, payload.contract_id, write=True)
    data = payload.dict(exclude={"contract_id"})
    payment = collections.record_payment(request.user, contract, data)
    return Status(201, payment_out(_payment(request.user, payment.pk)))


@router.get("/payments/{payment_id}", response={200: PaymentOut, **ONE_ERRORS})
def get_payment(request, payment_id: Id):
    """One payment of a contract the caller sees (pending until a manager confirms it), or 404."""
    return payment_out(_payment(request.user, payment_id))


@router.post("/payments/{payment_id}/confirm", response={200: PaymentOut, **WRITE_ERRORS})
def confirm_payment(request, payment_id: Id, payload: ContractVersionIn):
    """A manager whose scope covers the customer (not its recorder) confirms the payment: it
    is allocated to the instalments in due order."""
    payment = _payment(request.user, payment_id)
    collections.confirm_payment(request.user, payment, version=payload.version)
    return payment_out(_payment(request.user, payment_id))


@router.post("/payments/{payment_id}/void", response={200: PaymentOut, **WRITE_ERRORS})
def void_payment(request, payment_id: Id, payload: ReasonIn):
    """Void a payment with a `reason`: its recorder while it awaits confirmation, else a
    manager who may confirm it."""
    payment = _payment(request.user, payment_id)
    collections.void_payment(request.user, payment, reason=payload.reason, version=payload.version)
    return payment_out(_payment(request.user, payment_id))


@router.get("/collections", response={200: CollectionsOut, **READ_ERRORS})
def list_collections(
    request,
    limit: Limit = 25,
    offset: Offset = 0,
    owner_id: Id | None = None,
    overdue: bool = False,
    month: text(7) | None = None,
):
    """Instalments still to collect in the caller's scope, earliest due first, with what is
    outstanding and overdue per currency (`totals`), and the confirmed payments per month and
    currency: the collections page's figures. Filters: `owner_id` (the contracts' owner),
    `overdue`, `month` (YYYY-MM: due in that month)."""
    first = None
    if month:
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise ValidationError({"month": [_("Enter a month as YYYY-MM.")]}) from None
    qs = queries.due_instalments(request.user, owner_id=owner_id, overdue_only=overdue, month=first)
    body = paginate(qs, limit, offset, instalment_out)
    body["totals"] = queries.collection_totals_by_currency(qs.order_by())
    body["received_by_month"] = [
        {"month": r["month"], "currency": r["currency"], "total": r["total"], "payments": r["n"]}
        for r in queries.received_by_month(request.user, owner_id=owner_id)
    ]
    return body
