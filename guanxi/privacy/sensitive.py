"""Revealing a sensitive value, and logging the reveal.

DOMAIN.md §1: health, financial account, ID number, precise location and minors are hidden by
default, shown only to roles with the permission for a stated purpose, and every reveal is
logged. Which fields are sensitive and how they are masked is guanxi.customers.sensitive
(re-exported here).
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.scope import can_reveal
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.customers.sensitive import MASK, SENSITIVE_FIELDS, mask_value, masked_dict
from guanxi.validation import clean_purpose

from .models import RevealLog

__all__ = [
    "MASK",
    "SENSITIVE_FIELDS",
    "RevealDenied",
    "log_bulk_reveal",
    "mask_value",
    "masked_dict",
    "reveal",
]


class RevealDenied(PermissionError):
    pass


def _revealed(fields, purpose: str, route: str) -> dict:
    """The audit entry of a reveal: which fields (never their values), why, and where."""
    changes = {f: [audit.SENSITIVE_PLACEHOLDER, audit.SENSITIVE_PLACEHOLDER] for f in fields}
    changes["purpose"] = [None, purpose[:200]]
    changes["route"] = [None, route]
    return changes


@transaction.atomic
def reveal(user, customer, field: str, purpose: str, *, route: str = "page"):
    """Return the true value of one sensitive field, logging who, when, which and why (in the
    reveal log and the audit trail)."""
    if field not in SENSITIVE_FIELDS:
        raise KeyError(field)
    if not can_reveal(user, customer):
        raise RevealDenied(_("You do not have permission to view sensitive personal data."))
    purpose = clean_purpose(purpose)  # ValueError: no readable purpose
    RevealLog.objects.create(
        user=user, customer=customer, field=field, purpose=purpose[:200], route=route
    )
    audit.record(
        user, AuditEntry.Action.REVEAL, customer, changes=_revealed([field], purpose, route)
    )
    return getattr(customer, field)


@transaction.atomic
def log_bulk_reveal(user, customers, fields, purpose: str, route: str) -> None:
    """Exports with sensitive columns log one row per customer and field, and one audit entry
    per customer; ValueError for a purpose clean_purpose refuses (callers check it first)."""
    purpose = clean_purpose(purpose)
    customers = list(customers)
    RevealLog.objects.bulk_create(
        [
            RevealLog(user=user, customer=c, field=f, purpose=purpose[:200], route=route)
            for c in customers
            for f in fields
        ],
        batch_size=1000,
    )
    audit.record_many(
        user, AuditEntry.Action.REVEAL, customers, changes=_revealed(fields, purpose, route)
    )
