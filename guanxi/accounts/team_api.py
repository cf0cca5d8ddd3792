"""Team administration over the API: accounts and departments; managers and superusers only.

Anyone else gets 403 on every operation here (the data scope does not apply: these are not
customer records). An account the caller may not administer (a superuser, for a manager)
answers 404, like one that does not exist.
"""

from datetime import datetime

from django.http import HttpResponse
from ninja import Router, Schema, Status

from guanxi.accounts import team_services
from guanxi.accounts.scope import (
    administered_users,
    get_administered_user_or_404,
    get_department_or_404,
    require_team_admin,
)
from guanxi.accounts.services import profile_of
from guanxi.api_common import Id, InSchema, Limit, Offset, active_user, errors, paginate, text

from .models import DataScope, Department, Role

router = Router(tags=["team"])
ERRORS = errors(401, 403, 404, 422)
NO_STORE = "no-store"  # answers holding a one-time password


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    role: Role
    data_scope: DataScope
    department_id: int | None
    manager_id: int | None
    can_view_sensitive: bool
    is_active: bool
    is_superuser: bool
    last_login: datetime | None


class UserPage(Schema):
    count: int
    items: list[UserOut]


class UserPatch(InSchema):
    display_name: text(100) = ""
    email: text(254) = ""
    role: Role = Role.REP
    data_scope: DataScope = DataScope.SELF
    department_id: Id | None = None
    manager_id: Id | None = None
    can_view_sensitive: bool = False


class UserIn(UserPatch):
    username: text(150, min_length=1)


class NewUserOut(Schema):
    user: UserOut
    password: str


class DeactivateIn(InSchema):
    transfer_to: Id | None = None


class DeactivatedOut(Schema):
    user: UserOut
    customers_transferred: int
    tasks_transferred: int


class PasswordOut(Schema):
    password: str


class DepartmentIn(InSchema):
    name: text(100, min_length=1)
    parent_id: Id | None = None


class DepartmentPatch(InSchema):
    name: text(100, min_length=1) = ""
    parent_id: Id | None = None


class DepartmentOut(Schema):
    id: int
    name: str
    parent_id: int | None


def user_out(user) -> dict:
    profile = profile_of(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": str(profile),
        "email": user.email,
        "role": profile.role,
        "data_scope": profile.data_scope,
        "department_id": profile.department_id,
        "manager_id": profile.manager_id,
        "can_view_sensitive": profile.can_view_sensitive,
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
        "last_login": user.last_login,
    }


def _service_data(payload: Schema) -> dict:
    """The API's *_id names as the service's field names; only the fields that were sent."""
    data = payload.dict(exclude_unset=True)
    for name in ("department", "manager", "parent"):
        if f"{name}_id" in data:
            data[name] = data.pop(f"{name}_id")
    return data


@router.get("/users", response={200: UserPage, **ERRORS})
def list_users(request, active: bool | None = None, limit: Limit = 50, offset: Offset = 0):
    """Every account the caller administers, by username; `active` filters on enabled ones."""
    users = administered_users(request.user).select_related("profile").order_by("username")
    if active is not None:
        users = users.filter(is_active=active)
    return paginate(users, limit, offset, user_out)


@router.post("/users", response={201: NewUserOut, **ERRORS})
def create_user(request, payload: UserIn, response: HttpResponse):
    """Create an account; the answer holds its one-time password, shown only this once."""
    require_team_admin(request.user)
    response["Cache-Control"] = NO_STORE
    user, password = team_services.add_user(request.user, _service_data(payload))
    return Status(201, {"user": user_out(user), "password": password})


@router.get("/users/{user_id}", response={200: UserOut, **ERRORS})
def get_user(request, user_id: Id):
    """One account: role, department, manager (上级), data scope, whether it is enabled."""
    return user_out(get_administered_user_or_404(request.user, user_id))


@router.patch("/users/{user_id}", response={200: UserOut, **ERRORS})
def update_user(request, user_id: Id, payload: UserPatch):
    """Change an account's role, department, manager, data scope, name or e-mail."""
    user = get_administered_user_or_404(request.user, user_id)
    team_services.update_user(request.user, user, _service_data(payload))
    return user_out(user)


@router.post("/users/{user_id}/deactivate", response={200: DeactivatedOut, **ERRORS})
def deactivate_user(request, user_id: Id, payload: DeactivateIn):
    """Disable an account (no login, tokens deleted); with `transfer_to`, hand its customers
    and open tasks to that colleague in the same step."""
    user = get_administered_user_or_404(request.user, user_id)
    transfer_to = None
    if payload.transfer_to is not None:
        transfer_to = active_user(payload.transfer_to, "transfer_to")
    moved = team_services.deactivate_user(request.user, user, transfer_to=transfer_to)
    return {
        "user": user_out(user),
        "customers_transferred": moved["customers"],
        "tasks_transferred": moved["tasks"],
    }


@router.post("/users/{user_id}/reactivate", response={200: UserOut, **ERRORS})
def reactivate_user(request, user_id: Id):
    """Enable a disabled account again (its old API tokens stay deleted)."""
    user = get_administered_user_or_404(request.user, user_id)
    team_services.reactivate_user(request.user, user)
    return user_out(user)


@router.post("/users/{user_id}/password", response={200: PasswordOut, **ERRORS})
def reset_password(request, user_id: Id, response: HttpResponse):
    """Give the account a new one-time password, returned only in this answer."""
    user = get_administered_user_or_404(request.user, user_id)
    response["Cache-Control"] = NO_STORE
    return {"password": team_services.reset_password(request.user, user)}


@router.get("/departments", response={200: list[DepartmentOut], **ERRORS})
def list_departments(request):
    """Every department with its parent; departments nest (销售部 → 华东销售组)."""
    require_team_admin(request.user)
    return list(Department.objects.order_by("name").values("id", "name", "parent_id"))


@router.post("/departments", response={201: DepartmentOut, **ERRORS})
def create_department(request, payload: DepartmentIn):
    """Create a department, under `parent_id` if given."""
    require_team_admin(request.user)
    department = team_services.add_department(request.user, _service_data(payload))
    return Status(201, department)


@router.patch("/departments/{department_id}", response={200: DepartmentOut, **ERRORS})
def update_department(request, department_id: Id, payload: DepartmentPatch):
    """Rename a department or move it under another one."""
    department = get_department_or_404(request.user, department_id)
    return team_services.update_department(request.user, department, _service_data(payload))
