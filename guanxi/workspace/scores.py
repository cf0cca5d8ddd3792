"""The 360 page's scores panel (workspace/_scores.html) and what changes it in place: the rep's
loyalty type, marking the customer lost with a reason, winning it back.

The scores are read from the customer's score row (select_related by the page: no engine call
per request); their words come from guanxi.customers.scores. Access is scope's: the loyalty
type needs write access, lost and won back the owner's side (scope.can_mark_lost).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.accounts.scope import (
    can_change,
    can_mark_lost,
    get_customer_or_404,
    require_mark_lost,
    writable_customer,
)
from guanxi.customers import retention
from guanxi.customers import scores as score_words
from guanxi.customers.forms import LostForm, LoyaltyTypeForm, WinBackForm
from guanxi.customers.models import Customer
from guanxi.validation import add_service_errors


def scores_context(
    user,
    customer: Customer,
    *,
    writable: bool | None = None,
    may_manage: bool | None = None,
    loyalty_form: LoyaltyTypeForm | None = None,
    lost_form: LostForm | None = None,
    win_back_form: WinBackForm | None = None,
) -> dict:
    """What _scores.html needs. The 360 page passes what it knows already: `writable`
    (scope.can_change) and `may_manage` (scope.can_manage, which scope.can_mark_lost is)."""
    score = score_words.of(customer)
    may_change = can_change(user, customer) if writable is None else writable
    if may_manage is None:
        may_manage = can_mark_lost(user, customer)
    may_mark_lost = may_change and may_manage
    chosen = score_words.loyalty_type_view(customer.loyalty_type)
    return {
        "customer": customer,
        "scores": score_words.panel(score) if score is not None else None,
        "loyalty_chosen": chosen,
        "may_set_loyalty": may_change,
        "may_mark_lost": may_mark_lost,
        "loyalty_form": loyalty_form
        or LoyaltyTypeForm(initial={"loyalty_type": customer.loyalty_type}),
        "lost_form": lost_form
        or LostForm(initial={"reason": customer.lost_reason, "note": customer.lost_note}),
        "win_back_form": win_back_form or WinBackForm(),
    }


def _answer(request, customer: Customer, done: str, **forms):
    """htmx: the panel again, with the errors next to the fields (200: htmx swaps no 4xx);
    a plain post: back to the 360 page, or the page with the errors (400)."""
    failed = any(form.errors for form in forms.values())
    if request.htmx:
        if not failed:
            messages.success(request, done)
        context = scores_context(request.user, customer, **(forms if failed else {}))
        return render(request, "workspace/_scores.html", {**context, "oob_messages": True})
    if failed:
        from .views import detail_context

        context = detail_context(request, customer, **forms)
        return render(request, "workspace/detail.html", context, status=400)
    messages.success(request, done)
    return redirect("customers:detail", pk=customer.pk)


def _lost_markable(user, pk) -> Customer:
    """404 outside the scope, 403 unless the user may mark it lost (scope.can_mark_lost)."""
    customer = get_customer_or_404(user, pk)
    require_mark_lost(user, customer)
    return customer


@login_required
@require_POST
def loyalty_type(request, pk):
    """Set the rep's loyalty type (blank: as suggested); anyone who may change the customer."""
    customer = writable_customer(request.user, pk)
    form = LoyaltyTypeForm(request.POST)
    if form.is_valid():
        try:
            retention.set_loyalty_type(request.user, customer, form.cleaned_data["loyalty_type"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _answer(request, customer, _("Loyalty type saved."), loyalty_form=form)


@login_required
@require_POST
def mark_lost(request, pk):
    """Mark the customer lost with a reason and a note; the owner's side only."""
    customer = _lost_markable(request.user, pk)
    form = LostForm(request.POST)
    if form.is_valid():
        try:
            retention.mark_lost(
                request.user, customer, form.cleaned_data["reason"], form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _answer(request, customer, _("Marked lost."), lost_form=form)


@login_required
@require_POST
def win_back(request, pk):
    """The lost customer is won back (the loss stays in the audit trail); the owner's side."""
    customer = _lost_markable(request.user, pk)
    form = WinBackForm(request.POST)
    if form.is_valid():
        try:
            retention.win_back(request.user, customer, form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _answer(request, customer, _("Won back."), win_back_form=form)
