"""Forms of the case pages; every rule is the service's (guanxi.service.services), shown here
next to the field it names."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.scope import covered_users, may_work_on
from guanxi.accounts.services import profile_of
from guanxi.validation import WholeNumberField

from .models import Case, CaseChannel, CaseStatus, Cause, Compensation


def _people(user, customer=None):
    """The colleagues a case may go to: the user's own people first (whom their scope
    covers), then every other active user; of them only those who may work on the customer
    (scope.may_work_on), when it is known. The service refuses anyone else, with a message
    saying so."""
    own = list(covered_users(user).select_related("profile").order_by("username")[:500])
    others = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(pk__in=[u.pk for u in own])
        .select_related("profile")
        .order_by("username")[:500]
    )
    people = [*own, *others]
    if customer is not None:
        people = may_work_on(customer, people)
    return [("", "—")] + [(str(u.pk), str(profile_of(u))) for u in people]


class CaseForm(forms.ModelForm):
    version = WholeNumberField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Case
        fields = [
            "subject",
            "channel",
            "cause",
            "dissatisfaction",
            "intent",
            "priority",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, creating=False, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["assignee"] = forms.ChoiceField(
                label=_("assignee"),
                choices=_people(user, customer),
                required=False,
                help_text=_("Empty: you handle it."),
            )

    def data_for_service(self) -> dict:
        data = {k: self.cleaned_data[k] for k in self.Meta.fields}
        if "assignee" in self.fields and self.cleaned_data.get("assignee"):
            data["assignee"] = int(self.cleaned_data["assignee"])
        return data


class VersionForm(forms.Form):
    version = WholeNumberField(widget=forms.HiddenInput, required=False)


class AssignForm(VersionForm):
    assignee = forms.ChoiceField(label=_("assignee"))

    def __init__(self, *args, user=None, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = _people(user, customer)


class EscalateForm(VersionForm):
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It goes to the assignee's manager or the department lead, with a task."),
    )


class ResolveForm(VersionForm):
    resolution = forms.CharField(label=_("resolution"), widget=forms.Textarea(attrs={"rows": 3}))
    compensation_kind = forms.ChoiceField(
        label=_("compensation or added value"), choices=Compensation.choices, required=False
    )
    compensation_amount = forms.CharField(
        label=_("amount"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class FollowUpForm(VersionForm):
    satisfaction_score = forms.TypedChoiceField(
        label=_("satisfaction (1–5)"),
        choices=[("", "—")] + [(str(n), str(n)) for n in range(1, 6)],
        help_text=_("1: very dissatisfied … 5: very satisfied."),
    )
    satisfaction_note = forms.CharField(
        label=_("follow-up note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("Any status")), ("active", _("Not resolved yet")), *CaseStatus.choices],
    )
    cause = forms.ChoiceField(
        label=_("cause"), required=False, choices=[("", _("Any cause")), *Cause.choices]
    )
    channel = forms.ChoiceField(
        label=_("channel"), required=False, choices=[("", _("Any channel")), *CaseChannel.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
