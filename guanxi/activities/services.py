"""Writes on interactions, tasks and notes; birthday and anniversary reminders.

Every write is validated here (the same rules for pages, the API and imports: all errors of an
input at once, per field) and recorded in the audit trail.
"""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from guanxi.accounts.preferences import languages_of
from guanxi.accounts.scope import require_author_or_manage
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.services_common import claim_version
from guanxi.validation import Errors, check_text, check_year, is_blank

from .body_language import check_signals
from .models import Channel, ContentKind, Direction, Interaction, Note, NoteKind, Task, TaskKind

INTERACTION_FIELDS = [
    "channel",
    "direction",
    "content_kind",
    "subject",
    "content",
    "occurred_at",
    "body_language",
]
TASK_FIELDS = ["kind", "title", "description", "due_at", "remind_at"]
NOTE_FIELDS = ["kind", "body"]
MAX_CONTENT = 20000  # an interaction's content, a note, a task's description


def _choice(errors: dict, data: dict, field: str, choices, required: bool = True):
    value = data.get(field)
    if value in (None, "") and not required:
        return
    if value not in choices.values:
        errors[field] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}]


def _moment(errors: Errors, data: dict, field: str) -> None:
    value = data.get(field)
    if value in (None, ""):
        return
    if isinstance(value, str):  # an ISO 8601 string (imports, scripts): parsed here
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:  # well formed but impossible, e.g. 2026-02-30T09:00
            parsed = None
        if parsed is not None:
            value = data[field] = (
                timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
            )
    if not isinstance(value, datetime):
        errors.add(field, _("Enter a valid date and time."))
        return
    errors.check(field, check_year, value)


def _required_line(errors: Errors, data: dict, field: str, missing: str, *, partial: bool):
    """A required one-line text of at most 200 characters (a subject, a title): `missing` when
    it is absent or shows nothing; a partial edit checks it only when it is sent."""
    if partial and field not in data:
        return
    value = data.get(field)
    if value is None or is_blank(str(value)):
        errors.add(field, missing)
    else:
        errors.check(field, check_text, value, max_length=200, multiline=False)


# How far ahead of the server's clock an interaction's time may be (a client's clock runs fast)
FUTURE_SLACK = timedelta(minutes=10)


def _interaction_errors(data: dict, *, partial: bool) -> Errors:
    errors = Errors()
    for field, choices in [("channel", Channel), ("direction", Direction)]:
        if not partial or field in data:
            _choice(errors, data, field, choices)
    if "content_kind" in data:
        _choice(errors, data, "content_kind", ContentKind, required=False)
    _required_line(errors, data, "subject", _("Give the interaction a subject."), partial=partial)
    if "content" in data:
        errors.check("content", check_text, data["content"], max_length=MAX_CONTENT)
    _moment(errors, data, "occurred_at")
    occurred = data.get("occurred_at")
    if (
        isinstance(occurred, datetime)
        and "occurred_at" not in errors
        and occurred > timezone.now() + FUTURE_SLACK  # a review saved one dated 2027
    ):
        errors.add(
            "occurred_at",
            _(
                "An interaction records what happened: it cannot be in the future. Plan it "
                "as a task instead."
            ),
        )
    if "body_language" in data:
        signals = errors.check("body_language", check_signals, data["body_language"])
        if signals is not None:
            data["body_language"] = signals
    return errors


def _body_language_on_visits_only(interaction: Interaction) -> None:
    """Body language is read face to face: only a visit carries it."""
    if interaction.body_language and interaction.channel != Channel.VISIT:
        raise ValidationError({"body_language": [_("Body language is recorded on a visit only.")]})


