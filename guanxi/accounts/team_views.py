"""Team pages (/team/): accounts, roles, data scopes, departments; managers and superusers.

Everyone else gets 403 (scope.require_team_admin). Pages that show a one-time password are
never cached.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import team_services
from .scope import (
    administered_users,
    get_administered_user_or_404,
    get_department_or_404,
    require_team_admin,
)
from .team_forms import DeactivateForm, DepartmentForm, UserForm, department_paths


@login_required
def team_home(request):
    status = request.GET.get("status", "active")
    users = administered_users(request.user).select_related(
        "profile__department", "profile__manager__profile"
    )
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    return render(
        request,
        "accounts/team/home.html",
        {
            "users": users.order_by("username"),
            "status": status,
            "departments": department_paths(),
        },
    )


def _show_password(request, user, password):
    return render(request, "accounts/team/password.html", {"member": user, "password": password})


@never_cache
@login_required
def user_create(request):
    require_team_admin(request.user)
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = form.save(request.user)
        if saved is not None:
            user, password = saved
            return _show_password(request, user, password)
    return render(request, "accounts/team/user_form.html", {"form": form, "member": None})


@login_required
def user_edit(request, pk):
    member = get_administered_user_or_404(request.user, pk)
    form = UserForm(request.POST or None, user=member)
    if request.method == "POST" and form.is_valid() and form.save(request.user):
        messages.success(request, _("Changes to %(name)s saved.") % {"name": member.username})
        return redirect("team:home")
    return render(
        request,
        "accounts/team/user_form.html",
        {
            "form": form,
            "member": member,
            "is_self": member.pk == request.user.pk,
            "history": team_services.history(member),
        },
    )


@login_required
def user_deactivate(request, pk):
    member = get_administered_user_or_404(request.user, pk)
    form = DeactivateForm(request.POST or None, user=member)
    if request.method == "POST" and form.is_valid():
        moved = form.save(request.user)
        if moved is not None:
            messages.success(
                request,
                _(
                    "%(name)s is deactivated; %(customers)d customers and %(tasks)d open tasks "
                    "were transferred."
                )
                % {"name": member.username, **moved},
            )
            return redirect("team:home")
    return render(
        request,
        "accounts/team/deactivate.html",
        {"form": form, "member": member, "counts": team_services.handover_counts(member)},
    )


@require_POST
@login_required
def user_reactivate(request, pk):
    member = get_administered_user_or_404(request.user, pk)
    team_services.reactivate_user(request.user, member)
    messages.success(request, _("%(name)s can log in again.") % {"name": member.username})
    return redirect("team:user_edit", pk=member.pk)


@never_cache
@require_POST
@login_required
def user_password(request, pk):
    member = get_administered_user_or_404(request.user, pk)
    return _show_password(request, member, team_services.reset_password(request.user, member))


@login_required
def department_form(request, pk=None):
    department = get_department_or_404(request.user, pk) if pk is not None else None
    require_team_admin(request.user)
    form = DepartmentForm(request.POST or None, department=department)
    if request.method == "POST" and form.is_valid() and form.save(request.user):
        messages.success(request, _("Department saved."))
        return redirect("team:home")
    return render(
        request, "accounts/team/department_form.html", {"form": form, "department": department}
    )
