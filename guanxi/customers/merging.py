"""Merging duplicates (合并) and undoing a merge.

The duplicate is never deleted: it is hidden (merged_into) and everything that hung on it moves
to the survivor. A MergeRecord lists what moved and the survivor's values before and after, so
an undo restores the duplicate and moves back exactly those records. The audit trail keeps its
entries' customer ids (history stays where it happened); merge and undo are audited on both.
Callers check manage rights on both customers (guanxi.accounts.scope.mergeable_pair) first.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.services_common import customers_changed_hands

from .models import Collaborator, Customer, MergeRecord
from .normalize import NAME_KEY_FIELDS, set_name_keys
from .services import _SENSITIVE, EDITABLE_FIELDS

SURVIVOR, OTHER = "survivor", "other"
# (name in MergeRecord.moved, model label, foreign key to the customer)
MOVED_RELATIONS = [
    ("contact", "customers.Contact", "customer"),
    ("interaction", "activities.Interaction", "customer"),
    ("note", "activities.Note", "customer"),
    ("task", "activities.Task", "customer"),
    ("order", "sales.Order", "customer"),
    ("consent", "privacy.Consent", "customer"),
    ("collaborator", "customers.Collaborator", "customer"),
    ("referral", "customers.Customer", "referred_by"),
    # by label, not import: guanxi.contracts sits above this app
    ("quote", "contracts.Quote", "customer"),
    ("contract", "contracts.Contract", "customer"),
    ("payment", "contracts.Payment", "customer"),
    # open work must not stay on a record that takes no writes (scope.scoped)
    ("opportunity", "pipeline.Opportunity", "customer"),
    ("case", "service.Case", "customer"),
]


def _empty(value) -> bool:
    return value in ("", None, [], {})


def default_choices(survivor: Customer, other: Customer) -> dict[str, str]:
    """Per field, whose value to keep: the survivor's, unless only the other has one."""
    return {
        field: OTHER
        if _empty(getattr(survivor, field)) and not _empty(getattr(other, field))
        else SURVIVOR
        for field in EDITABLE_FIELDS
    }


def differing_fields(survivor: Customer, other: Customer) -> list[str]:
    """The fields where the two customers hold different values (what the page asks about)."""
    return [f for f in EDITABLE_FIELDS if getattr(survivor, f) != getattr(other, f)]


def _movable(label: str, fk: str, survivor: Customer, other: Customer):
    """The rows of `label` hanging on `other` that can move to `survivor` without a clash."""
    model = apps.get_model(label)
    qs = model.objects.filter(**{fk: other})
    if model is Collaborator:
        taken = Collaborator.objects.filter(customer=survivor).values("user_id")
        qs = qs.exclude(user_id__in=taken).exclude(user_id=survivor.owner_id)
    elif label == "activities.Task":
        # One birthday/anniversary reminder per customer and day: a clashing one stays.
        reminders = model.objects.filter(
            customer=survivor, kind__in=["birthday", "anniversary"]
        ).values_list("kind", "due_at")
        clash = Q()
        for kind, due_at in reminders:
            clash |= Q(kind=kind, due_at=due_at)
        if reminders:
            qs = qs.exclude(clash)
    elif model is Customer:
        qs = qs.exclude(pk=survivor.pk)
    return model, qs


@transaction.atomic
def merge_customers(actor, survivor: Customer, other: Customer, choices: dict | None = None):
    """Merge `other` into `survivor`, taking the other's value where choices[field] == "other".

    Returns the MergeRecord. Refuses merging a customer with itself, an erased or an already
    merged customer.
    """
    transaction.on_commit(customers_changed_hands)  # dashboards' scope caches
    locked = {
        c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[survivor.pk, other.pk])
    }
    if survivor.pk == other.pk or len(locked) != 2:
        raise ValidationError(_("Choose two different customers to merge."))
    survivor, other = locked[survivor.pk], locked[other.pk]
    for customer in (survivor, other):
        if customer.erased_at or customer.merged_into_id:
            raise ValidationError(
                _("“%(name)s” was erased or merged already and cannot be merged.")
                % {"name": customer.name}
            )
    choices = {**default_choices(survivor, other), **(choices or {})}
    unknown = set(choices) - set(EDITABLE_FIELDS)
    if unknown or set(choices.values()) - {SURVIVOR, OTHER}:
        raise ValidationError(_("Say for each field whose value to keep."))
    before = audit.snapshot(survivor, EDITABLE_FIELDS)
    taken = [f for f, side in choices.items() if side == OTHER]
    for field in taken:
        setattr(survivor, field, getattr(other, field))
    if "name" in taken:
        for field in NAME_KEY_FIELDS:
            setattr(survivor, field, getattr(other, field))
    survivor.full_clean(exclude=["owner", "department", "referred_by", "tags", "version"])
    after = audit.snapshot(survivor, EDITABLE_FIELDS)
    changed = {f: [before[f], after[f]] for f in after if before[f] != after[f]}

    # The other customer is hidden first, so its values do not count as duplicates.
    other.merged_into = survivor
    other.merged_at = timezone.now()
    other.version += 1
    other.save(update_fields=["merged_into", "merged_at", "version", "updated_at"])

    moved = {}
    for name, label, fk in MOVED_RELATIONS:
        model, qs = _movable(label, fk, survivor, other)
        ids = list(qs.values_list("pk", flat=True))
        if ids:
            model.objects.filter(pk__in=ids).update(**{fk: survivor})
        moved[name] = ids
    survivor_tags = set(survivor.tags.values_list("pk", flat=True))
    added_tags = [pk for pk in other.tags.values_list("pk", flat=True) if pk not in survivor_tags]
    survivor.tags.add(*added_tags)
    moved["tag"] = added_tags

    survivor.version += 1
    survivor.save(
        update_fields=[
            *changed,
            *(NAME_KEY_FIELDS if "name" in changed else []),
            "version",
            "updated_at",
        ]
    )
    record = MergeRecord.objects.create(
        survivor=survivor,
        merged=other,
        survivor_before={f: before[f] for f in changed},
        survivor_after={f: after[f] for f in changed},
        moved=moved,
        merged_by_user=actor if getattr(actor, "is_authenticated", False) else None,
    )
    counts = {name: len(ids) for name, ids in moved.items() if ids}
    audit.record(
        actor,
        audit.AuditEntry.Action.MERGE,
        survivor,
        customer_id=survivor.pk,
        changes={
            **audit.diff(before, after, _SENSITIVE),
            "merged": [other.pk, other.name],
            "moved": counts,
        },
    )
    audit.record(
        actor,
        audit.AuditEntry.Action.MERGE,
        other,
        customer_id=other.pk,
        changes={"merged_into": [None, survivor.pk], "moved": counts},
    )
    return record


