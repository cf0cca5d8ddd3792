"""Writes on service cases: open, update, assign, escalate, resolve, close, follow up; and the
service-level job that escalates overdue cases.

Every write is validated here (pages and the API alike; all errors of an input at once, per
field), checks access only through guanxi.accounts.scope (a case is visible and writable
exactly when its customer is), takes the next version of the case (an edit or action based on
an older version raises StaleEdit: 409 in the API) and is recorded in the audit trail.
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.accounts.models import Role
from guanxi.accounts.preferences import language_of
from guanxi.accounts.scope import can_change, covered_user_ids, writable_case, writable_customer
from guanxi.accounts.services import profile_of
from guanxi.activities.services import create_task, system_text
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.services_common import claim_version, reject_unknown_fields
from guanxi.validation import Errors, check_number_text, check_text

from . import sla
from .models import (
    ACTIVE_STATUSES,
    Case,
    CaseChannel,
    CaseStatus,
    Cause,
    Compensation,
    Dissatisfaction,
    Intent,
    Priority,
)

# What the trail keeps of a case (ids for the people: no query per entry).
CASE_FIELDS = [
    "channel",
    "dissatisfaction",
    "intent",
    "cause",
    "subject",
    "description",
    "status",
    "priority",
    "sla_due_at",
    "assignee_id",
    "escalated_at",
    "escalated_to_id",
    "escalated_by_id",
    "resolution",
    "compensation_kind",
    "compensation_amount",
    "resolved_at",
    "closed_at",
    "satisfaction_score",
    "satisfaction_note",
    "followed_up_at",
]
EDITABLE = ["channel", "dissatisfaction", "intent", "cause", "subject", "description", "priority"]
MAX_TEXT = 20000
MAX_AMOUNT = Decimal("999999999999.99")

# Which statuses each action starts from.
ALLOWED_FROM = {
    "update": (*ACTIVE_STATUSES, CaseStatus.RESOLVED),
    "start": (CaseStatus.OPEN,),
    "assign": ACTIVE_STATUSES,
    "escalate": (CaseStatus.OPEN, CaseStatus.IN_PROGRESS),
    "resolve": ACTIVE_STATUSES,
    "close": (CaseStatus.RESOLVED,),
    "follow_up": (CaseStatus.RESOLVED, CaseStatus.CLOSED),
}


def _refused(action: str, case: Case) -> str:
    messages = {
        "update": _("A closed case can no longer be changed."),
        "start": _("Only an open case can be started."),
        "assign": _("Only an open, in-progress or escalated case can be assigned."),
        "escalate": _("Only an open or in-progress case can be escalated."),
        "resolve": _("This case is resolved or closed already."),
        "close": _("Resolve the case before closing it."),
        "follow_up": _("The satisfaction check follows a resolution: resolve the case first."),
    }
    return messages[action]


def check_transition(action: str, case: Case) -> None:
    """ValidationError on "status" unless `action` may start from the case's status."""
    if case.status not in ALLOWED_FROM[action]:
        raise ValidationError({"status": [_refused(action, case)]})


def _choice(errors: Errors, data: dict, field: str, choices, *, required: bool) -> None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            errors.add(field, _("This field is required."))
        return
    if value not in choices.values:
        errors.add(
            field,
            _("Choose one of: %(choices)s.")
            % {"choices": ", ".join(v for v in choices.values if v)},
        )


def _case_errors(data: dict, *, partial: bool) -> Errors:
    errors = Errors()
    for field, choices in (
        ("channel", CaseChannel),
        ("cause", Cause),
        ("dissatisfaction", Dissatisfaction),
        ("intent", Intent),
        ("priority", Priority),
    ):
        if field in data or (not partial and field in ("channel", "cause")):
            _choice(errors, data, field, choices, required=field in ("channel", "cause"))
    if "subject" in data or not partial:
        subject = errors.check(
            "subject", check_text, data.get("subject"), max_length=200, multiline=False
        )
        if subject is not None and not subject.strip() and "subject" not in errors:
            errors.add("subject", _("Give the case a subject."))
    if "description" in data:
        errors.check("description", check_text, data.get("description"), max_length=MAX_TEXT)
    return errors


