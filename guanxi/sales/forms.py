"""Page forms for products (with FAB text) and orders with lines."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from guanxi.date_inputs import date_field, datetime_field
from guanxi.services_common import StaleEdit
from guanxi.validation import (
    MAX_ID,
    DecimalNumberField,
    ListFilters,
    WholeNumberField,
    add_service_errors,
    formfield_of,
)

from . import services
from .models import Order, OrderLine, OrderStatus, Product

LINE_ROWS = 5


def add_stale_edit(form: forms.Form, exc: StaleEdit) -> None:
    """A stale edit on a page: who changed the record meanwhile, and for each field in
    conflict the stored value next to the one the user submitted (kept in the field)."""
    form.add_error(None, str(exc))
    for field, (stored, submitted) in exc.changes.items():
        form.add_error(
            field if field in form.fields else None,
            _("Changed meanwhile to “%(stored)s”; you entered “%(submitted)s”.")
            % {"stored": stored, "submitted": submitted},
        )


class ProductForm(forms.Form):
    version = WholeNumberField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, product: Product | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        for name in services.PRODUCT_FIELDS:
            self.fields[name] = formfield_of(Product._meta.get_field(name))
        self.fields["currency"] = forms.ChoiceField(
            label=Product._meta.get_field("currency").verbose_name,
            choices=[(code, code) for code in services.CURRENCIES],
            initial=services.DEFAULT_CURRENCY,
        )
        self.fields["price"].max_value = services.MAX_MONEY
        for name in ("features", "advantages", "benefits"):
            self.fields[name].widget.attrs["rows"] = 3
        self.fields["features"].help_text = _("F: what the product is and has.")
        self.fields["advantages"].help_text = _("A: what that does better than alternatives.")
        self.fields["benefits"].help_text = _("B: what the customer gains; proposals lead with it.")
        if product is not None and not self.is_bound:
            self.initial = {name: getattr(product, name) for name in services.PRODUCT_FIELDS}
            self.initial["version"] = product.version

    def save(self, actor) -> Product | None:
        data = dict(self.cleaned_data)
        version = data.pop("version", None)
        try:
            if self.product is None:
                return services.create_product(actor, data)
            return services.update_product(actor, self.product, data, version=version)
        except ValidationError as exc:
            add_service_errors(self, exc)
        except StaleEdit as exc:
            add_stale_edit(self, exc)
            # Saving again overwrites the change the user has now seen.
            self.data = self.data.copy()
            self.data["version"] = exc.instance.version
        return None


class OrderForm(forms.Form):
    # A new order starts pending (awaiting payment) or is recorded further along (a sale at
    # the counter is completed at once); cancelling and refunding are actions on the order.
    status = forms.ChoiceField(
        label=_("status"),
        choices=[(s, OrderStatus(s).label) for s in (OrderStatus.PENDING, *services.EDIT_TARGETS)],
        initial=OrderStatus.PENDING,
    )
    ordered_at = datetime_field(
        _("ordered at"), help_text=_("Leave empty for now."), year_checked_by_service=True
    )
    currency = forms.ChoiceField(
        label=_("currency"),
        choices=[(code, code) for code in services.CURRENCIES],
        initial=services.DEFAULT_CURRENCY,
        required=False,
    )


class _ProductChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.sku} · {obj.price} {obj.currency}"


class OrderLineForm(forms.Form):
    product = _ProductChoice(
        label=_("product"),
        queryset=Product.objects.filter(active=True),
        required=False,
        empty_label=_("Choose a product"),
    )
    quantity = WholeNumberField(
        label=_("quantity"), min_value=1, max_value=services.MAX_QUANTITY, required=False
    )
    unit_price = DecimalNumberField(
        label=_("unit price"),
        required=False,
        min_value=0,
        max_value=services.MAX_MONEY,
        decimal_places=2,
        help_text=_("Empty: the list price."),
    )


OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=LINE_ROWS, max_num=50)


def create_order(actor, customer, form: OrderForm, lines: forms.BaseFormSet) -> Order | None:
    """Hand a valid order form and its filled lines to the service; errors go on the form."""
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    rows = [
        {
            "product": line.cleaned_data["product"],
            "quantity": line.cleaned_data.get("quantity") or 1,
            "unit_price": line.cleaned_data.get("unit_price"),
        }
        for line in lines
        if line.cleaned_data.get("product")
    ]
    try:
        return services.create_order(actor, customer, data, rows)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


class OrderEditForm(forms.Form):
    """A pending order's edit: when and in which currency (its lines come in the formset);
    the status changes by the order's actions, not here."""

    version = WholeNumberField(widget=forms.HiddenInput, required=False, min_value=1)
    ordered_at = datetime_field(_("ordered at"), required=True, year_checked_by_service=True)
    currency = forms.ChoiceField(
        label=_("currency"), choices=[(code, code) for code in services.CURRENCIES]
    )


