"""Leads over the API: list (scoped, filtered, sorted by score), enter (with 查重 matches),
read, change (versioned), claim from the pool (409 for the loser), release, assign, convert;
the public lead forms (managers) and the look-alike model."""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from guanxi.accounts.scope import (
    can_change_lead,
    get_customer_or_404,
    get_lead_or_404,
    require_assign_leads,
    writable_lead,
)
from guanxi.api_common import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    FloatNumber,
    Id,
    Limit,
    Offset,
    active_user,
    errors,
    paginate,
    text,
)
from guanxi.customers.api import owner_out

from . import lookalike, masking, queries, services, webforms
from .features import describe
from .matching import find_matches
from .models import Lead, LeadForm
from .schemas import (
    ConvertIn,
    ConvertOut,
    LeadAssignIn,
    LeadCreatedOut,
    LeadFormIn,
    LeadFormOut,
    LeadFormPage,
    LeadFormPatch,
    LeadIn,
    LeadOut,
    LeadPage,
    LeadPatch,
    LeadVersionIn,
    MatchOut,
    ModelOut,
)

router = Router(tags=["leads"])
CONFLICT = errors(409)

FIELDS = (
    "kind",
    "category",
    "name",
    "company",
    "title",
    "province",
    "city",
    "source",
    "interest",
    "notes",
    "status",
    "disqualified_reason",
    "converted_customer_id",
    "referred_by_id",
    "consent_purpose",
    "consent_at",
    "score",
    "score_model_version",
    "version",
    "created_at",
)


def lead_out(lead: Lead, revealed: bool) -> dict:
    data = {field: getattr(lead, field) for field in FIELDS}
    data.update(masking.shown(lead, revealed))
    data.update(
        id=lead.pk,
        owner=owner_out(lead.owner),
        score_reasons=[
            {
                "feature": r["feature"],
                "text": describe(r["feature"]),
                "contribution": r["contribution"],
            }
            for r in lead.score_reasons or []
        ],
    )
    return data


def _one(user, pk) -> dict:
    lead = get_lead_or_404(user, Lead.objects.select_related("owner__profile"), pk)
    return lead_out(lead, can_change_lead(user, lead))


@router.get("/leads", response={200: LeadPage, **READ_ERRORS})
def list_leads(
    request,
    limit: Limit = 25,
    offset: Offset = 0,
    status: text(30) = "",
    source: text(30) = "",
    owner: text(20) = "",
    min_score: Annotated[FloatNumber, Field(ge=0, le=1)] | None = None,
    sort: text(10) = "-score",
):
    """The leads of the caller's scope and the lead pool. Filters: `status`, `source`,
    `owner` (a user id, `me` or `pool`), `min_score` (0-1); `sort`: -score (default),
    score, -created, created. Personal data is masked on leads the caller may not change."""
    qs = queries.lead_list(
        request.user, status=status, source=source, owner=owner, min_score=min_score, sort=sort
    )
    body = paginate(qs, limit, offset)
    mine = queries.changeable_ids(request.user, body["items"])
    body["items"] = [lead_out(lead, lead.pk in mine) for lead in body["items"]]
    return body


@router.post("/leads", response={201: LeadCreatedOut, **WRITE_ERRORS})
def create_lead(request, payload: LeadIn):
    """Enter a lead owned by the caller (`owner_id`: managers only; `pool`: into the lead
    pool). The answer lists the 查重 matches: customers (pooled ones too) and leads with the
    same mobile, e-mail or company, each linked only when the caller may open it."""
    data = payload.dict()
    owner_id, pool = data.pop("owner_id"), data.pop("pool")
    data["referred_by"] = data.pop("referred_by_id")
    owner = None if pool else (active_user(owner_id, "owner_id") if owner_id else request.user)
    # one transaction: past the 查重 limit the answer is 429 and the lead is not kept (it was
    # saved, then refused: a client retrying made it twice, a hostile review)
    with transaction.atomic():
        lead = services.create_lead(request.user, data, owner=owner)
        matches = find_matches(
            request.user,
            mobile=lead.mobile,
            email=lead.email,
            company=lead.company,
            exclude_pk=lead.pk,
        )
    body = _one(request.user, lead.pk)
    body["matches"] = [{k: m[k] for k in ("kind", "field", "owner", "id")} for m in matches]
    return Status(201, body)


@router.get("/leads/{lead_id}", response={200: LeadOut, **ONE_ERRORS})
def get_lead(request, lead_id: Id):
    """One lead of the caller's scope or of the pool; 404 otherwise (another team's)."""
    return _one(request.user, lead_id)


