"""Accounts, API tokens and the own password; the building blocks of team administration.

`create_user` and `create_department` neither check who asks nor audit: the demo loader and
the tests call them directly, and team administration (guanxi.accounts.team_services:
`add_user`, `add_department`, ...) calls them after its checks and records the audit entry.
Creating a token (on the account page, at the API's auth/token or with a password change
through the API: create_own_token), revoking one and changing the own password are audited
here; an audit entry names a token by its first characters, never by its key.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import OperationalError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit.models import AuditEntry
from guanxi.audit.services import SENSITIVE_PLACEHOLDER, record, snapshot

from .models import ApiToken, DataScope, Department, Profile, Role


@transaction.atomic
def create_department(name: str, parent: Department | None = None) -> Department:
    return Department.objects.create(name=name, parent=parent)


@transaction.atomic
def create_user(
    username: str,
    password: str,
    *,
    display_name: str = "",
    department: Department | None = None,
    manager=None,
    role: str = Role.REP,
    data_scope: str = DataScope.SELF,
    can_view_sensitive: bool = False,
    email: str = "",
):
    user = get_user_model().objects.create_user(username=username, password=password, email=email)
    Profile.objects.create(
        user=user,
        display_name=display_name or username,
        department=department,
        manager=manager,
        role=role,
        data_scope=data_scope,
        can_view_sensitive=can_view_sensitive,
    )
    return user


def issue_api_token(request, username: str, password: str) -> str | None:
    """Return a new bearer token for valid credentials, or None.

    The request goes to authenticate() so that django-axes counts wrong passwords per username
    and address and refuses a locked-out pair (the caller's response then becomes a 429).
    """
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        return None
    # A token is a log-in: the signal resets the failure count (axes) and records last_login.
    # Without the session: axes would create one to hash its key into its access log, and
    # every token call would set an anonymous sessionid cookie (and store a session).
    session = request.__dict__.pop("session", None) if request is not None else None
    try:
        user_logged_in.send(sender=user.__class__, request=request, user=user)
    finally:
        if session is not None:
            request.session = session
    return create_own_token(user)


@transaction.atomic
def new_token_for(user, *, actor=None) -> str:
    """A fresh token; expired ones are dropped and, past the per-user limit, the oldest go.
    With `actor` (create_own_token) the new token and each live one it replaces are audited.
    Without, nothing is audited: for tests and scripts that need a token, never for a user."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # one at a time
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    keep = max(settings.API_TOKEN_MAX_PER_USER - 1, 0)
    surplus = list(
        ApiToken.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )[keep:]
    if surplus:
        if actor is not None:
            for old in ApiToken.objects.filter(pk__in=surplus):
                record(
                    actor, AuditEntry.Action.DELETE, old, changes={"token": [old.key_prefix, None]}
                )
        ApiToken.objects.filter(pk__in=surplus).delete()
    key = ApiToken.issue(user, settings.API_TOKEN_TTL_DAYS)
    if actor is not None:
        token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
        expires = snapshot(token, ["expires_at"])["expires_at"]
        changes = {"token": [None, token.key_prefix], "expires_at": [None, expires]}
        record(actor, AuditEntry.Action.CREATE, token, changes=changes)
    return key


def create_own_token(user) -> str:
    """A token the user makes for themselves, wherever they ask: the account page's "Create a
    token", the API's auth/token (issue_api_token) and its password change. new_token_for's
    expiry and per-user limit, audited (the entry keeps the key's first characters, as the
    token list shows them). The key is returned once; only its hash is kept."""
    return new_token_for(user, actor=user)


def token_for_key(key: str) -> ApiToken | None:
    """The live token with this key and an active owner, or None.

    Its last use is written at most once a minute: a read must not write (on SQLite a write
    waits for any long import to finish).
    """
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__profile")
        .filter(key_hash=ApiToken.hash_key(key), expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    precision = timedelta(seconds=settings.API_TOKEN_LAST_USED_PRECISION_SECONDS)
    due = token.last_used_at is None or now - token.last_used_at >= precision
    if due and _record_use(token.pk, now):
        token.last_used_at = now
    return token


def _record_use(token_pk: int, now) -> bool:
    """Write a token's last use, unless on SQLite another process (a long import) holds the
    write lock: then skip it after 100 ms rather than keep the request waiting up to the busy
    timeout; a later request records it. (PostgreSQL locks rows, so only a concurrent write to
    this very token could make it wait.)
    """
    connection = connections[ApiToken.objects.db]
    if connection.vendor != "sqlite":
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=now)
        return True
    connection.ensure_connection()
    raw = connection.connection  # the DB-API connection: a setting, not a query
    timeout_ms = int(connection.settings_dict["OPTIONS"].get("timeout", 5) * 1000)
    raw.execute("PRAGMA busy_timeout = 100")
    try:
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=now)
        return True
    except OperationalError:
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout = {timeout_ms}")


@transaction.atomic
def revoke_token(actor, token: ApiToken) -> None:
    """Delete one token (the caller found it through scope.own_tokens)."""

    record(actor, AuditEntry.Action.DELETE, token, changes={"token": [token.key_prefix, None]})
    token.delete()


def revoke_all_tokens(user) -> int:
    """Every token of this user; called whenever their password changes."""
    deleted, _detail = ApiToken.objects.filter(user=user).delete()
    return deleted


def change_own_password(
    user,
    old_password: str,
    new_password: str,
    *,
    again: str | None = None,
    request=None,
    keep_session: bool = True,
) -> None:
    """Change a user's own password under AUTH_PASSWORD_VALIDATORS.

    Every problem is reported at once, in one ValidationError: a wrong current password
    ("old_password"), the rules the new one breaks ("new_password") and, with `again` (the
    form's repeated new password), a mismatch ("new_password_again"); one at a time, a user
    needed three submits to learn them.

    With `request`, the current password is checked through authenticate(), so django-axes
    counts wrong guesses like wrong log-ins and locks the pair out (a stolen session or token
    cannot be used to guess the password). Their API tokens are revoked (by the signal on every
    password change); with `keep_session`, the session that made the change stays logged in.
    """
    if request is not None:
        right = authenticate(request, username=user.username, password=old_password or "")
        right = right is not None and right.pk == user.pk
    else:
        right = user.check_password(old_password or "")
    problems: dict[str, list[str]] = {}
    if not right:
        # outside any transaction of ours: django-axes' count of the failure must stay
        problems["old_password"] = [_("Your current password was entered incorrectly.")]
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        problems["new_password"] = exc.messages
    if again is not None and again != new_password:
        problems["new_password_again"] = [_("The two new passwords differ.")]
    if problems:
        raise ValidationError(problems)
    _set_own_password(user, new_password, request=request, keep_session=keep_session)


@transaction.atomic
def _set_own_password(user, new_password: str, *, request, keep_session: bool) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record(
        user,
        AuditEntry.Action.UPDATE,
        user,
        changes={"password": [SENSITIVE_PLACEHOLDER, SENSITIVE_PLACEHOLDER]},
    )
    if keep_session and request is not None and getattr(request, "session", None) is not None:
        update_session_auth_hash(request, user)


def profile_of(user) -> Profile:
    """The user's profile; superusers without one act as managers who see all."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        if user.is_superuser:
            return Profile(
                user=user, role=Role.MANAGER, data_scope=DataScope.ALL, can_view_sensitive=True
            )
        return Profile(user=user, role=Role.READ_ONLY, data_scope=DataScope.SELF)
