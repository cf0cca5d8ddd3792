"""Team administration: accounts, roles, data scopes, departments; one audited function a write.

Called by the team pages and the API alike, after `scope.administered_users` (or
`scope.get_administered_user_or_404`) has checked that the actor is a team admin. Each write
leaves an audit entry (model "user" or "department", no customer) with what changed; a password
is never written to the trail.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guanxi.activities.models import Task
from guanxi.activities.services import reassign_open_tasks
from guanxi.audit import services as audit
from guanxi.customers.models import Customer
from guanxi.customers.services import transfer_customers
from guanxi.services_common import reject_unknown_fields
from guanxi.validation import clean_text, is_blank

from . import scope
from .models import ApiToken, DataScope, Department, Profile, Role
from .services import create_user, profile_of

PROFILE_FIELDS = [
    "display_name",
    "department",
    "manager",
    "role",
    "data_scope",
    "can_view_sensitive",
]
USER_FIELDS = ["username", "email", *PROFILE_FIELDS]
DEPARTMENT_FIELDS = ["name", "parent"]
# No 0/O, 1/l/I: the one-time password is read off a screen and typed in once.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105
_SCOPES_NEEDING_DEPARTMENT = {DataScope.DEPARTMENT, DataScope.DEPARTMENT_TREE}


def _text(errors: dict, cleaned: dict, field: str, max_length: int, *, required: bool) -> None:
    if field not in cleaned:
        return
    value = cleaned[field]
    value = "" if value is None else str(value).strip()
    try:
        clean_text(value, multiline=False)
    except ValueError as exc:
        errors[field] = [str(exc)]
        return
    if required and is_blank(value):
        errors[field] = [_("This field is required.")]
    elif len(value) > max_length:
        errors[field] = [
            _("Use at most %(count)d characters (this has %(length)d).")
            % {"count": max_length, "length": len(value)}
        ]
    cleaned[field] = value


def _resolve(errors: dict, cleaned: dict, field: str, queryset, message: str) -> None:
    """Turn an id (API) or an instance (form) into a row of `queryset`, or a field error."""
    value = cleaned.get(field)
    if value in (None, ""):
        cleaned[field] = None
        return
    pk = getattr(value, "pk", value)
    found = queryset.filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        errors[field] = [message]
    cleaned[field] = found


def clean_user_data(data: dict, *, user=None) -> dict:
    """Validate an account's fields for creation (`user` None) or a change; ValidationError
    names every field in trouble."""
    allowed = USER_FIELDS if user is None else PROFILE_FIELDS + ["email"]
    reject_unknown_fields(data, allowed)
    cleaned, errors = dict(data), {}
    if user is None:
        cleaned.setdefault("username", "")
        _text(errors, cleaned, "username", 150, required=True)
        if "username" not in errors:
            try:
                UnicodeUsernameValidator()(cleaned["username"])
            except ValidationError:
                errors["username"] = [
                    _("Use only letters, digits and the characters @ . + - _ in a username.")
                ]
            else:
                if get_user_model().objects.filter(username__iexact=cleaned["username"]).exists():
                    errors["username"] = [_("This username is taken.")]
    _text(errors, cleaned, "display_name", 100, required=False)
    _text(errors, cleaned, "email", 254, required=False)
    if cleaned.get("email") and "email" not in errors:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if "role" in cleaned and cleaned["role"] not in Role.values:
        errors["role"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(map(str, Role.labels))}
        ]
    if "data_scope" in cleaned and cleaned["data_scope"] not in DataScope.values:
        errors["data_scope"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(map(str, DataScope.labels))}
        ]
    if "department" in cleaned:
        _resolve(
            errors,
            cleaned,
            "department",
            Department.objects.all(),
            _("There is no department with this id."),
        )
    if "manager" in cleaned:
        # Keeping a manager who has left since is not a new choice: it stays allowed.
        current = profile_of(user).manager_id if user is not None else None
        _resolve(
            errors,
            cleaned,
            "manager",
            get_user_model().objects.filter(Q(is_active=True) | Q(pk=current or 0)),
            _("There is no active user with this id."),
        )
        new_manager = cleaned["manager"]
        if new_manager is not None and user is not None and _reports_to(new_manager, user):
            errors["manager"] = [
                _("A person cannot report to themselves or to someone who reports to them.")
            ]
    if "can_view_sensitive" in cleaned:
        cleaned["can_view_sensitive"] = bool(cleaned["can_view_sensitive"])
    scope = cleaned.get("data_scope", user and profile_of(user).data_scope)
    department = cleaned["department"] if "department" in cleaned else user and _department(user)
    if scope in _SCOPES_NEEDING_DEPARTMENT and department is None and "department" not in errors:
        errors.setdefault("department", []).append(
            _("A department data scope needs a department: choose one, or another scope.")
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _department(user):
    profile = profile_of(user)
    return profile.department if profile.department_id else None


def _reports_to(manager, user) -> bool:
    """True when `manager` is `user` or reports to `user`, at any depth."""
    seen, current_id = set(), manager.pk
    while current_id is not None and current_id not in seen:
        if current_id == user.pk:
            return True
        seen.add(current_id)
        current_id = (
            Profile.objects.filter(user_id=current_id).values_list("manager_id", flat=True).first()
        )
    return False


def _profile_snapshot(user) -> dict:
    profile = profile_of(user)
    return {
        "email": user.email,
        **audit.snapshot(profile, PROFILE_FIELDS),
    }


def one_time_password(user=None) -> str:
    """A random password that passes the site's password validators, shown once to an admin."""
    while True:
        password = "-".join(
            "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4)
        )
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password


