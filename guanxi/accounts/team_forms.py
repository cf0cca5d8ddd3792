"""Page forms for team administration; the checks and the writes are in team_services."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.validation import add_service_errors

from . import team_services
from .models import DataScope, Department, Profile, Role
from .services import profile_of


def department_paths() -> list[tuple[int, str]]:
    """(id, "总部 / 销售部 / 华东销售组") for every department, ordered by that path."""
    rows = {
        pk: (name, parent)
        for pk, name, parent in Department.objects.values_list("pk", "name", "parent")
    }

    def path(pk, seen=()):
        name, parent = rows[pk]
        if parent is None or parent in seen or parent not in rows:
            return name
        return f"{path(parent, (*seen, pk))} / {name}"

    return sorted(((pk, path(pk)) for pk in rows), key=lambda row: row[1])


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{profile_of(obj)} ({obj.get_username()})"


def _colleagues(exclude=None, keep=None, *, writers=False):
    """Active users to choose from, and `keep` (a current choice, even if deactivated since);
    with `writers`, only those who may change records (no read-only users: see scope.can_write)."""
    active = Q(is_active=True) | Q(pk=keep) if keep else Q(is_active=True)
    qs = get_user_model().objects.filter(active).select_related("profile")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    if writers:
        qs = qs.filter(Q(profile__role__in=[Role.MANAGER, Role.REP]) | Q(is_superuser=True))
    return qs.order_by("username")


class UserForm(forms.Form):
    username = forms.CharField(label=_("username"), max_length=150)
    display_name = forms.CharField(
        label=Profile._meta.get_field("display_name").verbose_name, max_length=100, required=False
    )
    email = forms.EmailField(label=_("e-mail"), required=False)
    role = forms.ChoiceField(
        label=Profile._meta.get_field("role").verbose_name, choices=Role.choices
    )
    data_scope = forms.ChoiceField(
        label=Profile._meta.get_field("data_scope").verbose_name,
        choices=DataScope.choices,
        help_text=_("Which customers this person sees and changes."),
    )
    department = forms.TypedChoiceField(
        label=Profile._meta.get_field("department").verbose_name,
        required=False,
        coerce=int,
        empty_value=None,
    )
    manager = _UserChoice(
        label=_("reports to (上级)"), queryset=get_user_model().objects.none(), required=False
    )
    can_view_sensitive = forms.BooleanField(
        label=Profile._meta.get_field("can_view_sensitive").verbose_name, required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["department"].choices = [("", "—"), *department_paths()]
        current = profile_of(user).manager_id if user is not None else None
        self.fields["manager"].queryset = _colleagues(exclude=user, keep=current)
        if user is not None:
            del self.fields["username"]
            if not self.is_bound:
                profile = profile_of(user)
                self.initial = {
                    "email": user.email,
                    "display_name": profile.display_name,
                    "role": profile.role,
                    "data_scope": profile.data_scope,
                    "department": profile.department_id,
                    "manager": profile.manager_id,
                    "can_view_sensitive": profile.can_view_sensitive,
                }

    def save(self, actor):
        """The created or changed user (and, for a new one, its one-time password); None
        when the service refused, with its messages on the form."""
        data = dict(self.cleaned_data)
        try:
            if self.user is None:
                return team_services.add_user(actor, data)
            return team_services.update_user(actor, self.user, data), None
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class DeactivateForm(forms.Form):
    transfer_to = _UserChoice(
        label=_("Transfer customers and open tasks to"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody: they stay with the deactivated account"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["transfer_to"].queryset = _colleagues(exclude=user, writers=True)

    def save(self, actor) -> dict | None:
        try:
            return team_services.deactivate_user(
                actor, self.user, transfer_to=self.cleaned_data["transfer_to"]
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class DepartmentForm(forms.Form):
    name = forms.CharField(label=Department._meta.get_field("name").verbose_name, max_length=100)
    parent = forms.TypedChoiceField(
        label=Department._meta.get_field("parent").verbose_name,
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args, department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.department = department
        paths = department_paths()
        if department is not None:
            below = set(department.descendant_ids())
            paths = [(pk, label) for pk, label in paths if pk not in below]
            if not self.is_bound:
                self.initial = {"name": department.name, "parent": department.parent_id}
        self.fields["parent"].choices = [("", "—"), *paths]

    def save(self, actor) -> Department | None:
        try:
            if self.department is None:
                return team_services.add_department(actor, dict(self.cleaned_data))
            return team_services.update_department(actor, self.department, dict(self.cleaned_data))
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None
