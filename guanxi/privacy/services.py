"""Consent, and a customer's rights: export of their data and erasure on request.

Every write is recorded in the audit trail; erasure also scrubs the personal values the trail
holds about the customer (keeping the fact of each change).
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.scope import require_answer_requests, require_manage
from guanxi.activities.models import Interaction, Note, Task
from guanxi.activities.services import NOTE_FIELDS, TASK_FIELDS
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.customers.merging import forget_merged_values
from guanxi.customers.models import Customer, CustomerLevel
from guanxi.customers.services import EDITABLE_FIELDS
from guanxi.sales.models import Order, Refund
from guanxi.services_common import (
    customer_erased,
    customers_changed_hands,
    personal_data_sections,
)
from guanxi.validation import Errors, check_text

from .models import Consent, ConsentPurpose

CONSENT_FIELDS = ["purpose", "granted", "channel"]


@transaction.atomic
def record_consent(actor, customer, purpose: str, granted: bool, channel: str = "") -> Consent:
    """Record a consent decision (granted or withdrawn) for one purpose; audited.

    Only the customer's owner side (scope.require_manage): consent is the person's word to the
    business that holds their data, not a collaborator's to change."""
    require_manage(
        actor,
        customer,
        _(
            "Only the customer's owner or a colleague whose data scope covers it may record "
            "or withdraw consent."
        ),
    )
    errors = Errors()
    if purpose not in ConsentPurpose.values:
        errors.add(
            "purpose",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(ConsentPurpose.values)},
        )
    if not isinstance(granted, bool):
        errors.add("granted", _("Say whether the consent is granted or withdrawn."))
    errors.check("channel", check_text, channel, max_length=50, multiline=False)
    errors.raise_any()
    consent = Consent.objects.create(
        customer=customer,
        purpose=purpose,
        granted=granted,
        channel=(channel or "").strip(),
        recorded_by=actor,
    )
    audit.record(actor, AuditEntry.Action.CREATE, consent, fields=CONSENT_FIELDS)
    return consent


def decision_in_force(customer_id, purpose: str):
    """An expression for the decision in force for one purpose (None: never asked): the newest
    row, as consent_state reads it, for a query that asks it along with others."""
    from django.db.models import Subquery

    newest = Consent.objects.filter(customer_id=customer_id, purpose=purpose)
    return Subquery(newest.order_by("-recorded_at", "-id").values("granted")[:1])


def consent_state(customer) -> dict[str, bool | None]:
    """The decision in force per purpose (None: never asked)."""
    state: dict[str, bool | None] = dict.fromkeys(ConsentPurpose.values)
    decisions = Consent.objects.filter(customer=customer).order_by("recorded_at", "id")
    for purpose, granted in decisions.values_list("purpose", "granted"):  # no model per row
        state[purpose] = granted
    return state


def may_contact(customer, purpose: str = ConsentPurpose.MARKETING) -> bool:
    """A do-not-contact customer is never contacted; marketing needs a granted consent."""
    if customer.do_not_contact or customer.erased_at is not None:
        return False
    if purpose == ConsentPurpose.SERVICE:
        return True
    return consent_state(customer).get(purpose) is True


def export_personal_data(customer) -> dict:
    """Everything held about one customer, for a subject-access request (unmasked, logged):
    its own records here and below, and the sections the apps above register in
    services_common (cases, survey invitations and answers, reviews)."""

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
        "refunds": [
            {
                "order": r.order.number,
                "amount": str(r.amount),
                "reason": r.reason,
                "refunded_on": r.refunded_on.isoformat(),
                "lines": [
                    {"sku": line.line.product.sku, "quantity": line.quantity}
                    for line in r.lines.all()
                ],
            }
            for r in Refund.objects.filter(order__customer=customer)
            .select_related("order")
            .prefetch_related("lines__line__product")
            .order_by("refunded_on", "id")
        ],
        "consents": [
            {"purpose": c.purpose, "granted": c.granted, "recorded_at": c.recorded_at.isoformat()}
            for c in customer.consents.all()
        ],
        **personal_data_sections(customer),
    }


