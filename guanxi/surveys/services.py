"""Surveys: every write here, each audited (guanxi.audit), every access decided by
guanxi.accounts.scope.

- Survey definitions are built by managers (scope.require_survey_editor); only drafts change.
- Inviting makes one single-use link per customer (of the editor's scope: a selection or a
  saved segment's members, evaluated by guanxi.segments in the editor's scope).
- Answers come by token, without login: validated per question kind, all or nothing, refused
  after closing or once the link was used.
"""

import hashlib
import hmac
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.scope import (
    get_survey_record_or_404,
    invitable_customers,
    require_survey_editor,
)
from guanxi.audit.models import AuditEntry
from guanxi.audit.services import record, record_many, record_update, snapshot
from guanxi.validation import MAX_ID, clean_text

from .models import (
    COST_PARTS,
    VALUE_PARTS,
    Answer,
    Attribute,
    Invitation,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyKind,
    SurveyStatus,
)

SURVEY_FIELDS = ["title", "description", "kind", "status"]
QUESTION_FIELDS = ["survey_id", "order", "kind", "text", "attribute", "scale", "feature"]
MAX_QUESTIONS = 100
MAX_TOUCHPOINTS = 20
MAX_INVITES = 5000
MAX_TEXT_ANSWER = 2000
KANO_ANSWERS = 5  # like, must-be, neutral, live-with, dislike
RANGES = {QuestionKind.RATING: (1, 5), QuestionKind.NPS: (0, 10)}
PEAK_END = (QuestionKind.PEAK, QuestionKind.END)


class SurveyUnavailable(Exception):
    """The link cannot take answers (closed survey, used link); the message says why."""


# Tokens -------------------------------------------------------------------------------------


def new_token() -> str:
    """43 URL-safe characters, 256 random bits: unguessable."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def invitation_for_token(token: str, *, for_update: bool = False) -> Invitation | None:
    """The invitation a link's token names, or None. Looked up by the token's SHA-256 (the
    token itself is never stored) and compared again in constant time. An erased customer's
    links name nothing (erasure also replaces their hashes: privacy.py)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    digest = token_hash(token)
    qs = Invitation.objects.select_related("survey").filter(customer__erased_at__isnull=True)
    if for_update:
        qs = qs.select_for_update()
    invitation = qs.filter(token_hash=digest).first()
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        return None
    return invitation


# Survey definitions -------------------------------------------------------------------------


def _text(value, field: str, errors: dict, limit: int, *, multiline=False, required=False):
    try:
        text = clean_text(str(value or ""), multiline=multiline).strip()
    except ValueError as exc:
        errors.setdefault(field, []).append(str(exc))
        return ""
    if required and not text:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(text) > limit:
        errors.setdefault(field, []).append(_("At most %(n)s characters.") % {"n": limit})
    return text


def _clean_survey(data: dict, *, creating: bool) -> dict:
    errors: dict = {}
    cleaned = {}
    if "title" in data or creating:
        cleaned["title"] = _text(data.get("title"), "title", errors, 200, required=True)
    if "description" in data:
        cleaned["description"] = _text(
            data.get("description"), "description", errors, 1000, multiline=True
        )
    if "kind" in data or creating:
        kind = data.get("kind") or SurveyKind.SATISFACTION
        if kind not in SurveyKind.values:
            errors.setdefault("kind", []).append(_("Choose a kind of survey."))
        cleaned["kind"] = kind
    if errors:
        raise ValidationError(errors)
    return cleaned


def _editable_draft(user, pk) -> Survey:
    require_survey_editor(user)
    survey = get_survey(pk, for_update=True)
    if survey.status != SurveyStatus.DRAFT:
        raise ValidationError(_("Only a draft survey can be changed; this one is already open."))
    return survey


