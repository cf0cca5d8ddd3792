"""Writes on interactions, tasks and notes; birthday and anniversary reminders."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit

from .models import Channel, ContentKind, Direction, Interaction, Note, NoteKind, Task, TaskKind

INTERACTION_FIELDS = ["channel", "direction", "content_kind", "subject", "content", "occurred_at"]
TASK_FIELDS = ["kind", "title", "description", "due_at", "remind_at"]


def _choice(errors: dict, data: dict, field: str, choices, required: bool = True):
    value = data.get(field)
    if value in (None, "") and not required:
        return
    if value not in choices.values:
        errors[field] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}]


@transaction.atomic
def record_interaction(actor, customer, data: dict, *, contact=None) -> Interaction:
    """Record a touch. Outbound contact with a do-not-contact customer is refused."""
    data = {k: v for k, v in data.items() if k in INTERACTION_FIELDS}
    errors: dict = {}
    _choice(errors, data, "channel", Channel)
    _choice(errors, data, "direction", Direction)
    _choice(errors, data, "content_kind", ContentKind, required=False)
    if not (data.get("subject") or "").strip():
        errors["subject"] = [_("Give the interaction a subject.")]
    if errors:
        raise ValidationError(errors)
    if data["direction"] == Direction.OUTBOUND and customer.do_not_contact:
        raise ValidationError(
            _("This customer asked not to be contacted; outbound contact is not allowed.")
        )
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError({"contact": [_("This contact belongs to another customer.")]})
    interaction = Interaction(customer=customer, contact=contact, user=actor, **data)
    if not interaction.occurred_at:
        interaction.occurred_at = timezone.now()
    interaction.content_kind = interaction.content_kind or ContentKind.INFORMATION
    interaction.full_clean(exclude=["customer", "contact", "user"])
    interaction.save()
    return interaction


@transaction.atomic
def update_interaction(actor, interaction: Interaction, data: dict) -> Interaction:
    """Correct a recorded touch; the same rules as recording it."""
    data = {k: v for k, v in data.items() if k in INTERACTION_FIELDS}
    errors: dict = {}
    for field, choices in [("channel", Channel), ("direction", Direction)]:
        if field in data:
            _choice(errors, data, field, choices)
    if "content_kind" in data:
        _choice(errors, data, "content_kind", ContentKind, required=False)
    if "subject" in data and not (data["subject"] or "").strip():
        errors["subject"] = [_("Give the interaction a subject.")]
    if errors:
        raise ValidationError(errors)
    if (
        data.get("direction") == Direction.OUTBOUND
        and interaction.direction != Direction.OUTBOUND
        and interaction.customer.do_not_contact
    ):
        raise ValidationError(
            _("This customer asked not to be contacted; outbound contact is not allowed.")
        )
    for field, value in data.items():
        setattr(interaction, field, value)
    interaction.content_kind = interaction.content_kind or ContentKind.INFORMATION
    interaction.full_clean(exclude=["customer", "contact", "user"])
    interaction.save()
    return interaction


@transaction.atomic
def delete_interaction(actor, interaction: Interaction) -> None:
    interaction.delete()


@transaction.atomic
def create_task(actor, data: dict, *, customer=None, assignee=None) -> Task:
    data = {k: v for k, v in data.items() if k in TASK_FIELDS}
    errors: dict = {}
    _choice(errors, data, "kind", TaskKind, required=False)
    if not (data.get("title") or "").strip():
        errors["title"] = [_("Give the task a title.")]
    if not data.get("due_at"):
        errors["due_at"] = [_("Give the task a due date.")]
    if errors:
        raise ValidationError(errors)
    task = Task(customer=customer, assignee=assignee or actor, created_by=actor, **data)
    task.kind = task.kind or TaskKind.TASK
    task.full_clean(exclude=["customer", "assignee", "created_by"])
    _save_task(task)
    return task


@transaction.atomic
def update_task(actor, task: Task, data: dict) -> Task:
    for field, value in data.items():
        if field in TASK_FIELDS:
            setattr(task, field, value)
    task.full_clean(exclude=["customer", "assignee", "created_by"])
    _save_task(task)
    return task


def _save_task(task: Task) -> None:
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError as exc:  # one birthday/anniversary reminder per customer and day
        raise ValidationError(
            {"due_at": [_("This customer already has a reminder of this kind at this time.")]}
        ) from exc


@transaction.atomic
def complete_task(actor, task: Task, done: bool = True) -> Task:
    """Mark a task done, or open it again (done=False: the Undo after marking it done); audited."""
    before = audit.snapshot(task, ["done_at"])
    if done and task.done_at is not None:
        return task  # already done: keep when it was done
    task.done_at = timezone.now() if done else None
    task.save(update_fields=["done_at", "updated_at"])
    audit.record_update(actor, task, before, ["done_at"], customer_id=task.customer_id)
    return task


@transaction.atomic
def delete_task(actor, task: Task) -> None:
    task.delete()


@transaction.atomic
def add_note(actor, customer, body: str, kind: str = NoteKind.GENERAL) -> Note:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("The note is empty.")]})
    if kind not in NoteKind.values:
        raise ValidationError(
            {"kind": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(NoteKind.values)}]}
        )
    note = Note(customer=customer, body=body, kind=kind, author=actor)
    note.save()
    return note


def _next_occurrence(d: date, today: date) -> date:
    for year in (today.year, today.year + 1):
        try:
            candidate = d.replace(year=year)
        except ValueError:  # 29 February in a common year: remind on 28 February
            candidate = date(year, 2, 28)
        if candidate >= today:
            return candidate
    return today


def generate_personal_reminders(today: date, *, days_ahead: int = 7) -> int:
    """Create birthday and anniversary reminders for the owners, `days_ahead` days early.

    Idempotent: a reminder already made for that customer and day is not made twice.
    Do-not-contact and erased customers get none.
    """
    from guanxi.customers.models import Customer

    horizon = [today + timedelta(days=n) for n in range(days_ahead + 1)]
    made = 0
    for field, kind, title in [
        ("birthday", TaskKind.BIRTHDAY, _("Birthday of %(name)s")),
        ("anniversary", TaskKind.ANNIVERSARY, _("Anniversary of %(name)s")),
    ]:
        month_days = {(d.month, d.day) for d in horizon}
        candidates = Customer.objects.filter(
            **{f"{field}__isnull": False},
            erased_at__isnull=True,
            do_not_contact=False,
            owner__isnull=False,
        ).filter(**{f"{field}__month__in": sorted({m for m, _ in month_days})})
        for customer in candidates.only("id", "name", "owner_id", field):
            when = _next_occurrence(getattr(customer, field), today)
            if (when.month, when.day) not in month_days:
                continue
            due = timezone.make_aware(datetime.combine(when, time(9, 0)))
            try:
                with transaction.atomic():
                    Task.objects.create(
                        customer=customer,
                        kind=kind,
                        title=title % {"name": customer.name},
                        due_at=due,
                        remind_at=due - timedelta(days=1),
                        assignee_id=customer.owner_id,
                    )
                made += 1
            except IntegrityError:
                continue
    return made