@router.patch("/leads/{lead_id}", response={200: LeadOut, **WRITE_ERRORS, **CONFLICT})
def update_lead(request, lead_id: Id, payload: LeadPatch):
    """Change the fields sent, or the status (contacted, qualified, disqualified with
    `disqualified_reason`). 403 on a pool lead for a rep (claim it first); 409 when changed
    since `version`."""
    lead = writable_lead(request.user, Lead.objects.all(), lead_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    version = data.pop("version", None)
    status, reason = data.pop("status", None), data.pop("disqualified_reason", "")
    if "referred_by_id" in data:
        data["referred_by"] = data.pop("referred_by_id")
    if data:
        lead = services.update_lead(request.user, lead, data, version=version)
        version = lead.version if version is not None else None
    if status:
        services.set_lead_status(request.user, lead, status, reason=reason, version=version)
    return _one(request.user, lead_id)


@router.post("/leads/{lead_id}/claim", response={200: LeadOut, **WRITE_ERRORS, **CONFLICT})
def claim_lead(request, lead_id: Id):
    """Take a lead from the pool. Of callers claiming at once exactly one gets 200; the others
    409 with a clear message (also when the lead has left the pool before)."""
    lead = get_lead_or_404(request.user, Lead.objects.all(), lead_id)
    try:
        services.claim_lead(request.user, lead)
    except services.LeadTaken as exc:
        return Status(409, {"detail": str(exc)})
    return _one(request.user, lead_id)


@router.post("/leads/{lead_id}/release", response={200: LeadOut, **WRITE_ERRORS, **CONFLICT})
def release_lead(request, lead_id: Id, payload: LeadVersionIn):
    """Give a lead back to the pool (its owner or a manager over it)."""
    lead = writable_lead(request.user, Lead.objects.all(), lead_id)
    services.release_lead(request.user, lead, version=payload.version)
    return _one(request.user, lead_id)


@router.post("/leads/{lead_id}/assign", response={200: LeadOut, **WRITE_ERRORS, **CONFLICT})
def assign_lead(request, lead_id: Id, payload: LeadAssignIn):
    """A manager hands the lead to a rep of their scope."""
    require_assign_leads(request.user)
    lead = writable_lead(request.user, Lead.objects.all(), lead_id)
    owner = active_user(payload.owner_id, "owner_id")
    services.assign_lead(request.user, lead, owner, version=payload.version)
    return _one(request.user, lead_id)


@router.post(
    "/leads/{lead_id}/convert",
    response={200: ConvertOut, **WRITE_ERRORS, **CONFLICT, **errors(429)},
)
def convert_lead(request, lead_id: Id, payload: ConvertIn):
    """Convert the lead into a customer (and a contact for an organisation), keeping its
    history on the customer's timeline; `opportunity` is handed to the pipeline. A lead whose
    mobile another customer has: 422 naming it; send `attach_to_customer_id` to join that
    customer instead of creating a duplicate. The new customer's 查重 values count against the
    caller's 查重 limit: 429 past it."""
    lead = writable_lead(request.user, Lead.objects.all(), lead_id)
    attach = None
    if payload.attach_to_customer_id:
        attach = get_customer_or_404(request.user, payload.attach_to_customer_id)
    opportunity = payload.opportunity.dict() if payload.opportunity else None
    customer, contact = services.convert_lead(
        request.user, lead, attach_to=attach, opportunity=opportunity, version=payload.version
    )
    return {
        "customer_id": customer.pk,
        "contact_id": contact.pk if contact else None,
        "lead": _one(request.user, lead_id),
    }


@router.get("/lead-duplicates", response={200: list[MatchOut], **READ_ERRORS, **errors(429)})
def lead_duplicates(request, mobile: text(40) = "", email: text(254) = "", company: text(200) = ""):
    """查重 for a lead being entered: customers and leads with the same values."""
    if not (mobile.strip() or email.strip() or company.strip()):
        raise ValidationError(_("Give a mobile number, an e-mail address or a company to check."))
    matches = find_matches(request.user, mobile=mobile, email=email, company=company)
    return [{k: m[k] for k in ("kind", "field", "owner", "id")} for m in matches]


# Public lead forms ------------------------------------------------------------------------


def form_out(request, form: LeadForm) -> dict:
    return {
        "id": form.pk,
        "name": form.name,
        "title": form.title,
        "intro": form.intro,
        "source": form.source,
        "consent_purpose": form.consent_purpose,
        "owner": owner_out(form.owner),
        "active": form.active,
        "url": request.build_absolute_uri(reverse("lead_public:form", args=[form.slug])),
        "leads": form.leads.count(),
        "version": form.version,
    }


def _form_or_404(pk) -> LeadForm:
    form = LeadForm.objects.filter(pk=pk).first()
    if form is None:
        raise Http404
    return form


@router.get("/lead-forms", response={200: LeadFormPage, **READ_ERRORS, **errors(403)})
def list_lead_forms(request, limit: Limit = 25, offset: Offset = 0):
    """The public lead forms with their addresses (managers)."""
    require_assign_leads(request.user)
    return paginate(
        LeadForm.objects.select_related("owner__profile"),
        limit,
        offset,
        lambda f: form_out(request, f),
    )


@router.post("/lead-forms", response={201: LeadFormOut, **WRITE_ERRORS})
def create_lead_form(request, payload: LeadFormIn):
    """A new public form (managers): share its `url`; entries become leads of `owner_id` or
    of the pool, with the visitor's consent for `consent_purpose` recorded."""
    form = webforms.create_lead_form(request.user, payload.dict())
    return Status(201, form_out(request, form))


@router.patch("/lead-forms/{form_id}", response={200: LeadFormOut, **WRITE_ERRORS, **CONFLICT})
def update_lead_form(request, form_id: Id, payload: LeadFormPatch):
    """Change a form (managers), e.g. `active: false` to stop taking entries."""
    require_assign_leads(request.user)
    form = _form_or_404(form_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    form = webforms.update_lead_form(request.user, form, data, version=version)
    return form_out(request, form)


@router.get("/lead-model", response={200: ModelOut, **ONE_ERRORS})
def get_lead_model(request):
    """The current look-alike model: positives and negatives, sample sizes, the held-back
    AUC and the traits that weigh most; 404 before the first training."""
    model = lookalike.current_model()
    if model is None:
        raise Http404
    return {
        **{
            f: getattr(model, f)
            for f in (
                "version",
                "status",
                "trained_at",
                "rule",
                "positives",
                "negatives",
                "train_size",
                "test_size",
                "auc",
                "leads_scored",
            )
        },
        "top_features": [
            {"feature": n, "text": describe(n), "weight": w}
            for n, w in lookalike.top_features(model)
        ],
    }
