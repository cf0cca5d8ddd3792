"""Writes on leads (线索): enter, edit, move through the statuses, claim from and release to the
lead pool, assign, convert into a customer, erase; the public lead forms and what visitors send
through them; retraining the look-alike model.

Every write is validated here (pages, API, imports and the public form alike; every error of an
input at once, per field, nothing half-written), checks access through guanxi.accounts.scope,
takes the next version of the lead (StaleEdit on an older one) and is audited. Mobile, e-mail
and WeChat are personal data: the trail keeps only a placeholder for them.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.scope import (
    can_change_lead,
    can_write,
    lead_owners,
    require_assign_leads,
    require_claim_leads,
    visible_customers,
)
from guanxi.accounts.services import profile_of
from guanxi.activities.services import add_note
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.customers import services as customers
from guanxi.customers.models import Customer, CustomerCategory, CustomerKind, CustomerSource
from guanxi.customers.normalize import normalize_email, normalize_phone
from guanxi.services_common import (
    claim_version,
    lead_converted,
    reject_unknown_fields,
)
from guanxi.validation import Errors, check_number_text, check_text, check_year, is_blank

from . import lookalike
from .models import OPEN_STATUSES, Lead, LeadForm, LeadStatus

EDITABLE = [
    "kind",
    "category",
    "name",
    "company",
    "title",
    "mobile",
    "email",
    "wechat",
    "province",
    "city",
    "source",
    "interest",
    "notes",
]
LEAD_FIELDS = [
    *EDITABLE,
    "referred_by_id",
    "status",
    "disqualified_reason",
    "owner_id",
    "department_id",
    "converted_customer_id",
    "consent_purpose",
]
PERSONAL = frozenset({"mobile", "email", "wechat"})
MULTILINE = {"interest", "notes"}
MAX_TEXT = 5000


class LeadTaken(Exception):  # noqa: N818 (a condition the user is told about)
    """A claim that lost: the lead left the pool meanwhile (the API answers 409)."""


def _max_length(field: str) -> int:
    return MAX_TEXT if field in MULTILINE else Lead._meta.get_field(field).max_length


def clean_lead_data(data: dict, *, partial: bool = False) -> dict:
    """Normalise and validate lead fields (mobile to E.164, e-mail lowercased, choices known);
    ValidationError with every problem of the input, per field."""
    reject_unknown_fields(data, [*EDITABLE, "referred_by"])
    errors = Errors()
    cleaned = {}
    for field in EDITABLE:
        if field not in data:
            continue
        value = data[field]
        value = "" if value is None else value
        checked = errors.check(
            field,
            check_text,
            value,
            max_length=_max_length(field),
            multiline=field in MULTILINE,
        )
        if checked is None:
            continue
        cleaned[field] = checked.strip()
    if "mobile" in cleaned:
        try:
            cleaned["mobile"] = normalize_phone(cleaned["mobile"])
        except ValidationError as exc:
            errors.add("mobile", exc.messages[0])
    if cleaned.get("email"):
        cleaned["email"] = normalize_email(cleaned["email"])
        try:
            Lead._meta.get_field("email").run_validators(cleaned["email"])
        except ValidationError:
            errors.add("email", _("Enter a valid e-mail address."))
    for field, choices in (
        ("kind", CustomerKind),
        ("category", CustomerCategory),
        ("source", CustomerSource),
    ):
        if field in cleaned and cleaned[field] not in choices.values:
            errors.add(
                field, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}
            )
    unnamed = is_blank(cleaned.get("name", "")) and "name" not in errors
    if (not partial or "name" in data) and unnamed:
        errors.add("name", _("A lead needs a name."))
    reachable = ("mobile", "email", "wechat")
    if (
        not partial
        and not any(cleaned.get(f) for f in reachable)
        and not any(f in errors for f in reachable)
    ):
        errors.add("mobile", _("Give a mobile number, an e-mail address or a WeChat ID."))
    errors.raise_any()
    return cleaned


def _referrer(actor, data: dict) -> dict:
    """{"referred_by": Customer or None} when the input names a referrer (a customer id the
    actor may read, else a 422 as if there were none); {} when it does not."""
    if "referred_by" not in data:
        return {}
    value = data["referred_by"]
    if value in (None, ""):
        return {"referred_by": None}
    found = None
    if actor is not None and str(value).isdigit() and len(str(value)) < 19:
        found = visible_customers(actor).filter(pk=int(value)).first()
    if found is None:
        raise ValidationError({"referred_by": [_("There is no customer with this number.")]})
    return {"referred_by": found}


def _department_of(user):
    return profile_of(user).department if user is not None else None


def _snapshot(lead: Lead) -> dict:
    return audit.snapshot(lead, LEAD_FIELDS)


def _record(actor, action, lead: Lead, before: dict | None = None) -> None:
    after = _snapshot(lead)
    audit.record(actor, action, lead, changes=audit.diff(before or {}, after, PERSONAL))


def _require_change(actor, lead: Lead) -> None:
    if not can_change_lead(actor, lead):
        if lead.owner_id is None:
            raise PermissionDenied(_("This lead is in the pool: claim it first."))
        raise PermissionDenied(_("You may not change this record."))


def _require_open(lead: Lead) -> None:
    if lead.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This lead is %(status)s and can no longer change.")
            % {"status": lead.get_status_display()}
        )


@transaction.atomic
def create_lead(
    actor, data: dict, *, owner="actor", form: LeadForm | None = None, consent_purpose: str = ""
) -> Lead:
    """Enter a lead owned by `owner` (default: the actor; None: the lead pool), scored by the
    current look-alike model. `actor` None: a visitor of a public form."""
    if actor is not None and not can_write(actor):
        raise PermissionDenied(_("Your role may read leads but not enter them."))
    cleaned = clean_lead_data(data)
    cleaned.update(_referrer(actor, data))
    if owner == "actor":
        owner = actor
    if owner is not None and actor is not None and owner != actor:
        require_assign_leads(actor)
        if not lead_owners(actor).filter(pk=owner.pk).exists():
            raise ValidationError({"owner": [_("Choose an active colleague within your scope.")]})
    lead = Lead(**cleaned)
    lead.owner = owner
    lead.department = _department_of(owner)
    lead.created_by = actor if actor is not None and actor.is_authenticated else None
    lead.form = form
    if consent_purpose:
        lead.consent_purpose = consent_purpose[:300]
        lead.consent_at = timezone.now()
    lookalike.score_lead(lead)
    lead.save()
    _record(actor, AuditEntry.Action.CREATE, lead)
    return lead


@transaction.atomic
def update_lead(actor, lead: Lead, data: dict, *, version: int | None = None) -> Lead:
    """Change the given fields of an open lead (versioned: StaleEdit when changed meanwhile)."""
    _require_change(actor, lead)
    _require_open(lead)
    cleaned = clean_lead_data(data, partial=True)
    cleaned.update(_referrer(actor, data))
    before = _snapshot(lead)
    claim_version(lead, version, {k: v for k, v in cleaned.items() if k != "referred_by"})
    for field, value in cleaned.items():
        setattr(lead, field, value)
    lookalike.score_lead(lead)
    lead.save()
    audit.record(
        actor, AuditEntry.Action.UPDATE, lead, changes=audit.diff(before, _snapshot(lead), PERSONAL)
    )
    return lead


@transaction.atomic
def set_lead_status(
    actor, lead: Lead, status: str, *, reason: str = "", version: int | None = None
) -> Lead:
    """Mark an open lead contacted, qualified or disqualified (with a reason); converting is
    convert_lead."""
    _require_change(actor, lead)
    _require_open(lead)
    allowed = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED)
    if status not in allowed:
        raise ValidationError(
            {"status": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}]}
        )
    reason = (reason or "").strip()
    if status == LeadStatus.DISQUALIFIED:
        try:
            check_text(reason, max_length=300, multiline=False, required=True)
        except ValueError:
            raise ValidationError(
                {"reason": [_("Say why the lead is disqualified (at most 300 characters).")]}
            ) from None
    before = _snapshot(lead)
    claim_version(lead, version, {"status": status})
    lead.status = status
    lead.disqualified_reason = reason if status == LeadStatus.DISQUALIFIED else ""
    lead.save()
    audit.record(actor, AuditEntry.Action.UPDATE, lead, changes=audit.diff(before, _snapshot(lead)))
    return lead


def claim_lead(actor, lead: Lead) -> Lead:
    """Take an open lead from the pool: one conditional UPDATE ... WHERE owner IS NULL, so of
    reps claiming at the same moment exactly one wins; the others get LeadTaken."""
    require_claim_leads(actor)
    with transaction.atomic():
        department = _department_of(actor)
        taken = Lead.objects.filter(
            pk=lead.pk, owner__isnull=True, erased_at__isnull=True, status__in=OPEN_STATUSES
        ).update(
            owner=actor,
            department=department,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        if not taken:
            raise LeadTaken(
                _("Someone else claimed this lead a moment ago; it is no longer in the pool.")
            )
        lead.refresh_from_db()
        audit.record(
            actor,
            AuditEntry.Action.ASSIGN,
            lead,
            changes={"owner_id": [None, actor.pk], "department_id": [None, lead.department_id]},
        )
    return lead


@transaction.atomic
def release_lead(actor, lead: Lead, *, version: int | None = None) -> Lead:
    """Give an open lead back to the pool: its owner, or a manager over it."""
    _require_change(actor, lead)
    _require_open(lead)
    if lead.owner_id is None:
        raise ValidationError(_("This lead is already in the pool."))
    before = _snapshot(lead)
    claim_version(lead, version, {"owner_id": None})
    lead.owner, lead.department = None, None
    lead.save()
    audit.record(actor, AuditEntry.Action.ASSIGN, lead, changes=audit.diff(before, _snapshot(lead)))
    return lead


@transaction.atomic
def assign_lead(actor, lead: Lead, owner, *, version: int | None = None) -> Lead:
    """A manager hands an open lead (in the pool or a rep's) to a rep of their scope."""
    require_assign_leads(actor)
    _require_change(actor, lead)
    _require_open(lead)
    if owner is None or not lead_owners(actor).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": [_("Choose an active colleague within your scope.")]})
    before = _snapshot(lead)
    claim_version(lead, version, {"owner_id": owner.pk})
    lead.owner, lead.department = owner, _department_of(owner)
    lead.save()
    audit.record(actor, AuditEntry.Action.ASSIGN, lead, changes=audit.diff(before, _snapshot(lead)))
    return lead


def _clean_opportunity(opportunity: dict | None) -> dict | None:
    if not opportunity or not any(opportunity.get(k) for k in ("name", "amount", "expected_close")):
        return None
    errors = Errors()
    name = opportunity.get("name") or ""
    if is_blank(name):
        errors.add("opportunity_name", _("Give the opportunity a name."))
    else:
        errors.check("opportunity_name", check_text, name, max_length=200, multiline=False)
    amount = opportunity.get("amount")
    if amount not in (None, ""):
        try:
            amount = Decimal(str(check_number_text(amount)))
            if not amount.is_finite() or amount < 0 or amount > Decimal("999999999999.99"):
                raise InvalidOperation
            amount = amount.quantize(Decimal("0.01"))
        except InvalidOperation:
            errors.add("opportunity_amount", _("Enter an amount of at least 0."))
        except ValueError as exc:  # check_number_text's, naming the value
            errors.add("opportunity_amount", str(exc))
    else:
        amount = None
    close = opportunity.get("expected_close")
    if close in ("", None):
        close = None
    elif not isinstance(close, date):
        try:
            close = date.fromisoformat(str(close))
        except ValueError:
            errors.add("opportunity_close", _("Enter a date as YYYY-MM-DD."))
    if isinstance(close, date):  # the form checks it too; any other caller gets the same rule
        errors.check("opportunity_close", check_year, close)
    errors.raise_any()
    return {"name": name.strip(), "amount": amount, "expected_close": close}


def _history(lead: Lead) -> str:
    lines = [
        _("Converted from lead #%(id)s (source: %(source)s, entered %(date)s).")
        % {
            "id": lead.pk,
            "source": lead.get_source_display(),
            "date": timezone.localtime(lead.created_at).date().isoformat(),
        }
    ]
    if lead.company:
        lines.append(_("Company: %(company)s") % {"company": lead.company})
    if lead.title:
        lines.append(_("Title: %(title)s") % {"title": lead.title})
    if lead.interest:
        lines.append(_("Interest: %(text)s") % {"text": lead.interest})
    if lead.notes:
        lines.append(_("Notes: %(text)s") % {"text": lead.notes})
    if lead.consent_purpose:
        lines.append(_("Consent given for: %(purpose)s") % {"purpose": lead.consent_purpose})
    return "\n".join(lines)[:MAX_TEXT]


@transaction.atomic
def convert_lead(
    actor,
    lead: Lead,
    *,
    attach_to: Customer | None = None,
    opportunity: dict | None = None,
    version: int | None = None,
):
    """Turn an open lead into a customer (and a contact for an organisation), in one
    transaction: the customer gets the lead's traits and source, its timeline a note with the
    lead's history; the lead records the customer and status converted; `lead_converted` asks
    the pipeline for the optional opportunity ({"name", "amount", "expected_close"}).
    With `attach_to` (a customer the actor may change, e.g. one with the same mobile) nothing
    new is created: the lead joins that customer. Returns (customer, contact or None)."""
    _require_change(actor, lead)
    _require_open(lead)
    opportunity = _clean_opportunity(opportunity)
    before = _snapshot(lead)
    claim_version(lead, version, {"status": LeadStatus.CONVERTED})
    # The UPDATE above waited for a simultaneous conversion of this lead to commit: read the
    # status again, so a double click or a parallel request converts the lead only once.
    lead.status = Lead.objects.filter(pk=lead.pk).values_list("status", flat=True)[0]
    _require_open(lead)
    contact = None
    owner = lead.owner or actor
    if attach_to is not None:
        if not visible_customers(actor, write=True).filter(pk=attach_to.pk).exists():
            raise PermissionDenied(_("You may not change this customer."))
        customer = attach_to
    else:
        organisation = lead.kind == CustomerKind.ORGANISATION
        data = {
            "kind": lead.kind,
            "category": lead.category,
            "name": (lead.company or lead.name) if organisation else lead.name,
            "province": lead.province,
            "city": lead.city,
            "source": lead.source,
        }
        if not organisation:
            data.update(
                mobile=lead.mobile,
                email=lead.email,
                wechat=lead.wechat,
                company_name=lead.company,
                position=lead.title,
            )
        customer = customers.create_customer(actor, data, owner=owner, confirm_duplicate=True)
        if organisation:
            contact = customers.create_contact(
                actor,
                customer,
                {
                    "name": lead.name,
                    "title": lead.title,
                    "mobile": lead.mobile,
                    "email": lead.email,
                    "wechat": lead.wechat,
                    "is_primary": True,
                },
            )
    if lead.referred_by_id and not customer.referred_by_id and lead.referred_by_id != customer.pk:
        Customer.objects.filter(pk=customer.pk).update(referred_by=lead.referred_by_id)
        audit.record(
            actor,
            AuditEntry.Action.UPDATE,
            customer,
            changes={"referred_by_id": [None, lead.referred_by_id]},
        )
    add_note(actor, customer, _history(lead))
    lead.status = LeadStatus.CONVERTED
    lead.converted_customer = customer
    lead.converted_at = timezone.now()
    lead.save()
    audit.record(
        actor,
        AuditEntry.Action.UPDATE,
        lead,
        customer_id=customer.pk,
        changes=audit.diff(before, _snapshot(lead), PERSONAL),
    )
    lead_converted.send(
        sender=Lead,
        actor=actor,
        lead=lead,
        customer=customer,
        contact=contact,
        opportunity=opportunity,
    )
    return customer, contact


ERASED = "—"


@transaction.atomic
def erase_lead(actor, lead: Lead) -> Lead:
    """Erase a lead's personal data on request (name, mobile, e-mail, WeChat, free text): its
    owner's side or a manager; the fact of the lead stays for the figures."""
    _require_change(actor, lead)
    scrub(actor, [lead])
    return lead


def scrub(actor, leads: list[Lead]) -> int:
    """Remove the personal data of these leads and their trail's personal values (audited)."""
    if not leads:
        return 0
    audit.record_many(
        actor,
        AuditEntry.Action.ERASE,
        leads,
        changes={f: [None, ERASED] for f in ("name", "mobile", "email", "wechat", "notes")},
    )
    now = timezone.now()
    ids = [lead.pk for lead in leads]
    for lead in leads:
        _scrub_trail(lead)
    Lead.objects.filter(pk__in=ids).update(
        name=ERASED,
        mobile="",
        email="",
        wechat="",
        title="",
        interest="",
        notes="",
        disqualified_reason="",
        erased_at=now,
        version=F("version") + 1,
    )
    return len(ids)


def _scrub_trail(lead: Lead) -> None:
    """The lead's own trail keeps the fields that changed, not the personal values."""
    for entry in AuditEntry.objects.filter(model="lead", object_id=str(lead.pk)):
        changes = {
            field: [audit.ERASED_PLACEHOLDER if v not in (None, "") else v for v in values]
            if field in ("name", "mobile", "email", "wechat", "interest", "notes", "title")
            else values
            for field, values in entry.changes.items()
        }
        if changes != entry.changes:
            AuditEntry.objects.filter(pk=entry.pk).update(changes=changes)


def retrain_model(actor):
    """ "Retrain now": managers only; trains, stores and rescores (see lookalike.train)."""
    require_assign_leads(actor)
    return lookalike.train(actor)