def get_survey(pk, *, for_update: bool = False) -> Survey:
    """A survey by id (definitions are visible to every staff user), or 404."""
    from django.http import Http404

    qs = Survey.objects.select_for_update() if for_update else Survey.objects.all()
    try:
        return qs.get(pk=pk)
    except (ValueError, TypeError, Survey.DoesNotExist) as exc:
        raise Http404 from exc


def create_survey(user, data: dict, questions: list[dict] | None = None) -> Survey:
    """A new draft survey from {title, description, kind}, with its questions if given."""
    require_survey_editor(user)
    cleaned = _clean_survey(data, creating=True)
    with transaction.atomic():
        survey = Survey.objects.create(created_by=user, **cleaned)
        record(user, AuditEntry.Action.CREATE, survey, fields=SURVEY_FIELDS)
        for position, question in enumerate(questions or []):
            try:
                add_question(user, survey.pk, question)
            except ValidationError as exc:
                raise ValidationError(
                    {
                        f"questions.{position}.{field}": messages
                        for field, messages in exc.message_dict.items()
                    }
                ) from exc
    return survey


def update_survey(user, pk, data: dict) -> Survey:
    """Change a draft's title, introduction or kind."""
    cleaned = _clean_survey(data, creating=False)
    with transaction.atomic():
        survey = _editable_draft(user, pk)
        before = snapshot(survey, SURVEY_FIELDS)
        for key, value in cleaned.items():
            setattr(survey, key, value)
        survey.save()
        record_update(user, survey, before, SURVEY_FIELDS)
    return survey


def _clean_question(data: dict) -> dict:
    errors: dict = {}
    kind = data.get("kind")
    if kind not in QuestionKind.values:
        raise ValidationError({"kind": [_("Choose a kind of question.")]})
    cleaned = {"kind": kind, "attribute": "", "scale": 5, "feature": "", "touchpoints": []}
    cleaned["text"] = _text(data.get("text"), "text", errors, 300, required=kind != "kano")
    if kind == QuestionKind.GAP:
        attribute = data.get("attribute") or ""
        if attribute not in Attribute.values:
            errors.setdefault("attribute", []).append(
                _("Choose the attribute: quality, function, price, service or other.")
            )
        cleaned["attribute"] = attribute
        try:
            scale = int(data.get("scale") or 5)
        except (TypeError, ValueError):
            scale = 0
        if scale not in (5, 7):
            errors.setdefault("scale", []).append(_("The scale is 1–5 or 1–7."))
        cleaned["scale"] = scale
    if kind == QuestionKind.KANO:
        cleaned["feature"] = _text(data.get("feature"), "feature", errors, 200, required=True)
        if not cleaned["text"]:
            cleaned["text"] = cleaned["feature"]
    if kind in PEAK_END:
        raw = data.get("touchpoints") or []
        if isinstance(raw, str):
            raw = raw.splitlines()
        points = []
        for item in raw if isinstance(raw, list | tuple) else []:
            point = _text(item, "touchpoints", errors, 100)
            if point and point not in points:
                points.append(point)
        if len(points) < 2:
            errors.setdefault("touchpoints", []).append(
                _("Give at least two touchpoints, one per line.")
            )
        elif len(points) > MAX_TOUCHPOINTS:
            errors.setdefault("touchpoints", []).append(
                _("At most %(n)s touchpoints.") % {"n": MAX_TOUCHPOINTS}
            )
        cleaned["touchpoints"] = points
    if errors:
        raise ValidationError(errors)
    return cleaned


def add_question(user, survey_pk, data: dict) -> Question:
    """Add a question at the end of a draft: {kind, text, attribute, scale, feature,
    touchpoints}."""
    cleaned = _clean_question(data)
    with transaction.atomic():
        survey = _editable_draft(user, survey_pk)
        orders = list(survey.questions.values_list("order", flat=True))
        if len(orders) >= MAX_QUESTIONS:
            raise ValidationError(_("At most %(n)s questions.") % {"n": MAX_QUESTIONS})
        question = Question.objects.create(
            survey=survey, order=max(orders, default=0) + 1, **cleaned
        )
        record(user, AuditEntry.Action.CREATE, question, fields=QUESTION_FIELDS)
    return question


