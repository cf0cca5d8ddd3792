"""Writes on users and teams: one function per write, atomic; team administration is audited.

`create_user` and `create_department` build accounts for the demo, the CLI and the tests;
the team pages and the API call the checked, audited functions below them (`add_user`,
`update_user`, `deactivate_user`, `reactivate_user`, `reset_password`, `add_department`,
`update_department`).
"""

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.utils import timezone

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


def issue_api_token(username: str, password: str) -> str | None:
    """Return a new bearer token for valid credentials, or None."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        return None
    return ApiToken.issue(user, settings.API_TOKEN_TTL_DAYS)


def user_for_token(key: str):
    token = (
        ApiToken.objects.select_related("user", "user__profile")
        .filter(key_hash=ApiToken.hash_key(key), expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


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