@transaction.atomic
def record_interaction(actor, customer, data: dict, *, contact=None) -> Interaction:
    """Record a touch. Outbound contact with a do-not-contact customer is refused."""
    data = {k: v for k, v in data.items() if k in INTERACTION_FIELDS}
    errors = _interaction_errors(data, partial=False)
    if contact is not None and contact.customer_id != customer.pk:
        errors.add("contact", _("This contact belongs to another customer."))
    errors.raise_any()
    if data["direction"] == Direction.OUTBOUND and customer.do_not_contact:
        raise ValidationError(
            _("This customer asked not to be contacted; outbound contact is not allowed.")
        )
    interaction = Interaction(customer=customer, contact=contact, user=actor, **data)
    if not interaction.occurred_at:
        interaction.occurred_at = timezone.now()
    interaction.content_kind = interaction.content_kind or ContentKind.INFORMATION
    interaction.body_language = interaction.body_language or []
    _body_language_on_visits_only(interaction)
    interaction.full_clean(exclude=["customer", "contact", "user"])
    interaction.save()
    audit.record(
        actor, AuditEntry.Action.CREATE, interaction, fields=[*INTERACTION_FIELDS, "contact"]
    )
    return interaction


@transaction.atomic
def update_interaction(
    actor, interaction: Interaction, data: dict, *, version: int | None = None
) -> Interaction:
    """Correct a recorded touch; the same rules as recording it. With `version` (the one the
    editor started from), an edit made on an older version than the stored one raises
    StaleEdit instead of overwriting it."""
    data = {k: v for k, v in data.items() if k in INTERACTION_FIELDS}
    _interaction_errors(data, partial=True).raise_any()
    if (
        data.get("direction") == Direction.OUTBOUND
        and interaction.direction != Direction.OUTBOUND
        and interaction.customer.do_not_contact
    ):
        raise ValidationError(
            _("This customer asked not to be contacted; outbound contact is not allowed.")
        )
    before = audit.snapshot(interaction, INTERACTION_FIELDS)
    claim_version(interaction, version, data)
    occurred_at = interaction.occurred_at
    for field, value in data.items():
        setattr(interaction, field, value)
    interaction.content_kind = interaction.content_kind or ContentKind.INFORMATION
    interaction.occurred_at = interaction.occurred_at or occurred_at
    interaction.body_language = interaction.body_language or []
    _body_language_on_visits_only(interaction)
    interaction.full_clean(exclude=["customer", "contact", "user"])
    # Only what an edit may change: a customer moved by a merge meanwhile stays moved.
    interaction.save(update_fields=[*INTERACTION_FIELDS, "version"])
    audit.record_update(actor, interaction, before, INTERACTION_FIELDS)
    return interaction


@transaction.atomic
def delete_interaction(actor, interaction: Interaction) -> None:
    require_author_or_manage(actor, interaction.customer, interaction.user_id)
    audit.record(actor, AuditEntry.Action.DELETE, interaction, fields=INTERACTION_FIELDS)
    interaction.delete()


def _task_errors(data: dict, *, partial: bool) -> Errors:
    errors = Errors()
    if "kind" in data:
        _choice(errors, data, "kind", TaskKind, required=False)
    _required_line(errors, data, "title", _("Give the task a title."), partial=partial)
    if "description" in data:
        errors.check("description", check_text, data["description"], max_length=MAX_CONTENT)
    if (not partial or "due_at" in data) and not data.get("due_at"):
        errors.add("due_at", _("Give the task a due date."))
    _moment(errors, data, "due_at")
    _moment(errors, data, "remind_at")
    return errors


def system_text(msgid: str, **values) -> tuple[str, list]:
    """(the text in the active language, its source for Task.texts) of a text the system
    writes into a task: `msgid` is the English source, marked with gettext_noop where it is
    defined, so pages can show it again in the reader's language (Task.shown_title)."""
    return gettext(msgid) % values, [msgid, values]


@transaction.atomic
def create_task(
    actor, data: dict, *, customer=None, assignee=None, texts: dict | None = None
) -> Task:
    """A task; `texts` (system_text sources of its title and description) when the system
    wrote them."""
    data = {k: v for k, v in data.items() if k in TASK_FIELDS}
    _task_errors(data, partial=False).raise_any()
    task = Task(customer=customer, assignee=assignee or actor, created_by=actor, **data)
    task.texts = texts or {}
    task.kind = task.kind or TaskKind.TASK
    task.full_clean(exclude=["customer", "assignee", "created_by"])
    _save_task(task)
    audit.record(actor, AuditEntry.Action.CREATE, task, fields=[*TASK_FIELDS, "assignee"])
    return task


