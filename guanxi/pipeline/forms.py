"""Forms of the pipeline pages; every rule is the service's (guanxi.pipeline.services), shown
here next to the field it names. The forms only shape the input."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.accounts.models import Department
from guanxi.accounts.scope import covered_users
from guanxi.accounts.services import profile_of
from guanxi.date_inputs import date_field
from guanxi.sales.models import Product
from guanxi.sales.services import CURRENCIES
from guanxi.validation import WholeNumberField

from .models import REQUIRABLE, LostReason, ObjectionKind, Outcome, QuestionKind


def _people(user):
    own = covered_users(user).select_related("profile").order_by("username")[:500]
    return [("", "—")] + [(str(u.pk), str(profile_of(u))) for u in own]


class _Versioned(forms.Form):
    version = WholeNumberField(widget=forms.HiddenInput, required=False)


class OpportunityForm(_Versioned):
    name = forms.CharField(label=_("name"), max_length=200)
    stage = forms.ChoiceField(label=_("stage"), required=False)
    amount = forms.CharField(label=_("amount"), required=False)
    currency = forms.ChoiceField(
        label=_("currency"), choices=[(c, c) for c in CURRENCIES], initial=CURRENCIES[0]
    )
    expected_close = date_field(_("expected close date"))
    probability = forms.CharField(
        label=_("probability (per cent)"),
        required=False,
        help_text=_("Empty: the stage's probability."),
    )
    contact = forms.ChoiceField(label=_("contact"), required=False)
    owner = forms.ChoiceField(label=_("owner"), required=False)
    products = forms.MultipleChoiceField(
        label=_("products discussed"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    meeting_time = forms.CharField(
        label=_("TAP: time"),
        required=False,
        max_length=200,
        help_text=_("How long the first meeting takes, agreed beforehand."),
    )
    meeting_agenda = forms.CharField(
        label=_("TAP: agenda"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    meeting_purpose = forms.CharField(
        label=_("TAP: purpose"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, customer, stages, creating=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        if creating:
            self.fields["stage"].choices = [(str(s.pk), s.name) for s in stages]
        else:
            del self.fields["stage"]
        self.fields["contact"].choices = [("", "—")] + [
            (str(c.pk), c.name) for c in customer.contacts.order_by("name")[:200]
        ]
        self.fields["owner"].choices = _people(user)
        self.fields["products"].choices = [
            (str(p.pk), p.name) for p in Product.objects.filter(active=True).order_by("name")[:300]
        ]

    def data_for_service(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if not data.get("owner"):
            data.pop("owner", None)
        if not data.get("stage"):
            data.pop("stage", None)
        return data


class MoveForm(_Versioned):
    stage = forms.CharField()


class WinForm(_Versioned):
    amount = forms.CharField(label=_("amount won"), required=False)


class LoseForm(_Versioned):
    lost_reason = forms.ChoiceField(
        label=_("lost reason"), choices=[("", "—"), *LostReason.choices]
    )
    lost_note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SpinForm(forms.Form):
    situation = forms.CharField(
        label=_("Situation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Facts and background of the customer's present state."),
    )
    problem = forms.CharField(
        label=_("Problem"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Difficulties and dissatisfactions the customer states."),
    )
    implication = forms.CharField(
        label=_("Implication"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What those problems lead to: their cost and consequences."),
    )
    need_payoff = forms.CharField(
        label=_("Need-payoff"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The value of solving them, in the customer's own words."),
    )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=QuestionKind.choices)
    question = forms.CharField(label=_("question"), widget=forms.Textarea(attrs={"rows": 2}))
    answer = forms.CharField(
        label=_("answer"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(_Versioned):
    # no default: a price objection filed as "need" by default would skew the reports
    kind = forms.ChoiceField(
        label=_("type"), choices=[("", _("Choose the type of objection")), *ObjectionKind.choices]
    )
    statement = forms.CharField(
        label=_("what the customer said"), widget=forms.Textarea(attrs={"rows": 2})
    )
    response = forms.CharField(
        label=_("response"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(label=_("outcome"), choices=Outcome.choices, initial=Outcome.OPEN)


class ObjectionUpdateForm(_Versioned):
    response = forms.CharField(
        label=_("response"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(label=_("outcome"), choices=Outcome.choices)


class PlanForm(_Versioned):
    interests = forms.CharField(
        label=pgettext_lazy("negotiation", "interests"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What each side really wants behind its position."),
    )
    criteria = forms.CharField(
        label=_("criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Objective standards both sides can accept (market prices, precedents)."),
    )
    options = forms.CharField(
        label=_("options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Possible agreements that serve both sides' interests."),
    )
    batna = forms.CharField(
        label=_("alternative (BATNA)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you do if there is no agreement."),
    )
    walk_away = forms.CharField(
        label=_("walk-away value"),
        required=False,
        help_text=_("The lowest offer worth more than your alternative."),
    )


class StageForm(_Versioned):
    custom_name = forms.CharField(
        label=_("name"),
        required=False,
        max_length=60,
        help_text=_("Empty for a default stage: its name follows the language."),
    )
    order = forms.CharField(label=pgettext_lazy("sort order", "order"), required=False)
    probability = forms.CharField(label=_("probability (per cent)"))
    required_fields = forms.MultipleChoiceField(
        label=_("required fields"),
        choices=list(REQUIRABLE.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label=_("active"), required=False, initial=True)


class TargetForm(forms.Form):
    user = forms.ChoiceField(label=_("rep"), required=False)
    department = forms.ChoiceField(label=_("department"), required=False)
    month = forms.CharField(
        label=_("month"), widget=forms.DateInput(attrs={"type": "month"}), help_text="YYYY-MM"
    )
    sales_target = forms.CharField(label=_("sales target"))
    collection_target = forms.CharField(label=_("collection target"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).select_related("profile")
        self.fields["user"].choices = [("", "—")] + [
            (str(u.pk), str(profile_of(u))) for u in users.order_by("username")[:500]
        ]
        self.fields["department"].choices = [("", "—")] + [
            (str(d.pk), d.name) for d in Department.objects.order_by("name")[:500]
        ]


class FilterForm(forms.Form):
    owner = forms.ChoiceField(label=_("owner"), required=False)
    team = forms.ChoiceField(label=_("team"), required=False)
    close_month = forms.CharField(
        label=_("close month"), required=False, widget=forms.DateInput(attrs={"type": "month"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # no choice is no filter: "All owners" / "All teams", as on the other lists
        self.fields["owner"].choices = [("", _("All owners")), *_people(user)[1:]]
        self.fields["team"].choices = [("", _("All teams"))] + [
            (str(d.pk), d.name) for d in Department.objects.order_by("name")[:500]
        ]

    def values(self) -> dict:
        """owner, team (ids or None) and close_month (first day or None); bad values ignored."""
        from .services import first_of_month

        if not self.is_valid():
            return {"owner": None, "team": None, "close_month": None}
        data = self.cleaned_data
        return {
            "owner": int(data["owner"]) if data.get("owner") else None,
            "team": int(data["team"]) if data.get("team") else None,
            "close_month": first_of_month(data["close_month"]) if data.get("close_month") else None,
        }
