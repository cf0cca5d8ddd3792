"""Writes on customers and contacts: one function per write, atomic, audited.

Pages, the API and imports call these. Other code that saves a Customer: merging.py (merge and
undo, audited), privacy.services.erase_customer (audited) and the demo loader, which writes
its whole company in bulk SQL with no audit entries (guanxi.demo.generator).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from guanxi.accounts.scope import can_write, require_manage, visible_customers
from guanxi.accounts.services import profile_of
from guanxi.audit import services as audit
from guanxi.bulk import BulkInsert
from guanxi.customers.sensitive import SENSITIVE_FIELDS, keeps_stored, shows_mask
from guanxi.services_common import (
    StaleEdit,
    customers_changed_hands,
    customers_transferred,
    other_duplicates,
    rate_limit,
    reject_unknown_fields,
)
from guanxi.validation import (
    check_number_text,
    check_text,
    check_year,
    clean_text,
    half_width,
    is_blank,
)

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
    NAME_KEY_FIELDS,
    name_pinyin,
    normalize_email,
    normalize_phone,
    normalize_uscc,
    set_name_keys,
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
    "loyalty_type",  # the rep's judgement; "" takes the one the scores suggest
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
                cleaned[key] = str(Decimal(str(check_number_text(value))))
            except ValueError as exc:  # an underscore: say so, naming the value
                errors.append(f"{field.label}: {exc}")
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
            elif not _in_years(parsed):
                errors.append(
                    _("“%(label)s”: %(error)s") % {"label": field.label, "error": _year_error()}
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
            value = str(value)
            if len(value) > CUSTOM_TEXT_LENGTH:
                errors.append(
                    _("“%(label)s” may hold at most %(max)s characters (it has %(n)s).")
                    % {"label": field.label, "max": CUSTOM_TEXT_LENGTH, "n": len(value)}
                )
                continue
            try:
                cleaned[key] = clean_text(value)
            except ValueError as exc:
                errors.append(f"“{field.label}”: {exc}")
    for key, field in definitions.items():
        if field.required and key not in cleaned:
            errors.append(_("“%(label)s” is required.") % {"label": field.label})
    if errors:
        raise ValidationError({"custom_fields": errors})
    return cleaned


CUSTOM_TEXT_LENGTH = 500
MAX_TAGS = 50
MAX_OTHER_ADDRESSES = 20
_DATE_FIELDS = ("birthday", "anniversary", "registered_at")
_MULTILINE = frozenset({"health_notes"})
_NORMALISED = frozenset({"mobile", "phone", "email", "uscc"})
_ASCII = frozenset({"qq", "wechat"})
_VALIDATED = frozenset({"email"})  # fields with a validator beyond length (run before saving)


def _in_years(value) -> bool:
    try:
        check_year(value)
    except ValueError:
        return False
    return True


def _born_later(value) -> bool:
    """A birthday after today (a review saved 2030-01-01): no customer or contact is born yet."""
    return isinstance(value, date) and value > timezone.localdate()


def _future_birthday() -> str:
    return _("A birthday cannot be in the future.")


def _year_error() -> str:
    try:
        check_year(date(1, 1, 1))
    except ValueError as exc:
        return str(exc)
    return ""  # pragma: no cover - check_year refuses year 1


def _text_errors(field: str, value, max_length: int | None, multiline: bool) -> list[str]:
    """Why a text value cannot be stored in `field` (control characters, too long)."""
    if not isinstance(value, str):
        return []
    problems = []
    try:
        clean_text(value, multiline=multiline)
    except ValueError as exc:
        problems.append(str(exc))
    if max_length and len(value) > max_length:
        problems.append(
            _("At most %(max)s characters (it has %(n)s).") % {"max": max_length, "n": len(value)}
        )
    return problems


def clean_tags(names) -> tuple[list[str], list[str]]:
    """(tag names, errors): at most MAX_TAGS tags, each fitting Tag.name, no control characters."""
    if names is None:
        return None, []
    limit = Tag._meta.get_field("name").max_length
    errors, cleaned = [], []
    for name in names:
        name = str(name or "").strip()
        if is_blank(name):
            continue
        try:
            clean_text(name, multiline=False)
        except ValueError as exc:
            errors.append(f"“{name[:20]}”: {exc}")
            continue
        if len(name) > limit:
            errors.append(
                _("The tag “%(tag)s…” is longer than %(max)s characters.")
                % {"tag": name[:20], "max": limit}
            )
            continue
        cleaned.append(name)
    cleaned = sorted(set(cleaned))
    if len(cleaned) > MAX_TAGS:
        errors.append(
            _("At most %(max)s tags (there are %(n)s).") % {"max": MAX_TAGS, "n": len(cleaned)}
        )
    return cleaned, errors


def _masked_errors(cleaned: dict, stored: Customer | None) -> dict:
    """Drop from `cleaned` the sensitive values sent back masked as a GET showed them (so they
    stay as stored, and are neither written nor audited); {field: [message]} for any other
    value carrying the mask, which is never a real value (writing it would lose the real one)."""
    errors = {}
    for field in _SENSITIVE.intersection(cleaned):
        if keeps_stored(field, cleaned[field], stored):
            del cleaned[field]
        elif shows_mask(field, cleaned[field]):
            errors[field] = [
                _(
                    "This is the hidden form of the value; send the real value, or leave the "
                    "field out to keep it."
                )
            ]
    return errors


def _collect_customer_data(
    data: dict, tags=None, stored: Customer | None = None
) -> tuple[dict, list | None, dict]:
    """(cleaned data, cleaned tags, {field: [messages]}): every problem of the input at once.

    `stored`: the customer being changed (None for a new one), against whose masked values
    the submitted sensitive ones are read (_masked_errors)."""
    reject_unknown_fields(data, EDITABLE_FIELDS)
    cleaned = dict(data)
    for field in _ASCII & cleaned.keys():  # ASCII by nature; an input method may type １２３
        if isinstance(cleaned[field], str):
            cleaned[field] = half_width(cleaned[field])
    errors = _masked_errors(cleaned, stored)
    for field, value in cleaned.items():
        if field in errors:
            continue
        # Normalised fields are measured after normalising (a phone may come with spaces).
        max_length = None if field in _NORMALISED else Customer._meta.get_field(field).max_length
        if isinstance(value, str):
            problems = _text_errors(field, value, max_length, field in _MULTILINE)
            if problems:
                errors[field] = problems
    for field, normalise in [
        ("mobile", normalize_phone),
        ("phone", normalize_phone),
        ("email", normalize_email),
        ("uscc", normalize_uscc),
    ]:
        if field in cleaned and cleaned[field] is not None and field not in errors:
            try:
                cleaned[field] = normalise(str(cleaned[field]))
            except ValidationError as exc:
                errors[field] = exc.messages
    for field in _VALIDATED & cleaned.keys() - errors.keys():
        # the fields' own validators (an e-mail's form): an import reported a bad address only
        # once the row's other errors were fixed, as the model's full_clean came later
        try:
            Customer._meta.get_field(field).run_validators(cleaned[field])
        except ValidationError as exc:
            errors[field] = exc.messages
    if "name" in cleaned and "name" not in errors:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if is_blank(cleaned["name"]):
            errors["name"] = [_("A customer needs a name.")]
    for field in _DATE_FIELDS:
        value = cleaned.get(field)
        if hasattr(value, "year") and not _in_years(value):
            errors[field] = [_year_error()]
    if _born_later(cleaned.get("birthday")) and "birthday" not in errors:
        errors["birthday"] = [_future_birthday()]
    points = cleaned.get("points")
    if isinstance(points, int) and not isinstance(points, bool) and points < 0:
        errors["points"] = [_("Points cannot be negative.")]  # a balance (a review saved −50)
    addresses = cleaned.get("other_addresses")
    if addresses:
        if not isinstance(addresses, list):
            errors["other_addresses"] = [_("Other addresses must be a list.")]
        else:
            problems = [p for a in addresses for p in _text_errors("", a, 300, False)]
            if len(addresses) > MAX_OTHER_ADDRESSES:
                problems.append(
                    _("At most %(max)s other addresses.") % {"max": MAX_OTHER_ADDRESSES}
                )
            if problems:
                errors["other_addresses"] = problems
    if "custom_fields" in cleaned:
        try:
            cleaned["custom_fields"] = clean_custom_fields(cleaned["custom_fields"] or {})
        except ValidationError as exc:
            errors.update(exc.message_dict)
    tags, tag_errors = clean_tags(tags)
    if tag_errors:
        errors["tags"] = tag_errors
    return cleaned, tags, errors


def clean_customer_data(data: dict, tags=None) -> dict:
    """Normalise and validate incoming customer fields; ValidationError lists every problem.

    The one set of rules for the form, the API and imports (control characters, invisible
    names, years outside 1900-2200, lengths, too many or too long tags, custom field values).
    """
    cleaned, _tags, errors = _collect_customer_data(data, tags)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply(customer: Customer, data: dict, errors: dict | None = None) -> None:
    """Set the fields and validate the whole record; ValidationError names every problem."""
    errors = dict(errors or {})
    for field, value in data.items():
        if field not in errors:
            setattr(customer, field, value)
    if "name" in data and "name" not in errors:
        set_name_keys(customer)
    if customer.kind == CustomerKind.PERSON and customer.uscc and "uscc" not in errors:
        errors["uscc"] = [_("Only organisations have a unified social credit code.")]
    try:
        customer.full_clean(
            exclude=["owner", "department", "referred_by", "tags", "version", *errors]
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def _owner_department(owner):
    return profile_of(owner).department if owner is not None else None


# Duplicate policy (查重) --------------------------------------------------------------------

BLOCK, WARN, OFF = "block", "warn", "off"
DUPLICATE_FIELDS = ("mobile", "phone", "email", "uscc", "name")
_POLICIES = (BLOCK, WARN, OFF)
DEFAULT_DUPLICATE_POLICY = {
    "mobile": BLOCK,
    "uscc": BLOCK,
    "phone": WARN,
    "email": WARN,
    "name": OFF,
}


def duplicate_policy() -> dict[str, str]:
    """{field: block|warn|off}; settings.GUANXI_DUPLICATE_POLICY overrides the defaults."""
    policy = dict(DEFAULT_DUPLICATE_POLICY)
    policy.update(getattr(settings, "GUANXI_DUPLICATE_POLICY", None) or {})
    wrong = {f: v for f, v in policy.items() if f not in DUPLICATE_FIELDS or v not in _POLICIES}
    if wrong:
        raise ImproperlyConfigured(
            f"GUANXI_DUPLICATE_POLICY: fields are {', '.join(DUPLICATE_FIELDS)}; "
            f"values block, warn or off; got {wrong}"
        )
    return {f: policy.get(f, OFF) for f in DUPLICATE_FIELDS}


def live_customers():
    """Customers that count as existing for 查重: not erased, not merged into another."""
    return Customer.objects.filter(erased_at__isnull=True, merged_into__isnull=True)


def _lock_values(keys: list[str]) -> None:
    """Serialise writers of the same values until the transaction ends.

    PostgreSQL: a transaction-level advisory lock per value. SQLite: writers are already
    serialised, since every transaction begins IMMEDIATE (settings: transaction_mode).
    """
    if connection.vendor == "postgresql" and keys:
        with connection.cursor() as cursor:
            # shared with other single writers, exclusive against a bulk import (_lock_all)
            cursor.execute("SELECT pg_advisory_xact_lock_shared(hashtext(%s))", [_ALL_VALUES])
            for key in sorted(set(keys)):
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


_ALL_VALUES = "customer:duplicates"


def _lock_all() -> None:
    """A bulk write's lock for 查重: waits for single writers checking values and keeps new ones
    out until the transaction ends (one lock instead of one per value: PostgreSQL's lock table
    holds a few thousand). SQLite serialises writers already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_ALL_VALUES])


