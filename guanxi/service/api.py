"""Service cases over the API: list (paginated, filters), open, read, change (versioned: 409
when changed meanwhile) and the actions (assign, escalate, resolve, close, follow-up). A case is
visible and writable exactly when its customer is (guanxi.accounts.scope)."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from guanxi.accounts.scope import get_case_or_404, visible_cases
from guanxi.api_common import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    InSchema,
    Limit,
    Money,
    Offset,
    WholeNumber,
    paginate,
    text,
)
from guanxi.customers.api import list_item, owner_out
from guanxi.customers.queries import capped_count
from guanxi.customers.schemas import ConflictOut, CustomerPage
from guanxi.services_common import StaleEdit

from . import services
from .implicit import implicit_candidates
from .models import ACTIVE_STATUSES, Case, CaseChannel, CaseStatus, Cause

router = Router(tags=["cases"])

Choice = text(30)
Version = Field(None, description="The version from your GET: if the case changed meanwhile, 409.")


class CasePersonOut(Schema):
    id: int
    name: str


class CaseOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    channel: str
    dissatisfaction: str
    intent: str
    cause: str
    subject: str
    description: str
    status: str
    priority: str
    opened_by: CasePersonOut | None
    assignee: CasePersonOut | None
    opened_at: datetime
    sla_due_at: datetime
    overdue: bool = Field(description="Not resolved and past sla_due_at.")
    escalated_at: datetime | None
    escalated_to: CasePersonOut | None
    escalated_by: CasePersonOut | None = Field(
        description="Empty with escalated_at set: escalated by the service-level job."
    )
    resolution: str
    compensation_kind: str
    compensation_amount: Decimal | None
    resolved_at: datetime | None
    closed_at: datetime | None
    satisfaction_score: int | None
    satisfaction_note: str
    followed_up_at: datetime | None
    version: int


class CasePage(Schema):
    count: int
    items: list[CaseOut]


class CaseIn(InSchema):
    customer_id: Id
    channel: Choice = Field(
        description="hotline, email, suggestion_box, web_form, api, visit, other"
    )
    cause: Choice = Field(
        description="product_price, product_quality, product_packaging, service_attitude, "
        "service_after_sales, service_feedback_channel, other"
    )
    subject: text(200, min_length=1)
    description: text(20000) = ""
    dissatisfaction: Choice = Field("explicit", description="explicit or implicit")
    intent: Choice = Field("good_faith", description="good_faith or malicious")
    priority: Choice = Field("normal", description="low, normal, high, urgent")
    assignee_id: Id | None = Field(None, description="Default: the caller.")


class CasePatch(InSchema):
    channel: Choice | None = None
    cause: Choice | None = None
    subject: text(200, min_length=1) | None = None
    description: text(20000) | None = None
    dissatisfaction: Choice | None = None
    intent: Choice | None = None
    priority: Choice | None = None
    version: WholeNumber | None = Version


class CaseAssignIn(InSchema):
    assignee_id: Id
    version: WholeNumber | None = Version


class EscalateIn(InSchema):
    to_id: Id | None = Field(None, description="Default: the assignee's manager or lead.")
    reason: text(20000) = ""
    version: WholeNumber | None = Version


class ResolveIn(InSchema):
    resolution: text(20000, min_length=1)
    compensation_kind: Choice = Field(
        "", description="refund, replacement, repair, discount, gift, apology, other or empty"
    )
    compensation_amount: Money | None = None
    version: WholeNumber | None = Version


class CaseVersionIn(InSchema):
    version: WholeNumber | None = Version


class FollowUpIn(InSchema):
    satisfaction_score: WholeNumber = Field(
        description="1 (very dissatisfied) to 5 (very satisfied)"
    )
    satisfaction_note: text(20000) = ""
    version: WholeNumber | None = Version


class CaseStaleOut(Schema):
    detail: str
    version: int = Field(description="The current version; send it to overwrite.")
    changed_by: str | None
    conflicts: dict[str, ConflictOut]
    current: CaseOut


def _person(user):
    return owner_out(user)


def case_out(case: Case, now=None) -> dict:
    now = now or timezone.now()
    data = {
        field: getattr(case, field)
        for field in (
            "channel",
            "dissatisfaction",
            "intent",
            "cause",
            "subject",
            "description",
            "status",
            "priority",
            "opened_at",
            "sla_due_at",
            "escalated_at",
            "resolution",
            "compensation_kind",
            "compensation_amount",
            "resolved_at",
            "closed_at",
            "satisfaction_score",
            "satisfaction_note",
            "followed_up_at",
            "version",
        )
    }
    data.update(
        id=case.pk,
        customer_id=case.customer_id,
        customer_name=case.customer.name,
        opened_by=_person(case.opened_by),
        assignee=_person(case.assignee),
        escalated_to=_person(case.escalated_to),
        escalated_by=_person(case.escalated_by),
        overdue=case.status in ACTIVE_STATUSES and case.sla_due_at < now,
    )
    return data


def _related(qs):
    return qs.select_related(
        "customer",
        "opened_by__profile",
        "assignee__profile",
        "escalated_to__profile",
        "escalated_by__profile",
    )


def _stale(exc: StaleEdit) -> Status:
    case = _related(Case.objects).get(pk=exc.instance.pk)
    return Status(
        409,
        {
            "detail": str(exc),
            "version": case.version,
            "changed_by": owner_out(exc.changed_by)["name"] if exc.changed_by else None,
            "conflicts": {
                field: {"current": stored, "yours": yours}
                for field, (stored, yours) in exc.changes.items()
            },
            "current": case_out(case),
        },
    )


def _fresh(user, pk) -> dict:
    return case_out(get_case_or_404(user, _related(Case.objects), pk))


def _check_filters(**given) -> None:
    """A filter value the cases cannot have is a 422 naming it, not an empty page."""
    known = {
        "status": [*CaseStatus.values, "active"],
        "cause": Cause.values,
        "channel": CaseChannel.values,
    }
    errors = {
        name: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(known[name])}]
        for name, value in given.items()
        if value and value not in known[name]
    }
    if errors:
        raise ValidationError(errors)


@router.get("/cases", response={200: CasePage, **READ_ERRORS})
def list_cases(
    request,
    limit: Limit = 25,
    offset: Offset = 0,
    status: Choice | None = None,
    cause: Choice | None = None,
    channel: Choice | None = None,
    customer_id: Id | None = None,
    overdue: bool = False,
):
    """The cases of the customers in the caller's data scope, newest first.

    Filters: `status` (open, in_progress, escalated, resolved, closed, or `active` for the
    first three), `cause`, `channel`, `customer_id`, `overdue` (not resolved and past its
    service level)."""
    _check_filters(status=status, cause=cause, channel=channel)
    qs = _related(visible_cases(request.user, Case.objects.all()))
    now = timezone.now()
    if status == "active":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if cause:
        qs = qs.filter(cause=cause)
    if channel:
        qs = qs.filter(channel=channel)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if overdue:
        qs = qs.filter(status__in=ACTIVE_STATUSES, sla_due_at__lt=now)
    return paginate(qs.order_by("-opened_at", "-id"), limit, offset, lambda c: case_out(c, now))


@router.post("/cases", response={201: CaseOut, **WRITE_ERRORS})
def create_case(request, payload: CaseIn):
    """Open a case for a customer the caller may change (404 outside the scope, 403 when
    read-only). The service level runs from now, its hours set by the priority; 422 for an
    unknown channel, cause or priority, or an assignee who may not work on the customer."""
    data = payload.dict()
    customer_id = data.pop("customer_id")
    assignee = data.pop("assignee_id")
    if assignee:
        data["assignee"] = assignee
    case = services.open_case(request.user, customer_id, data)
    return Status(201, _fresh(request.user, case.pk))


@router.get("/cases/{case_id}", response={200: CaseOut, **ONE_ERRORS})
def get_case(request, case_id: Id):
    """One case of a customer in the caller's scope; 404 otherwise."""
    return _fresh(request.user, case_id)


