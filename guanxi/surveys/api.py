"""Surveys over the API: definitions (every signed-in user reads them, managers build them),
invitations (the only time a link is known is the answer that makes it), responses and
results, the last two within the caller's data scope."""

from datetime import datetime
from typing import Literal

from django.urls import reverse
from ninja import Field, Router, Schema, Status

from guanxi.accounts.scope import survey_records
from guanxi.api_common import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    InSchema,
    Limit,
    Offset,
    errors,
    paginate,
)
from guanxi.api_common import text as bounded

from . import results, services
from .models import Invitation, Question, Response, Survey


class QuestionOut(Schema):
    id: int
    order: int
    kind: str
    text: str
    attribute: str
    scale: int
    feature: str
    touchpoints: list[str]


class SurveyOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    status: str
    created_by: int | None
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    questions: list[QuestionOut]


class SurveyPage(Schema):
    count: int
    items: list[SurveyOut]


class QuestionIn(InSchema):
    kind: Literal["rating", "nps", "gap", "kano", "peak", "end", "text", "value"]
    text: bounded(300) = ""
    attribute: Literal["", "quality", "function", "price", "service", "other"] = ""
    scale: Literal[5, 7] = 5
    feature: bounded(200) = ""
    touchpoints: list[bounded(100)] = Field(default_factory=list, max_length=20)


class SurveyIn(InSchema):
    title: bounded(200, min_length=1)
    description: bounded(1000) = ""
    kind: Literal["satisfaction", "nps", "kano", "experience"] = "satisfaction"
    questions: list[QuestionIn] = Field(default_factory=list, max_length=100)


class InviteIn(InSchema):
    customer_ids: list[Id] = Field(default_factory=list, max_length=5000)
    segment_id: Id | None = None


class LinkOut(Schema):
    invitation_id: int
    customer_id: int
    url: str = Field(description="The customer's single-use link; shown only in this answer.")


class InvitationOut(Schema):
    id: int
    customer_id: int
    sent_at: datetime
    answered_at: datetime | None


class InvitationPage(Schema):
    count: int
    items: list[InvitationOut]


class AnswerOut(Schema):
    question_id: int
    value: int | None
    value2: int | None
    choice: str
    text: str
    parts: dict[str, int]


class ResponseOut(Schema):
    id: int
    customer_id: int
    submitted_at: datetime
    answers: list[AnswerOut]


class ResponsePage(Schema):
    count: int
    items: list[ResponseOut]


class KanoFeature(Schema):
    feature: str
    category: str
    counts: dict[str, int]
    better: float | None
    worse: float | None


class ResultsOut(Schema):
    invited: int
    responses: int
    response_rate: float | None
    ratings: list[dict]
    nps: list[dict]
    gaps: list[dict]
    gaps_by_segment: list[dict]
    features: list[KanoFeature] = Field(
        description="KANO features in priority order, as `guanxi analyze kano --json` prints them."
    )
    peak_end: dict | None
    delivered_value: dict | None = Field(
        description="Customer delivered value: total value − total cost (means of 1–5 ratings)."
    )


router = Router(tags=["surveys"])


def _question(q: Question) -> dict:
    return {
        "id": q.pk,
        "order": q.order,
        "kind": q.kind,
        "text": q.text,
        "attribute": q.attribute,
        "scale": q.scale,
        "feature": q.feature,
        "touchpoints": q.touchpoints,
    }


def _out(survey: Survey) -> dict:
    return {
        "id": survey.pk,
        "title": survey.title,
        "description": survey.description,
        "kind": survey.kind,
        "status": survey.status,
        "created_by": survey.created_by_id,
        "created_at": survey.created_at,
        "opened_at": survey.opened_at,
        "closed_at": survey.closed_at,
        "questions": [_question(q) for q in survey.questions.all()],
    }


@router.get("/surveys", response={200: SurveyPage, **READ_ERRORS})
def list_surveys(request, limit: Limit = 25, offset: Offset = 0):
    """Every survey, newest first (definitions hold no customer data: every signed-in user)."""
    qs = Survey.objects.prefetch_related("questions").order_by("-created_at", "-id")
    return paginate(qs, limit, offset, _out)


@router.post("/surveys", response={201: SurveyOut, **errors(400, 401, 403, 422)})
def create_survey(request, payload: SurveyIn):
    """A draft survey with its questions (managers; 403 for others). Question kinds: rating
    (1–5), nps (0–10), value (customer delivered value: eight parts rated 1–5), gap (expectation and perception of an `attribute` on a `scale` of 5 or
    7), kano (a `feature`), peak and end (`touchpoints`), text."""
    data = payload.dict()
    questions = data.pop("questions")
    survey = services.create_survey(request.user, data, questions)
    return Status(201, _out(survey))


