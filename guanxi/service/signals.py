"""Erasure reaches the cases: guanxi.privacy's erase_customer sits below this app (it cannot
know the cases) and sends services_common.customer_erased; its cases' free text (subject,
description, resolution, follow-up note) is blanked here, as erasure blanks the interactions'.
Classification, dates, status, scores and amounts stay for the complaint figures. The trail
records the erasure of each case by the erasing user, and erase_customer's scrub then removes
the old values from the case entries like from every entry of the customer.

A subject-access export (guanxi.privacy's export_personal_data) gets the customer's cases from
personal_data, registered as the "cases" section in apps.py."""

from django.db.models import F

from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry

ERASED_SUBJECT = "—"


def customer_erased(sender, actor, customer, **kwargs):
    from .models import Case

    found = list(Case.objects.filter(customer_id=customer.pk).only("id", "customer_id"))
    if not found:
        return
    audit.record_many(
        actor,
        AuditEntry.Action.ERASE,
        found,
        changes={
            "subject": [None, ERASED_SUBJECT],
            "description": [None, ""],
            "resolution": [None, ""],
            "satisfaction_note": [None, ""],
        },
    )
    Case.objects.filter(pk__in=[c.pk for c in found]).update(
        subject=ERASED_SUBJECT,
        description="",
        resolution="",
        satisfaction_note="",
        version=F("version") + 1,
    )


def _iso(value):
    return value.isoformat() if value is not None else None


def personal_data(customer) -> list[dict]:
    """The customer's cases for its subject-access export: what was said and done, when."""
    from .models import Case

    return [
        {
            "id": case.pk,
            "opened_at": _iso(case.opened_at),
            "channel": case.channel,
            "dissatisfaction": case.dissatisfaction,
            "intent": case.intent,
            "cause": case.cause,
            "subject": case.subject,
            "description": case.description,
            "status": case.status,
            "priority": case.priority,
            "resolution": case.resolution,
            "compensation_kind": case.compensation_kind,
            "compensation_amount": (
                str(case.compensation_amount) if case.compensation_amount is not None else None
            ),
            "resolved_at": _iso(case.resolved_at),
            "closed_at": _iso(case.closed_at),
            "satisfaction_score": case.satisfaction_score,
            "satisfaction_note": case.satisfaction_note,
            "followed_up_at": _iso(case.followed_up_at),
        }
        for case in Case.objects.filter(customer_id=customer.pk).order_by("opened_at", "id")
    ]