def delete_question(user, survey_pk, question_pk) -> None:
    with transaction.atomic():
        survey = _editable_draft(user, survey_pk)
        question = survey.questions.filter(pk=question_pk).first()
        if question is None:
            from django.http import Http404

            raise Http404
        values = snapshot(question, QUESTION_FIELDS)
        record(
            user,
            AuditEntry.Action.DELETE,
            question,
            changes={k: [v, None] for k, v in values.items()},
        )
        question.delete()


def _set_status(user, pk, status: str) -> Survey:
    require_survey_editor(user)
    with transaction.atomic():
        survey = get_survey(pk, for_update=True)
        before = snapshot(survey, SURVEY_FIELDS)
        if status == SurveyStatus.OPEN:
            if survey.status != SurveyStatus.DRAFT:
                raise ValidationError(_("Only a draft survey can be opened."))
            if not survey.questions.exists():
                raise ValidationError(_("Add at least one question before opening the survey."))
            survey.opened_at = timezone.now()
        else:
            if survey.status != SurveyStatus.OPEN:
                raise ValidationError(_("Only an open survey can be closed."))
            survey.closed_at = timezone.now()
        survey.status = status
        survey.save()
        record_update(user, survey, before, SURVEY_FIELDS)
    return survey


def open_survey(user, pk) -> Survey:
    """Open a draft: its questions are fixed from now on and links take answers."""
    return _set_status(user, pk, SurveyStatus.OPEN)


def close_survey(user, pk) -> Survey:
    """Close an open survey: links answer that it is closed."""
    return _set_status(user, pk, SurveyStatus.CLOSED)


# Invitations --------------------------------------------------------------------------------


def _by_reference(customers, refs: list[str]):
    """The customers (of `customers`, the editor's scope) that the references name: each an
    external id as the customer list shows it, a mobile or phone number, or an exact name.
    ValidationError naming the references that match no one, or a name several share."""
    from guanxi.customers.normalize import looks_like_phone, phone_or_none

    found, missing, shared = set(), [], []
    for ref in dict.fromkeys(r.strip() for r in refs if r and r.strip()):
        q = Q(external_id=ref)
        phone = phone_or_none(ref) if looks_like_phone(ref) else None
        if phone:
            q |= Q(mobile=phone) | Q(phone=phone)
        pks = list(customers.filter(q).values_list("pk", flat=True)[:2])
        if not pks:
            pks = list(customers.filter(name=ref).values_list("pk", flat=True)[:2])
            if len(pks) > 1:
                shared.append(ref)
                continue
        if not pks:
            missing.append(ref)
        found.update(pks)
    errors = []
    if missing:
        errors.append(
            _("No customer of yours has this external id, number or name: %(refs)s.")
            % {"refs": "、".join(missing)}
        )
    if shared:
        errors.append(
            _("Several customers have this name; give their external ids or mobiles: %(refs)s.")
            % {"refs": "、".join(shared)}
        )
    if errors:
        raise ValidationError({"customers": errors})
    return customers.filter(pk__in=found)


