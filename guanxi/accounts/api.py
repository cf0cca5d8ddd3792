"""Token auth, the caller's own tokens and password, and who am I."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError

from guanxi.accounts.scope import can_view_sensitive, can_write, is_manager, own_tokens
from guanxi.accounts.services import (
    change_own_password,
    create_own_token,
    issue_api_token,
    profile_of,
    revoke_token,
)
from guanxi.api_common import Id, errors

from .schemas import MeOut, PasswordChangeIn, TokenIn, TokenInfoOut, TokenOut

router = Router(tags=["auth"])


@router.post("/auth/token", auth=None, response={200: TokenOut, **errors(400, 401, 422, 429)})
def obtain_token(request, response: HttpResponse, payload: TokenIn):
    """Exchange a username and password for a bearer token (never cached: `no-store`).

    Each user keeps at most GUANXI_API_TOKEN_MAX_PER_USER live tokens (a new one evicts the
    oldest); a token expires after GUANXI_API_TOKEN_TTL_DAYS. Repeated wrong passwords for one
    username from one address lock that pair out for a while (429). The new token is audited
    as one made on the account page is (by its first characters, never its key).
    """
    add_never_cache_headers(response)  # the body is a bearer token: no cache may keep it
    token = issue_api_token(request, payload.username, payload.password)
    if token is None:
        raise HttpError(401, _("Wrong username or password, or the account is disabled."))
    return {"token": token}


@router.get("/auth/tokens", response={200: list[TokenInfoOut], **errors(401)})
def list_tokens(request):
    """The caller's live tokens, newest first; `current` marks the one this request used."""
    current = getattr(request, "api_token_id", None)
    return [
        {
            "id": token.pk,
            "starts_with": token.key_prefix,
            "created_at": token.created_at,
            "expires_at": token.expires_at,
            "last_used_at": token.last_used_at,
            "current": token.pk == current,
        }
        for token in own_tokens(request.user)
    ]


@router.delete("/auth/tokens/{token_id}", response={204: None, **errors(401, 404, 422)})
def delete_token(request, token_id: Id):
    """Revoke one of the caller's tokens (another user's token is a 404)."""
    revoke_token(request.user, get_object_or_404(own_tokens(request.user), pk=token_id))
    return Status(204, None)


@router.post("/auth/password", response={200: TokenOut, **errors(401, 422)})
def change_password(request, payload: PasswordChangeIn):
    """Change the caller's own password (Django's password rules apply).

    Every token of the caller is revoked, this one included; the answer carries a new token
    so the client that made the change stays signed in.
    """
    change_own_password(
        request.user,
        payload.old_password,
        payload.new_password,
        request=request,
        keep_session=False,  # a bearer-token client has no session to keep
    )
    return {"token": create_own_token(request.user)}


@router.get("/me", response={200: MeOut, **errors(401)})
def me(request):
    """The caller, their role and data scope."""
    user = request.user
    profile = profile_of(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": str(profile),
        "role": profile.role,
        "data_scope": profile.data_scope,
        "department": profile.department.name if profile.department_id else None,
        "can_write": can_write(user),
        "can_view_sensitive": can_view_sensitive(user),
        "is_manager": is_manager(user),
    }