@router.patch("/cases/{case_id}", response={200: CaseOut, 409: CaseStaleOut, **WRITE_ERRORS})
def update_case(request, case_id: Id, payload: CasePatch):
    """Change the fields sent (a new priority moves the service level, counted from the
    opening). With `version`, a case changed meanwhile answers 409 with the stored case and,
    per field you sent, both values; nothing is saved. A closed case: 422."""
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    data.pop("version", None)
    try:
        services.update_case(request.user, case_id, data, version=payload.version)
    except StaleEdit as exc:
        return _stale(exc)
    return _fresh(request.user, case_id)


ACTION_ERRORS = {200: CaseOut, 409: CaseStaleOut, **WRITE_ERRORS}


def _act(request, case_id, run):
    try:
        run()
    except StaleEdit as exc:
        return _stale(exc)
    return _fresh(request.user, case_id)


@router.post("/cases/{case_id}/assign", response=ACTION_ERRORS)
def assign_case(request, case_id: Id, payload: CaseAssignIn):
    """Hand the case to a colleague who may work on its customer (422 otherwise); an open
    case is then in progress."""
    return _act(
        request,
        case_id,
        lambda: services.assign_case(
            request.user, case_id, payload.assignee_id, version=payload.version
        ),
    )


@router.post("/cases/{case_id}/escalate", response=ACTION_ERRORS)
def escalate_case(request, case_id: Id, payload: EscalateIn):
    """Escalate an open or in-progress case to `to_id`, or by default up the assignee's
    management line (the manager, else the department lead); they get a task."""
    return _act(
        request,
        case_id,
        lambda: services.escalate_case(
            request.user,
            case_id,
            to=payload.to_id,
            reason=payload.reason,
            version=payload.version,
        ),
    )


