"""Writes on customers and contacts: one function per write, atomic, audited.

Pages, the API, imports and the demo all call these; none of them saves a Customer directly.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from guanxi.accounts.scope import get_customer_or_404
from guanxi.accounts.services import profile_of
from guanxi.audit import services as audit
from guanxi.privacy.sensitive import SENSITIVE_FIELDS
from guanxi.services_common import reject_unknown_fields

from .models import (
    Collaborator,
    Contact,
    Customer,
    CustomerKind,
    CustomField,
    CustomFieldKind,
    Tag,
)
from .normalize import (
    name_initials,
    name_pinyin,
    normalize_email,
    normalize_phone,
    normalize_uscc,
)

EDITABLE_FIELDS = [
    "kind",
    "category",
    "external_id",
    "name",
    "gender",
    "birthday",
    "marital_status",
    "province",
    "city",
    "district",
    "street",
    "nickname",
    "registered_at",
    "member_type",
    "member_level",
    "points",
    "mobile",
    "phone",
    "email",
    "qq",
    "wechat",
    "weibo",
    "delivery_address",
    "other_addresses",
    "payment_method",
    "bank_account",
    "credit_limit",
    "id_number",
    "uscc",
    "verified",
    "health_notes",
    "precise_location",
    "is_minor",
    "company_name",
    "position",
    "education",
    "family",
    "interests",
    "anniversary",
    "level",
    "source",
    "custom_fields",
    "do_not_contact",
]
AUDITED_FIELDS = [*EDITABLE_FIELDS, "owner", "department"]
CONTACT_FIELDS = [
    "name",
    "title",
    "mobile",
    "email",
    "wechat",
    "birthday",
    "interpersonal_style",
    "is_primary",
    "notes",
]
_SENSITIVE = frozenset(SENSITIVE_FIELDS)


def clean_custom_fields(values: dict) -> dict:
    """Check custom field values against their definitions; unknown keys are errors."""
    if not isinstance(values, dict):
        raise ValidationError({"custom_fields": _("Custom fields must be an object.")})
    definitions = {f.key: f for f in CustomField.objects.all()}
    errors, cleaned = [], {}
    for key, value in values.items():
        field = definitions.get(key)
        if field is None:
            errors.append(_("Unknown custom field “%(key)s”.") % {"key": key})
            continue
        if value in ("", None):
            continue
        if field.kind == CustomFieldKind.NUMBER:
            try:
                cleaned[key] = str(Decimal(str(value)))
            except InvalidOperation:
                errors.append(_("“%(label)s” must be a number.") % {"label": field.label})
        elif field.kind == CustomFieldKind.DATE:
            try:
                parsed = parse_date(str(value))
            except ValueError:  # well formed but impossible, e.g. 2024-02-30
                parsed = None
            if parsed is None:
                errors.append(
                    _("“%(label)s” must be a date (YYYY-MM-DD).") % {"label": field.label}
                )
            else:
                cleaned[key] = parsed.isoformat()
        elif field.kind == CustomFieldKind.CHOICE:
            if value not in field.choices:
                errors.append(
                    _("“%(label)s” must be one of: %(choices)s.")
                    % {"label": field.label, "choices": ", ".join(field.choices)}
                )
            else:
                cleaned[key] = value
        elif field.kind == CustomFieldKind.BOOLEAN:
            cleaned[key] = value in (True, "true", "1", 1, "yes", "是")
        else:
            cleaned[key] = str(value)[:500]
    for key, field in definitions.items():
        if field.required and key not in cleaned:
            errors.append(_("“%(label)s” is required.") % {"label": field.label})
    if errors:
        raise ValidationError({"custom_fields": errors})
    return cleaned


def clean_customer_data(data: dict) -> dict:
    """Normalise and validate incoming customer fields; ValidationError lists every problem."""
    reject_unknown_fields(data, EDITABLE_FIELDS)
    cleaned, errors = dict(data), {}
    for field, normalise in [
        ("mobile", normalize_phone),
        ("phone", normalize_phone),
        ("email", normalize_email),
        ("uscc", normalize_uscc),
    ]:
        if field in cleaned and cleaned[field] is not None:
            try:
                cleaned[field] = normalise(str(cleaned[field]))
            except ValidationError as exc:
                errors[field] = exc.messages
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            errors["name"] = [_("A customer needs a name.")]
    if "custom_fields" in cleaned:
        try:
            cleaned["custom_fields"] = clean_custom_fields(cleaned["custom_fields"] or {})
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply(customer: Customer, data: dict) -> None:
    for field, value in data.items():
        setattr(customer, field, value)
    if "name" in data:
        customer.name_pinyin = name_pinyin(customer.name)
        customer.name_initials = name_initials(customer.name)
    if customer.kind == CustomerKind.PERSON and customer.uscc:
        raise ValidationError({"uscc": _("Only organisations have a unified social credit code.")})
    customer.full_clean(exclude=["owner", "department", "referred_by", "tags"])


def _owner_department(owner):
    return profile_of(owner).department if owner is not None else None


@transaction.atomic
def create_customer(actor, data: dict, *, owner=None, tags: list[str] | None = None) -> Customer:
    """Create a customer owned by `owner` (default: the actor), with its team set from the owner."""
    data = clean_customer_data(data)
    customer = Customer()
    _apply(customer, data)
    customer.owner = owner if owner is not None else actor
    customer.department = _owner_department(customer.owner)
    customer.save()
    if tags:
        set_tags(customer, tags, new=True)
    audit.record(
        actor,
        audit.AuditEntry.Action.CREATE,
        customer,
        customer_id=customer.pk,
        changes=audit.diff({}, audit.snapshot(customer, AUDITED_FIELDS), _SENSITIVE),
    )
    return customer


@transaction.atomic
def update_customer(actor, customer: Customer, data: dict, *, tags: list[str] | None = None):
    """Change fields of a customer the caller has already fetched with write access."""
    data = clean_customer_data(data)
    before = audit.snapshot(customer, AUDITED_FIELDS)
    _apply(customer, data)
    customer.save()
    tag_change = {}
    if tags is not None:
        old_tags = sorted(customer.tags.values_list("name", flat=True))
        set_tags(customer, tags)
        if old_tags != sorted(set(tags)):
            tag_change["tags"] = [old_tags, sorted(set(tags))]
    audit.record_update(
        actor,
        customer,
        before,
        AUDITED_FIELDS,
        customer_id=customer.pk,
        sensitive=_SENSITIVE,
        extra=tag_change,
    )
    return customer


@transaction.atomic
def delete_customer(actor, customer: Customer) -> None:
    from guanxi.sales.models import Order

    if Order.objects.filter(customer=customer).exists():
        raise ValidationError(
            _("This customer has orders and cannot be deleted; erase the personal data instead.")
        )
    audit.record(
        actor,
        audit.AuditEntry.Action.DELETE,
        customer,
        customer_id=customer.pk,
        changes={"name": [customer.name, None]},
    )
    customer.delete()


@transaction.atomic
def assign_owner(actor, customer: Customer, owner) -> Customer:
    """Transfer a customer (客户转移): the whole history stays with the customer."""
    before = audit.snapshot(customer, ["owner", "department"])
    customer.owner = owner
    customer.department = _owner_department(owner)
    customer.save(update_fields=["owner", "department", "updated_at"])
    audit.record(
        actor,
        audit.AuditEntry.Action.ASSIGN,
        customer,
        customer_id=customer.pk,
        changes=audit.diff(before, audit.snapshot(customer, ["owner", "department"])),
    )
    return customer


def set_tags(customer: Customer, names: list[str], *, new: bool = False) -> None:
    """Make `names` the customer's tags (created as needed); `new`: the customer has none yet,
    so they are only added (no query for the current ones)."""
    names = sorted({n.strip()[:50] for n in names if n and n.strip()})
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            existing[name] = Tag.objects.get_or_create(name=name)[0]
    if new:
        customer.tags.add(*existing.values())
    else:
        customer.tags.set(list(existing.values()))


@transaction.atomic
def share_customer(actor, customer: Customer, user, *, access: str, expires_at=None):
    """Add or change a collaborator (协作人) on one customer."""
    if access not in Collaborator.Access.values:
        raise ValidationError({"access": _("Access must be read or write.")})
    collaborator, _created = Collaborator.objects.update_or_create(
        customer=customer, user=user, defaults={"access": access, "expires_at": expires_at}
    )
    audit.record(
        actor,
        audit.AuditEntry.Action.UPDATE,
        customer,
        customer_id=customer.pk,
        changes={"collaborator": [None, f"{user.get_username()}:{access}"]},
    )
    return collaborator


@transaction.atomic
def unshare_customer(actor, customer: Customer, user_id: int) -> bool:
    """Remove a collaborator; False when that user was not one."""
    collaborator = Collaborator.objects.filter(customer=customer, user_id=user_id).first()
    if collaborator is None:
        return False
    collaborator.delete()
    audit.record(
        actor,
        audit.AuditEntry.Action.UPDATE,
        customer,
        customer_id=customer.pk,
        changes={
            "collaborator": [f"{collaborator.user.get_username()}:{collaborator.access}", None]
        },
    )
    return True


# Contacts ---------------------------------------------------------------------------------


def clean_contact_data(data: dict) -> dict:
    reject_unknown_fields(data, CONTACT_FIELDS)
    cleaned, errors = dict(data), {}
    if "mobile" in cleaned:
        try:
            cleaned["mobile"] = normalize_phone(cleaned["mobile"] or "")
        except ValidationError as exc:
            errors["mobile"] = exc.messages
    if "email" in cleaned:
        cleaned["email"] = normalize_email(cleaned["email"] or "")
    if "name" in cleaned and not (cleaned["name"] or "").strip():
        errors["name"] = [_("A contact needs a name.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def create_contact(actor, customer: Customer, data: dict) -> Contact:
    if customer.kind != CustomerKind.ORGANISATION:
        raise ValidationError(_("Contacts belong to organisations; this customer is a person."))
    contact = Contact(customer=customer)
    for field, value in clean_contact_data(data).items():
        setattr(contact, field, value)
    contact.full_clean(exclude=["customer"])
    contact.save()
    audit.record(
        actor,
        audit.AuditEntry.Action.CREATE,
        contact,
        customer_id=customer.pk,
        changes=audit.diff({}, audit.snapshot(contact, CONTACT_FIELDS)),
    )
    return contact


@transaction.atomic
def update_contact(actor, contact: Contact, data: dict) -> Contact:
    before = audit.snapshot(contact, CONTACT_FIELDS)
    for field, value in clean_contact_data(data).items():
        setattr(contact, field, value)
    contact.full_clean(exclude=["customer"])
    contact.save()
    audit.record_update(actor, contact, before, CONTACT_FIELDS, customer_id=contact.customer_id)
    return contact


@transaction.atomic
def delete_contact(actor, contact: Contact) -> None:
    audit.record(
        actor,
        audit.AuditEntry.Action.DELETE,
        contact,
        customer_id=contact.customer_id,
        changes={"name": [contact.name, None]},
    )
    contact.delete()


# Duplicate check (查重) -------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateMatch:
    """A possible duplicate: which field matched and who owns it, not the record itself."""

    field: str
    owner: str
    customer_id: int | None  # only when the asking user may open the record


def find_duplicates(
    user, *, mobile: str = "", email: str = "", name: str = "", exclude_pk: int | None = None
) -> list[DuplicateMatch]:
    """Look across ALL customers (not only the user's scope) by phone, e-mail and similar name.

    The user learns who owns a match so they can talk to that colleague; the record itself is
    linked only if it is already within the user's scope.
    """
    from guanxi.accounts.scope import visible_customers

    checks = []
    if mobile:
        try:
            e164 = normalize_phone(mobile)
            checks += [("mobile", {"mobile": e164}), ("mobile", {"contacts__mobile": e164})]
        except ValidationError:
            pass
    if email:
        checks.append(("email", {"email": normalize_email(email)}))
    if name and name.strip():
        key = name_pinyin(name.strip())
        checks.append(("name", {"name": name.strip()}))
        if key:
            checks.append(("name", {"name_pinyin": key}))
    matches: dict[int, DuplicateMatch] = {}
    for field, lookup in checks:
        qs = Customer.objects.filter(**lookup, erased_at__isnull=True)
        if exclude_pk:
            qs = qs.exclude(pk=exclude_pk)
        for customer in qs.select_related("owner__profile")[:5]:
            if customer.pk in matches:
                continue
            owner = customer.owner
            owner_name = str(profile_of(owner)) if owner else _("the public pool")
            matches[customer.pk] = DuplicateMatch(field, owner_name, None)
    if matches:
        visible = set(
            visible_customers(user).filter(pk__in=list(matches)).values_list("pk", flat=True)
        )
        return [
            DuplicateMatch(m.field, m.owner, pk if pk in visible else None)
            for pk, m in matches.items()
        ]
    return []


def upcoming_birthdays(on: date):
    """Customers whose birthday falls on the given day (month and day)."""
    return Customer.objects.filter(
        birthday__month=on.month,
        birthday__day=on.day,
        erased_at__isnull=True,
        do_not_contact=False,
    )


def require_writable(user, pk) -> Customer:
    return get_customer_or_404(user, pk, write=True)


def _tag_names(customer: Customer) -> list[str]:
    return sorted(customer.tags.values_list("name", flat=True))


@transaction.atomic
def add_tag(actor, customer: Customer, name: str) -> bool:
    """Give a customer one more tag (created as needed); audited. False if it had it."""
    name = _clean_tag(name)
    before = _tag_names(customer)
    if name in before:
        return False
    customer.tags.add(Tag.objects.get_or_create(name=name)[0])
    audit.record(
        actor,
        audit.AuditEntry.Action.UPDATE,
        customer,
        customer_id=customer.pk,
        changes={"tags": [before, sorted([*before, name])]},
    )
    return True


@transaction.atomic
def remove_tag(actor, customer: Customer, name: str) -> bool:
    """Take one tag off a customer; audited. False if it did not have it."""
    name = _clean_tag(name)
    before = _tag_names(customer)
    if name not in before:
        return False
    customer.tags.remove(*Tag.objects.filter(name=name))
    audit.record(
        actor,
        audit.AuditEntry.Action.UPDATE,
        customer,
        customer_id=customer.pk,
        changes={"tags": [before, [t for t in before if t != name]]},
    )
    return True


def _clean_tag(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"tag": [_("Enter a tag.")]})
    if len(name) > 50:
        raise ValidationError({"tag": [_("A tag has at most 50 characters.")]})
    return name