def edit_order(actor, order: Order, form: OrderEditForm, lines: forms.BaseFormSet) -> bool:
    """Hand a valid edit and its filled lines to update_order (checked as a new order is);
    errors, and who changed the order meanwhile, go on the form."""
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    rows = [
        {
            "product": line.cleaned_data["product"],
            "quantity": line.cleaned_data.get("quantity") or 1,
            "unit_price": line.cleaned_data.get("unit_price"),
        }
        for line in lines
        if line.cleaned_data.get("product")
    ]
    try:
        services.update_order(
            actor, order, data, rows, version=form.cleaned_data.get("version") or order.version
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
    except StaleEdit as exc:
        add_stale_edit(form, exc)
        # Saving again overwrites the change the user has now seen.
        form.data = form.data.copy()
        form.data["version"] = exc.instance.version
    else:
        return True
    return False


class OrderActionForm(forms.Form):
    """One of the order's actions (confirm, ship, complete, cancel) from its page."""

    version = WholeNumberField(widget=forms.HiddenInput, required=False, min_value=1)
    reason = forms.CharField(
        label=_("Reason cancelled"), required=False, max_length=services.MAX_REASON
    )


class RefundForm(forms.Form):
    """A refund or return: the pieces returned per line (fields line_<id>), an amount (default:
    what they cost), a reason and the day."""

    version = WholeNumberField(widget=forms.HiddenInput, required=False, min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=services.MAX_REASON)
    amount = DecimalNumberField(
        label=_("Amount refunded"),
        required=False,
        min_value=0,
        max_value=services.MAX_MONEY,
        decimal_places=2,
        help_text=_("Empty: what the returned pieces cost."),
    )
    refunded_on = date_field(_("Refunded on"), help_text=_("Empty: today."))

    def __init__(self, *args, order: Order, returnable: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.line_fields = []
        for line in order.lines.all():
            left = returnable.get(line.pk, 0)
            name = f"line_{line.pk}"
            self.fields[name] = WholeNumberField(
                label=line.product.name,
                required=False,
                min_value=0,
                max_value=left,
                help_text=_("Up to %(n)d pieces.") % {"n": left},
                widget=forms.NumberInput(attrs={"min": 0, "max": left, "inputmode": "numeric"}),
            )
            self.line_fields.append((line, self[name], left))
        if not self.is_bound:
            self.initial["version"] = order.version

    def save(self, actor):
        """The refund, or None with the service's errors on the form."""
        data = self.cleaned_data
        quantities = {
            line.pk: data.get(f"line_{line.pk}")
            for line, _field, _left in self.line_fields
            if data.get(f"line_{line.pk}")
        }
        try:
            return services.refund_order(
                actor,
                self.order,
                reason=data["reason"],
                lines=quantities,
                amount=data.get("amount"),
                refunded_on=data.get("refunded_on"),
                version=data.get("version") or self.order.version,
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
        except StaleEdit as exc:
            self.add_error(None, str(exc))
        return None


__all__ = [
    "OrderActionForm",
    "OrderEditForm",
    "OrderForm",
    "OrderLine",
    "OrderLineFormSet",
    "ProductForm",
    "RefundForm",
    "create_order",
    "edit_order",
]


class OrderFilterForm(ListFilters, forms.Form):
    """The order list's filters and sort, all GET parameters (kept in the URL); a refused
    value leaves out its own filter only, and stays in its box (ListFilters)."""

    SORTS = {
        "newest": ("-id",),
        "oldest": ("id",),
        "-ordered": ("-ordered_at", "-id"),
        "ordered": ("ordered_at", "id"),
        "number": ("number",),
        "-number": ("-number",),
    }

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *OrderStatus.choices]
    )
    owner = WholeNumberField(label=_("Sales rep"), required=False, min_value=1, max_value=MAX_ID)
    team = WholeNumberField(label=_("Team"), required=False, min_value=1, max_value=MAX_ID)
    ordered_from = date_field(_("Ordered from"))
    ordered_to = date_field(_("Ordered until"))
    # the orders behind the home's revenue: cancelled and refunded left out
    purchases = forms.BooleanField(label=_("Purchases only"), required=False)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])

    def clean(self):
        data = super().clean()
        start, end = data.get("ordered_from"), data.get("ordered_to")
        if start and end and start > end:
            self.add_error("ordered_to", _("The end date must not be before the start date."))
        return data

    def filters(self) -> dict:
        data = self.valid_data()
        return {key: data.get(key) for key in self.fields} | {"sort": data.get("sort") or "newest"}