@transaction.atomic
def update_task(actor, task: Task, data: dict, *, version: int | None = None) -> Task:
    """Change a task. With `version` (the one the editor started from), an edit made on an
    older version than the stored one raises StaleEdit instead of overwriting it."""
    data = {k: v for k, v in data.items() if k in TASK_FIELDS}
    _task_errors(data, partial=True).raise_any()
    before = audit.snapshot(task, TASK_FIELDS)
    claim_version(task, version, data)
    for field, value in data.items():
        if field in ("title", "description") and value != getattr(task, field):
            (task.texts or {}).pop(field, None)  # typed over: shown as typed from now on
        setattr(task, field, value)
    task.kind = task.kind or TaskKind.TASK
    task.full_clean(exclude=["customer", "assignee", "created_by"])
    _save_task(task)
    audit.record_update(actor, task, before, TASK_FIELDS)
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
def complete_task(actor, task: Task, done: bool = True, *, version: int | None = None) -> Task:
    """Mark a task done, or open it again (done=False: the Undo after marking it done); audited
    as a change of `done_at`."""
    before = audit.snapshot(task, ["done_at"])
    if done and task.done_at is not None:
        return task  # already done: keep the first time it was done
    claim_version(task, version, {"done_at": task.done_at})
    task.done_at = timezone.now() if done else None
    task.save(update_fields=["done_at", "updated_at", "version"])
    audit.record_update(actor, task, before, ["done_at"], customer_id=task.customer_id)
    return task


@transaction.atomic
def delete_task(actor, task: Task) -> None:
    if task.customer_id is not None:  # a personal task is its creator's and assignee's
        require_author_or_manage(actor, task.customer, task.created_by_id)
    audit.record(actor, AuditEntry.Action.DELETE, task, fields=TASK_FIELDS)
    task.delete()


@transaction.atomic
def add_note(actor, customer, body: str, kind: str = NoteKind.GENERAL) -> Note:
    errors = Errors()
    body = body if isinstance(body, str) else ""
    if is_blank(body):
        errors.add("body", _("The note is empty."))
    else:
        errors.check("body", check_text, body, max_length=MAX_CONTENT)
    if kind not in NoteKind.values:
        errors.add(
            "kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(NoteKind.values)}
        )
    errors.raise_any()
    note = Note(customer=customer, body=body.strip(), kind=kind, author=actor)
    note.save()
    audit.record(actor, AuditEntry.Action.CREATE, note, fields=NOTE_FIELDS)
    return note


@transaction.atomic
def delete_note(actor, note: Note) -> None:
    """Delete a note; the trail keeps that it existed, who wrote and who deleted it."""
    require_author_or_manage(actor, note.customer, note.author_id)
    audit.record(actor, AuditEntry.Action.DELETE, note, fields=NOTE_FIELDS)
    note.delete()


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
    """Create birthday and anniversary reminders for the owners, `days_ahead` days early,
    titled in each owner's language.

    Idempotent: a reminder already made for that customer and day is not made twice.
    Do-not-contact and erased customers get none.
    """

    horizon = [today + timedelta(days=n) for n in range(days_ahead + 1)]
    made = 0
    for field, kind, title in [
        ("birthday", TaskKind.BIRTHDAY, gettext_noop("Birthday of %(name)s")),
        ("anniversary", TaskKind.ANNIVERSARY, gettext_noop("Anniversary of %(name)s")),
    ]:
        month_days = {(d.month, d.day) for d in horizon}
        candidates = Customer.objects.filter(
            **{f"{field}__isnull": False},
            erased_at__isnull=True,
            do_not_contact=False,
            owner__isnull=False,
        ).filter(**{f"{field}__month__in": sorted({m for m, _ in month_days})})
        due_now = []
        for customer in candidates.only("id", "name", "owner_id", field):
            when = _next_occurrence(getattr(customer, field), today)
            if (when.month, when.day) in month_days:
                due_now.append((customer, when))
        languages = languages_of(customer.owner_id for customer, _when in due_now)
        for customer, when in due_now:
            due = timezone.make_aware(datetime.combine(when, time(9, 0)))
            with translation.override(languages[customer.owner_id]):  # the owner's language
                text, source = system_text(title, name=customer.name)
            try:
                with transaction.atomic():
                    task = Task.objects.create(
                        customer=customer,
                        kind=kind,
                        title=text,
                        texts={"title": source},
                        due_at=due,
                        remind_at=due - timedelta(days=1),
                        assignee_id=customer.owner_id,
                    )
                    audit.record(None, AuditEntry.Action.CREATE, task, fields=TASK_FIELDS)
                made += 1
            except IntegrityError:
                continue
    return made