def _assignee(actor, errors: Errors, assignee, customer, field: str = "assignee"):
    """The user a case may be handed to: active, and able to work on the customer (a case is
    visible exactly when its customer is). A colleague outside the actor's scope who may not
    work on it is "no active user with this id", as an unknown id is: naming them told a rep
    every id's name and whether the account was active (hostile review)."""
    if assignee is None:
        return None
    if isinstance(assignee, int | str):
        user = (
            get_user_model().objects.filter(pk=assignee, is_active=True).first()
            if str(assignee).isdigit()
            else None
        )
        if user is None or (
            not can_change(user, customer) and user.pk not in covered_user_ids(actor)
        ):
            errors.add(field, _("There is no active user with this id."))
            return None
        assignee = user
    if not assignee.is_active or not can_change(assignee, customer):
        errors.add(
            field,
            _("%(name)s may not work on this customer; share the customer with them first.")
            % {"name": str(profile_of(assignee))},
        )
        return None
    return assignee


def _locked(actor, pk, version: int | None, submitted: dict) -> Case:
    """The case for a write, locked (404 outside the actor's scope, 403 when read-only), its
    next version taken: StaleEdit first when `version` is not the stored one, whatever else
    is wrong (the editor's view of the case is out of date)."""
    case = writable_case(
        actor, Case.objects.select_for_update(of=("self",)).select_related("customer"), pk
    )
    claim_version(case, version, submitted)
    return case


def _save(actor, case: Case, before: dict) -> Case:
    case.save()
    audit.record_update(actor, case, before, CASE_FIELDS)
    return case


@transaction.atomic
def open_case(actor, customer_id, data: dict, *, now: datetime | None = None) -> Case:
    """Open a case for a customer the actor may change (404 / 403 from the scope).

    `data`: channel and cause (required), subject (required), description, dissatisfaction,
    intent, priority, assignee (a user or id; default: the actor). The service level starts
    now: sla_due_at = now + the priority's hours (sla.py)."""
    reject_unknown_fields(data, [*EDITABLE, "assignee"])
    customer = writable_customer(actor, customer_id)
    errors = _case_errors(data, partial=False)
    assignee = _assignee(actor, errors, data.get("assignee") or actor, customer)
    errors.raise_any()
    now = now or timezone.now()
    case = Case(
        customer=customer,
        opened_by=actor,
        assignee=assignee,
        opened_at=now,
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in EDITABLE},
    )
    case.priority = case.priority or Priority.NORMAL
    case.dissatisfaction = case.dissatisfaction or Dissatisfaction.EXPLICIT
    case.intent = case.intent or Intent.GOOD_FAITH
    case.sla_due_at = sla.due_at(now, case.priority)
    case.save()
    audit.record(actor, AuditEntry.Action.CREATE, case, fields=CASE_FIELDS)
    return case


@transaction.atomic
def update_case(actor, pk, data: dict, *, version: int | None = None) -> Case:
    """Change the description of a case (subject, description, channel, classification,
    priority); a new priority moves the service level, counted from the opening."""
    reject_unknown_fields(data, EDITABLE)
    _case_errors(data, partial=True).raise_any()
    case = _locked(actor, pk, version, data)
    check_transition("update", case)
    before = audit.snapshot(case, CASE_FIELDS)
    for field, value in data.items():
        setattr(case, field, value.strip() if isinstance(value, str) else value)
    if case.priority != before["priority"]:
        case.sla_due_at = sla.due_at(case.opened_at, case.priority)
    return _save(actor, case, before)


@transaction.atomic
def assign_case(actor, pk, assignee, *, version: int | None = None) -> Case:
    """Hand the case to a colleague who may work on its customer; an open case is then in
    progress."""
    case = _locked(actor, pk, version, {"assignee_id": assignee})
    check_transition("assign", case)
    errors = Errors()
    if assignee in (None, ""):
        errors.add("assignee", _("Choose who handles the case."))
    user = _assignee(actor, errors, assignee, case.customer) if assignee not in (None, "") else None
    errors.raise_any()
    before = audit.snapshot(case, CASE_FIELDS)
    case.assignee = user
    if case.status == CaseStatus.OPEN:
        case.status = CaseStatus.IN_PROGRESS
    return _save(actor, case, before)