@router.post("/cases/{case_id}/resolve", response=ACTION_ERRORS)
def resolve_case(request, case_id: Id, payload: ResolveIn):
    """Resolve the case: what was done, and any compensation or added value given."""
    data = payload.dict()
    data.pop("version")
    return _act(
        request,
        case_id,
        lambda: services.resolve_case(request.user, case_id, data, version=payload.version),
    )


@router.post("/cases/{case_id}/close", response=ACTION_ERRORS)
def close_case(request, case_id: Id, payload: CaseVersionIn):
    """Close a resolved case (422 for one not resolved yet); the body may be `{}`."""
    return _act(
        request,
        case_id,
        lambda: services.close_case(request.user, case_id, version=payload.version),
    )


@router.post("/cases/{case_id}/follow-up", response=ACTION_ERRORS)
def follow_up_case(request, case_id: Id, payload: FollowUpIn):
    """Record the follow-up satisfaction check of a resolved or closed case (score 1–5)."""
    data = payload.dict()
    data.pop("version")
    return _act(
        request,
        case_id,
        lambda: services.record_follow_up(request.user, case_id, data, version=payload.version),
    )


@router.get("/implicit-dissatisfaction", response={200: CustomerPage, **READ_ERRORS})
def implicit_dissatisfaction(request, limit: Limit = 25, offset: Offset = 0):
    """Customers of the caller's scope with suspected implicit dissatisfaction (隐性不满): good
    customers (quality "good" or ABC class A) whose purchases are dropping (lifecycle stage
    decline, or a medium or high churn warning) and who opened no case in the last 180 days;
    the most valuable first, from the latest scoring run. Sensitive fields masked."""
    qs = implicit_candidates(request.user).prefetch_related("tags")
    return paginate(qs, limit, offset, list_item, count=capped_count)