class DuplicateBlocked(IntegrityError):
    """A bulk write found, under its lock, a value the 查重 policy blocks (another customer
    has it, or two new ones share it): the import reports the rows at fault one by one."""


def refuse_blocked_values(customers: list[Customer]) -> None:
    """Under the bulk lock: DuplicateBlocked if a new customer has a blocked value that a live
    customer or another new one has. One query per blocked field."""
    _lock_all()
    policy = duplicate_policy()
    for field in DUPLICATE_FIELDS:
        if policy[field] != BLOCK:
            continue
        values = [getattr(c, field) for c in customers if getattr(c, field)]
        if not values:
            continue
        if len(set(values)) < len(values):
            raise DuplicateBlocked(field)
        for start in range(0, len(values), 1000):
            if live_customers().filter(**{f"{field}__in": values[start : start + 1000]}).exists():
                raise DuplicateBlocked(field)


def _owner_name(customer: Customer) -> str:
    return str(profile_of(customer.owner)) if customer.owner_id else _("the public pool")


def spend_duplicate_checks(user, count: int = 1) -> None:
    """Count `count` 查重 checks against the user's budget, GUANXI_DUPLICATE_CHECKS_PER_MINUTE
    (TooManyRequests past it). One budget for the dedicated check (find_duplicates, the lead
    查重) and for the values a create or an update checks: a write whose answer names the
    owner of any team's customer is as much a probe as the check itself."""
    message = _(
        "Too many duplicate checks: at most %(limit)d a minute. Wait a moment and try again."
    )
    for _i in range(count):
        rate_limit(user, "duplicates", settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE, message)


