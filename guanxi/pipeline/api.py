"""The pipeline over the API: opportunities (list, open, read, change, delete; move between
stages, win, lose), stages, SPIN notes, the question log, objections, negotiation plans, sales
targets and the report figures. An opportunity is visible and writable exactly when its customer
is (guanxi.accounts.scope); stages and targets are the managers' to change."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from guanxi.accounts.scope import get_opportunity_or_404, may_configure_pipeline
from guanxi.accounts.services import profile_of
from guanxi.api_common import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Day,
    Id,
    InSchema,
    Limit,
    Money,
    Offset,
    WholeNumber,
    paginate,
    text,
)
from guanxi.customers.api import owner_out
from guanxi.customers.schemas import ConflictOut
from guanxi.services_common import StaleEdit

from . import advice, reports, services
from .models import (
    AskedQuestion,
    NegotiationPlan,
    Objection,
    Opportunity,
    SalesTarget,
    SpinNote,
    Stage,
)
from .models import (
    Status as OpportunityStatus,
)

router = Router(tags=["pipeline"])

Choice = text(30)
Version = Field(None, description="The version from your GET: if it changed meanwhile, 409.")
LongText = text(20000)


class OpportunityPersonOut(Schema):
    id: int
    name: str


class StageOut(Schema):
    id: int
    key: str = Field(description="opening, needs, fab, objections, closing; empty when custom")
    name: str
    order: int
    probability: int
    required_fields: list[str]
    active: bool
    version: int


class DiscussedProductOut(Schema):
    id: int
    name: str
    features: str
    advantages: str
    benefits: str


class OpportunityOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    contact_id: int | None
    owner: OpportunityPersonOut | None
    name: str
    amount: Decimal | None
    currency: str
    expected_close: date | None
    stage_id: int
    stage: str
    probability: int
    weighted: Decimal | None = Field(description="amount × probability / 100")
    status: str
    lost_reason: str
    lost_note: str
    won_at: datetime | None
    lost_at: datetime | None
    products: list[DiscussedProductOut]
    meeting_time: str
    meeting_agenda: str
    meeting_purpose: str
    contact_style: str = Field(description="The contact's interpersonal style, if known.")
    suggested_approach: str
    below_walk_away: bool = Field(description="The amount is under the negotiation plan's BATNA.")
    created_at: datetime
    version: int


class OpportunityPage(Schema):
    count: int
    items: list[OpportunityOut]


class OpportunityIn(InSchema):
    customer_id: Id
    name: text(200, min_length=1)
    amount: Money | None = None
    currency: text(3) = "CNY"
    expected_close: Day | None = None
    stage_id: Id | None = Field(None, description="Default: the first active stage.")
    probability: WholeNumber | None = Field(None, ge=0, le=100, description="Default: the stage's.")
    contact_id: Id | None = None
    owner_id: Id | None = Field(None, description="Default: the caller.")
    product_ids: list[Id] = Field([], max_length=100)
    meeting_time: text(200) = ""
    meeting_agenda: LongText = ""
    meeting_purpose: LongText = ""


class OpportunityPatch(InSchema):
    name: text(200, min_length=1) | None = None
    amount: Money | None = None
    currency: text(3) | None = None
    expected_close: Day | None = None
    probability: WholeNumber | None = Field(None, ge=0, le=100)
    contact_id: Id | None = None
    owner_id: Id | None = None
    product_ids: list[Id] | None = Field(None, max_length=100)
    meeting_time: text(200) | None = None
    meeting_agenda: LongText | None = None
    meeting_purpose: LongText | None = None
    version: WholeNumber | None = Version


class MoveIn(InSchema):
    stage_id: Id
    version: WholeNumber | None = Version


class WinIn(InSchema):
    amount: Money | None = Field(None, description="The amount won, if not set before.")
    version: WholeNumber | None = Version


class LoseIn(InSchema):
    lost_reason: Choice = Field(
        description="price, competitor, no_budget, no_need, no_decision, timing, product_fit, other"
    )
    lost_note: LongText = ""
    version: WholeNumber | None = Version


class OpportunityStaleOut(Schema):
    detail: str
    version: int
    changed_by: str | None
    conflicts: dict[str, ConflictOut]


def _products(opportunity) -> list[dict]:
    return [
        {
            "id": p.pk,
            "name": p.name,
            "features": p.features,
            "advantages": p.advantages,
            "benefits": p.benefits,
        }
        for p in opportunity.products.all()
    ]


def opportunity_out(o: Opportunity) -> dict:
    style = o.contact.interpersonal_style if o.contact else ""
    tip = advice.style_advice(style)
    plan = getattr(o, "negotiation_plan", None) if hasattr(o, "negotiation_plan") else None
    return {
        "id": o.pk,
        "customer_id": o.customer_id,
        "customer_name": o.customer.name,
        "contact_id": o.contact_id,
        "owner": owner_out(o.owner),
        "name": o.name,
        "amount": o.amount,
        "currency": o.currency,
        "expected_close": o.expected_close,
        "stage_id": o.stage_id,
        "stage": o.stage.name,
        "probability": o.probability,
        "weighted": o.weighted,
        "status": o.status,
        "lost_reason": o.lost_reason,
        "lost_note": o.lost_note,
        "won_at": o.won_at,
        "lost_at": o.lost_at,
        "products": _products(o),
        "meeting_time": o.meeting_time,
        "meeting_agenda": o.meeting_agenda,
        "meeting_purpose": o.meeting_purpose,
        "contact_style": style,
        "suggested_approach": str(tip["approach"]) if tip else "",
        "below_walk_away": bool(plan and plan.below_walk_away(o.amount)),
        "created_at": o.created_at,
        "version": o.version,
    }


def _related(qs):
    return qs.select_related(
        "customer", "contact", "stage", "owner__profile", "negotiation_plan"
    ).prefetch_related("products")


def _fresh(user, pk) -> dict:
    return opportunity_out(get_opportunity_or_404(user, _related(Opportunity.objects), pk))


def _stale(exc: StaleEdit) -> Status:
    return Status(
        409,
        {
            "detail": str(exc),
            "version": exc.instance.version,
            "changed_by": owner_out(exc.changed_by)["name"] if exc.changed_by else None,
            "conflicts": {
                field: {"current": stored, "yours": yours}
                for field, (stored, yours) in exc.changes.items()
            },
        },
    )


def _ids_to_fields(data: dict) -> dict:
    renames = {"contact_id": "contact", "owner_id": "owner", "product_ids": "products"}
    return {renames.get(k, k): v for k, v in data.items()}


@router.get("/opportunities", response={200: OpportunityPage, **READ_ERRORS})
def list_opportunities(
    request,
    limit: Limit = 25,
    offset: Offset = 0,
    status: Choice | None = None,
    stage_id: Id | None = None,
    owner_id: Id | None = None,
    team_id: Id | None = None,
    customer_id: Id | None = None,
    close_month: text(7) | None = None,
):
    """The opportunities of the customers in the caller's data scope, newest first; filters
    by status (open, won, lost), stage, owner, team (the customer's department), customer and
    expected close month."""
    if status and status not in OpportunityStatus.values:
        raise ValidationError(
            {"status": [_("Choose one of: %(choices)s.") % {"choices": "open, won, lost"}]}
        )
    month = services.first_of_month(close_month) if close_month else None
    if close_month and month is None:
        raise ValidationError({"close_month": [_("Enter a month as YYYY-MM.")]})
    qs = _related(reports.filtered(request.user, owner=owner_id, team=team_id, close_month=month))
    if status:
        qs = qs.filter(status=status)
    if stage_id:
        qs = qs.filter(stage_id=stage_id)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return paginate(qs.order_by("-created_at", "-id"), limit, offset, opportunity_out)


@router.post("/opportunities", response={201: OpportunityOut, **WRITE_ERRORS})
def create_opportunity(request, payload: OpportunityIn):
    """Open an opportunity for a customer the caller may change (404 outside the scope, 403
    when read-only); 422 when the stage's required fields are missing."""
    data = payload.dict()
    customer_id = data.pop("customer_id")
    stage = data.pop("stage_id")
    data = _ids_to_fields({k: v for k, v in data.items() if v is not None})
    if stage:
        data["stage"] = stage
    opportunity = services.create_opportunity(request.user, customer_id, data)
    return Status(201, _fresh(request.user, opportunity.pk))


@router.get("/opportunities/{opportunity_id}", response={200: OpportunityOut, **ONE_ERRORS})
def get_opportunity(request, opportunity_id: Id):
    """One opportunity of a customer in the caller's scope, with the FAB of its products and
    the suggested approach for its contact's interpersonal style; 404 otherwise."""
    return _fresh(request.user, opportunity_id)


@router.patch(
    "/opportunities/{opportunity_id}",
    response={200: OpportunityOut, 409: OpportunityStaleOut, **WRITE_ERRORS},
)
def update_opportunity(request, opportunity_id: Id, payload: OpportunityPatch):
    """Change the fields sent (the stage: POST .../move). With `version`, 409 when it changed
    meanwhile; a won or lost opportunity: 422."""
    data = payload.dict(exclude_unset=True)
    data.pop("version", None)
    try:
        services.update_opportunity(
            request.user, opportunity_id, _ids_to_fields(data), version=payload.version
        )
    except StaleEdit as exc:
        return _stale(exc)
    return _fresh(request.user, opportunity_id)


@router.delete("/opportunities/{opportunity_id}", response={204: None, **WRITE_ERRORS})
def delete_opportunity(request, opportunity_id: Id):
    """Delete an opportunity entered by mistake, with its notes, questions and objections."""
    services.delete_opportunity(request.user, opportunity_id)
    return Status(204, None)


ACTION = {200: OpportunityOut, 409: OpportunityStaleOut, **WRITE_ERRORS}


def _act(request, pk, run):
    try:
        run()
    except StaleEdit as exc:
        return _stale(exc)
    return _fresh(request.user, pk)


@router.post("/opportunities/{opportunity_id}/move", response=ACTION)
def move_opportunity(request, opportunity_id: Id, payload: MoveIn):
    """Move an open opportunity to another active stage; 422 with the missing fields when
    the stage requires some; the probability becomes the stage's."""
    return _act(
        request,
        opportunity_id,
        lambda: services.move_opportunity(
            request.user, opportunity_id, payload.stage_id, version=payload.version
        ),
    )


@router.post("/opportunities/{opportunity_id}/win", response=ACTION)
def win_opportunity(request, opportunity_id: Id, payload: WinIn):
    """Mark it won (it needs an amount: sent here or set before)."""
    return _act(
        request,
        opportunity_id,
        lambda: services.win_opportunity(
            request.user, opportunity_id, amount=payload.amount, version=payload.version
        ),
    )


@router.post("/opportunities/{opportunity_id}/lose", response=ACTION)
def lose_opportunity(request, opportunity_id: Id, payload: LoseIn):
    """Mark it lost with a reason from the list."""
    return _act(
        request,
        opportunity_id,
        lambda: services.lose_opportunity(
            request.user,
            opportunity_id,
            payload.lost_reason,
            payload.lost_note,
            version=payload.version,
        ),
    )


# Stages ------------------------------------------------------------------------------------


class StageIn(InSchema):
    name: text(60, min_length=1)
    order: WholeNumber | None = Field(None, ge=0, le=32767)
    probability: WholeNumber = Field(ge=0, le=100)
    required_fields: list[Choice] = Field(
        [], description="amount, expected_close, contact, products, negotiation_plan"
    )


class StagePatch(InSchema):
    name: text(60) | None = Field(None, description="Empty: a default stage's own name again.")
    order: WholeNumber | None = Field(None, ge=0, le=32767)
    probability: WholeNumber | None = Field(None, ge=0, le=100)
    required_fields: list[Choice] | None = None
    active: bool | None = None
    version: WholeNumber | None = Version


def stage_out(stage: Stage) -> dict:
    return {
        "id": stage.pk,
        "key": stage.key,
        "name": stage.name,
        "order": stage.order,
        "probability": stage.probability,
        "required_fields": stage.required_fields,
        "active": stage.active,
        "version": stage.version,
    }


@router.get("/stages", response={200: list[StageOut], **READ_ERRORS})
def list_stages(request):
    """Every stage in its order (retired ones with active false)."""
    return [stage_out(s) for s in Stage.objects.order_by("order", "id")]


@router.post("/stages", response={201: StageOut, **WRITE_ERRORS})
def create_stage(request, payload: StageIn):
    """A custom stage (managers; 403 for anyone else)."""
    data = payload.dict()
    data["custom_name"] = data.pop("name")
    if data["order"] is None:
        data.pop("order")
    return Status(201, stage_out(services.create_stage(request.user, data)))


@router.patch(
    "/stages/{stage_id}", response={200: StageOut, 409: OpportunityStaleOut, **WRITE_ERRORS}
)
def update_stage(request, stage_id: Id, payload: StagePatch):
    """Rename, reorder, change the probability or required fields, retire (managers)."""
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version"}
    if "name" in data:
        data["custom_name"] = data.pop("name") or ""
    try:
        stage = services.update_stage(request.user, stage_id, data, version=payload.version)
    except StaleEdit as exc:
        return _stale(exc)
    return stage_out(stage)


# SPIN notes, questions, objections ---------------------------------------------------------


class SpinIn(InSchema):
    situation: LongText = ""
    problem: LongText = ""
    implication: LongText = ""
    need_payoff: LongText = ""


class SpinOut(Schema):
    id: int
    opportunity_id: int
    situation: str
    problem: str
    implication: str
    need_payoff: str
    author: OpportunityPersonOut | None
    created_at: datetime


def spin_out(note: SpinNote) -> dict:
    return {
        "id": note.pk,
        "opportunity_id": note.opportunity_id,
        "situation": note.situation,
        "problem": note.problem,
        "implication": note.implication,
        "need_payoff": note.need_payoff,
        "author": owner_out(note.author),
        "created_at": note.created_at,
    }


@router.get("/opportunities/{opportunity_id}/spin", response={200: list[SpinOut], **ONE_ERRORS})
def list_spin(request, opportunity_id: Id):
    """The SPIN notes of an opportunity, newest first."""
    opportunity = get_opportunity_or_404(request.user, Opportunity.objects.all(), opportunity_id)
    return [spin_out(n) for n in opportunity.spin_notes.select_related("author__profile")]


@router.post("/opportunities/{opportunity_id}/spin", response={201: SpinOut, **WRITE_ERRORS})
def add_spin(request, opportunity_id: Id, payload: SpinIn):
    """SPIN notes (situation, problem, implication, need-payoff; at least one)."""
    note = services.add_spin_note(request.user, opportunity_id, payload.dict())
    return Status(201, spin_out(note))


class AskedQuestionIn(InSchema):
    kind: Choice = Field(description="open, closed or clarifying")
    question: text(20000, min_length=1)
    answer: LongText = ""


class AnswerIn(InSchema):
    answer: text(20000, min_length=1)


class AskedQuestionOut(Schema):
    id: int
    opportunity_id: int
    kind: str
    question: str
    answer: str
    created_at: datetime


def question_out(q: AskedQuestion) -> dict:
    return {
        "id": q.pk,
        "opportunity_id": q.opportunity_id,
        "kind": q.kind,
        "question": q.question,
        "answer": q.answer,
        "created_at": q.created_at,
    }


@router.get(
    "/opportunities/{opportunity_id}/questions",
    response={200: list[AskedQuestionOut], **ONE_ERRORS},
)
def list_questions(request, opportunity_id: Id):
    """The question log of an opportunity, oldest first."""
    opportunity = get_opportunity_or_404(request.user, Opportunity.objects.all(), opportunity_id)
    return [question_out(q) for q in opportunity.questions.all()]


@router.post(
    "/opportunities/{opportunity_id}/questions", response={201: AskedQuestionOut, **WRITE_ERRORS}
)
def add_question(request, opportunity_id: Id, payload: AskedQuestionIn):
    """Log a question (open, closed or clarifying) and, when known, the answer."""
    return Status(
        201, question_out(services.add_question(request.user, opportunity_id, payload.dict()))
    )


@router.post("/questions/{question_id}/answer", response={200: AskedQuestionOut, **WRITE_ERRORS})
def answer_question(request, question_id: Id, payload: AnswerIn):
    """Write down the customer's answer to a logged question."""
    return question_out(services.answer_question(request.user, question_id, payload.answer))


class ObjectionIn(InSchema):
    kind: Choice = Field(description="need, financial, authority, price, product, salesperson")
    statement: text(20000, min_length=1)
    response: LongText = ""
    outcome: Choice = Field("open", description="open, resolved or lost_deal")


class ObjectionPatch(InSchema):
    kind: Choice | None = None
    statement: text(20000, min_length=1) | None = None
    response: LongText | None = None
    outcome: Choice | None = None
    version: WholeNumber | None = Version


class ObjectionOut(Schema):
    id: int
    opportunity_id: int
    stage_id: int
    stage: str
    kind: str
    statement: str
    response: str
    outcome: str
    created_at: datetime
    version: int


def objection_out(o: Objection) -> dict:
    return {
        "id": o.pk,
        "opportunity_id": o.opportunity_id,
        "stage_id": o.stage_id,
        "stage": o.stage.name,
        "kind": o.kind,
        "statement": o.statement,
        "response": o.response,
        "outcome": o.outcome,
        "created_at": o.created_at,
        "version": o.version,
    }


@router.get(
    "/opportunities/{opportunity_id}/objections",
    response={200: list[ObjectionOut], **ONE_ERRORS},
)
def list_objections(request, opportunity_id: Id):
    """The objections raised on an opportunity, newest first."""
    opportunity = get_opportunity_or_404(request.user, Opportunity.objects.all(), opportunity_id)
    return [objection_out(o) for o in opportunity.objections.select_related("stage")]


@router.post(
    "/opportunities/{opportunity_id}/objections", response={201: ObjectionOut, **WRITE_ERRORS}
)
def log_objection(request, opportunity_id: Id, payload: ObjectionIn):
    """Log an objection by type with the response and outcome; it counts against the stage
    the opportunity is in."""
    objection = services.log_objection(request.user, opportunity_id, payload.dict())
    return Status(201, objection_out(objection))


@router.patch(
    "/objections/{objection_id}",
    response={200: ObjectionOut, 409: OpportunityStaleOut, **WRITE_ERRORS},
)
def update_objection(request, objection_id: Id, payload: ObjectionPatch):
    """Record the response and the outcome (resolved, open, lost_deal)."""
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version"}
    try:
        objection = services.update_objection(
            request.user, objection_id, data, version=payload.version
        )
    except StaleEdit as exc:
        return _stale(exc)
    return objection_out(Objection.objects.select_related("stage").get(pk=objection.pk))


# Negotiation plans ---------------------------------------------------------------------------


class NegotiationPlanIn(InSchema):
    interests: LongText | None = None
    criteria: LongText | None = None
    options: LongText | None = None
    batna: LongText | None = None
    walk_away: Money | None = None
    version: WholeNumber | None = Version


class PlanOut(Schema):
    opportunity_id: int
    interests: str
    criteria: str
    options: str
    batna: str
    walk_away: Decimal | None
    offer: Decimal | None = Field(description="The opportunity's amount, the offer on the table.")
    below_walk_away: bool
    version: int


def plan_out(plan: NegotiationPlan) -> dict:
    offer = plan.opportunity.amount
    return {
        "opportunity_id": plan.opportunity_id,
        "interests": plan.interests,
        "criteria": plan.criteria,
        "options": plan.options,
        "batna": plan.batna,
        "walk_away": plan.walk_away,
        "offer": offer,
        "below_walk_away": plan.below_walk_away(offer),
        "version": plan.version,
    }


@router.get("/negotiation-plans/{opportunity_id}", response={200: PlanOut, **ONE_ERRORS})
def get_plan(request, opportunity_id: Id):
    """The negotiation plan of an opportunity (404 when it has none or is out of scope)."""
    opportunity = get_opportunity_or_404(request.user, Opportunity.objects.all(), opportunity_id)
    plan = (
        NegotiationPlan.objects.select_related("opportunity")
        .filter(opportunity=opportunity)
        .first()
    )
    if plan is None:
        from django.http import Http404

        raise Http404
    return plan_out(plan)


@router.put(
    "/negotiation-plans/{opportunity_id}",
    response={200: PlanOut, 409: OpportunityStaleOut, **WRITE_ERRORS},
)
def save_plan(request, opportunity_id: Id, payload: NegotiationPlanIn):
    """Write the plan (created on the first call): interests, criteria, options, the BATNA and
    its walk-away value; `below_walk_away` says whether the amount on the table is under it."""
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version"}
    try:
        plan = services.save_negotiation_plan(
            request.user, opportunity_id, data, version=payload.version
        )
    except StaleEdit as exc:
        return _stale(exc)
    return plan_out(NegotiationPlan.objects.select_related("opportunity").get(pk=plan.pk))


# Sales targets -------------------------------------------------------------------------------


class TargetIn(InSchema):
    user_id: Id | None = None
    department_id: Id | None = None
    month: text(7, min_length=7) = Field(description="YYYY-MM")
    sales_target: Money
    collection_target: Money = Decimal(0)


class TargetOut(Schema):
    id: int
    user: OpportunityPersonOut | None
    department_id: int | None
    month: str
    sales_target: Decimal
    collection_target: Decimal


def target_out(t: SalesTarget) -> dict:
    return {
        "id": t.pk,
        "user": owner_out(t.user),
        "department_id": t.department_id,
        "month": t.month.strftime("%Y-%m"),
        "sales_target": t.sales_target,
        "collection_target": t.collection_target,
    }


class TargetPage(Schema):
    count: int
    items: list[TargetOut]


@router.get("/sales-targets", response={200: TargetPage, **READ_ERRORS})
def list_targets(request, limit: Limit = 25, offset: Offset = 0, month: text(7) | None = None):
    """Sales and collection targets (业绩目标) of reps and departments, latest month first:
    every target for those who set them (managers), otherwise a rep's own and their team's."""
    qs = SalesTarget.objects.select_related("user__profile").order_by("-month", "id")
    if not may_configure_pipeline(request.user):
        team = profile_of(request.user).department_id
        qs = qs.filter(Q(user=request.user) | Q(department_id=team, department__isnull=False))
    if month:
        first = services.first_of_month(month)
        if first is None:
            raise ValidationError({"month": [_("Enter a month as YYYY-MM.")]})
        qs = qs.filter(month=first)
    return paginate(qs, limit, offset, target_out)


@router.post("/sales-targets", response={200: TargetOut, **WRITE_ERRORS})
def save_target(request, payload: TargetIn):
    """Set a rep's or a department's target for a month (managers); the same rep or
    department and month again replaces the figures."""
    data = payload.dict()
    target = services.save_sales_target(
        request.user,
        {
            "user": data["user_id"],
            "department": data["department_id"],
            "month": data["month"],
            "sales_target": data["sales_target"],
            "collection_target": data["collection_target"],
        },
    )
    return target_out(SalesTarget.objects.select_related("user__profile").get(pk=target.pk))


@router.delete("/sales-targets/{target_id}", response={204: None, **WRITE_ERRORS})
def delete_target(request, target_id: Id):
    """Remove a target (managers)."""
    services.delete_sales_target(request.user, target_id)
    return Status(204, None)


# Reports -------------------------------------------------------------------------------------


class FunnelOut(Schema):
    stage_id: int
    stage: str
    reached: int
    conversion: float | None = Field(description="Per cent reaching the next stage (or won).")


class RepOut(Schema):
    owner_id: int | None
    owner: str
    opportunities: int
    won: int
    lost: int
    win_rate: float | None
    reached: list[int]


class StallOut(Schema):
    stage_id: int
    stage: str
    counts: dict[str, int]


class ForecastOut(Schema):
    month: str
    weighted: Decimal
    won: Decimal
    sales_target: Decimal | None
    collection_target: Decimal | None
    collected: Decimal | None = Field(description="Only when an app provides collections.")


class ReportOut(Schema):
    opportunities: int
    won: int
    lost: int
    win_rate: float | None
    cycle_days_median: float | None
    funnel: list[FunnelOut]
    reps: list[RepOut]
    objections: list[StallOut]
    forecast: list[ForecastOut]


@router.get("/pipeline/reports", response={200: ReportOut, **READ_ERRORS})
def report(
    request,
    owner_id: Id | None = None,
    team_id: Id | None = None,
    close_month: text(7) | None = None,
):
    """The sales report's figures over the caller's scope: funnel, per rep, win rate, median
    cycle time (days), objections by stage and type, forecast against targets."""
    month = services.first_of_month(close_month) if close_month else None
    if close_month and month is None:
        raise ValidationError({"close_month": [_("Enter a month as YYYY-MM.")]})
    return reports.figures(request.user, owner=owner_id, team=team_id, close_month=month)
