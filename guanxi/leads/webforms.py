"""Public lead forms (/l/<slug>/): managers make and change them; what a visitor sends through
one is checked (honeypot, entries per IP address an hour, every field, consent) and entered as a
lead of the form's owner or of the lead pool, with the consent and its purpose recorded."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.scope import lead_owners, require_assign_leads
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import CustomerCategory, CustomerKind, CustomerSource
from guanxi.services_common import TooManyRequests, claim_version, count_one, reject_unknown_fields
from guanxi.validation import Errors, check_text

from .models import Lead, LeadForm
from .services import MAX_TEXT, clean_lead_data, create_lead

FORM_FIELDS = ["name", "title", "intro", "source", "consent_purpose", "owner_id", "active"]


def _clean_form_data(actor, data: dict, *, partial: bool) -> dict:
    reject_unknown_fields(data, FORM_FIELDS)
    errors = Errors()
    cleaned = {}
    for field, required in (("name", True), ("title", True), ("consent_purpose", True)):
        if field in data or not partial:
            value = data.get(field) or ""
            checked = errors.check(
                field,
                check_text,
                value,
                max_length=LeadForm._meta.get_field(field).max_length,
                multiline=False,
                required=required,
            )
            if checked is not None:
                cleaned[field] = checked.strip()
    if "intro" in data:
        checked = errors.check("intro", check_text, data["intro"] or "", max_length=MAX_TEXT)
        if checked is not None:
            cleaned["intro"] = checked.strip()
    if "source" in data:
        if data["source"] not in CustomerSource.values:
            errors.add(
                "source",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(CustomerSource.values)},
            )
        else:
            cleaned["source"] = data["source"]
    if "active" in data:
        cleaned["active"] = bool(data["active"])
    if "owner_id" in data:
        owner_id = data["owner_id"]
        if owner_id in (None, ""):
            cleaned["owner"] = None
        else:
            owner = (
                lead_owners(actor).filter(pk=owner_id).first() if str(owner_id).isdigit() else None
            )
            if owner is None:
                errors.add("owner_id", _("Choose an active colleague within your scope."))
            else:
                cleaned["owner"] = owner
    errors.raise_any()
    return cleaned


@transaction.atomic
def create_lead_form(actor, data: dict) -> LeadForm:
    """A new public lead form (managers): its address is an unguessable slug."""
    require_assign_leads(actor)
    cleaned = _clean_form_data(actor, data, partial=False)
    form = LeadForm(created_by=actor, **cleaned)
    form.save()
    audit.record(actor, AuditEntry.Action.CREATE, form, fields=[*FORM_FIELDS[:-2], "active"])
    return form


@transaction.atomic
def update_lead_form(actor, form: LeadForm, data: dict, *, version: int | None = None) -> LeadForm:
    require_assign_leads(actor)
    cleaned = _clean_form_data(actor, data, partial=True)
    fields = ["name", "title", "intro", "source", "consent_purpose", "owner_id", "active"]
    before = audit.snapshot(form, fields)
    claim_version(form, version, {k: v for k, v in cleaned.items() if k != "owner"})
    for field, value in cleaned.items():
        setattr(form, field, value)
    form.save()
    audit.record(
        actor,
        AuditEntry.Action.UPDATE,
        form,
        changes=audit.diff(before, audit.snapshot(form, fields)),
    )
    return form


def _count_per_ip(ip: str) -> None:
    """At most GUANXI_LEAD_FORM_PER_HOUR entries an hour from one address (TooManyRequests)."""
    limit = settings.GUANXI_LEAD_FORM_PER_HOUR
    now = timezone.now().timestamp()
    count = count_one(f"guanxi:lead-form:{ip}:{int(now // 3600)}", timeout=3700)
    if count > limit:
        raise TooManyRequests(
            _("Too many entries from your network: at most %(limit)d an hour. Please try later.")
            % {"limit": limit},
            retry_after=3600 - int(now % 3600),
        )


class Honeypot(Exception):  # noqa: N818
    """A robot filled in the hidden field: the page thanks it and stores nothing."""


PUBLIC_FIELDS = [
    "name",
    "company",
    "title",
    "mobile",
    "email",
    "wechat",
    "province",
    "city",
    "interest",
]


def submit_public_form(form: LeadForm, data: dict, *, ip: str) -> Lead:
    """What a visitor sends through a public form: refused when the hidden field is filled
    (Honeypot), counted per address (TooManyRequests), validated (ValidationError per field,
    consent required), then entered as a lead of the form's owner or of the pool."""
    if not form.active:
        raise ValidationError(_("This form no longer takes entries."))
    if (data.get("website") or "").strip():
        raise Honeypot
    _count_per_ip(ip or "unknown")
    fields = {k: data.get(k, "") for k in PUBLIC_FIELDS}
    errors = {}
    try:
        clean_lead_data(fields)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not data.get("consent"):
        errors["consent"] = [_("Please agree so that we may contact you.")]
    if errors:
        raise ValidationError(errors)
    fields["source"] = form.source
    fields["kind"] = CustomerKind.ORGANISATION if fields.get("company") else CustomerKind.PERSON
    fields["category"] = (
        CustomerCategory.COMPANY if fields.get("company") else CustomerCategory.CONSUMER
    )
    return create_lead(
        None, fields, owner=form.owner, form=form, consent_purpose=form.consent_purpose
    )