def outside_scope_message() -> str:
    """What a bulk write (an import) says of a match the user may not see: neither the owner
    nor the record, the same words whichever value matched."""
    return _("Already registered to a customer outside your scope; ask your manager.")


def _check_duplicates(
    data: dict,
    *,
    exclude_pk=None,
    confirmed: bool = False,
    stored: dict | None = None,
    actor=None,
    bulk: bool = False,
):
    """Refuse a value another live customer has (block), or ask for a confirmation (warn).

    Only fields being set to a new value are checked, so an edit of other fields of a customer
    that already had a duplicate (from before the policy) is not refused.

    With `actor`, each value looked up counts as one 查重 against the actor's budget
    (spend_duplicate_checks), before any lookup: over it, TooManyRequests and nothing is
    written. `bulk` (an import's row): nothing is counted, and a match outside the actor's scope
    is reported without its owner (outside_scope_message).
    """
    policy = duplicate_policy()
    wanted = {}
    for field in DUPLICATE_FIELDS:
        value = data.get(field)
        if policy[field] == OFF or not value:
            continue
        if stored is not None and stored.get(field) == value:
            continue
        wanted[field] = value
    if not wanted:
        return
    _lock_values([f"customer:{f}:{v}" for f, v in wanted.items() if policy[f] == BLOCK])
    checked = {f: v for f, v in wanted.items() if not (policy[f] == WARN and confirmed)}
    if actor is not None and not bulk and checked:
        spend_duplicate_checks(actor, len(checked))
    first_match = {}
    for field, value in checked.items():  # an indexed lookup per field
        qs = live_customers().filter(**{field: value}).select_related("owner__profile")
        if exclude_pk:
            qs = qs.exclude(pk=exclude_pk)
        match = qs.first()
        if match is not None:
            first_match[field] = match
    hidden = set()
    if bulk and actor is not None and first_match:
        pks = [m.pk for m in first_match.values()]
        seen = set(visible_customers(actor).filter(pk__in=pks).values_list("pk", flat=True))
        hidden = {f for f, m in first_match.items() if m.pk not in seen}
    errors = {}
    for field, match in first_match.items():
        if field in hidden:
            errors[field] = [ValidationError(outside_scope_message(), code="duplicate")]
            continue
        owner = {"owner": _owner_name(match)}
        message = _("Already registered, owned by %(owner)s.") % owner
        if policy[field] == WARN:  # one sentence pair, so each language joins it its way
            message = (
                _("Already registered, owned by %(owner)s. Confirm to save it anyway.") % owner
            )
            errors[field] = [ValidationError(message, code="duplicate_warning")]
        else:
            errors[field] = [ValidationError(message, code="duplicate")]
    if errors:
        raise ValidationError(errors)


