"""Reads of quotes, contracts and collections, always within the reader's data scope."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from guanxi.accounts.scope import approvable_contracts, contract_records, visible_opportunities
from guanxi.pipeline.models import Opportunity
from guanxi.sales.services import MAX_MONEY

from .models import (
    COLLECTING_STATUSES,
    Contract,
    ContractStatus,
    Instalment,
    InstalmentStatus,
    Payment,
    PaymentStatus,
    Quote,
)

# SQLite sums decimals without their places (128, not 128.00): money is shown to the cent.
CENT = Decimal("0.01")

#: Instalments still to collect (the collections list).
OPEN_INSTALMENTS = (
    InstalmentStatus.PENDING,
    InstalmentStatus.PARTLY_PAID,
    InstalmentStatus.OVERDUE,
)


def quotes(user) -> QuerySet:
    return contract_records(user, Quote.objects.select_related("customer", "owner__profile"))


def contracts(user) -> QuerySet:
    return contract_records(user, Contract.objects.select_related("customer", "owner__profile"))


def awaiting_approval_by(user) -> QuerySet:
    """Contracts submitted for approval that the user may approve or reject (not their own,
    within their own scope): the home page's notice and the list's "awaiting=me" filter."""
    return approvable_contracts(user, contracts(user).filter(status=ContractStatus.PENDING))


def payments(user) -> QuerySet:
    return contract_records(
        user, Payment.objects.select_related("contract", "customer", "recorded_by__profile")
    )


def instalments(user) -> QuerySet:
    return contract_records(
        user, Instalment.objects.select_related("contract__customer", "contract__owner__profile")
    )


def due_instalments(
    user, *, owner_id: int | None = None, overdue_only: bool = False, month: date | None = None
) -> QuerySet:
    """Instalments still to collect in the user's scope, earliest due first: of one owner's
    contracts, only the overdue ones, or those due in one month (its first day)."""
    # only what is owed: contracts in force (a draft, rejected or pending one owes nothing yet)
    qs = instalments(user).filter(
        status__in=OPEN_INSTALMENTS,
        contract__status__in=(ContractStatus.APPROVED, ContractStatus.ACTIVE),
    )
    if owner_id:
        qs = qs.filter(contract__owner_id=owner_id)
    if overdue_only:
        qs = qs.filter(status=InstalmentStatus.OVERDUE)
    if month:
        qs = qs.filter(due_date__year=month.year, due_date__month=month.month)
    return qs.order_by("due_date", "id")


def received_by_month(user, *, owner_id: int | None = None, months: int = 12) -> list[dict]:
    """Confirmed payments in the user's scope per month and contract currency, the newest
    `months` months first however many currencies each has: [{month, currency, total, n}]
    (yuan are never added to dollars). The collections page and the collections API."""
    qs = payments(user).filter(status=PaymentStatus.CONFIRMED)
    if owner_id:
        qs = qs.filter(contract__owner_id=owner_id)
    rows = (
        qs.annotate(month=TruncMonth("received_on"))
        .values("month", "contract__currency")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by("-month", "contract__currency")
    )
    found = [
        {
            "month": r["month"],
            "currency": r["contract__currency"],
            "total": (r["total"] or Decimal("0")).quantize(CENT),
            "n": r["n"],
        }
        for r in rows
    ]
    kept = sorted({r["month"] for r in found}, reverse=True)[:months]
    return [r for r in found if r["month"] in kept]


def collected_by_month(user, months: list[date], owner_id=None, team_id=None) -> dict:
    """Confirmed payments received in each of `months` (first days), in the user's scope, of
    one rep's contracts or one team's customers: the "collections" series of the pipeline's
    forecast against the collection targets (registered in apps.py)."""
    if not months:
        return {}
    last = months[-1]
    end = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    qs = payments(user).filter(
        status=PaymentStatus.CONFIRMED, received_on__gte=months[0], received_on__lt=end
    )
    if owner_id:
        qs = qs.filter(contract__owner_id=owner_id)
    if team_id:
        qs = qs.filter(customer__department_id=team_id)
    rows = qs.annotate(month=TruncMonth("received_on")).values("month").annotate(t=Sum("amount"))
    return {r["month"]: (r["t"] or Decimal("0")).quantize(CENT) for r in rows.order_by()}


def contract_contact(contract: Contract):
    """Whom the customer (甲方) is reached through on the printed contract: the contact of the
    quote it came from, else the customer's primary contact (else its first), else None."""
    if contract.quote is not None and contract.quote.contact is not None:
        return contract.quote.contact
    return contract.customer.contacts.first()  # ordered primary first