@transaction.atomic
def erase_customer(actor, customer) -> None:
    """Erase personal data on request; orders stay (anonymised) for the books and analytics.

    The audit trail keeps that each change happened (action, record, who, when, field names)
    and the erasure itself, but no personal value: the customer's, its contacts', notes',
    tasks', interactions' and consents' entries are scrubbed (audit.scrub_customer).
    """
    transaction.on_commit(customers_changed_hands)  # dashboards' scope caches

    require_answer_requests(actor, customer)  # a merged duplicate's data too

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
    personal = _personal_values(customer, keep)
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
    contacts = list(customer.contacts.all())
    notes = list(Note.objects.filter(customer=customer))
    tasks = list(Task.objects.filter(customer=customer))
    interactions = list(Interaction.objects.filter(customer=customer).only("id", "customer_id"))
    audit.record_many(actor, AuditEntry.Action.DELETE, contacts, fields=["name"])
    audit.record_many(actor, AuditEntry.Action.DELETE, notes, fields=NOTE_FIELDS)
    audit.record_many(actor, AuditEntry.Action.DELETE, tasks, fields=TASK_FIELDS)
    audit.record_many(
        actor,
        AuditEntry.Action.ERASE,
        interactions,
        changes={"subject": [None, "—"], "content": [None, ""]},
    )
    # Consent decisions stay as proof (purpose, granted, when); how they were obtained may
    # name the person, so that goes.
    consents = list(Consent.objects.filter(customer=customer).exclude(channel=""))
    audit.record_many(actor, AuditEntry.Action.ERASE, consents, changes={"channel": [None, ""]})
    Consent.objects.filter(pk__in=[c.pk for c in consents]).update(channel="")
    # Orders stay for the books; why one was cancelled or refunded is free text that may name
    # the person, so that goes (the amounts and dates stay).
    cancelled = list(Order.objects.filter(customer=customer).exclude(cancel_reason=""))
    audit.record_many(
        actor, AuditEntry.Action.ERASE, cancelled, changes={"cancel_reason": [None, ""]}
    )
    Order.objects.filter(pk__in=[o.pk for o in cancelled]).update(cancel_reason="")
    refunds = list(Refund.objects.filter(order__customer=customer).select_related("order"))
    audit.record_many(actor, AuditEntry.Action.ERASE, refunds, changes={"reason": [None, "—"]})
    Refund.objects.filter(pk__in=[r.pk for r in refunds]).update(reason="—")
    customer.contacts.all().delete()
    Interaction.objects.filter(customer=customer).update(
        content="", subject="—", version=F("version") + 1
    )
    Note.objects.filter(customer=customer).delete()
    Task.objects.filter(customer=customer).delete()
    customer_erased.send(sender=None, actor=actor, customer=customer)  # apps above: cases
    audit.scrub_customer(customer.pk, personal)
    audit.record(
        actor,
        AuditEntry.Action.ERASE,
        customer,
        changes={"erased": [None, customer.erased_at.isoformat()]},
    )


def _personal_values(customer, keep: set[str]) -> list[str]:
    """The strings that identify this customer (its erased and its contacts' text fields), to
    find them anywhere in its audit trail."""
    values = []
    for field in customer._meta.concrete_fields:
        if field.name in keep:
            continue
        if field.get_internal_type() in {"CharField", "TextField", "EmailField"}:
            values.append(getattr(customer, field.attname))
    for contact in customer.contacts.all():
        values.extend(
            getattr(contact, f.attname)
            for f in contact._meta.concrete_fields
            if f.get_internal_type() in {"CharField", "TextField", "EmailField"}
        )
    return [v for v in values if isinstance(v, str) and v.strip()]