# Versions ------------------------------------------------------------------------------------


def last_change(instance: models.Model):
    """(who, when) of the newest audit entry on this record, for "changed by X at T"."""
    entry = (
        audit.AuditEntry.objects.filter(model=instance._meta.model_name, object_id=str(instance.pk))
        .select_related("actor__profile")
        .order_by("-at", "-id")
        .first()
    )
    return (entry.actor, entry.at) if entry else (None, None)


def _stale(current: models.Model, submitted: dict, sensitive=frozenset()) -> StaleEdit:
    """StaleEdit with {field: [stored, submitted]} for the submitted fields that differ."""
    changes = {}
    for field, value in submitted.items():
        stored = getattr(current, field)
        if audit._plain(stored) != audit._plain(value):
            if field in sensitive:
                changes[field] = [audit.SENSITIVE_PLACEHOLDER, audit.SENSITIVE_PLACEHOLDER]
            else:
                changes[field] = [audit._plain(stored), audit._plain(value)]
    who, at = last_change(current)
    exc = StaleEdit(current, changed_by=who, changes=changes)
    exc.changed_at = at
    exc.version = current.version
    return exc


@transaction.atomic
def create_customer(
    actor,
    data: dict,
    *,
    owner=None,
    tags: list[str] | None = None,
    confirm_duplicate: bool = False,
) -> Customer:
    """Create a customer owned by `owner` (default: the actor), with its team set from the owner.

    The duplicate policy applies: a blocked value another customer has is refused, a warned
    one needs confirm_duplicate=True. Each value checked counts against the actor's 查重
    budget (TooManyRequests past it, nothing written; see _check_duplicates). A masked
    sensitive value is refused (_masked_errors).
    """
    data, tags, errors = _collect_customer_data(data, tags)
    customer = Customer()
    _apply(customer, data, errors)
    _check_duplicates(data, confirmed=confirm_duplicate, actor=actor)
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
def update_customer(
    actor,
    customer: Customer,
    data: dict,
    *,
    tags: list[str] | None = None,
    version: int | None = None,
    confirm_duplicate: bool = False,
    bulk: bool = False,
):
    """Change the given fields of a customer the caller has already fetched with write access.

    Only the fields in `data` are written (on the stored row, locked), so an edit never reverts
    another one's fields. With `version`, an edit based on an older version raises StaleEdit
    and changes nothing (nor is it audited). `customer` is refreshed with the stored values.
    A sensitive field sent back masked as read keeps its stored value (_masked_errors).

    Each 查重 value that changes counts against the actor's budget (TooManyRequests past it,
    nothing written); an unchanged one is free. `bulk` (an import's merge): not counted, and a
    match outside the actor's scope is reported without its owner.
    """
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    data, tags, errors = _collect_customer_data(data, tags, stored=current)
    if version is not None and current.version != version:
        exc = _stale(current, data, _SENSITIVE)
        stored_tags = sorted(current.tags.values_list("name", flat=True))
        if tags is not None and stored_tags != tags:
            exc.changes["tags"] = [stored_tags, tags]
        raise exc
    before = audit.snapshot(current, AUDITED_FIELDS)
    _apply(current, data, errors)
    _check_duplicates(
        data,
        exclude_pk=current.pk,
        confirmed=confirm_duplicate,
        stored=before,
        actor=actor,
        bulk=bulk,
    )
    tag_change = {}
    if tags is not None:
        old_tags = sorted(current.tags.values_list("name", flat=True))
        if old_tags != tags:
            set_tags(current, tags)
            tag_change["tags"] = [old_tags, tags]
    changes = audit.diff(before, audit.snapshot(current, AUDITED_FIELDS), _SENSITIVE)
    changes.update(tag_change)
    if changes:
        fields = [f for f in data if f in changes]
        if "name" in fields:
            fields += NAME_KEY_FIELDS
        current.version += 1
        current.save(update_fields=[*fields, "version", "updated_at"])
        audit.record(
            actor,
            audit.AuditEntry.Action.UPDATE,
            current,
            customer_id=current.pk,
            changes=changes,
        )
    _refresh(customer, current)
    return customer


