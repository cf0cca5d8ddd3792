"""Forms of the pool pages: a pool's settings and rules, the pool's filters, a transfer."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.accounts.models import Department
from guanxi.customers.models import CustomerLevel
from guanxi.validation import WholeNumberField

from .transfers import MOVABLE

LEVEL_LABELS = dict(CustomerLevel.choices)


def _days(label, help_text=""):
    return WholeNumberField(
        label=label, required=False, min_value=0, max_value=3650, help_text=help_text
    )


class PoolForm(forms.Form):
    """Field names match services.clean_pool_data's error keys, so its errors land in place."""

    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=100)
    department_ids = forms.ModelMultipleChoiceField(
        label=_("Member teams (and the teams below them)"),
        queryset=Department.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exempt_won = forms.BooleanField(label=_("Won customers never return"), required=False)
    won_days = _days(
        _("Won window (days)"),
        _("An order within the level's days without a deal, else within this many days."),
    )
    exempt_locked = forms.BooleanField(label=_("Locked customers never return"), required=False)
    reclaim_bar_days = _days(_("Previous owner barred from reclaiming (days)"))
    owned_limit = _days(_("Most customers of this pool a rep may own"), _("Empty: no limit."))
    locked_limit = _days(_("Most locked customers per rep"), _("Empty: no limit."))
    remind_days = _days(_("Remind the owner this many days before the return"), _("0: never."))
    version = WholeNumberField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for level, label in CustomerLevel.choices:
            self.fields[f"{level}_follow_up_days"] = _days(
                _("%(level)s: days without a follow-up") % {"level": label},
                _("Empty: no such rule."),
            )
            self.fields[f"{level}_deal_days"] = _days(
                _("%(level)s: days without a deal") % {"level": label}, _("Empty: no such rule.")
            )

    @staticmethod
    def initial_for(pool) -> dict:
        initial = {
            "name": pool.name,
            "department_ids": list(pool.departments.all()),
            "exempt_won": pool.exempt_won,
            "won_days": pool.won_days,
            "exempt_locked": pool.exempt_locked,
            "reclaim_bar_days": pool.reclaim_bar_days,
            "owned_limit": pool.owned_limit,
            "locked_limit": pool.locked_limit,
            "remind_days": pool.remind_days,
            "version": pool.version,
        }
        for rule in pool.rules.all():
            initial[f"{rule.level}_follow_up_days"] = rule.follow_up_days
            initial[f"{rule.level}_deal_days"] = rule.deal_days
        return initial

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["department_ids"] = [d.pk for d in data["department_ids"]]
        data["rules"] = {
            level: {
                "follow_up_days": data.pop(f"{level}_follow_up_days"),
                "deal_days": data.pop(f"{level}_deal_days"),
            }
            for level in LEVEL_LABELS
        }
        data.pop("version", None)
        for field in ("won_days", "reclaim_bar_days", "remind_days"):
            if data[field] is None:
                data[field] = ""  # required: the service says so in place
        return data


class PoolFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=50)
    level = forms.ChoiceField(
        label=_("Customer level"),
        required=False,
        choices=[("", _("All levels")), *CustomerLevel.choices],
    )
    city = forms.CharField(label=_("City"), required=False, max_length=50)


MOVE_CHOICES = [
    ("opportunities", _("Open opportunities")),
    ("contracts", _("Contracts")),
    ("tasks", _("Open tasks")),
]
assert [key for key, _label in MOVE_CHOICES] == list(MOVABLE)


class TransferForm(forms.Form):
    """The customers (ticked ids, or every customer of a rep), the new owner or team, and what
    goes along. Field names match transfers.transfer's error keys."""

    ids = forms.CharField(
        label=_("Customer numbers"),
        required=False,
        help_text=_("Separated by commas or spaces; or choose a rep below."),
    )
    from_user = forms.ModelChoiceField(
        label=_("All customers of"), queryset=None, required=False, empty_label="—"
    )
    to_user = forms.ModelChoiceField(
        label=_("New owner"), queryset=None, required=False, empty_label="—"
    )
    to_team = forms.ModelChoiceField(
        label=_("Or spread over the team"), queryset=None, required=False, empty_label="—"
    )
    move = forms.MultipleChoiceField(
        label=_("Also move (contacts always go with the customer)"),
        choices=MOVE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    keep_read = forms.BooleanField(label=_("The old owner keeps read access"), required=False)

    def __init__(self, *args, users, targets, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = users
        self.fields["to_user"].queryset = targets
        self.fields["to_team"].queryset = teams
        for name in ("from_user", "to_user"):
            self.fields[name].label_from_instance = lambda u: (
                getattr(getattr(u, "profile", None), "display_name", "") or u.get_username()
            )

    def clean_ids(self) -> list[int]:
        raw = self.cleaned_data["ids"].replace(",", " ").split()
        if any(not value.isdigit() or len(value) > 18 for value in raw):
            raise forms.ValidationError(_("Customer numbers are whole numbers."))
        return [int(value) for value in raw]