@transaction.atomic
def start_case(actor, pk, *, version: int | None = None) -> Case:
    """Start work on an open case (open -> in progress); an unassigned case goes to the actor,
    who may work on its customer (the case is writable to them)."""
    case = _locked(actor, pk, version, {"status": CaseStatus.IN_PROGRESS})
    check_transition("start", case)
    before = audit.snapshot(case, CASE_FIELDS)
    case.status = CaseStatus.IN_PROGRESS
    if case.assignee_id is None:
        case.assignee = actor
    return _save(actor, case, before)


def escalation_target(case: Case):
    """Whom an overdue case goes to: up the management line of the assignee (or, without
    one, of the customer's owner), the first active manager who may work on the customer;
    else a manager of that person's department (the department lead), else any manager who
    may; None when nobody may."""
    start = case.assignee or case.customer.owner
    seen = set()
    person = start
    while person is not None and person.pk not in seen:
        seen.add(person.pk)
        boss = profile_of(person).manager
        if boss is None:
            break
        if boss.is_active and can_change(boss, case.customer):
            return boss
        person = boss
    managers = (
        get_user_model()
        .objects.filter(is_active=True, profile__role=Role.MANAGER)
        .exclude(pk__in=[start.pk] if start else [])
        .order_by("pk")
    )
    department = profile_of(start).department_id if start else case.customer.department_id
    for candidates in (managers.filter(profile__department_id=department), managers[:50]):
        for user in candidates:
            if can_change(user, case.customer):
                return user
    return None


def _escalate(actor, case: Case, target, reason: str, now: datetime) -> Case:
    before = audit.snapshot(case, CASE_FIELDS)
    case.status = CaseStatus.ESCALATED
    case.escalated_at = now
    case.escalated_to = target
    case.escalated_by = actor if actor is not None and actor.is_authenticated else None
    _save(actor, case, before)
    if target is not None:
        with translation.override(language_of(target)):  # written for the person it goes to
            title, texts = system_text(
                gettext_noop("Escalated case #%(id)s: %(subject)s"),
                id=case.pk,
                subject=case.subject,
            )
            texts = {"title": texts}
            overdue = case.sla_due_at <= now
            if reason:
                description = reason  # the colleague's own words
            elif overdue:
                description, texts["description"] = system_text(
                    gettext_noop(
                        "The case ran past its service level (due %(due)s) without a resolution."
                    ),
                    due=timezone.localtime(case.sla_due_at).strftime("%Y-%m-%d %H:%M"),
                )
            else:
                description, texts["description"] = system_text(
                    gettext_noop("Escalated by a colleague.")
                )
        create_task(
            actor if case.escalated_by is not None else None,
            {
                "title": title[:200],
                "description": description,
                "due_at": now + timedelta(hours=sla.ESCALATION_TASK_HOURS),
            },
            customer=case.customer,
            assignee=target,
            texts=texts,
        )
    return case


@transaction.atomic
def escalate_case(actor, pk, *, to=None, reason: str = "", version: int | None = None) -> Case:
    """Escalate a case (升级): to `to` (a user or id who may work on the customer) or, without
    one, to escalation_target(); the person it goes to gets a task."""
    case = _locked(actor, pk, version, {"status": CaseStatus.ESCALATED})
    check_transition("escalate", case)
    errors = Errors()
    errors.check("reason", check_text, reason or "", max_length=MAX_TEXT)
    target = _assignee(actor, errors, to, case.customer, "to") if to not in (None, "") else None
    errors.raise_any()
    if target is None:
        target = escalation_target(case)
    return _escalate(actor, case, target, (reason or "").strip(), timezone.now())


def _amount(errors: Errors, value):
    if value in (None, ""):
        return None
    try:
        value = check_number_text(value)
    except ValueError as exc:
        errors.add("compensation_amount", str(exc))
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add("compensation_amount", _("Enter an amount, e.g. 50 or 12.50."))
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        errors.add("compensation_amount", _("Enter an amount between 0 and 999,999,999,999.99."))
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.add("compensation_amount", _("At most two decimal places."))
        return None
    return amount