def _refresh(target: models.Model, source: models.Model) -> None:
    """Copy the stored field values of `source` onto `target` (the caller's instance)."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._prefetched_objects_cache = {}


@transaction.atomic
def delete_customer(actor, customer: Customer) -> None:
    transaction.on_commit(customers_changed_hands)  # dashboards' scope caches
    require_manage(actor, customer)
    if customer.orders.exists():  # sales.Order's protected link back to the customer
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
    try:
        customer.delete()
    except models.ProtectedError as exc:  # quotes, contracts, payments of the apps above (PROTECT)
        raise ValidationError(
            _(
                "This customer has quotes, contracts or payments and cannot be deleted; erase "
                "the personal data instead."
            )
        ) from exc


@transaction.atomic
def assign_owner(actor, customer: Customer, owner) -> Customer:
    """Transfer a customer (客户转移): the whole history stays with the customer."""
    transaction.on_commit(customers_changed_hands)  # dashboards' scope caches
    require_manage(actor, customer)
    if owner is not None and not can_write(owner):
        # as the transfer page's targets: an owner who may change nothing cannot look after it
        raise ValidationError(
            {
                "owner": [
                    _(
                        "A read-only user cannot own customers: choose a colleague who can edit them."
                    )
                ]
            }
        )
    before = audit.snapshot(customer, ["owner", "department"])
    previous = customer.owner
    if owner is not None and customer.owner_id != owner.pk:
        # a new owner: the pool's clocks start again, the old owner's lock goes (guanxi.pool)
        customer.owned_since = timezone.now()
        customer.locked = False
        customer.pooled_at = None
        if customer.owner_id is not None:
            customer.previous_owner_id = customer.owner_id
    customer.owner = owner
    customer.department = _owner_department(owner)
    customer.version = models.F("version") + 1  # a transfer is an edit: open forms go stale
    customer.save(
        update_fields=[
            "owner",
            "department",
            "updated_at",
            "version",
            "owned_since",
            "locked",
            "pooled_at",
            "previous_owner",
        ]
    )
    customer.refresh_from_db(fields=["version"])
    audit.record(
        actor,
        audit.AuditEntry.Action.ASSIGN,
        customer,
        customer_id=customer.pk,
        changes=audit.diff(before, audit.snapshot(customer, ["owner", "department"])),
    )
    customers_transferred.send(
        sender=None,
        actor=actor,
        customer_ids=[customer.pk],
        from_user=previous,
        to_user=owner,
        move=set(),
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
    """Add or change a collaborator (协作人) on one customer; only the owner's side may (a
    collaborator can neither share on nor change its own access or expiry)."""
    require_manage(actor, customer)
    if access not in Collaborator.Access.values:
        raise ValidationError({"access": _("Access must be read or write.")})
    if expires_at is not None and expires_at <= timezone.now():
        # a share that has ended already grants nothing: refused rather than stored (API, page)
        raise ValidationError(
            {"expires_at": _("Choose a time in the future for the access to end.")}
        )
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
    """Remove a collaborator; False when that user was not one. Only the owner's side may."""
    require_manage(actor, customer)
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
    """Normalise and validate contact fields; ValidationError lists every problem."""
    reject_unknown_fields(data, CONTACT_FIELDS)
    cleaned, errors = dict(data), {}
    for field, value in cleaned.items():
        model_field = Contact._meta.get_field(field)
        problems = _text_errors(
            field, value, getattr(model_field, "max_length", None), field == "notes"
        )
        if problems:
            errors[field] = problems
    if "mobile" in cleaned and "mobile" not in errors:
        try:
            cleaned["mobile"] = normalize_phone(cleaned["mobile"] or "")
        except ValidationError as exc:
            errors["mobile"] = exc.messages
    if "email" in cleaned and "email" not in errors:
        cleaned["email"] = normalize_email(cleaned["email"] or "")
    if "name" in cleaned and "name" not in errors:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if is_blank(cleaned["name"]):
            errors["name"] = [_("A contact needs a name.")]
    birthday = cleaned.get("birthday")
    if hasattr(birthday, "year") and not _in_years(birthday):
        errors["birthday"] = [_year_error()]
    elif _born_later(birthday):
        errors["birthday"] = [_future_birthday()]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _full_clean_contact(contact: Contact) -> None:
    contact.full_clean(exclude=["customer", "version"])


