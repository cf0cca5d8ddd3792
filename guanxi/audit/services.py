"""Recording changes: every write of the customer-data domains (customers, contacts,
collaborators, interactions, tasks, notes, consent, products, orders) and every reveal of
sensitive data goes through `record` (directly, or through `record_update` / `record_many`,
which build their entries the same way). tests/audit enumerates the service functions. The
one exception is the demo loader, which writes its generated company in bulk SQL, unaudited.

What the trail keeps: who did what (create, update, delete, merge, transfer, reveal, erase) to
which record of which customer, when, and {field: [old, new]}. Sensitive values never enter it
(they are replaced by a placeholder); erasure scrubs the personal values it holds
(`scrub_customer`), keeping the fact of each change and the names of the fields.
"""

from datetime import UTC, datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone

from guanxi.bulk import BulkInsert

from .models import AuditEntry

SENSITIVE_PLACEHOLDER = "***"
# What an erased personal value becomes in the trail: the change stays, the value goes.
ERASED_PLACEHOLDER = "[erased]"


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
    for name in [*after, *(name for name in before if name not in after)]:
        old, new = before.get(name), after.get(name)
        if not _same(old, new):
            if name in sensitive:
                changes[name] = [SENSITIVE_PLACEHOLDER, SENSITIVE_PLACEHOLDER]
            else:
                changes[name] = [old, new]
    return changes


def customer_id_of(instance: models.Model):
    """The customer a record belongs to (itself for a customer), or None (a product)."""
    if instance._meta.model_name == "customer":
        return instance.pk
    return getattr(instance, "customer_id", None)


def _entry(actor, action, instance, *, customer_id, changes, fields, sensitive) -> AuditEntry:
    if changes is None and fields:
        values = snapshot(instance, fields)
        if action == AuditEntry.Action.DELETE:
            changes = diff(values, {}, sensitive)
        else:
            changes = diff({}, values, sensitive)
    return AuditEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        model=instance._meta.model_name,
        object_id=str(instance.pk),
        customer_id=customer_id if customer_id is not None else customer_id_of(instance),
        changes=changes or {},
    )


def record(
    actor,
    action: str,
    instance: models.Model,
    *,
    customer_id=None,
    changes: dict | None = None,
    fields: list[str] | None = None,
    sensitive: frozenset[str] = frozenset(),
) -> AuditEntry:
    """Record one write. `changes` as given, or (with `fields`) the values of those fields:
    [None, value] for a create or other action, [value, None] for a delete. The customer is
    found from the instance unless given. Call it before deleting, after saving: a delete also
    records the records that go with it (a customer's contacts, notes, tasks...)."""
    if action == AuditEntry.Action.DELETE:
        _record_cascade(actor, instance)
    entry = _entry(
        actor,
        action,
        instance,
        customer_id=customer_id,
        changes=changes,
        fields=fields,
        sensitive=sensitive,
    )
    entry.save()
    return entry


def record_many(
    actor,
    action: str,
    instances,
    *,
    changes: dict | None = None,
    fields: list[str] | None = None,
    sensitive: frozenset[str] = frozenset(),
    customer_id=None,
) -> int:
    """`record` for many records at once (one insert per 1,000): bulk reveals, erasure."""
    entries = [
        _entry(
            actor,
            action,
            instance,
            customer_id=customer_id,
            changes=changes,
            fields=fields,
            sensitive=sensitive,
        )
        for instance in instances
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def _record_cascade(actor, instance: models.Model) -> None:
    """Entries for the records a delete of `instance` takes with it (on_delete=CASCADE)."""
    from django.db import router
    from django.db.models.deletion import Collector, ProtectedError, RestrictedError

    collector = Collector(using=router.db_for_write(type(instance)))
    try:
        collector.collect([instance])
    except (ProtectedError, RestrictedError):
        return  # the delete itself will be refused
    going = [obj for objs in collector.data.values() for obj in objs]
    going += [obj for qs in collector.fast_deletes for obj in qs]
    going = [
        obj
        for obj in going
        if not obj._meta.auto_created
        and not (type(obj) is type(instance) and obj.pk == instance.pk)
    ]
    with_customer = customer_id_of(instance)
    record_many(
        actor,
        AuditEntry.Action.DELETE,
        going,
        changes={"deleted_with": [f"{instance._meta.model_name} #{instance.pk}", None]},
        customer_id=with_customer,
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
    customer_id=None,
    sensitive: frozenset[str] = frozenset(),
    extra=None,
):
    """Audit an update: the fields that changed since `before` (plus `extra`), if any."""
    changes = diff(before, snapshot(instance, fields), sensitive)
    changes.update(extra or {})
    if changes:
        return record(
            actor, AuditEntry.Action.UPDATE, instance, customer_id=customer_id, changes=changes
        )
    return None


def _scrub(value, personal: set[str]):
    """`value` with every personal string in it replaced; the structure stays."""
    if isinstance(value, str):
        if value in personal or any(p in value for p in personal):
            return ERASED_PLACEHOLDER
        return value
    if isinstance(value, list):
        return [_scrub(v, personal) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, personal) for k, v in value.items()}
    return value


def scrub_customer(customer_id: int, personal_values=()) -> int:
    """Remove personal data from a customer's trail (erasure): every old and new value of its
    entries and its contacts', interactions', notes', tasks' and consents' entries becomes
    ERASED_PLACEHOLDER, except values that are not personal (numbers, booleans, and the
    values of the fields in KEPT_FIELDS such as order totals). The action, record type, record,
    actor, time and field names stay. `personal_values` (the customer's former name, phones,
    e-mails) are also removed wherever they appear in other entries of this customer. Returns
    the number of entries changed."""
    personal = {str(v) for v in personal_values if isinstance(v, str) and len(v.strip()) >= 2}
    changed = []
    for entry in AuditEntry.objects.filter(customer_id=customer_id).only("id", "changes", "model"):
        kept = KEPT_FIELDS.get(entry.model, frozenset())
        scrubbed = {}
        for name, value in (entry.changes or {}).items():
            if name in kept:
                scrubbed[name] = _scrub(value, personal)
            else:
                scrubbed[name] = _erase_values(value)
        if scrubbed != entry.changes:
            entry.changes = scrubbed
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["changes"], batch_size=1000)
    return len(changed)


# Values that describe the business, not the person: they stay in an erased customer's trail
# (the books keep anonymised orders), unless one of the person's own values appears in them.
KEPT_FIELDS: dict[str, frozenset[str]] = {
    "order": frozenset(
        {"number", "total", "status", "currency", "ordered_at", "lines", "refunded_total"}
    ),
    "refund": frozenset({"order", "amount", "refunded_on", "lines"}),
    "customer": frozenset(
        {"kind", "category", "level", "source", "owner", "department", "points", "erased", "route"}
    ),
    "consent": frozenset({"purpose", "granted"}),
    "interaction": frozenset({"channel", "direction", "content_kind", "occurred_at"}),
    "task": frozenset({"kind", "due_at", "done_at", "assignee"}),
    "note": frozenset({"kind"}),
}


def _erase_values(value):
    if isinstance(value, str) and value not in ("", SENSITIVE_PLACEHOLDER):
        return ERASED_PLACEHOLDER
    if isinstance(value, list):
        return [_erase_values(v) for v in value]
    if isinstance(value, dict):
        return {k: _erase_values(v) for k, v in value.items()}
    return value


def record_rows(actor, action: str, model: str, entries) -> int:
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
