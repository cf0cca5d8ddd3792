"""Writes on the pipeline: stages (managers), opportunities (open, edit, move between stages,
win, lose), SPIN notes, the question log, objections, negotiation plans and sales targets.

Every write is validated here (pages and the API alike; all errors of an input at once, per
field), checks access only through guanxi.accounts.scope (an opportunity is visible and
writable exactly when its customer is), takes the next version where the record has one (an
edit based on an older version raises StaleEdit: 409 in the API) and is recorded in the audit
trail.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from guanxi.accounts.models import Department
from guanxi.accounts.scope import (
    get_opportunity_record_or_404,
    may_own_opportunity,
    require_configure_pipeline,
    writable_customer,
    writable_opportunity,
)
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Contact
from guanxi.sales.models import Product
from guanxi.sales.services import CURRENCIES, check_currency
from guanxi.services_common import claim_version, reject_unknown_fields
from guanxi.validation import Errors, check_number_text, check_text, check_year

from .models import (
    DEFAULT_STAGES,
    REQUIRABLE,
    AskedQuestion,
    LostReason,
    NegotiationPlan,
    Objection,
    ObjectionKind,
    Opportunity,
    Outcome,
    QuestionKind,
    SalesTarget,
    SpinNote,
    Stage,
    StageVisit,
    Status,
)

MAX_TEXT = 20000
MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")

# (one, many): one(opportunity) -> {"amount": Decimal, "currency": str, "contracts": [numbers]}
# | None, and many(opportunity ids: a list, or a queryset of them for `__in`) -> {id: {"amount",
# "currency"}} for those that have one
_DEAL_PROVIDERS: list[tuple] = []


def register_deal_provider(one, many) -> None:
    """Let the app that keeps contracts (guanxi.contracts, above this one) say what deal an
    opportunity closed on: the amount its accepted contracts add up to, for one opportunity
    (`one`, naming the contracts) and for a page of them in one query (`many`)."""
    if (one, many) not in _DEAL_PROVIDERS:
        _DEAL_PROVIDERS.append((one, many))


def accepted_deal(opportunity: Opportunity) -> dict | None:
    """The deal the customer accepted for this opportunity ({"amount", "currency",
    "contracts"}), or None when no contract says (none approved yet, or no contracts app)."""
    for one, _many in _DEAL_PROVIDERS:
        deal = one(opportunity)
        if deal is not None:
            return deal
    return None


def accepted_deals(opportunity_ids) -> dict[int, dict]:
    """accepted_deal for many opportunities at once (the board's cards, a page of the list):
    {opportunity id: {"amount", "currency"}} for those whose contracts give one figure, one
    query per provider however many there are. The ids come from a scoped list: the figure is
    the opportunity's own, what winning it would record. A queryset of ids (`values("id")`)
    is handed to the providers as it is, a subquery rather than a list (a long board column's
    every opportunity, queries.contracted_in)."""
    ids = opportunity_ids if isinstance(opportunity_ids, QuerySet) else list(opportunity_ids)
    found: dict[int, dict] = {}
    if isinstance(ids, list) and not ids:
        return found
    for _one, many in _DEAL_PROVIDERS:
        for pk, deal in many(ids).items():
            found.setdefault(pk, deal)
    return found


OPPORTUNITY_FIELDS = [
    "name",
    "amount",
    "currency",
    "expected_close",
    "stage_id",
    "probability",
    "status",
    "lost_reason",
    "lost_note",
    "won_at",
    "lost_at",
    "owner_id",
    "contact_id",
    "meeting_time",
    "meeting_agenda",
    "meeting_purpose",
]
EDITABLE = [
    "name",
    "amount",
    "currency",
    "expected_close",
    "probability",
    "contact",
    "owner",
    "products",
    "meeting_time",
    "meeting_agenda",
    "meeting_purpose",
]
STAGE_FIELDS = ["key", "custom_name", "order", "probability", "required_fields", "active"]
SPIN_FIELDS = ["situation", "problem", "implication", "need_payoff"]
OBJECTION_FIELDS = ["kind", "statement", "response", "outcome", "stage_id"]
PLAN_FIELDS = ["interests", "criteria", "options", "batna", "walk_away"]
TARGET_FIELDS = ["user_id", "department_id", "month", "sales_target", "collection_target"]


# Checks ----------------------------------------------------------------------------------


def _amount(errors: Errors, field: str, value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        value = check_number_text(value)
    except ValueError as exc:
        errors.add(field, str(exc))
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter an amount, e.g. 50000 or 12.50."))
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        errors.add(field, _("Enter an amount between 0 and 999,999,999,999.99."))
        return None
    if amount != amount.quantize(CENT):
        errors.add(field, _("At most two decimal places."))
        return None
    return amount.quantize(CENT)


def _percent(errors: Errors, field: str, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.add(field, _("Enter a whole number from 0 to 100."))
        return None
    if not 0 <= number <= 100:
        errors.add(field, _("Enter a whole number from 0 to 100."))
        return None
    return number


def _day(errors: Errors, field: str, value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = parse_date(str(value).strip())
        except ValueError:
            parsed = None
    if parsed is None:
        errors.add(field, _("Enter a date as YYYY-MM-DD."))
        return None
    return errors.check(field, check_year, parsed)


def _text(
    errors: Errors, data: dict, field: str, *, max_length=MAX_TEXT, required=False, line=False
):
    value = errors.check(
        field,
        check_text,
        data.get(field),
        max_length=max_length,
        multiline=not line,
        required=required,
    )
    return value.strip() if isinstance(value, str) else value


def _choice(errors: Errors, field: str, value, choices, *, required=True):
    if value in (None, ""):
        if required:
            errors.add(field, _("This field is required."))
        return ""
    if value not in choices.values:
        errors.add(
            field,
            _("Choose one of: %(choices)s.")
            % {"choices": ", ".join(v for v in choices.values if v)},
        )
        return ""
    return value


def _pk(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if hasattr(value, "pk"):
        return value.pk
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


# Stages (managers) ----------------------------------------------------------------------


def active_stages():
    """The stages an open opportunity may be in, in their order."""
    return Stage.objects.filter(active=True).order_by("order", "id")


@transaction.atomic
def ensure_default_stages(actor) -> list[Stage]:
    """Add the 5As stages that are missing (a fresh database, the demo); a default stage a
    manager renamed or retired is there and stays as it is."""
    present = set(Stage.objects.exclude(key="").values_list("key", flat=True))
    for order, (key, _name, probability, required) in enumerate(DEFAULT_STAGES, start=1):
        if key in present:
            continue
        stage = Stage.objects.create(
            key=key, order=order * 10, probability=probability, required_fields=required
        )
        audit.record(actor, AuditEntry.Action.CREATE, stage, fields=STAGE_FIELDS)
    return list(active_stages())


def _stage_errors(data: dict, *, partial: bool) -> tuple[Errors, dict]:
    errors, cleaned = Errors(), {}
    if "custom_name" in data or not partial:
        cleaned["custom_name"] = _text(errors, data, "custom_name", max_length=60, line=True)
    if "order" in data:
        try:
            cleaned["order"] = int(str(data["order"]).strip())
            if not 0 <= cleaned["order"] <= 32767:
                raise ValueError
        except ValueError:
            errors.add("order", _("Enter a whole number from 0 to 32767."))
    if "probability" in data or not partial:
        if data.get("probability") in (None, ""):
            errors.add("probability", _("Give the stage's probability (0 to 100)."))
        else:
            cleaned["probability"] = _percent(errors, "probability", data["probability"])
    if "required_fields" in data:
        value = data["required_fields"] or []
        if not isinstance(value, list | tuple) or any(v not in REQUIRABLE for v in value):
            errors.add(
                "required_fields",
                _("Choose among: %(choices)s.") % {"choices": ", ".join(REQUIRABLE)},
            )
        else:
            cleaned["required_fields"] = sorted(set(value), key=list(REQUIRABLE).index)
    if "active" in data:
        cleaned["active"] = bool(data["active"])
    return errors, cleaned


@transaction.atomic
def create_stage(actor, data: dict) -> Stage:
    """A custom stage (managers): name, order (default: after the last), probability,
    required fields."""
    require_configure_pipeline(actor)
    reject_unknown_fields(data, ["custom_name", "order", "probability", "required_fields"])
    errors, cleaned = _stage_errors(data, partial=False)
    if not cleaned.get("custom_name") and "custom_name" not in errors:
        errors.add("custom_name", _("Give the stage a name."))
    errors.raise_any()
    if "order" not in cleaned:
        last = Stage.objects.order_by("-order").values_list("order", flat=True).first() or 0
        cleaned["order"] = min(last + 10, 32767)
    stage = Stage.objects.create(**cleaned)
    audit.record(actor, AuditEntry.Action.CREATE, stage, fields=STAGE_FIELDS)
    return stage


@transaction.atomic
def update_stage(actor, pk, data: dict, *, version: int | None = None) -> Stage:
    """Rename (a default stage keeps following the language while its name is empty),
    reorder, change the probability or the required fields, or retire a stage (managers).
    A stage holding open opportunities cannot be retired: move them first."""
    require_configure_pipeline(actor)
    reject_unknown_fields(
        data, ["custom_name", "order", "probability", "required_fields", "active"]
    )
    errors, cleaned = _stage_errors(data, partial=True)
    errors.raise_any()
    stage = Stage.objects.select_for_update().filter(pk=_pk(pk)).first() if _pk(pk) else None
    if stage is None:
        from django.http import Http404

        raise Http404
    claim_version(stage, version, cleaned)
    if cleaned.get("custom_name") == "" and not stage.key:
        raise ValidationError({"custom_name": [_("Give the stage a name.")]})
    if cleaned.get("active") is False and stage.active:
        if stage.opportunities.filter(status=Status.OPEN).exists():
            raise ValidationError(
                {"active": [_("Open opportunities are in this stage: move them first.")]}
            )
        if active_stages().exclude(pk=stage.pk).count() == 0:
            raise ValidationError({"active": [_("Keep at least one stage.")]})
    before = audit.snapshot(stage, STAGE_FIELDS)
    for field, value in cleaned.items():
        setattr(stage, field, value)
    stage.save()
    audit.record_update(actor, stage, before, STAGE_FIELDS)
    return stage


# Opportunities --------------------------------------------------------------------------


def missing_for_stage(opportunity: Opportunity, stage: Stage) -> list[str]:
    """The names of the fields `stage` requires that the opportunity lacks (empty: it may
    enter)."""
    has_plan = opportunity.pk is not None and (
        NegotiationPlan.objects.filter(opportunity_id=opportunity.pk).exists()
    )
    present = {
        "amount": lambda: opportunity.amount is not None,
        "expected_close": lambda: opportunity.expected_close is not None,
        "contact": lambda: opportunity.contact_id is not None,
        "products": lambda: opportunity.pk is not None and opportunity.products.exists(),
        "negotiation_plan": lambda: has_plan,
    }
    missing = [f for f in stage.required_fields or [] if f in present and not present[f]()]
    return missing


def _refuse_missing(opportunity, stage, missing, field="stage") -> None:
    if missing:
        names = ", ".join(str(REQUIRABLE[m]) for m in missing)
        raise ValidationError(
            {
                field: [
                    _("“%(stage)s” needs %(fields)s first: fill them in, then move it.")
                    % {"stage": stage.name, "fields": names}
                ]
            }
        )


def _clean_opportunity(errors: Errors, data: dict, customer, *, partial: bool) -> dict:
    cleaned = {}
    if "name" in data or not partial:
        cleaned["name"] = _text(errors, data, "name", max_length=200, required=True, line=True)
    if "amount" in data:
        cleaned["amount"] = _amount(errors, "amount", data["amount"])
    if "currency" in data:
        currency = errors.check("currency", check_currency, data["currency"] or CURRENCIES[0])
        if currency:
            cleaned["currency"] = currency
    if "expected_close" in data:
        cleaned["expected_close"] = _day(errors, "expected_close", data["expected_close"])
    if "probability" in data and data["probability"] not in (None, ""):
        cleaned["probability"] = _percent(errors, "probability", data["probability"])
    for field in ("meeting_time",):
        if field in data:
            cleaned[field] = _text(errors, data, field, max_length=200, line=True)
    for field in ("meeting_agenda", "meeting_purpose"):
        if field in data:
            cleaned[field] = _text(errors, data, field)
    if "contact" in data:
        cleaned["contact"] = None
        if data["contact"] not in (None, ""):
            contact = Contact.objects.filter(pk=_pk(data["contact"]) or 0).first()
            if contact is None or contact.customer_id != customer.pk:
                errors.add("contact", _("Choose a contact of this customer."))
            else:
                cleaned["contact"] = contact
    if "owner" in data and data["owner"] not in (None, ""):
        owner = get_user_model().objects.filter(pk=_pk(data["owner"]) or 0, is_active=True).first()
        if owner is None or not may_own_opportunity(owner, customer):
            errors.add(
                "owner", _("The owner must be an active colleague who may work on this customer.")
            )
        else:
            cleaned["owner"] = owner
    if "products" in data:
        ids = [_pk(p) for p in data["products"] or []]
        found = list(Product.objects.filter(pk__in=[i for i in ids if i]))
        if None in ids or len(found) != len(set(ids)):
            errors.add("products", _("Choose products from the catalogue."))
        cleaned["products"] = found
    return cleaned


def _stage_for(errors: Errors, value) -> Stage | None:
    if value in (None, ""):
        stage = active_stages().first()
        if stage is None:
            errors.add("stage", _("There is no active stage: a manager sets them up first."))
        return stage
    stage = active_stages().filter(pk=_pk(value) or 0).first()
    if stage is None:
        errors.add("stage", _("Choose one of the active stages."))
    return stage


@transaction.atomic
def create_opportunity(
    actor, customer_id, data: dict, *, now: datetime | None = None
) -> Opportunity:
    """Open an opportunity for a customer the actor may change (404 / 403 from the scope).

    `data`: name (required), amount, currency, expected_close, stage (id; default the first),
    probability (default the stage's), contact (of this customer), owner (default the actor),
    products (ids), meeting_time / meeting_agenda / meeting_purpose (TAP). The stage's
    required fields must be there."""
    reject_unknown_fields(data, [*EDITABLE, "stage"])
    customer = writable_customer(actor, customer_id)
    if not Stage.objects.exists():  # a database emptied without its migrations' rows
        ensure_default_stages(actor)
    errors = Errors()
    cleaned = _clean_opportunity(errors, data, customer, partial=False)
    stage = _stage_for(errors, data.get("stage"))
    errors.raise_any()
    products = cleaned.pop("products", [])
    now = now or timezone.now()
    opportunity = Opportunity(customer=customer, stage=stage, created_at=now, **cleaned)
    opportunity.owner = cleaned.get("owner") or actor
    if "probability" not in cleaned:
        opportunity.probability = stage.probability
    missing = [m for m in missing_for_stage(opportunity, stage) if m != "products" or not products]
    _refuse_missing(opportunity, stage, [m for m in missing if m != "negotiation_plan"])
    opportunity.save()
    if products:
        opportunity.products.set(products)
    StageVisit.objects.create(opportunity=opportunity, stage=stage, entered_at=now)
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        opportunity,
        changes={
            **audit.diff({}, audit.snapshot(opportunity, OPPORTUNITY_FIELDS)),
            **({"products": [None, sorted(p.pk for p in products)]} if products else {}),
        },
    )
    return opportunity


def _locked(actor, pk, version, submitted: dict) -> Opportunity:
    """The opportunity for a write, locked (404 outside the scope, 403 when read-only), its
    next version taken (StaleEdit first when `version` is not the stored one)."""
    opportunity = writable_opportunity(
        actor,
        Opportunity.objects.select_for_update(of=("self",)).select_related("customer", "stage"),
        pk,
    )
    claim_version(opportunity, version, submitted)
    return opportunity


def _require_open(opportunity: Opportunity) -> None:
    if opportunity.status != Status.OPEN:
        raise ValidationError(
            {"status": [_("This opportunity is closed (won or lost): it can no longer change.")]}
        )


@transaction.atomic
def update_opportunity(actor, pk, data: dict, *, version: int | None = None) -> Opportunity:
    """Change the fields given (not the stage: move_opportunity). A closed opportunity keeps
    its figures; the fields its stage requires cannot be emptied."""
    reject_unknown_fields(data, EDITABLE)
    opportunity = _locked(actor, pk, version, {k: v for k, v in data.items() if k != "products"})
    _require_open(opportunity)
    errors = Errors()
    cleaned = _clean_opportunity(errors, data, opportunity.customer, partial=True)
    errors.raise_any()
    before = audit.snapshot(opportunity, OPPORTUNITY_FIELDS)
    products_before = sorted(opportunity.products.values_list("pk", flat=True))
    products = cleaned.pop("products", None)
    for field, value in cleaned.items():
        setattr(opportunity, field, value)
    if products is not None:
        opportunity.products.set(products)
    missing = missing_for_stage(opportunity, opportunity.stage)
    if missing:
        names = ", ".join(str(REQUIRABLE[m]) for m in missing)
        raise ValidationError(
            {
                missing[0] if missing[0] in data else "stage": [
                    _("“%(stage)s” requires %(fields)s.")
                    % {"stage": opportunity.stage.name, "fields": names}
                ]
            }
        )
    opportunity.save()
    extra = {}
    if products is not None:
        after = sorted(p.pk for p in products)
        if after != products_before:
            extra["products"] = [products_before, after]
    audit.record_update(actor, opportunity, before, OPPORTUNITY_FIELDS, extra=extra)
    return opportunity


def _close_visit(opportunity, now) -> None:
    StageVisit.objects.filter(opportunity=opportunity, left_at__isnull=True).update(left_at=now)


@transaction.atomic
def move_opportunity(
    actor, pk, stage_id, *, version: int | None = None, now: datetime | None = None
) -> Opportunity:
    """Move an open opportunity to another active stage (the board's drag and drop): the
    stage's required fields must be filled; the probability becomes the stage's."""
    opportunity = _locked(actor, pk, version, {"stage_id": stage_id})
    _require_open(opportunity)
    errors = Errors()
    stage = _stage_for(errors, stage_id if stage_id not in (None, "") else -1)
    errors.raise_any()
    if stage.pk == opportunity.stage_id:
        return opportunity
    _refuse_missing(opportunity, stage, missing_for_stage(opportunity, stage))
    now = now or timezone.now()
    before = audit.snapshot(opportunity, OPPORTUNITY_FIELDS)
    opportunity.stage = stage
    opportunity.probability = stage.probability
    opportunity.save()
    _close_visit(opportunity, now)
    StageVisit.objects.create(opportunity=opportunity, stage=stage, entered_at=now)
    audit.record_update(actor, opportunity, before, OPPORTUNITY_FIELDS)
    return opportunity


@transaction.atomic
def win_opportunity(
    actor, pk, *, amount=None, version: int | None = None, now: datetime | None = None
) -> Opportunity:
    """Mark an open opportunity won (probability 100): it needs its amount (given here or
    before).

    When the customer accepted contracts for it (approved, active or completed: accepted_deal)
    the amount won is theirs, in their currency, whatever estimate was entered: the accepted
    deal, not the forecast, is what the win rate and the targets count. The audit entry names
    those contracts."""
    opportunity = _locked(actor, pk, version, {"status": Status.WON})
    _require_open(opportunity)
    errors = Errors()
    value = _amount(errors, "amount", amount)
    errors.raise_any()
    before = audit.snapshot(opportunity, OPPORTUNITY_FIELDS)
    deal = accepted_deal(opportunity)
    if deal is not None:
        opportunity.amount, opportunity.currency = deal["amount"], deal["currency"]
    elif value is not None:
        opportunity.amount = value
    if opportunity.amount is None:
        raise ValidationError({"amount": [_("Enter the amount won before marking it won.")]})
    now = now or timezone.now()
    opportunity.status = Status.WON
    opportunity.won_at = now
    opportunity.probability = 100
    opportunity.save()
    _close_visit(opportunity, now)
    extra = {"won_with_contracts": [None, deal["contracts"]]} if deal else {}
    audit.record_update(actor, opportunity, before, OPPORTUNITY_FIELDS, extra=extra)
    return opportunity


@transaction.atomic
def lose_opportunity(
    actor, pk, reason, note: str = "", *, version: int | None = None, now: datetime | None = None
) -> Opportunity:
    """Mark an open opportunity lost with a reason from the list (and a note)."""
    opportunity = _locked(actor, pk, version, {"status": Status.LOST, "lost_reason": reason})
    _require_open(opportunity)
    errors = Errors()
    reason = _choice(errors, "lost_reason", reason, LostReason)
    note = _text(errors, {"lost_note": note}, "lost_note")
    errors.raise_any()
    now = now or timezone.now()
    before = audit.snapshot(opportunity, OPPORTUNITY_FIELDS)
    opportunity.status = Status.LOST
    opportunity.lost_reason = reason
    opportunity.lost_note = note or ""
    opportunity.lost_at = now
    opportunity.probability = 0
    opportunity.save()
    _close_visit(opportunity, now)
    audit.record_update(actor, opportunity, before, OPPORTUNITY_FIELDS)
    return opportunity


@transaction.atomic
def delete_opportunity(actor, pk) -> None:
    """Delete an opportunity entered by mistake, with its notes, questions, objections and
    plan (the trail records each). Whoever may change the customer may."""
    opportunity = writable_opportunity(actor, Opportunity.objects.select_for_update(), pk)
    audit.record(actor, AuditEntry.Action.DELETE, opportunity, fields=OPPORTUNITY_FIELDS)
    opportunity.delete()


# Hand-offs from other apps (services_common signals) -------------------------------------


@transaction.atomic
def open_for_converted_lead(actor, customer, contact, data: dict) -> Opportunity:
    """The opportunity a converted lead brings ({"name", "amount", "expected_close"}), in the
    first stage, owned by the converting user."""
    if not Stage.objects.exists():
        ensure_default_stages(actor)
    payload = {k: data.get(k) for k in ("name", "amount", "expected_close") if k in data}
    payload.setdefault("name", customer.name)
    if contact is not None:
        payload["contact"] = contact.pk
    return create_opportunity(actor, customer.pk, payload)


@transaction.atomic
def move_open_opportunities(actor, customer_ids, to_user) -> int:
    """Hand the open opportunities of transferred customers to their new owner (audited, one
    entry per opportunity); won and lost ones keep the owner who closed them."""
    moving = list(
        Opportunity.objects.select_for_update()
        .filter(customer_id__in=list(customer_ids), status=Status.OPEN)
        .exclude(owner=to_user)
    )
    for opportunity in moving:
        audit.record(
            actor,
            AuditEntry.Action.ASSIGN,
            opportunity,
            changes={"owner_id": [opportunity.owner_id, to_user.pk]},
        )
    Opportunity.objects.filter(pk__in=[o.pk for o in moving]).update(owner=to_user)
    for opportunity in moving:
        claim_version(opportunity, None, {})
    from .signals import opportunity_changed  # a bulk update sends no post_save

    opportunity_changed(Opportunity)
    return len(moving)


# SPIN notes and the question log ---------------------------------------------------------


def _writable(actor, opportunity_id) -> Opportunity:
    opportunity = writable_opportunity(
        actor, Opportunity.objects.select_related("customer", "stage"), opportunity_id
    )
    return opportunity


@transaction.atomic
def add_spin_note(actor, opportunity_id, data: dict) -> SpinNote:
    """SPIN notes of a conversation: situation, problem, implication, need-payoff (at least
    one)."""
    reject_unknown_fields(data, SPIN_FIELDS)
    opportunity = _writable(actor, opportunity_id)
    errors = Errors()
    cleaned = {field: _text(errors, data, field) or "" for field in SPIN_FIELDS}
    if not errors and not any(cleaned.values()):
        errors.add("situation", _("Write at least one of the four SPIN notes."))
    errors.raise_any()
    note = SpinNote.objects.create(opportunity=opportunity, author=actor, **cleaned)
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        note,
        customer_id=opportunity.customer_id,
        fields=SPIN_FIELDS,
    )
    return note


@transaction.atomic
def add_question(actor, opportunity_id, data: dict) -> AskedQuestion:
    """A question asked (open, closed or clarifying) and, when known, its answer."""
    reject_unknown_fields(data, ["kind", "question", "answer"])
    opportunity = _writable(actor, opportunity_id)
    errors = Errors()
    kind = _choice(errors, "kind", data.get("kind"), QuestionKind)
    text = _text(errors, data, "question", required=True)
    answer = _text(errors, data, "answer") or ""
    errors.raise_any()
    question = AskedQuestion.objects.create(
        opportunity=opportunity, author=actor, kind=kind, question=text, answer=answer
    )
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        question,
        customer_id=opportunity.customer_id,
        fields=["kind", "question", "answer"],
    )
    return question


@transaction.atomic
def answer_question(actor, pk, answer: str) -> AskedQuestion:
    """Write down (or correct) the customer's answer to a logged question."""
    question = get_opportunity_record_or_404(
        actor, AskedQuestion.objects.select_related("opportunity"), pk, write=True
    )
    errors = Errors()
    answer = _text(errors, {"answer": answer}, "answer", required=True)
    errors.raise_any()
    before = audit.snapshot(question, ["answer"])
    question.answer = answer
    question.save(update_fields=["answer"])
    audit.record_update(
        actor, question, before, ["answer"], customer_id=question.opportunity.customer_id
    )
    return question


# Objections ------------------------------------------------------------------------------


@transaction.atomic
def log_objection(actor, opportunity_id, data: dict, *, now: datetime | None = None) -> Objection:
    """An objection the customer raised, by type (need, financial, authority, price, product,
    salesperson), with the response given and its outcome; counted against the stage the
    opportunity is in."""
    reject_unknown_fields(data, ["kind", "statement", "response", "outcome"])
    opportunity = _writable(actor, opportunity_id)
    errors = Errors()
    kind = _choice(errors, "kind", data.get("kind"), ObjectionKind)
    statement = _text(errors, data, "statement", required=True)
    response = _text(errors, data, "response") or ""
    outcome = _choice(errors, "outcome", data.get("outcome") or Outcome.OPEN, Outcome)
    errors.raise_any()
    objection = Objection.objects.create(
        opportunity=opportunity,
        stage=opportunity.stage,
        author=actor,
        kind=kind,
        statement=statement,
        response=response,
        outcome=outcome,
        created_at=now or timezone.now(),
    )
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        objection,
        customer_id=opportunity.customer_id,
        fields=OBJECTION_FIELDS,
    )
    return objection


@transaction.atomic
def update_objection(actor, pk, data: dict, *, version: int | None = None) -> Objection:
    """Record the response to an objection and its outcome (resolved, open, lost the deal)."""
    reject_unknown_fields(data, ["kind", "statement", "response", "outcome"])
    objection = get_opportunity_record_or_404(
        actor, Objection.objects.select_related("opportunity"), pk, write=True
    )
    objection = (
        Objection.objects.select_for_update().select_related("opportunity").get(pk=objection.pk)
    )
    claim_version(objection, version, data)
    errors = Errors()
    cleaned = {}
    if "kind" in data:
        cleaned["kind"] = _choice(errors, "kind", data["kind"], ObjectionKind)
    if "statement" in data:
        cleaned["statement"] = _text(errors, data, "statement", required=True)
    if "response" in data:
        cleaned["response"] = _text(errors, data, "response") or ""
    if "outcome" in data:
        cleaned["outcome"] = _choice(errors, "outcome", data["outcome"], Outcome)
    errors.raise_any()
    before = audit.snapshot(objection, OBJECTION_FIELDS)
    for field, value in cleaned.items():
        setattr(objection, field, value)
    objection.save()
    audit.record_update(
        actor, objection, before, OBJECTION_FIELDS, customer_id=objection.opportunity.customer_id
    )
    return objection


# Negotiation plan ------------------------------------------------------------------------


@transaction.atomic
def save_negotiation_plan(
    actor, opportunity_id, data: dict, *, version: int | None = None
) -> NegotiationPlan:
    """Write the opportunity's negotiation plan (created on the first save): interests,
    criteria, options, the BATNA and its walk-away value."""
    reject_unknown_fields(data, PLAN_FIELDS)
    opportunity = _writable(actor, opportunity_id)
    errors = Errors()
    cleaned = {}
    for field in ("interests", "criteria", "options", "batna"):
        if field in data:
            cleaned[field] = _text(errors, data, field) or ""
    if "walk_away" in data:
        cleaned["walk_away"] = _amount(errors, "walk_away", data["walk_away"])
    errors.raise_any()
    plan = NegotiationPlan.objects.select_for_update().filter(opportunity=opportunity).first()
    if plan is None:
        plan = NegotiationPlan.objects.create(opportunity=opportunity, **cleaned)
        audit.record(
            actor,
            AuditEntry.Action.CREATE,
            plan,
            customer_id=opportunity.customer_id,
            fields=PLAN_FIELDS,
        )
        return plan
    claim_version(plan, version, cleaned)
    before = audit.snapshot(plan, PLAN_FIELDS)
    for field, value in cleaned.items():
        setattr(plan, field, value)
    plan.save()
    audit.record_update(actor, plan, before, PLAN_FIELDS, customer_id=opportunity.customer_id)
    return plan


# Sales targets (业绩目标) ------------------------------------------------------------------


def first_of_month(value) -> date | None:
    """A month given as YYYY-MM or a date, as its first day; None when unreadable."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value or "").strip()
    if len(text) == 7:
        text += "-01"
    try:
        parsed = parse_date(text)
    except ValueError:
        return None
    return parsed.replace(day=1) if parsed and 1900 <= parsed.year <= 2200 else None


@transaction.atomic
def save_sales_target(actor, data: dict) -> SalesTarget:
    """Set the month's sales (and collection) target of a rep (`user`) or a department
    (managers); a second save for the same rep or department and month replaces the figures."""
    require_configure_pipeline(actor)
    reject_unknown_fields(
        data, ["user", "department", "month", "sales_target", "collection_target"]
    )
    errors = Errors()
    user = department = None
    if data.get("user") not in (None, ""):
        user = get_user_model().objects.filter(pk=_pk(data["user"]) or 0, is_active=True).first()
        if user is None:
            errors.add("user", _("There is no active user with this id."))
    if data.get("department") not in (None, ""):
        department = Department.objects.filter(pk=_pk(data["department"]) or 0).first()
        if department is None:
            errors.add("department", _("There is no department with this id."))
    if data.get("user") in (None, "") and data.get("department") in (None, ""):
        errors.add("user", _("Choose a rep or a department."))
    elif user is not None and department is not None:
        errors.add("department", _("Choose a rep or a department, not both."))
    month = first_of_month(data.get("month"))
    if month is None:
        errors.add("month", _("Enter a month as YYYY-MM."))
    sales = _amount(errors, "sales_target", data.get("sales_target"))
    if sales is None and "sales_target" not in errors:
        errors.add("sales_target", _("Enter the sales target."))
    collection = _amount(errors, "collection_target", data.get("collection_target")) or Decimal(0)
    errors.raise_any()
    found = (
        SalesTarget.objects.select_for_update()
        .filter(user=user, department=department, month=month)
        .first()
    )
    if found is None:
        target = SalesTarget.objects.create(
            user=user,
            department=department,
            month=month,
            sales_target=sales,
            collection_target=collection,
        )
        audit.record(actor, AuditEntry.Action.CREATE, target, fields=TARGET_FIELDS)
        return target
    before = audit.snapshot(found, TARGET_FIELDS)
    found.sales_target, found.collection_target = sales, collection
    claim_version(found, None, {})
    found.save()
    audit.record_update(actor, found, before, TARGET_FIELDS)
    return found


@transaction.atomic
def delete_sales_target(actor, pk) -> None:
    """Remove a target (managers)."""
    require_configure_pipeline(actor)
    target = SalesTarget.objects.filter(pk=_pk(pk) or 0).first()
    if target is None:
        from django.http import Http404

        raise Http404
    audit.record(actor, AuditEntry.Action.DELETE, target, fields=TARGET_FIELDS)
    target.delete()
