"""Pages of quotes (/quotes/), contracts and collections (/contracts/): lists in the viewer's
scope, a quote's form and print view, a contract with its approval, payment plan, payments and
print view, and the collections list. Views are thin: scope helper → form → service → page."""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.scope import (
    can_approve_contract,
    can_confirm_payment,
    can_write,
    contract_records,
    covered_users,
    get_contract_record_or_404,
    is_manager,
    writable_customer,
)
from guanxi.customers import views as customer_views
from guanxi.formats.money import format_money, rmb_capitals
from guanxi.services_common import StaleEdit
from guanxi.validation import add_service_errors

from . import collections, queries, services
from .forms import (
    ActionForm,
    CollectionFilterForm,
    ContractForm,
    LineFormSet,
    PaymentForm,
    PlanFormSet,
    QuoteForm,
    line_rows,
)
from .models import Contract, ContractStatus, Payment, PaymentStatus, Quote, QuoteStatus

PAGE_SIZE = 25


def _errors_to_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _capitals(amount, currency: str) -> str:
    """The amount in capital numerals (大写金额) for a Chinese printout of a sum in yuan; ""
    otherwise (an English reader has the figure, and capitals are for 人民币 only)."""
    if currency != "CNY" or not (get_language() or "").startswith("zh"):
        return ""
    return rmb_capitals(amount)


# Quotes ----------------------------------------------------------------------------------


@login_required
@require_GET
def quote_list(request):
    qs = queries.quotes(request.user)
    status = request.GET.get("status", "")
    if status in QuoteStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "tab": "quotes",
        "statuses": QuoteStatus.choices,
        "status": status,
        "may_create": can_write(request.user),
    }
    return render(request, "contracts/quotes.html", context)


def _choose_customer(request):
    return customer_views.choose_customer(request, "contracts/choose_customer.html")


def _quote_data(form) -> dict:
    data = {k: form.cleaned_data[k] for k in ("contact", "quoted_on", "valid_until", "currency")}
    data["notes"] = form.cleaned_data["notes"]
    return data