def invite(
    user, survey_pk, *, customer_ids=None, segment_pk=None, customer_refs=None
) -> list[tuple[Invitation, str]]:
    """One link per customer not invited yet: the customers chosen (ids, or `customer_refs`:
    external ids, mobiles or exact names, as the invite page takes them) or a saved segment's
    members, always within the editor's scope (ids outside it are ignored, as if absent; a
    reference outside it is refused as matching no one). Returns (invitation, token) pairs:
    the only time the token is known."""
    require_survey_editor(user)
    customers = invitable_customers(user)
    if segment_pk not in (None, ""):
        from guanxi.accounts.scope import get_segment_or_404
        from guanxi.segments.models import Segment
        from guanxi.segments.services import members

        segment = get_segment_or_404(user, Segment.objects.all(), segment_pk)
        customers = customers.filter(pk__in=members(user, segment).order_by().values("pk"))
    elif customer_ids:
        customers = customers.filter(pk__in=_customer_ids(customer_ids))
    elif customer_refs:
        customers = _by_reference(customers, customer_refs)
    else:
        raise ValidationError(_("Choose customers or a segment to invite."))
    made = []
    with transaction.atomic():
        survey = get_survey(survey_pk, for_update=True)
        if survey.status == SurveyStatus.CLOSED:
            raise ValidationError(_("This survey is closed; it takes no more invitations."))
        invited = Invitation.objects.filter(survey=survey).values("customer_id")
        new = list(customers.exclude(pk__in=invited).order_by("pk").values_list("pk", flat=True))
        if len(new) > MAX_INVITES:
            raise ValidationError(
                _("At most %(n)s customers at a time; choose a smaller selection.")
                % {"n": MAX_INVITES}
            )
        now = timezone.now()
        for customer_id in new:
            token = new_token()
            invitation = Invitation.objects.create(
                survey=survey,
                customer_id=customer_id,
                token_hash=token_hash(token),
                created_by=user,
                sent_at=now,
            )
            made.append((invitation, token))
        record_many(
            user, AuditEntry.Action.CREATE, [i for i, _t in made], fields=["survey_id", "sent_at"]
        )
    return made


FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")  # typed with a Chinese IME


def _customer_ids(raw) -> list[int]:
    """The ids given (full-width digits too), sorted; a ValidationError on "customer_ids" naming each value that is not
    a customer id (a whole number from 1 to validation.MAX_ID: a larger one would overflow the
    database's integer parameter instead of matching nothing)."""
    if isinstance(raw, str | int):
        raw = [raw]
    ids, wrong = set(), []
    for value in raw:
        text = str(value).strip().translate(FULL_WIDTH_DIGITS)
        digits = text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID))
        if isinstance(value, bool) or not digits or not 1 <= int(text) <= MAX_ID:
            wrong.append(text[:30])
        else:
            ids.add(int(text))
    if wrong:
        raise ValidationError(
            {
                "customer_ids": [
                    _("Not a customer id: %(values)s.") % {"values": ", ".join(wrong[:10])}
                ]
            }
        )
    return sorted(ids)


def renew_link(user, invitation_pk) -> tuple[Invitation, str]:
    """A new link for an unanswered invitation (the old one stops working): the way to show
    a link again, since only its hash is kept."""
    require_survey_editor(user)
    with transaction.atomic():
        invitation = get_survey_record_or_404(
            user, Invitation.objects.select_for_update().select_related("survey"), invitation_pk
        )
        if invitation.answered_at is not None:
            raise ValidationError(_("This customer has answered already."))
        if invitation.survey.status == SurveyStatus.CLOSED:
            raise ValidationError(_("This survey is closed; it takes no more answers."))
        token = new_token()
        invitation.token_hash = token_hash(token)
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["token_hash", "sent_at"])
        record(user, AuditEntry.Action.UPDATE, invitation, changes={"link": ["renewed", "renewed"]})
    return invitation, token


# Answers ------------------------------------------------------------------------------------