@transaction.atomic
def undo_merge(actor, record: MergeRecord) -> MergeRecord:
    """Restore the merged customer and move back what the merge moved.

    Records added to the survivor after the merge stay with it; a field of the survivor edited
    after the merge keeps its newer value (only values the merge set are put back).
    """
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if record.undone_at is not None:
        raise ValidationError(_("This merge was undone already."))
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(
            pk__in=[record.survivor_id, record.merged_id]
        )
    }
    survivor, other = locked[record.survivor_id], locked[record.merged_id]
    if survivor.merged_into_id or survivor.erased_at:
        raise ValidationError(
            _("“%(name)s” was merged or erased since; undo that first.") % {"name": survivor.name}
        )
    _refuse_blocked_values(survivor, other)

    for name, label, fk in MOVED_RELATIONS:
        ids = record.moved.get(name) or []
        if ids:
            model = apps.get_model(label)
            model.objects.filter(pk__in=ids, **{fk: survivor}).update(**{fk: other})
    if record.moved.get("tag"):
        survivor.tags.remove(*record.moved["tag"])

    before = audit.snapshot(survivor, EDITABLE_FIELDS)
    restored = []
    for field, value in record.survivor_before.items():
        if before.get(field) == record.survivor_after.get(field):
            field_obj = Customer._meta.get_field(field)
            setattr(survivor, field, field_obj.to_python(value))
            restored.append(field)
    if "name" in restored:
        set_name_keys(survivor)
    survivor.version += 1
    survivor.save(
        update_fields=[
            *restored,
            *(NAME_KEY_FIELDS if "name" in restored else []),
            "version",
            "updated_at",
        ]
    )
    other.merged_into = None
    other.merged_at = None
    other.version += 1
    other.save(update_fields=["merged_into", "merged_at", "version", "updated_at"])

    record.undone_at = timezone.now()
    record.undone_by = actor if getattr(actor, "is_authenticated", False) else None
    record.save(update_fields=["undone_at", "undone_by"])
    after = audit.snapshot(survivor, EDITABLE_FIELDS)
    audit.record(
        actor,
        audit.AuditEntry.Action.UNMERGE,
        survivor,
        customer_id=survivor.pk,
        changes={**audit.diff(before, after, _SENSITIVE), "unmerged": [other.pk, other.name]},
    )
    audit.record(
        actor,
        audit.AuditEntry.Action.UNMERGE,
        other,
        customer_id=other.pk,
        changes={"merged_into": [survivor.pk, None]},
    )
    return record


def _refuse_blocked_values(survivor: Customer, other: Customer) -> None:
    """An undo brings `other` back with its values: refused when the 查重 policy blocks one
    that a customer other than the pair took while it was merged (a merged duplicate does not
    count for 查重), as creating it would be."""
    from .services import BLOCK, DUPLICATE_FIELDS, _check_duplicates, duplicate_policy

    policy = duplicate_policy()
    values = {f: getattr(other, f) for f in DUPLICATE_FIELDS if policy[f] == BLOCK}
    try:
        # the creation's own check, under its lock: `other` is still merged, so not a live
        # customer, and only one beside the pair can hold its values
        _check_duplicates(values, exclude_pk=survivor.pk)
    except ValidationError as exc:
        field = next(iter(exc.message_dict))
        raise ValidationError(
            _(
                "“%(name)s” cannot come back: another customer has taken its %(field)s "
                "meanwhile, which the duplicate check (查重) blocks. Merge that customer or "
                "change the value first."
            )
            % {"name": other.name, "field": Customer._meta.get_field(field).verbose_name}
        ) from exc


def merges_of(customer: Customer):
    """The merges into this customer that can still be undone, newest first (not one whose
    duplicate was erased since: its personal data is gone)."""
    undoable = MergeRecord.objects.filter(
        survivor=customer, undone_at__isnull=True, merged__erased_at__isnull=True
    )
    return undoable.select_related("merged", "merged_by_user__profile")


def forget_merged_values(customer: Customer) -> int:
    """Erasure: drop the field values merge records of this customer keep for an undo.

    An undo afterwards still moves the records back, but restores no values.
    """
    return MergeRecord.objects.filter(Q(survivor=customer) | Q(merged=customer)).update(
        survivor_before={}, survivor_after={}
    )