@transaction.atomic
def create_contact(actor, customer: Customer, data: dict) -> Contact:
    if customer.kind != CustomerKind.ORGANISATION:
        raise ValidationError(_("Contacts belong to organisations; this customer is a person."))
    contact = Contact(customer=customer)
    for field, value in clean_contact_data(data).items():
        setattr(contact, field, value)
    _full_clean_contact(contact)
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
def update_contact(actor, contact: Contact, data: dict, *, version: int | None = None) -> Contact:
    """Change the given fields of a contact; like update_customer, versioned and field-wise."""
    data = clean_contact_data(data)
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    if version is not None and current.version != version:
        raise _stale(current, data)
    before = audit.snapshot(current, CONTACT_FIELDS)
    for field, value in data.items():
        setattr(current, field, value)
    _full_clean_contact(current)
    changes = audit.diff(before, audit.snapshot(current, CONTACT_FIELDS))
    if changes:
        current.version += 1
        current.save(update_fields=[*(f for f in data if f in changes), "version", "updated_at"])
        audit.record(
            actor,
            audit.AuditEntry.Action.UPDATE,
            current,
            customer_id=current.customer_id,
            changes=changes,
        )
    _refresh(contact, current)
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
    # "customer", or the kind of record another app's 查重 source found (e.g. "lead"), with
    # its id and page only when the asking user may open it
    kind: str = "customer"
    record_id: int | None = None
    url: str | None = None
    # the customer's name, only with customer_id (the user may open it): two matches of one
    # e-mail read as two identical lines (a review)
    name: str = ""