@transaction.atomic
def add_user(actor, data: dict):
    """Create an account with a one-time password; returns (user, password).

    The password is not stored in clear anywhere: the admin hands it over once.
    """
    cleaned = clean_user_data(data)
    password = one_time_password()
    user = create_user(
        cleaned.pop("username"),
        password,
        email=cleaned.pop("email", ""),
        **cleaned,
    )
    audit.record(
        actor,
        audit.AuditEntry.Action.CREATE,
        user,
        changes=audit.diff({}, {"username": user.username, **_profile_snapshot(user)}),
    )
    return user, password


@transaction.atomic
def update_user(actor, user, data: dict):
    """Change an account's role, department, manager (上级), data scope, name or e-mail."""
    cleaned = clean_user_data(data, user=user)
    if user.pk == actor.pk and cleaned.get("role", profile_of(user).role) != profile_of(user).role:
        raise ValidationError({"role": [_("You cannot change your own role.")]})
    before = _profile_snapshot(user)
    profile, _created = Profile.objects.get_or_create(
        user=user,
        defaults={"display_name": user.username, **_defaults_for(user)},
    )
    user.profile = profile
    for field, value in cleaned.items():
        if field == "email":
            user.email = value
        else:
            setattr(profile, field, value)
    if not profile.display_name:
        profile.display_name = user.username
    user.save(update_fields=["email"])
    profile.save()
    changes = audit.diff(before, _profile_snapshot(user))
    if changes:
        audit.record(actor, audit.AuditEntry.Action.UPDATE, user, changes=changes)
    return user


def _defaults_for(user) -> dict:
    stand_in = profile_of(user)  # a superuser without a profile acts as a manager seeing all
    return {
        "role": stand_in.role,
        "data_scope": stand_in.data_scope,
        "can_view_sensitive": stand_in.can_view_sensitive,
    }


def history(instance, limit: int = 20) -> list[dict]:
    """An account's or department's audit trail, newest first, readable: field labels and
    values in the user's language, people and departments by name.
    [{"at", "actor", "action", "changes": [(label, old, new)]}]."""
    labels = {
        "username": _("username"),
        "email": _("e-mail"),
        "is_active": pgettext("account", "Active"),
        "password": _("Password"),
        "transfer_to": _("Transfer customers and open tasks to"),
        **{name: Profile._meta.get_field(name).verbose_name for name in PROFILE_FIELDS},
        **{name: Department._meta.get_field(name).verbose_name for name in DEPARTMENT_FIELDS},
    }
    # The user's own 中文 / English choice is in the trail but not in this list: switching
    # back and forth would push everything else out of it (a hostile review did, 22 times).
    entries = list(audit.trail_for(instance).exclude(changes__has_key="language")[:limit])
    ids = {"user": set(), "department": set()}
    for entry in entries:
        for name, pair in entry.changes.items():
            kind = _REFERENCES.get(name)
            if kind and isinstance(pair, list):
                ids[kind].update(v for v in pair if isinstance(v, int))
    names = {
        "user": {
            u.pk: str(profile_of(u))
            for u in get_user_model().objects.filter(pk__in=ids["user"]).select_related("profile")
        },
        "department": dict(
            Department.objects.filter(pk__in=ids["department"]).values_list("pk", "name")
        ),
    }

    def readable(name, value):
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if name in _REFERENCES:
            return names[_REFERENCES[name]].get(value, value)
        choices = {"role": Role, "data_scope": DataScope}.get(name)
        if choices is not None and value in choices.values:
            return choices(value).label
        return value

    return [
        {
            "at": entry.at,
            "actor": str(profile_of(entry.actor)) if entry.actor else "",
            "action": entry.get_action_display(),
            "changes": [
                (labels.get(name, name), readable(name, old), readable(name, new))
                for name, (old, new) in (
                    (name, _old_new(pair)) for name, pair in entry.changes.items()
                )
            ],
        }
        for entry in entries
    ]


