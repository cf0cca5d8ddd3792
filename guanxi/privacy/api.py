"""Sensitive fields revealed for a stated purpose (logged), consent, export and erasure."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Status

from guanxi.accounts.scope import (
    get_customer_or_404,
    is_manager,
    manageable_customer,
    requestable_customer,
)
from guanxi.api_common import (
    ONE_ERRORS,
    WRITE_ERRORS,
    Id,
    errors,
    forbidden,
)

from . import services
from .models import Consent
from .schemas import (
    ConsentIn,
    ConsentOut,
    ConsentStateOut,
    PersonalDataOut,
    RevealIn,
    RevealOut,
    SubjectRequestIn,
)
from .sensitive import SENSITIVE_FIELDS, RevealDenied, log_bulk_reveal, reveal

router = Router(tags=["privacy"])

MANAGER_ERRORS = errors(400, 401, 403, 404, 422)


@router.post("/customers/{customer_id}/reveal", response={200: RevealOut, **MANAGER_ERRORS})
def reveal_field(request, customer_id: Id, payload: RevealIn):
    """The true value of one sensitive field, for a stated purpose; every reveal is logged.

    404 outside the scope; 403 without the permission to view sensitive data or through a
    collaboration only; 422 for a missing purpose or an unknown field.
    """
    customer = get_customer_or_404(request.user, customer_id)
    try:
        value = reveal(request.user, customer, payload.field, payload.purpose, route="api")
    except RevealDenied as exc:
        raise forbidden(str(exc)) from exc
    except ValueError as exc:
        raise ValidationError({"purpose": [str(exc)]}) from exc
    return {"field": payload.field, "value": value}


def consent_out(consent: Consent) -> dict:
    return {
        field: getattr(consent, field)
        for field in [
            "id",
            "customer_id",
            "purpose",
            "granted",
            "channel",
            "recorded_by_id",
            "recorded_at",
        ]
    }


@router.get("/customers/{customer_id}/consents", response={200: ConsentStateOut, **ONE_ERRORS})
def customer_consents(request, customer_id: Id):
    """Consent in force per purpose and the newest 200 decisions behind it.

    Anyone who may read the customer; 404 when it is outside the caller's scope.
    """
    customer = get_customer_or_404(request.user, customer_id)
    return {
        "state": services.consent_state(customer),
        "history": [consent_out(c) for c in customer.consents.all()[:200]],
    }


@router.post("/customers/{customer_id}/consents", response={201: ConsentOut, **WRITE_ERRORS})
def record_consent(request, customer_id: Id, payload: ConsentIn):
    """Record a consent decision and how it was obtained; the newest per purpose is in force.

    Needs manage rights (the owner's side, never a 协作人): 404 outside the caller's scope,
    403 when read-only or a collaborator; 422 for a refused value.
    """
    customer = manageable_customer(request.user, customer_id)
    consent = services.record_consent(
        request.user, customer, payload.purpose, payload.granted, payload.channel
    )
    return Status(201, consent_out(consent))


def _manager_customer(user, customer_id):
    get_customer_or_404(user, customer_id)
    if not is_manager(user):
        raise forbidden(_("Only managers may answer a customer's data requests."))
    return requestable_customer(user, customer_id)


@router.post(
    "/customers/{customer_id}/personal-data", response={200: PersonalDataOut, **MANAGER_ERRORS}
)
def export_personal_data(request, customer_id: Id, payload: SubjectRequestIn):
    """Everything held about one customer, unmasked, for a subject-access request (logged).

    Managers on the owner's side only: 404 outside the scope, 403 otherwise.
    """
    customer = _manager_customer(request.user, customer_id)
    data = services.export_personal_data(customer)
    log_bulk_reveal(request.user, [customer], list(SENSITIVE_FIELDS), payload.purpose, "api")
    return data


@router.post("/customers/{customer_id}/erase", response={204: None, **MANAGER_ERRORS})
def erase_customer(request, customer_id: Id, payload: SubjectRequestIn):
    """Erase a customer's personal data on request; orders stay, anonymised. Irreversible.

    Managers on the owner's side only: 404 outside the scope, 403 otherwise.
    """
    customer = _manager_customer(request.user, customer_id)
    services.erase_customer(request.user, customer)
    return Status(204, None)