@transaction.atomic
def reassign_open_tasks(actor, from_user, to_user) -> int:
    """Hand every open task of `from_user` to `to_user` (with a customer transfer on leaving).

    Done tasks stay with whoever did them. Each task gets an audit entry on its customer's
    trail. Returns the number of tasks reassigned.
    """

    if from_user.pk == to_user.pk:
        return 0
    rows = list(
        Task.objects.select_for_update()
        .filter(assignee=from_user, done_at__isnull=True)
        .values_list("pk", "customer_id")
    )
    if not rows:
        return 0
    for start in range(0, len(rows), 1000):
        chunk = [pk for pk, _customer in rows[start : start + 1000]]
        Task.objects.filter(pk__in=chunk).update(
            assignee=to_user, updated_at=timezone.now(), version=F("version") + 1
        )
    audit.record_rows(
        actor,
        audit.AuditEntry.Action.ASSIGN,
        Task._meta.model_name,
        ((pk, customer_id, {"assignee": [from_user.pk, to_user.pk]}) for pk, customer_id in rows),
    )
    return len(rows)


@transaction.atomic
def move_open_tasks(actor, customer_ids, from_user, to_user) -> int:
    """Hand the open tasks of `from_user` on these customers to `to_user` (a transfer that
    takes the tasks along); other people's tasks and done ones stay. Audited per task."""
    if from_user is None or to_user is None or from_user.pk == to_user.pk:
        return 0
    rows = list(
        Task.objects.select_for_update()
        .filter(customer_id__in=list(customer_ids), assignee=from_user, done_at__isnull=True)
        .values_list("pk", "customer_id")
    )
    for start in range(0, len(rows), 1000):
        chunk = [pk for pk, _customer in rows[start : start + 1000]]
        Task.objects.filter(pk__in=chunk).update(
            assignee=to_user, updated_at=timezone.now(), version=F("version") + 1
        )
    audit.record_rows(
        actor,
        audit.AuditEntry.Action.ASSIGN,
        Task._meta.model_name,
        ((pk, customer_id, {"assignee": [from_user.pk, to_user.pk]}) for pk, customer_id in rows),
    )
    return len(rows)


@transaction.atomic
def create_follow_up_reminders(reminders) -> int:
    """Follow-up tasks made by a scheduled job (no actor): `reminders` yields (customer id,
    assignee id, title, due_at), the title a text or system_text's (text, source). Inserted
    in bulk, one audit entry per task."""
    tasks = []
    for customer_id, assignee_id, title, due_at in reminders:
        text, source = title if isinstance(title, tuple) else (title, None)
        tasks.append(
            Task(
                customer_id=customer_id,
                kind=TaskKind.FOLLOW_UP,
                title=text[:200],
                texts={"title": source} if source else {},
                due_at=due_at,
                remind_at=due_at,
                assignee_id=assignee_id,
            )
        )
    Task.objects.bulk_create(tasks, batch_size=1000)
    audit.record_rows(
        None,
        AuditEntry.Action.CREATE,
        Task._meta.model_name,
        (
            (
                task.pk,
                task.customer_id,
                {"kind": [None, task.kind], "title": [None, task.title]},
            )
            for task in tasks
        ),
    )
    return len(tasks)
