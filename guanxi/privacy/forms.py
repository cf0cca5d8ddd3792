"""Page forms for revealing a sensitive field and recording consent."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ConsentPurpose
from .sensitive import SENSITIVE_FIELDS


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[(f, f) for f in SENSITIVE_FIELDS], widget=forms.HiddenInput)
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Why do you need to see this?")}),
    )


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        choices=[("yes", _("Granted")), ("no", _("Withdrawn"))], coerce=lambda v: v == "yes"
    )
    channel = forms.CharField(required=False, max_length=50)
