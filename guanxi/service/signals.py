"""Erasure reaches the cases: guanxi.privacy's erase_customer sits below this app (it cannot
know the cases) and sends services_common.customer_erased; its cases' free text (subject,
description, resolution, follow-up note) is blanked here, as erasure blanks the interactions'.
Classification, dates, status, scores and amounts stay for the complaint figures. The trail
records the erasure of each case by the erasing user, and erase_customer's scrub then removes
the old values from the case entries like from every entry of the customer."""

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
