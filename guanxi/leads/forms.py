"""The lead pages' forms: they take the input; the rules are in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers.models import CustomerCategory, CustomerKind, CustomerSource
from guanxi.date_inputs import date_field
from guanxi.validation import DecimalNumberField, FloatNumberField, WholeNumberField

from .models import LeadStatus


def mobile_field() -> forms.CharField:
    """A lead's mobile number, with a phone's number keyboard (the service validates; the text
    stays free-form). The internal and the public form each get their own field."""
    return forms.CharField(
        label=_("Mobile"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


def email_field() -> forms.CharField:
    """A lead's e-mail address, with a phone's e-mail keyboard (the service validates)."""
    return forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),
    )


class LeadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerKind.choices)
    category = forms.ChoiceField(label=_("Category"), choices=CustomerCategory.choices)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    mobile = mobile_field()
    email = email_field()
    wechat = forms.CharField(label=_("WeChat"), max_length=64, required=False)
    province = forms.CharField(label=_("Province"), max_length=50, required=False)
    city = forms.CharField(label=_("City"), max_length=50, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=CustomerSource.choices)
    interest = forms.CharField(
        label=_("Interest"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    referred_by = WholeNumberField(
        label=_("Referred by (customer number)"),
        required=False,
        min_value=1,
        help_text=_("The customer who brought this lead (转介绍), as on the customer's page."),
    )
    to_pool = forms.BooleanField(label=_("Put it in the lead pool"), required=False)
    version = WholeNumberField(required=False, widget=forms.HiddenInput)

    CHECKED = ("mobile", "email", "company")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["to_pool"]
        for field in self.CHECKED:  # 查重 while typing (views.duplicate_check)
            self.fields[field].widget.attrs.update(
                {
                    "hx-get": "/leads/duplicates/",
                    "hx-trigger": "input changed delay:500ms",
                    "hx-target": f"#lead-dupes-{field}",
                    "hx-include": "#id_mobile, #id_email, #id_company",
                    "hx-swap": "innerHTML",
                }
            )

    def data_for_service(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("to_pool", "version")}


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + LeadStatus.choices, required=False
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("Any"))] + CustomerSource.choices, required=False
    )
    owner = forms.ChoiceField(
        label=_("Owner"),
        choices=[("", _("Any")), ("me", _("Mine")), ("pool", _("Lead pool"))],
        required=False,
    )
    min_score = FloatNumberField(
        label=_("Score at least"), min_value=0, max_value=1, required=False
    )

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices += [(str(u.pk), str(getattr(u, "profile", u))) for u in owners]

    sort = forms.ChoiceField(
        label=_("Sort"),
        choices=[
            ("-score", _("Highest score first")),
            ("score", _("Lowest score first")),
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
        ],
        required=False,
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (LeadStatus.CONTACTED, LeadStatus.CONTACTED.label),
            (LeadStatus.QUALIFIED, LeadStatus.QUALIFIED.label),
            (LeadStatus.DISQUALIFIED, LeadStatus.DISQUALIFIED.label),
        ],
    )
    reason = forms.CharField(label=_("Reason (when disqualified)"), max_length=300, required=False)
    version = WholeNumberField(required=False, widget=forms.HiddenInput)


class ConvertForm(forms.Form):
    attach_to = WholeNumberField(required=False, widget=forms.HiddenInput)
    opportunity_name = forms.CharField(label=_("Opportunity"), max_length=200, required=False)
    opportunity_amount = DecimalNumberField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    opportunity_close = date_field(_("Expected close"))
    version = WholeNumberField(required=False, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    to_pool = forms.BooleanField(label=_("Put the leads in the lead pool"), required=False)


class LeadFormForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=100)
    title = forms.CharField(label=_("Title shown"), max_length=200)
    intro = forms.CharField(
        label=_("Introduction"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=CustomerSource.choices, initial=CustomerSource.ONLINE_INQUIRY
    )
    consent_purpose = forms.CharField(label=_("Purpose of the consent"), max_length=300)
    owner_id = forms.ChoiceField(label=_("Owner of new leads"), required=False)
    active = forms.BooleanField(label=_("Accepting entries"), required=False, initial=True)
    version = WholeNumberField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [("", _("The lead pool"))] + [
            (str(u.pk), str(getattr(u, "profile", u))) for u in owners
        ]


class PublicForm(forms.Form):
    """What a visitor fills in; `website` is the honeypot (hidden from people)."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    mobile = mobile_field()
    email = email_field()
    wechat = forms.CharField(label=_("WeChat"), max_length=64, required=False)
    province = forms.CharField(label=_("Province"), max_length=50, required=False)
    city = forms.CharField(label=_("City"), max_length=50, required=False)
    interest = forms.CharField(
        label=_("What are you interested in?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    consent = forms.BooleanField(required=False)
