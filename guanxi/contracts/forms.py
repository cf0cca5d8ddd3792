"""Forms of the quote, contract and collection pages (the services check everything again)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.date_inputs import date_field
from guanxi.sales import services as sales
from guanxi.sales.models import Product
from guanxi.validation import DecimalNumberField, WholeNumberField

from .models import PaymentMethod


class QuoteForm(forms.Form):
    contact = forms.ModelChoiceField(
        label=_("contact"), queryset=None, required=False, empty_label=_("(none)")
    )
    quoted_on = date_field(_("date"))
    valid_until = date_field(_("valid until"), help_text=_("Empty: 30 days after the date."))
    currency = forms.ChoiceField(
        label=_("currency"),
        choices=[(code, code) for code in sales.CURRENCIES],
        initial=sales.DEFAULT_CURRENCY,
    )
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = WholeNumberField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.all()


class _ProductChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.sku} · {obj.price} {obj.currency}"


class LineForm(forms.Form):
    product = _ProductChoice(
        label=_("product"),
        queryset=Product.objects.filter(active=True),
        required=False,
        empty_label=_("Choose a product"),
    )
    quantity = WholeNumberField(
        label=_("quantity"), min_value=1, max_value=sales.MAX_QUANTITY, required=False
    )
    unit_price = DecimalNumberField(
        label=_("unit price"),
        required=False,
        min_value=0,
        max_value=sales.MAX_MONEY,
        decimal_places=2,
    )
    discount = DecimalNumberField(
        label=_("discount (per cent)"), required=False, min_value=0, max_value=100, decimal_places=2
    )


LineFormSet = forms.formset_factory(LineForm, extra=4, max_num=50)


def line_rows(formset) -> list[dict]:
    return [
        {
            "product": f.cleaned_data["product"],
            "quantity": f.cleaned_data.get("quantity") or 1,
            "unit_price": f.cleaned_data.get("unit_price"),
            "discount": f.cleaned_data.get("discount") or 0,
        }
        for f in formset
        if f.cleaned_data.get("product")
    ]


class ActionForm(forms.Form):
    action = forms.CharField(max_length=20)
    reason = forms.CharField(label=_("reason"), max_length=500, required=False)
    version = WholeNumberField(widget=forms.HiddenInput, required=False, min_value=1)


class InstalmentForm(forms.Form):
    due_date = date_field(_("due date"))
    amount = DecimalNumberField(
        label=_("amount"), required=False, min_value=0, max_value=sales.MAX_MONEY, decimal_places=2
    )


PlanFormSet = forms.formset_factory(InstalmentForm, extra=2, max_num=60)


class PaymentForm(forms.Form):
    received_on = date_field(_("received on"), required=True)
    amount = DecimalNumberField(
        label=_("amount"), min_value=0, max_value=sales.MAX_MONEY, decimal_places=2
    )
    method = forms.ChoiceField(label=_("method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("reference"), max_length=100, required=False)


class CollectionFilterForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("sales rep"), queryset=None, required=False, empty_label=_("All sales reps")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    month = forms.CharField(
        label=_("due in month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        # the name colleagues know (owners come with their profiles), not the login name
        self.fields["owner"].label_from_instance = lambda user: (
            getattr(getattr(user, "profile", None), "display_name", "") or user.get_username()
        )


class ContractForm(forms.Form):
    """A draft or rejected contract's title, dates and currency (its lines come from the
    quote; its plan has its own form on the contract page)."""

    title = forms.CharField(label=pgettext_lazy("contract", "title"), max_length=200)
    signed_on = date_field(_("signed on"))
    start_on = date_field(_("starts on"))
    end_on = date_field(_("ends on"))
    currency = forms.ChoiceField(
        label=_("currency"), choices=[(code, code) for code in sales.CURRENCIES]
    )
    version = WholeNumberField(widget=forms.HiddenInput, required=False, min_value=1)
