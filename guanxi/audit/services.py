"""Recording changes. Called explicitly by every service that writes customer data."""

from decimal import Decimal

from django.db import models

from .models import AuditEntry

SENSITIVE_PLACEHOLDER = "***"


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: dict, after: dict, sensitive: frozenset[str] = frozenset()) -> dict:
    """{field: [old, new]} for changed fields; sensitive values never enter the trail."""
    changes = {}
    for name, new in after.items():
        old = before.get(name)
        if old != new:
            if name in sensitive:
                changes[name] = [SENSITIVE_PLACEHOLDER, SENSITIVE_PLACEHOLDER]
            else:
                changes[name] = [old, new]
    return changes


def record(actor, action: str, instance: models.Model, *, customer_id=None, changes=None):
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        model=instance._meta.model_name,
        object_id=str(instance.pk),
        customer_id=customer_id,
        changes=changes or {},
    )


def trail_for_customer(customer_id: int):
    return AuditEntry.objects.filter(customer_id=customer_id).select_related("actor")


def trail_for(instance: models.Model):
    """The entries about one record that is not a customer's (a user account, a department)."""
    return AuditEntry.objects.filter(
        model=instance._meta.model_name, object_id=str(instance.pk)
    ).select_related("actor__profile")


def record_update(
    actor,
    instance: models.Model,
    before: dict,
    fields: list[str],
    *,
    customer_id,
    sensitive: frozenset[str] = frozenset(),
    extra=None,
):
    """Audit an update: the fields that changed since `before` (plus `extra`), if any."""
    changes = diff(before, snapshot(instance, fields), sensitive)
    changes.update(extra or {})
    if changes:
        record(actor, AuditEntry.Action.UPDATE, instance, customer_id=customer_id, changes=changes)


def record_many(actor, action: str, model: str, entries) -> int:
    """One entry per record in a bulk write (e.g. a transfer of many customers), in one query.

    `entries` yields (object_id, customer_id, changes).
    """
    rows = [
        AuditEntry(
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=action,
            model=model,
            object_id=str(object_id),
            customer_id=customer_id,
            changes=changes or {},
        )
        for object_id, customer_id, changes in entries
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=500)
    return len(rows)