@router.get("/surveys/{survey_id}", response={200: SurveyOut, **ONE_ERRORS})
def get_survey(request, survey_id: Id):
    """One survey with its questions (every signed-in user; 404 for an unknown id)."""
    return _out(services.get_survey(survey_id))


@router.get("/surveys/{survey_id}/questions", response={200: list[QuestionOut], **ONE_ERRORS})
def list_questions(request, survey_id: Id):
    """The survey's questions in order: kind, text, and per kind the attribute and scale
    (gap), the feature (kano) or the touchpoints (peak, end)."""
    return [_question(q) for q in services.get_survey(survey_id).questions.all()]


@router.post("/surveys/{survey_id}/questions", response={201: QuestionOut, **WRITE_ERRORS})
def add_question(request, survey_id: Id, payload: QuestionIn):
    """Add a question to a draft (managers; 422 once the survey is open)."""
    services.get_survey(survey_id)
    return Status(201, _question(services.add_question(request.user, survey_id, payload.dict())))


@router.post("/surveys/{survey_id}/open", response={200: SurveyOut, **WRITE_ERRORS})
def open_survey(request, survey_id: Id):
    """Open a draft: links take answers (managers)."""
    services.get_survey(survey_id)
    return _out(services.open_survey(request.user, survey_id))


@router.post("/surveys/{survey_id}/close", response={200: SurveyOut, **WRITE_ERRORS})
def close_survey(request, survey_id: Id):
    """Close an open survey: links refuse answers from now on (managers)."""
    services.get_survey(survey_id)
    return _out(services.close_survey(request.user, survey_id))


@router.post("/surveys/{survey_id}/invitations", response={201: list[LinkOut], **WRITE_ERRORS})
def invite(request, survey_id: Id, payload: InviteIn):
    """Invite customers of the caller's scope (ids, or a saved segment's members); those
    already invited are skipped. Each gets a single-use link, returned only here (managers)."""
    services.get_survey(survey_id)
    made = services.invite(
        request.user,
        survey_id,
        customer_ids=payload.customer_ids,
        segment_pk=payload.segment_id,
    )
    return Status(
        201,
        [
            {
                "invitation_id": invitation.pk,
                "customer_id": invitation.customer_id,
                "url": request.build_absolute_uri(reverse("respond:answer", args=[token])),
            }
            for invitation, token in made
        ],
    )


@router.get("/surveys/{survey_id}/invitations", response={200: InvitationPage, **ONE_ERRORS})
def list_invitations(request, survey_id: Id, limit: Limit = 25, offset: Offset = 0):
    """The survey's invitations of customers in the caller's scope."""
    survey = services.get_survey(survey_id)
    qs = survey_records(request.user, Invitation.objects.filter(survey=survey)).order_by("-id")
    return paginate(
        qs,
        limit,
        offset,
        lambda i: {
            "id": i.pk,
            "customer_id": i.customer_id,
            "sent_at": i.sent_at,
            "answered_at": i.answered_at,
        },
    )


@router.get("/surveys/{survey_id}/responses", response={200: ResponsePage, **ONE_ERRORS})
def list_responses(request, survey_id: Id, limit: Limit = 25, offset: Offset = 0):
    """The answers given, per response, of customers in the caller's scope, newest first."""
    survey = services.get_survey(survey_id)
    qs = (
        survey_records(request.user, Response.objects.filter(survey=survey))
        .prefetch_related("answers")
        .order_by("-submitted_at", "-id")
    )
    return paginate(
        qs,
        limit,
        offset,
        lambda r: {
            "id": r.pk,
            "customer_id": r.customer_id,
            "submitted_at": r.submitted_at,
            "answers": [
                {
                    "question_id": a.question_id,
                    "value": a.value,
                    "value2": a.value2,
                    "choice": a.choice,
                    "text": a.text,
                    "parts": a.parts,
                }
                for a in r.answers.all()
            ],
        },
    )


@router.get("/surveys/{survey_id}/results", response={200: ResultsOut, **ONE_ERRORS})
def survey_results(request, survey_id: Id, segment_id: Id | None = None):
    """Response rate, ratings, NPS (engine: guanxi.analytics.satisfaction), the
    expectation-perception gap per attribute (and per group of a segment's members), KANO
    `features` in the shape of `guanxi analyze kano --json`, and the peak-end touchpoints;
    all over the customers of the caller's scope."""
    from guanxi.accounts.scope import get_segment_or_404
    from guanxi.segments.models import Segment

    survey = services.get_survey(survey_id)
    segment = None
    if segment_id is not None:
        segment = get_segment_or_404(request.user, Segment.objects.all(), segment_id)
    result = results.compute(request.user, survey, segment=segment)
    features = [
        {k: item[k] for k in ("feature", "category", "counts", "better", "worse")}
        for item in result.pop("kano")
    ]
    result.pop("segment")
    return {**result, "features": features}
