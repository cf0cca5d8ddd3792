"""Privacy on the 360 page: reveal one sensitive field for a stated purpose, record consent."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_POST

from guanxi.accounts.scope import (
    can_manage,
    can_reveal,
    get_customer_or_404,
    manageable_customer,
)
from guanxi.validation import add_service_errors

from . import services
from .forms import ConsentForm, RevealForm
from .models import ConsentPurpose
from .sensitive import SENSITIVE_FIELDS, RevealDenied, reveal


def consent_context(
    customer, user=None, *, manageable: bool | None = None, state: dict | None = None
) -> dict:
    """The consent card of the 360 page: per purpose, whether consent is in force, and whether
    `user` may record a decision (scope.can_manage: not a collaborator; `manageable` when the
    caller already asked scope). `state`: services.consent_state's answer when the caller read
    it along with other things (services.decision_in_force)."""
    if state is None:
        state = services.consent_state(customer)
    if manageable is None:
        manageable = user is not None and can_manage(user, customer)
    return {
        "customer": customer,
        "consent_manageable": manageable,
        "consents": [
            {"purpose": value, "label": label, "granted": state[value]}
            for value, label in ConsentPurpose.choices
        ],
    }


@login_required
@require_POST
def reveal_field(request, pk):
    customer = get_customer_or_404(request.user, pk)
    if not can_reveal(request.user, customer):
        raise PermissionDenied
    form = RevealForm(request.POST)
    value, field = None, request.POST.get("field", "")
    if form.is_valid():
        field = form.cleaned_data["field"]
        try:
            value = reveal(request.user, customer, field, form.cleaned_data["purpose"])
        except RevealDenied as exc:
            raise PermissionDenied from exc
        except ValueError as exc:
            form.add_error("purpose", str(exc))
    if field not in SENSITIVE_FIELDS:
        raise PermissionDenied
    row = {
        "field": field,
        "label": SENSITIVE_FIELDS[field],
        "present": True,
        "may_reveal": True,
        "masked": "••••",
    }
    context = {"customer": customer, "row": row, "form": form, "revealed": form.is_valid()}
    context["value"] = value
    return render(request, "privacy/_sensitive_field.html", context)


@login_required
@require_POST
def record_consent(request, pk):
    customer = manageable_customer(request.user, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.record_consent(
                request.user,
                customer,
                form.cleaned_data["purpose"],
                form.cleaned_data["granted"],
                channel=form.cleaned_data["channel"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    context = consent_context(customer, request.user)
    context.update({"consent_errors": form.errors})
    return render(request, "privacy/_consent.html", context)
