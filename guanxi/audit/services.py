"""Recording changes. Called explicitly by every service that writes customer data."""

from datetime import UTC, datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone

from .models import AuditEntry

SENSITIVE_PLACEHOLDER = "***"


def _plain(value):
    """A JSON-ready value; one spelling per value, so equal values compare equal as text.

    An aware datetime is written in UTC: the same moment read back from the database (UTC) and
    from a form (the site's time zone) would otherwise differ as strings and log a change.
    """
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime) and timezone.is_aware(value):
        return value.astimezone(UTC).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _same(old, new) -> bool:
    """Compare values, not spellings: two ISO texts of one moment are the same value."""
    if old == new or (old in (None, "") and new in (None, "")):  # empty either way
        return True
    if isinstance(old, str) and isinstance(new, str) and ":" in old and ":" in new:
        try:
            a, b = datetime.fromisoformat(old), datetime.fromisoformat(new)
        except ValueError:
            return False
        if timezone.is_aware(a) == timezone.is_aware(b):
            return a == b
    return False


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: dict, after: dict, sensitive: frozenset[str] = frozenset()) -> dict:
    """{field: [old, new]} for changed fields; sensitive values never enter the trail."""
    changes = {}
    for name, new in after.items():
        old = before.get(name)
        if not _same(old, new):
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