def _whole(value, low: int, high: int):
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _range_error(low: int, high: int) -> str:
    return _("Choose a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}


def clean_answers(questions, data: dict) -> tuple[list[dict], dict]:
    """The answers to store ({question, value, value2, choice, text}) and the errors keyed by
    "q<id>", from data {question id: {value, value2, choice, text}}. Every question but free
    text needs an answer."""
    rows, errors = [], {}
    for question in questions:
        key = f"q{question.pk}"
        given = data.get(question.pk) or data.get(str(question.pk)) or {}
        row = {
            "question": question,
            "value": None,
            "value2": None,
            "choice": "",
            "text": "",
            "parts": {},
        }
        kind = question.kind
        if kind == QuestionKind.TEXT:
            raw = str(given.get("text") or "")
            try:
                text = clean_text(raw, multiline=True).strip()
            except ValueError as exc:
                errors[key] = [str(exc)]
                continue
            if len(text) > MAX_TEXT_ANSWER:
                errors[key] = [_("At most %(n)s characters.") % {"n": MAX_TEXT_ANSWER}]
                continue
            if text:
                row["text"] = text
                rows.append(row)
            continue
        if kind in RANGES:
            low, high = RANGES[kind]
            row["value"] = _whole(given.get("value"), low, high)
            if row["value"] is None:
                errors[key] = [_range_error(low, high)]
                continue
        elif kind in (QuestionKind.GAP, QuestionKind.KANO):
            high = question.scale if kind == QuestionKind.GAP else KANO_ANSWERS
            row["value"] = _whole(given.get("value"), 1, high)
            row["value2"] = _whole(given.get("value2"), 1, high)
            if row["value"] is None or row["value2"] is None:
                errors[key] = [
                    _("Answer both parts, each a whole number from 1 to %(high)s.") % {"high": high}
                    if kind == QuestionKind.GAP
                    else _("Answer both parts: with the feature and without it.")
                ]
                continue
        elif kind == QuestionKind.VALUE:
            parts = given.get("parts") if isinstance(given.get("parts"), dict) else {}
            for part, _label in (*VALUE_PARTS, *COST_PARTS):
                rating = _whole(parts.get(part), 1, 5)
                if rating is None:
                    errors[key] = [_("Rate every part of value and cost from 1 to 5.")]
                    break
                row["parts"][part] = rating
            if key in errors:
                continue
        elif kind in PEAK_END:
            choice = str(given.get("choice") or "")
            if choice not in question.touchpoints:
                errors[key] = [_("Choose one of the moments listed.")]
                continue
            row["choice"] = choice
            row["value"] = _whole(given.get("value"), 1, 5)
            if row["value"] is None:
                errors[key] = [_range_error(1, 5)]
                continue
        rows.append(row)
    return rows, errors


def submit_answers(token: str, data: dict, *, language: str = "") -> Response:
    """Store the answers given through a link, all or nothing.

    SurveyUnavailable (with the reason) for an unknown link, a survey not open or a link
    already used; ValidationError {"q<id>": [message]} for answers out of range or missing.
    """
    with transaction.atomic():
        invitation = invitation_for_token(token, for_update=True)
        if invitation is None:
            raise SurveyUnavailable(_("This survey link is not valid."))
        survey = invitation.survey
        if invitation.answered_at is not None:
            raise SurveyUnavailable(_("This link has been used already: thank you for answering."))
        if survey.status == SurveyStatus.CLOSED:
            raise SurveyUnavailable(_("This survey is closed and takes no more answers."))
        if survey.status != SurveyStatus.OPEN:
            raise SurveyUnavailable(_("This survey is not open yet."))
        rows, errors = clean_answers(list(survey.questions.all()), data)
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        try:
            response = Response.objects.create(
                survey=survey,
                invitation=invitation,
                customer_id=invitation.customer_id,
                submitted_at=now,
                language=language[:10],
            )
        except IntegrityError as exc:  # a second submission racing the first
            raise SurveyUnavailable(
                _("This link has been used already: thank you for answering.")
            ) from exc
        Answer.objects.bulk_create(
            [Answer(response=response, **{**row, "question": row["question"]}) for row in rows]
        )
        invitation.answered_at = now
        invitation.save(update_fields=["answered_at"])
        record(
            None,
            AuditEntry.Action.UPDATE,
            invitation,
            changes={"answered_at": [None, now.isoformat()]},
        )
        record(
            None,
            AuditEntry.Action.CREATE,
            response,
            changes={
                "survey_id": [None, survey.pk],
                "answers": [None, len(rows)],
                "via": [None, "survey link"],
            },
        )
    return response