def _old_new(pair) -> tuple:
    """An audit change as (old, new): [old, new] as written by audit.diff, else (None, it)."""
    if isinstance(pair, list):
        return tuple((pair + [None, None])[:2])
    return None, pair


_REFERENCES = {
    "manager": "user",
    "transfer_to": "user",
    "department": "department",
    "parent": "department",
}


def handover_counts(user) -> dict:
    """What a deactivation would hand over: customers owned and open tasks; and the people
    who report to the user (their 上级 is changed on their own page)."""

    return {
        "customers": Customer.objects.filter(owner=user).count(),
        "tasks": Task.objects.filter(assignee=user, done_at__isnull=True).count(),
        "reports": Profile.objects.filter(manager=user, user__is_active=True).count(),
    }


@transaction.atomic
def deactivate_user(actor, user, *, transfer_to=None) -> dict:
    """Disable an account (离职): no login, no API token; optionally hand over its work.

    With `transfer_to`, every customer of the user and every open task move to that colleague
    in the same transaction (one audit entry per customer and per task). The user's API tokens
    and open sessions are deleted, so a later reactivation does not revive a browser left
    signed in.
    Returns {"customers": n, "tasks": m} moved.
    """

    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if transfer_to is not None:
        if transfer_to.pk == user.pk:
            raise ValidationError(
                {"transfer_to": [_("Choose a colleague other than the person leaving.")]}
            )
        if not transfer_to.is_active:
            raise ValidationError({"transfer_to": [_("There is no active user with this id.")]})
        if not scope.can_write(transfer_to):
            raise ValidationError(
                {
                    "transfer_to": [
                        _(
                            "A read-only user cannot take over customers and tasks: "
                            "choose a colleague who can edit them."
                        )
                    ]
                }
            )
    moved = {"customers": 0, "tasks": 0}
    if transfer_to is not None:
        moved["customers"] = transfer_customers(actor, user, transfer_to)
        moved["tasks"] = reassign_open_tasks(actor, user, transfer_to)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=user).delete()
        end_sessions(user)
        audit.record(
            actor,
            audit.AuditEntry.Action.UPDATE,
            user,
            changes={
                "is_active": [True, False],
                **({"transfer_to": [None, transfer_to.pk]} if transfer_to else {}),
            },
        )
    return moved


def end_sessions(user) -> int:
    """Delete the user's stored sessions; returns how many. Django's session store is not
    indexed by user, so each live session is decoded (signed JSON, ~20 µs apiece): fine for
    an account's deactivation, a rare step of a manager."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@transaction.atomic
def reactivate_user(actor, user):
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit.record(
            actor, audit.AuditEntry.Action.UPDATE, user, changes={"is_active": [False, True]}
        )
    return user


@transaction.atomic
def reset_password(actor, user) -> str:
    """Give the account a new one-time password and return it; its sessions end."""
    password = one_time_password(user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        actor,
        audit.AuditEntry.Action.UPDATE,
        user,
        changes={"password": [audit.SENSITIVE_PLACEHOLDER, audit.SENSITIVE_PLACEHOLDER]},
    )
    return password


def clean_department_data(data: dict, *, department: Department | None = None) -> dict:
    reject_unknown_fields(data, DEPARTMENT_FIELDS)
    cleaned, errors = dict(data), {}
    if department is None:
        cleaned.setdefault("name", "")
    _text(errors, cleaned, "name", 100, required=True)
    if "parent" in cleaned:
        _resolve(
            errors,
            cleaned,
            "parent",
            Department.objects.all(),
            _("There is no department with this id."),
        )
        parent = cleaned["parent"]
        if parent is not None and department and parent.pk in department.descendant_ids():
            errors["parent"] = [
                _("A department cannot sit inside itself or one of its sub-departments.")
            ]
    if "name" in cleaned and "name" not in errors:
        parent = cleaned.get("parent", department and department.parent)
        siblings = Department.objects.filter(parent=parent, name=cleaned["name"])
        if department is not None:
            siblings = siblings.exclude(pk=department.pk)
        if siblings.exists():
            errors["name"] = [_("There is already a department of this name here.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def add_department(actor, data: dict) -> Department:
    cleaned = clean_department_data(data)
    department = Department.objects.create(name=cleaned["name"], parent=cleaned.get("parent"))
    audit.record(
        actor,
        audit.AuditEntry.Action.CREATE,
        department,
        changes=audit.diff({}, audit.snapshot(department, DEPARTMENT_FIELDS)),
    )
    return department


@transaction.atomic
def update_department(actor, department: Department, data: dict) -> Department:
    """Rename a department or move it under another one (not under itself)."""
    cleaned = clean_department_data(data, department=department)
    before = audit.snapshot(department, DEPARTMENT_FIELDS)
    for field, value in cleaned.items():
        setattr(department, field, value)
    department.save()
    audit.record_update(actor, department, before, DEPARTMENT_FIELDS, customer_id=None)
    return department
