"""Recording changes. Called explicitly by every service that writes customer data."""

from decimal import Decimal

from django.db import models

from guanxi.bulk import BulkInsert

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


class ManyRecords:
    """record() for many new records at once (imports), made ready before the write
    transaction; save() writes the entries once the records have their ids. `changes` may be
    a generator: each entry's changes are then held only as the JSON to store."""

    def __init__(self, actor, action: str, model: type[models.Model], changes):
        actor = actor if actor is not None and actor.is_authenticated else None
        self.insert = BulkInsert(
            AuditEntry,
            (
                AuditEntry(
                    actor=actor,
                    action=action,
                    model=model._meta.model_name,
                    object_id="",
                    changes=entry or {},
                )
                for entry in changes
            ),
            keep_objects=False,
        )

    def save(self, instances: list[models.Model], customer_ids: list) -> None:
        self.insert.set_column("object_id", [str(i.pk) for i in instances])
        self.insert.set_column("customer_id", customer_ids)
        self.insert.execute()
