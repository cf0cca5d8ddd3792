"""The survey builder's forms: shapes only; the rules are in services."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.validation import WholeNumberField

from .models import Attribute, QuestionKind, SurveyKind


class SurveyForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("survey title", "Title"), max_length=200)
    description = forms.CharField(
        label=_("Introduction"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to customers above the questions."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyKind.choices)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), max_length=300, required=False)
    attribute = forms.ChoiceField(
        label=_("Attribute (expectation and perception)"),
        choices=[("", "—"), *Attribute.choices],
        required=False,
    )
    scale = forms.TypedChoiceField(
        label=_("Scale (expectation and perception)"),
        choices=[(5, "1–5"), (7, "1–7")],
        coerce=int,
        required=False,
    )
    feature = forms.CharField(label=_("Feature (KANO)"), max_length=200, required=False)
    touchpoints = forms.CharField(
        label=_("Touchpoints (peak or end moment), one per line"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class InviteForm(forms.Form):
    customers = forms.CharField(
        label=_("Customers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line or separated by commas: the external id (shown on the customer's "
            "page), a mobile number or the exact name."
        ),
    )
    segment = WholeNumberField(label=_("Or a saved segment"), required=False, min_value=1)