def collection_totals_by_currency(qs: QuerySet) -> list[dict]:
    """What is still to collect on a list of open instalments, all of it and the overdue part,
    per contract currency (yuan are never added to dollars): [{currency, outstanding,
    overdue}] in the order of the currency codes, one grouped query, none when nothing is
    due. The collections page and the collections API both show these."""
    zero = Decimal("0")
    rows = (
        qs.values("contract__currency")
        .annotate(
            all_due=Sum("amount"),
            all_in=Sum("received"),
            late_due=Sum("amount", filter=Q(status=InstalmentStatus.OVERDUE)),
            late_in=Sum("received", filter=Q(status=InstalmentStatus.OVERDUE)),
        )
        .order_by("contract__currency")
    )
    return [
        {
            "currency": r["contract__currency"],
            "outstanding": ((r["all_due"] or zero) - (r["all_in"] or zero)).quantize(CENT),
            "overdue": ((r["late_due"] or zero) - (r["late_in"] or zero)).quantize(CENT),
        }
        for r in rows
    ]


def _one_figure(total, currencies: int) -> Decimal | None:
    """The accepted contracts' total as one amount, or None: none accepted, several
    currencies (no single figure), or more than an amount holds (no figure to store either)."""
    if currencies != 1 or total is None:
        return None
    total = total.quantize(CENT)
    return None if total > MAX_MONEY else total


def accepted_deal(opportunity) -> dict | None:
    """What the customer accepted for an opportunity: its contracts approved, active or
    completed, their amounts added up ({"amount", "currency", "contracts": [numbers]}), or
    None when there are none, or when they are in several currencies or add up to more than
    an amount holds (no single figure: the opportunity keeps its own). The pipeline's
    accepted_deal asks this (apps.py)."""
    rows = list(
        Contract.objects.filter(opportunity=opportunity, status__in=COLLECTING_STATUSES)
        .order_by("id")
        .values_list("number", "amount", "currency")
    )
    currencies = {currency for _n, _a, currency in rows}
    total = sum((amount for _n, amount, _c in rows), Decimal("0"))
    amount = _one_figure(total, len(currencies))
    if amount is None:
        return None
    return {
        "amount": amount,
        "currency": currencies.pop(),
        "contracts": [number for number, _a, _c in rows],
    }


def accepted_deals(opportunity_ids: list[int]) -> dict[int, dict]:
    """accepted_deal's amount and currency for many opportunities in one grouped query
    ({opportunity id: {"amount", "currency"}}, only those with one figure): the pipeline
    board's cards and the list's rows (the pipeline's accepted_deals asks this, apps.py)."""
    rows = (
        Contract.objects.filter(opportunity_id__in=opportunity_ids, status__in=COLLECTING_STATUSES)
        .values("opportunity_id")
        .annotate(
            total=Sum("amount"),
            currencies=Count("currency", distinct=True),
            currency=Min("currency"),
        )
        .order_by()
    )
    found = {}
    for r in rows:
        amount = _one_figure(r["total"], r["currencies"])
        if amount is not None:
            found[r["opportunity_id"]] = {"amount": amount, "currency": r["currency"]}
    return found


def customer_opportunity(user, customer, pk, *, field: str = "opportunity"):
    """The customer's opportunity `pk` as the user sees it (the scope module decides), or a
    ValidationError on `field`: a quote is made for an opportunity of its own customer."""
    found = (
        visible_opportunities(user, Opportunity.objects.all())
        .filter(pk=pk, customer=customer)
        .first()
    )
    if found is None:
        raise ValidationError({field: [_("Choose an opportunity of this customer.")]})
    return found