def find_duplicates(
    user, *, mobile: str = "", email: str = "", name: str = "", exclude_pk: int | None = None
) -> list[DuplicateMatch]:
    """Look across ALL customers (not only the user's scope) by phone, e-mail and similar name.

    The user learns who owns a match so they can talk to that colleague; the record itself is
    linked only if it is already within the user's scope. `exclude_pk` (the customer being
    edited) counts only for a customer the user may change: otherwise excluding it would tell
    whether a number belongs to someone else's customer N.

    As the answer names the owner of any team's customer, a user may ask at most
    GUANXI_DUPLICATE_CHECKS_PER_MINUTE times a minute (TooManyRequests after that): typing in
    a form checks a few times, a sweep of number ranges is stopped.
    """
    spend_duplicate_checks(user)

    if exclude_pk and not visible_customers(user, write=True).filter(pk=exclude_pk).exists():
        exclude_pk = None

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
        qs = live_customers().filter(**lookup)
        if exclude_pk:
            qs = qs.exclude(pk=exclude_pk)
        for customer in qs.select_related("owner__profile")[:5]:
            if customer.pk in matches:
                continue
            owner = customer.owner
            owner_name = str(profile_of(owner)) if owner else _("the public pool")
            matches[customer.pk] = DuplicateMatch(field, owner_name, None, name=customer.name)
    found = []
    if matches:
        visible = set(
            visible_customers(user).filter(pk__in=list(matches)).values_list("pk", flat=True)
        )
        found = [
            DuplicateMatch(m.field, m.owner, pk, name=m.name)
            if pk in visible
            else DuplicateMatch(m.field, m.owner, None)
            for pk, m in matches.items()
        ]
    # records of the apps above this one (leads) that share the values: services_common hook
    for other in other_duplicates(user, mobile=mobile, email=email, name=name):
        found.append(
            DuplicateMatch(
                other["field"],
                other["owner"],
                None,
                kind=other["kind"],
                record_id=other.get("id"),
                url=other.get("url"),
            )
        )
    return found