@transaction.atomic
def resolve_case(
    actor, pk, data: dict, *, version: int | None = None, now: datetime | None = None
) -> Case:
    """Resolve a case: what was done (required), and any compensation or added value given
    (kind, amount). Stops the service-level timer, at `now` (default: this moment; the demo
    resolves its cases when they were resolved)."""
    reject_unknown_fields(data, ["resolution", "compensation_kind", "compensation_amount"])
    errors = Errors()
    resolution = errors.check(
        "resolution", check_text, data.get("resolution"), max_length=MAX_TEXT, required=True
    )
    kind = data.get("compensation_kind") or ""
    if kind not in Compensation.values:
        _choice(errors, data, "compensation_kind", Compensation, required=False)
    amount = _amount(errors, data.get("compensation_amount"))
    if amount is not None and not kind and "compensation_amount" not in errors:
        errors.add("compensation_kind", _("Say what the amount was given as."))
    errors.raise_any()
    case = _locked(actor, pk, version, {"status": CaseStatus.RESOLVED})
    check_transition("resolve", case)
    before = audit.snapshot(case, CASE_FIELDS)
    case.status = CaseStatus.RESOLVED
    case.resolution = resolution.strip()
    case.compensation_kind = kind
    case.compensation_amount = amount
    case.resolved_at = now or timezone.now()
    return _save(actor, case, before)


@transaction.atomic
def close_case(actor, pk, *, version: int | None = None) -> Case:
    """Close a resolved case."""
    case = _locked(actor, pk, version, {"status": CaseStatus.CLOSED})
    check_transition("close", case)
    before = audit.snapshot(case, CASE_FIELDS)
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    return _save(actor, case, before)


@transaction.atomic
def record_follow_up(
    actor, pk, data: dict, *, version: int | None = None, now: datetime | None = None
) -> Case:
    """The follow-up satisfaction check after a resolution: a score from 1 (very
    dissatisfied) to 5 (very satisfied) and a note, made at `now` (default: this moment); a
    later check replaces the earlier one (the trail keeps both)."""
    reject_unknown_fields(data, ["satisfaction_score", "satisfaction_note"])
    errors = Errors()
    raw = data.get("satisfaction_score")
    score = None
    if isinstance(raw, bool) or raw in (None, ""):
        errors.add("satisfaction_score", _("Give a score from 1 to 5."))
    else:
        try:
            score = int(str(raw).strip())
        except ValueError:
            score = None
        if score is None or not 1 <= score <= 5 or str(raw).strip() != str(score):
            errors.add("satisfaction_score", _("Give a score from 1 to 5."))
    note = errors.check(
        "satisfaction_note", check_text, data.get("satisfaction_note") or "", max_length=MAX_TEXT
    )
    errors.raise_any()
    case = _locked(actor, pk, version, {"satisfaction_score": score})
    check_transition("follow_up", case)
    before = audit.snapshot(case, CASE_FIELDS)
    case.satisfaction_score = score
    case.satisfaction_note = (note or "").strip()
    case.followed_up_at = now or timezone.now()
    return _save(actor, case, before)


def overdue_cases(now: datetime | None = None):
    """Open and in-progress cases past their service level, not escalated yet."""
    now = now or timezone.now()
    return Case.objects.filter(
        status__in=(CaseStatus.OPEN, CaseStatus.IN_PROGRESS),
        sla_due_at__lt=now,
        customer__erased_at__isnull=True,
    )


def escalate_overdue(now: datetime | None = None) -> int:
    """What the service-level job does (no user: the trail shows no actor, the case no
    escalated_by): every overdue case escalated to escalation_target(), who gets a task.
    Returns how many were escalated. Each case in a transaction of its own, re-read locked,
    so a case resolved meanwhile is left alone."""
    now = now or timezone.now()
    done = 0
    for pk in overdue_cases(now).order_by("sla_due_at").values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            case = (
                overdue_cases(now)
                .select_for_update(of=("self",))
                .select_related("customer__owner", "assignee")
                .filter(pk=pk)
                .first()
            )
            if case is None:
                continue
            claim_version(case, None, {})
            _escalate(None, case, escalation_target(case), "", now)
            done += 1
    return done
