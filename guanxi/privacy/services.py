"""Consent, and a customer's rights: export of their data and erasure on request."""

from django.db import transaction
from django.utils import timezone

from guanxi.audit import services as audit

from .models import Consent, ConsentPurpose


@transaction.atomic
def record_consent(actor, customer, purpose: str, granted: bool, channel: str = "") -> Consent:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if purpose not in ConsentPurpose.values:
        raise ValidationError(
            {
                "purpose": [
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(ConsentPurpose.values)}
                ]
            }
        )
    return Consent.objects.create(
        customer=customer, purpose=purpose, granted=granted, channel=channel[:50], recorded_by=actor
    )


def consent_state(customer) -> dict[str, bool | None]:
    """The decision in force per purpose (None: never asked)."""
    state: dict[str, bool | None] = dict.fromkeys(ConsentPurpose.values)
    for consent in Consent.objects.filter(customer=customer).order_by("recorded_at", "id"):
        state[consent.purpose] = consent.granted
    return state


def may_contact(customer, purpose: str = ConsentPurpose.MARKETING) -> bool:
    """A do-not-contact customer is never contacted; marketing needs a granted consent."""
    if customer.do_not_contact or customer.erased_at is not None:
        return False
    if purpose == ConsentPurpose.SERVICE:
        return True
    return consent_state(customer).get(purpose) is True


def export_personal_data(customer) -> dict:
    """Everything held about one customer, for a subject-access request (unmasked, logged)."""
    from guanxi.activities.models import Interaction, Note, Task
    from guanxi.customers.services import EDITABLE_FIELDS
    from guanxi.sales.models import Order

    def plain(value):
        return (
            value.isoformat()
            if hasattr(value, "isoformat")
            else (
                str(value)
                if value is not None and not isinstance(value, bool | int | list | dict)
                else value
            )
        )

    return {
        "customer": {f: plain(getattr(customer, f)) for f in EDITABLE_FIELDS},
        "tags": list(customer.tags.values_list("name", flat=True)),
        "contacts": list(customer.contacts.values("name", "title", "mobile", "email")),
        "orders": [
            {
                "number": o.number,
                "ordered_at": o.ordered_at.isoformat(),
                "total": str(o.total),
                "status": o.status,
            }
            for o in Order.objects.filter(customer=customer)
        ],
        "interactions": [
            {
                "channel": i.channel,
                "direction": i.direction,
                "subject": i.subject,
                "content": i.content,
                "occurred_at": i.occurred_at.isoformat(),
            }
            for i in Interaction.objects.filter(customer=customer)
        ],
        "notes": [
            {"body": n.body, "created_at": n.created_at.isoformat()}
            for n in Note.objects.filter(customer=customer)
        ],
        "tasks": [
            {"title": t.title, "due_at": t.due_at.isoformat()}
            for t in Task.objects.filter(customer=customer)
        ],
        "consents": [
            {"purpose": c.purpose, "granted": c.granted, "recorded_at": c.recorded_at.isoformat()}
            for c in customer.consents.all()
        ],
    }


@transaction.atomic
def erase_customer(actor, customer) -> None:
    """Erase personal data on request; orders stay (anonymised) for the books and analytics."""
    from guanxi.activities.models import Interaction, Note, Task
    from guanxi.customers.merging import forget_merged_values
    from guanxi.customers.models import Customer, CustomerLevel

    keep = {
        "id",
        "kind",
        "category",
        "level",
        "source",
        "owner",
        "department",
        "created_at",
        "updated_at",
        "erased_at",
        "points",
        "version",
        "merged_into",
        "merged_at",
    }
    for field in Customer._meta.concrete_fields:
        if field.name in keep or field.primary_key:
            continue
        if field.has_default():
            setattr(customer, field.attname, field.get_default())
        elif field.null:
            setattr(customer, field.attname, None)
        elif field.get_internal_type() in {"CharField", "TextField", "EmailField"}:
            setattr(customer, field.attname, "")
    customer.name = f"#{customer.pk}"
    customer.level = customer.level or CustomerLevel.C
    customer.erased_at = timezone.now()
    customer.do_not_contact = True
    customer.version += 1  # an edit based on the record before erasure is stale
    customer.save()
    forget_merged_values(customer)
    customer.tags.clear()
    customer.contacts.all().delete()
    Interaction.objects.filter(customer=customer).update(content="", subject="—")
    Note.objects.filter(customer=customer).delete()
    Task.objects.filter(customer=customer).delete()
    audit.record(actor, audit.AuditEntry.Action.ERASE, customer, customer_id=customer.pk)
