"""Token auth and who am I."""

from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from guanxi.accounts.scope import can_view_sensitive, can_write, is_manager
from guanxi.accounts.services import issue_api_token, profile_of
from guanxi.api_common import errors

from .schemas import MeOut, TokenIn, TokenOut

router = Router(tags=["auth"])


@router.post("/auth/token", auth=None, response={200: TokenOut, **errors(400, 401, 422)})
def obtain_token(request, payload: TokenIn):
    """Exchange a username and password for a bearer token."""
    token = issue_api_token(payload.username, payload.password)
    if token is None:
        raise HttpError(401, _("Wrong username or password, or the account is disabled."))
    return {"token": token}


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