@transaction.atomic
def transfer_customers(actor, from_user, to_user) -> int:
    """Transfer every customer of `from_user` to `to_user` (离职交接), in one transaction.

    Each customer gets its own audit entry, as `assign_owner` writes for a single transfer,
    and takes the new owner's department; the whole history stays with the customer.
    Returns the number of customers transferred.
    """
    transaction.on_commit(customers_changed_hands)  # dashboards' scope caches
    if from_user.pk == to_user.pk:
        return 0
    department = _owner_department(to_user)
    department_id = department.pk if department is not None else None
    rows = list(
        Customer.objects.select_for_update()
        .filter(owner=from_user)
        .values_list("pk", "department_id")
    )
    if not rows:
        return 0
    for start in range(0, len(rows), 1000):
        chunk = [pk for pk, _dept in rows[start : start + 1000]]
        # a transfer is an edit: the version moves, so a form opened before it is stale
        Customer.objects.filter(pk__in=chunk).update(
            owner=to_user,
            department=department,
            updated_at=timezone.now(),
            version=models.F("version") + 1,
            # the pool's clocks start again for the new owner (guanxi.pool)
            previous_owner=from_user,
            owned_since=timezone.now(),
            locked=False,
        )
    audit.record_rows(
        actor,
        audit.AuditEntry.Action.ASSIGN,
        Customer._meta.model_name,
        (
            (
                pk,
                pk,
                {
                    "owner": [from_user.pk, to_user.pk],
                    **({"department": [dept, department_id]} if dept != department_id else {}),
                },
            )
            for pk, dept in rows
        ),
    )
    customers_transferred.send(
        sender=None,
        actor=actor,
        customer_ids=[pk for pk, _dept in rows],
        from_user=from_user,
        to_user=to_user,
        move=set(),
    )
    return len(rows)


# Many at once (imports) ----------------------------------------------------------------------


def new_customer(data: dict, *, owner, cleaned: bool = False) -> Customer:
    """An unsaved customer from `data`, checked exactly as create_customer checks it (`cleaned`:
    data already came through clean_customer_data, as an import's rows do).

    Imports check a whole file with this before writing anything, then save the lot with
    NewCustomers; ValidationError names every failing field.
    """
    data = data if cleaned else clean_customer_data(data)
    customer = Customer()
    _apply(customer, data)
    customer.owner = owner
    return customer


class NewCustomers:
    """Customers made by new_customer with their tags (tags[i] for customers[i]), made ready to
    save when created (teams, audit entries, database values), saved by save() in a few
    statements inside a short transaction, each audited as create_customer audits one."""

    def __init__(self, actor, customers: list[Customer], tags: list[list[str] | None]):
        self.actor, self.customers = actor, customers
        departments: dict = {}
        for customer in customers:
            if customer.owner_id not in departments:
                departments[customer.owner_id] = _owner_department(customer.owner)
            customer.department = departments[customer.owner_id]
        self.audit = audit.ManyRecords(
            actor,
            audit.AuditEntry.Action.CREATE,
            Customer,
            (audit.diff({}, audit.snapshot(c, AUDITED_FIELDS), _SENSITIVE) for c in customers),
        )
        self.tags = [
            sorted({n.strip()[:50] for n in names or [] if n and n.strip()}) for names in tags
        ]
        self.insert = BulkInsert(Customer, customers)
        link = Customer.tags.through
        self.links = BulkInsert(link, [link() for names in self.tags for _name in names])

    @transaction.atomic
    def save(self) -> None:
        refuse_blocked_values(self.customers)  # the file was checked before; others wrote since
        self.insert.execute()
        if self.links.objects:
            wanted = {name for names in self.tags for name in names}
            Tag.objects.bulk_create(
                [Tag(name=n) for n in sorted(wanted)], batch_size=500, ignore_conflicts=True
            )
            known = dict(Tag.objects.filter(name__in=wanted).values_list("name", "pk"))
            pairs = [
                (customer.pk, known[name])
                for customer, names in zip(self.customers, self.tags, strict=True)
                for name in names
            ]
            self.links.set_column("customer", [c for c, _t in pairs])
            self.links.set_column("tag", [t for _c, t in pairs])
            self.links.execute()
        self.audit.save(self.customers, [c.pk for c in self.customers])


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
    try:  # as every other path that names a tag (a hostile review found the bulk one open)
        return check_text(name, max_length=50, multiline=False)
    except ValueError as exc:
        raise ValidationError({"tag": [str(exc)]}) from exc