@login_required
def quote_create(request):
    customer_pk = request.GET.get("customer", "")
    if not customer_pk.isdigit():
        return _choose_customer(request)
    customer = writable_customer(request.user, customer_pk)
    # made for an opportunity (its page's "Create quote"): the products discussed as lines
    opportunity, rows = None, []
    if request.GET.get("opportunity", "").isdigit():
        try:
            opportunity = queries.customer_opportunity(
                request.user, customer, int(request.GET["opportunity"])
            )
        except ValidationError as exc:
            raise Http404 from exc
        rows = [
            {"product": p, "quantity": 1, "unit_price": p.price}
            for p in opportunity.products.filter(active=True)
        ]
    form = QuoteForm(request.POST or None, customer=customer)
    lines = LineFormSet(request.POST or None, initial=rows, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = _quote_data(form)
        if opportunity is not None:
            data["opportunity"] = opportunity
        try:
            quote = services.create_quote(request.user, customer, data, line_rows(lines))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Quote %(number)s saved.") % {"number": quote.number})
            return redirect("quotes:detail", pk=quote.pk)
    context = {
        "form": form,
        "lines": lines,
        "customer": customer,
        "quote": None,
        "opportunity": opportunity,
        "opportunity_products": bool(rows),
    }
    return render(request, "contracts/quote_form.html", context)


def _quote(user, pk, write=False) -> Quote:
    qs = Quote.objects.select_related("customer", "contact", "owner__profile")
    return get_contract_record_or_404(user, qs, pk, write=write)


@login_required
def quote_edit(request, pk):
    quote = _quote(request.user, pk, write=True)
    initial = {
        "contact": quote.contact,
        "quoted_on": quote.quoted_on,
        "valid_until": quote.valid_until,
        "currency": quote.currency,
        "notes": quote.notes,
        "version": quote.version,
    }
    rows = [
        {
            "product": ln.product,
            "quantity": ln.quantity,
            "unit_price": ln.unit_price,
            "discount": ln.discount,
        }
        for ln in quote.lines.select_related("product")
    ]
    form = QuoteForm(request.POST or None, initial=initial, customer=quote.customer)
    lines = LineFormSet(request.POST or None, initial=rows, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            services.update_quote(
                request.user,
                quote,
                _quote_data(form),
                line_rows(lines),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleEdit as exc:
            messages.error(request, str(exc))
            return redirect("quotes:detail", pk=quote.pk)
        else:
            messages.success(request, _("Quote %(number)s saved.") % {"number": quote.number})
            return redirect("quotes:detail", pk=quote.pk)
    context = {"form": form, "lines": lines, "customer": quote.customer, "quote": quote}
    return render(request, "contracts/quote_form.html", context)


@login_required
@require_GET
def quote_detail(request, pk):
    quote = _quote(request.user, pk)
    writable = contract_records(
        request.user, Quote.objects.filter(pk=quote.pk), write=True
    ).exists()
    labels = services.quote_action_labels()
    context = {
        "quote": quote,
        "lines": quote.lines.select_related("product"),
        "writable": writable,
        "actions": [(a, labels[a]) for a in services.quote_actions(quote)] if writable else [],
        "contract": Contract.objects.filter(quote=quote).first(),
        "editable": writable and quote.status in (QuoteStatus.DRAFT, QuoteStatus.SENT),
    }
    return render(request, "contracts/quote_detail.html", context)


@login_required
@require_GET
def quote_print(request, pk):
    quote = _quote(request.user, pk)
    context = {
        "quote": quote,
        "lines": quote.lines.select_related("product"),
        "company": services.sales.company_name(),
        "capitals": _capitals(quote.total, quote.currency),
    }
    return render(request, "contracts/quote_print.html", context)


@login_required
@require_POST
def quote_action(request, pk):
    quote = _quote(request.user, pk, write=True)
    form = ActionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in services.QUOTE_TRANSITIONS:
        messages.error(request, _("Unknown action."))
        return redirect("quotes:detail", pk=quote.pk)
    action, version = form.cleaned_data["action"], form.cleaned_data["version"]
    run = {
        "send": services.send_quote,
        "reject": services.reject_quote,
        "accept": services.accept_quote,
    }[action]
    try:
        result = run(request.user, quote, version=version)
    except (ValidationError, StaleEdit) as exc:
        if isinstance(exc, StaleEdit):
            messages.error(request, str(exc))
        else:
            _errors_to_messages(request, exc)
        return redirect("quotes:detail", pk=quote.pk)
    if action == "accept":
        messages.success(
            request, _("Contract %(number)s made from the quote.") % {"number": result.number}
        )
        return redirect("contracts:detail", pk=result.pk)
    messages.success(request, _("Quote %(number)s saved.") % {"number": quote.number})
    return redirect("quotes:detail", pk=quote.pk)


# Contracts -------------------------------------------------------------------------------


@login_required
@require_GET
def contract_list(request):
    awaiting = request.GET.get("awaiting") == "me"
    # "awaiting=me": the submitted contracts the viewer may approve (the home page's notice)
    base = (
        queries.awaiting_approval_by(request.user) if awaiting else queries.contracts(request.user)
    )
    status = request.GET.get("status", "")
    qs = base.filter(status=status) if status in ContractStatus.values else base
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # the heading counts the rows "?status=pending" lists under the same filter: the very
    # queryset when that is the page shown, so the count and the rows cannot disagree
    if status == ContractStatus.PENDING:
        pending = page.paginator.count
    else:
        pending = base.filter(status=ContractStatus.PENDING).count()
    query = {"status": status} | ({"awaiting": "me"} if awaiting else {})
    context = {
        "page": page,
        "tab": "contracts",
        "statuses": ContractStatus.choices,
        "status": status,
        "awaiting": awaiting,
        "query": urlencode(query),
        "pending": pending,
        "pending_query": urlencode(
            {"status": ContractStatus.PENDING} | ({"awaiting": "me"} if awaiting else {})
        ),
    }
    return render(request, "contracts/contracts.html", context)


def _contract(user, pk, write=False) -> Contract:
    qs = Contract.objects.select_related(
        "customer", "owner__profile", "decided_by__profile", "quote__contact", "order"
    )
    return get_contract_record_or_404(user, qs, pk, write=write)


def _approval_note(user, contract: Contract, approver: bool) -> tuple[str, bool]:
    """Why a pending contract shows this viewer no Approve or Reject, and whether to point a
    manager to the team page (in a one-manager company nobody else can approve: the rule
    that nobody approves a contract they own, drafted or submitted stays)."""
    if contract.status != ContractStatus.PENDING or approver:
        return "", False
    if is_manager(user) and user.pk == contract.submitted_by_id:
        return _("You submitted this contract; another manager must approve it."), True
    if is_manager(user) and user.pk in (contract.owner_id, contract.created_by_id):
        return _("You own or drafted this contract; another manager must approve it."), True
    return _("Waiting for approval by a manager."), False


def _contract_page(request, contract: Contract, *, plan=None, payment=None, status=200):
    user = request.user
    writable = contract_records(user, Contract.objects.filter(pk=contract.pk), write=True).exists()
    approver = can_approve_contract(user, contract)
    labels = services.contract_action_labels()
    actions = []
    for action in services.contract_actions(contract):
        allowed = approver if action in ("approve", "reject") else writable
        if allowed:
            actions.append(
                {
                    "name": action,
                    "label": labels[action],
                    "reason": action in ("reject", "terminate"),
                }
            )
    approval_note, team_hint = _approval_note(user, contract, approver)
    instalments = list(contract.instalments.all())
    payments = list(
        contract.payments.select_related("recorded_by__profile", "confirmed_by__profile")
    )
    for p in payments:
        p.confirmable = p.status == PaymentStatus.PENDING and can_confirm_payment(user, p)
        p.voidable = p.status != PaymentStatus.VOID and (
            p.confirmable
            or can_confirm_payment(user, p)
            or (p.status == PaymentStatus.PENDING and p.recorded_by_id == user.pk and writable)
        )
    if plan is None:
        plan = PlanFormSet(
            initial=[{"due_date": i.due_date, "amount": i.amount} for i in instalments],
            prefix="plan",
        )
    if payment is None:
        payment = PaymentForm(
            initial={"received_on": timezone.localdate(), "method": "bank_transfer"}
        )
    context = {
        "contract": contract,
        "lines": contract.lines.select_related("product"),
        "instalments": instalments,
        "payments": payments,
        "writable": writable,
        "actions": actions,
        "approval_note": approval_note,
        "team_hint": team_hint,
        "plan_form": plan,
        "payment_form": payment,
        "plan_editable": writable and contract.status in services.OPEN_CONTRACT_STATUSES,
        "collecting": writable and contract.status in collections.COLLECTING_STATUSES,
        # what a new payment may still cover: the amount less confirmed and pending payments
        "to_record": contract.outstanding
        - sum((p.amount for p in payments if p.status == PaymentStatus.PENDING), Decimal("0")),
        "editable": writable and contract.status in (ContractStatus.DRAFT, ContractStatus.REJECTED),
        "may_order": writable
        and contract.order_id is None
        and contract.status in (ContractStatus.APPROVED, ContractStatus.ACTIVE),
    }
    return render(request, "contracts/contract_detail.html", context, status=status)


@login_required
@require_GET
def contract_detail(request, pk):
    return _contract_page(request, _contract(request.user, pk))


@login_required
def contract_edit(request, pk):
    contract = _contract(request.user, pk, write=True)
    fields = ("title", "signed_on", "start_on", "end_on", "currency")
    initial = {f: getattr(contract, f) for f in fields} | {"version": contract.version}
    form = ContractForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in fields}
        try:
            services.update_contract(
                request.user, contract, data, version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleEdit as exc:
            messages.error(request, str(exc))
            return redirect("contracts:detail", pk=contract.pk)
        else:
            messages.success(request, _("Contract %(number)s saved.") % {"number": contract.number})
            return redirect("contracts:detail", pk=contract.pk)
    return render(request, "contracts/contract_form.html", {"form": form, "contract": contract})


@login_required
@require_GET
def contract_print(request, pk):
    contract = _contract(request.user, pk)
    seller = services.sales.company_details()
    context = {
        "contract": contract,
        "lines": contract.lines.select_related("product"),
        "instalments": contract.instalments.all(),
        "company": seller["name"],
        "seller": seller,
        "contact": queries.contract_contact(contract),
        "capitals": _capitals(contract.amount, contract.currency),
        # not approved yet: the printout says it is a draft, not a document to sign
        "draft": contract.status
        in (ContractStatus.DRAFT, ContractStatus.PENDING, ContractStatus.REJECTED),
    }
    return render(request, "contracts/contract_print.html", context)


def _contract_done(action: str) -> str:
    """The sentence saying an action on a contract went through (%(number)s to fill in)."""
    return {
        "submit": _("Contract %(number)s submitted for approval."),
        "approve": _("Contract %(number)s approved."),
        "reject": _("Contract %(number)s rejected."),
        "activate": _("Contract %(number)s activated."),
        "complete": _("Contract %(number)s completed."),
        "terminate": _("Contract %(number)s terminated."),
    }[action]


@login_required
@require_POST
def contract_action(request, pk):
    form = ActionForm(request.POST)
    action = request.POST.get("action", "")
    contract = _contract(request.user, pk, write=action not in ("approve", "reject"))
    if not form.is_valid() or action not in services.CONTRACT_TRANSITIONS:
        messages.error(request, _("Unknown action."))
        return redirect("contracts:detail", pk=contract.pk)
    try:
        moved = services.change_contract_status(
            request.user,
            contract,
            action,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    except StaleEdit as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _contract_done(action) % {"number": contract.number})
        won = moved.won_opportunity
        if won is not None:
            messages.success(
                request,
                _("Opportunity “%(name)s” won at %(amount)s, the contracts' amount.")
                % {"name": won.name, "amount": format_money(won.amount, won.currency)},
            )
    return redirect("contracts:detail", pk=contract.pk)


@login_required
@require_POST
def contract_order(request, pk):
    contract = _contract(request.user, pk, write=True)
    try:
        order = services.create_order_from_contract(request.user, contract)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
        return redirect("contracts:detail", pk=contract.pk)
    messages.success(request, _("Order %(number)s created.") % {"number": order.number})
    return redirect("sales:order_detail", pk=order.pk)


@login_required
@require_POST
def contract_plan(request, pk):
    contract = _contract(request.user, pk, write=True)
    plan = PlanFormSet(request.POST, prefix="plan")
    if plan.is_valid():
        rows = [
            f.cleaned_data
            for f in plan
            if f.cleaned_data.get("due_date") or f.cleaned_data.get("amount") is not None
        ]
        try:
            collections.set_plan(request.user, contract, rows)
        except ValidationError as exc:
            for message in exc.messages:
                plan._non_form_errors = plan.error_class([*plan.non_form_errors(), message])
        else:
            messages.success(request, _("Payment plan saved."))
            return redirect("contracts:detail", pk=contract.pk)
    return _contract_page(request, _contract(request.user, pk), plan=plan, status=422)


@login_required
@require_POST
def payment_record(request, pk):
    contract = _contract(request.user, pk, write=True)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            collections.record_payment(request.user, contract, dict(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Payment recorded; it awaits a manager's confirmation."))
            return redirect("contracts:detail", pk=contract.pk)
    return _contract_page(request, _contract(request.user, pk), payment=form, status=422)


def _payment(user, pk) -> Payment:
    return get_contract_record_or_404(
        user, Payment.objects.select_related("contract", "customer"), pk
    )


@login_required
@require_POST
def payment_confirm(request, pk):
    payment = _payment(request.user, pk)
    try:
        collections.confirm_payment(request.user, payment)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Payment confirmed."))
    return redirect("contracts:detail", pk=payment.contract_id)


@login_required
@require_POST
def payment_void(request, pk):
    payment = _payment(request.user, pk)
    try:
        collections.void_payment(request.user, payment, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Payment void."))
    return redirect("contracts:detail", pk=payment.contract_id)


@login_required
@require_GET
def collection_list(request):
    """Instalments still to collect (filters: owner, overdue only, month) and the payments
    confirmed per month, in the viewer's scope."""
    owners = covered_users(request.user).select_related("profile")
    form = CollectionFilterForm(request.GET or None, owners=owners)
    owner_id, overdue, month = None, False, None
    if form.is_valid():
        owner = form.cleaned_data["owner"]
        owner_id = owner.pk if owner else None
        overdue = form.cleaned_data["overdue"]
        raw = form.cleaned_data["month"]
        if raw:
            try:
                month = date.fromisoformat(f"{raw[:7]}-01")
            except ValueError:
                form.add_error("month", _("Enter a month as YYYY-MM."))
    qs = queries.due_instalments(request.user, owner_id=owner_id, overdue_only=overdue, month=month)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "tab": "collections",
        "totals": queries.collection_totals_by_currency(qs.order_by()),
        "default_currency": services.sales.DEFAULT_CURRENCY,
        "months": queries.received_by_month(request.user, owner_id=owner_id),
        "query": query.urlencode(),
        "today": timezone.localdate(),
    }
    return render(request, "contracts/collections.html", context)
