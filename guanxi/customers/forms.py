"""Page forms for customers and contacts: they validate input and hand it to customers.services."""

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.services import profile_of
from guanxi.audit.services import snapshot
from guanxi.customers.sensitive import SENSITIVE_FIELDS
from guanxi.date_inputs import date_field, datetime_field, native_date
from guanxi.services_common import StaleEdit, TooManyRequests
from guanxi.validation import (
    MAX_ID,
    DecimalNumberField,
    FloatNumberField,
    ListFilters,
    SharedFields,
    WholeNumberField,
    add_service_errors,
    formfield_of,
)

from . import services
from .models import (
    Collaborator,
    Contact,
    Customer,
    CustomerKind,
    CustomerLevel,
    CustomerSource,
    CustomField,
    CustomFieldKind,
    LoyaltyType,
    grouped_lost_reasons,
)
from .queries import SCORE_FILTERS, SORTS
from .scores import score_choices

PAGE_SIZE = 25
SORT_CHOICES = [
    # by id: the order customers were added in, not their (possibly back-dated) created_at
    ("newest", _("Most recently added")),
    ("oldest", _("First added")),
    ("name", _("Name A–Z")),
    ("-name", _("Name Z–A")),
    ("level", _("Customer level")),
    ("-level", _("Customer level, C first")),
    ("city", _("City A–Z")),
    ("-city", _("City Z–A")),
    ("source", _("Source")),
    ("-source", _("Source, reversed")),
    ("updated", _("Recently changed")),
    ("clv_predicted", _("Predicted CLV, lowest first")),
    ("-clv_predicted", _("Predicted CLV, highest first")),
    ("p_alive", _("P(alive), lowest first")),
    ("-p_alive", _("P(alive), highest first")),
    ("loyalty_index", _("Loyalty index, lowest first")),
    ("-loyalty_index", _("Loyalty index, highest first")),
    ("churn_risk_score", _("Churn risk, lowest first")),
    ("-churn_risk_score", _("Churn risk, highest first")),
    ("monetary", _("Net revenue, lowest first")),
    ("-monetary", _("Net revenue, highest first")),
]
assert {key for key, _label in SORT_CHOICES} == set(SORTS)

# The six groups of basic information (用户的基础信息), then relationship details and the
# company's own classification. Sensitive fields sit in their groups but are write-only.
CUSTOMER_GROUPS = [
    (_("Basic"), ["kind", "category", "name", "external_id"]),
    (
        _("Demographic"),
        ["gender", "birthday", "marital_status", "province", "city", "district", "street"],
    ),
    (_("Platform"), ["nickname", "registered_at", "member_type", "member_level", "points"]),
    (_("Contact information"), ["mobile", "phone", "email", "qq", "wechat", "weibo"]),
    (_("Delivery"), ["delivery_address", "other_addresses"]),
    (_("Card and payment"), ["payment_method", "bank_account", "credit_limit"]),
    (_("Certification"), ["id_number", "uscc", "verified"]),
    (_("Sensitive personal information"), ["health_notes", "precise_location", "is_minor"]),
    (
        _("Relationship"),
        ["company_name", "position", "education", "family", "interests", "anniversary"],
    ),
    (_("Classification"), ["level", "source", "tags", "do_not_contact"]),
]
# 查重 while typing: the fields checked, each with its own warning panel below it.
DUPLICATE_CHECK_FIELDS = ("name", "mobile", "email")


def _shown(value, labels: dict | None = None) -> str:
    """A stored or submitted value as the conflict message shows it; a mapping (the custom
    fields) as "label: value" pairs joined by the language's colon (行业：零售), each key
    named by its label in `labels` when there is one."""
    if value in ("", None, [], {}):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        labels = labels or {}
        # in the form's order, then by key: PostgreSQL's jsonb keeps its own key order
        place = {key: n for n, key in enumerate(labels)}
        keys = sorted(value, key=lambda k: (place.get(k, len(place)), k))
        return ", ".join(
            gettext("%(label)s: %(error)s") % {"label": labels.get(k, k), "error": _shown(value[k])}
            for k in keys
        )
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return str(value)


_BASE_SALT = "guanxi.customers.edit-base"


def edit_base(instance, fields: list[str]) -> str:
    """The values the form was filled with, signed, so a stale save can tell which fields
    somebody else changed meanwhile (and not flag the user's own changes as conflicts)."""
    values = snapshot(instance, [f for f in fields if f not in SENSITIVE_FIELDS])
    if isinstance(instance, Customer) and instance.pk:
        values["tags"] = sorted(instance.tags.values_list("name", flat=True))
    return signing.dumps(values, salt=_BASE_SALT, compress=True)


def changed_meanwhile(changes: dict, token: str | None) -> dict:
    """The conflicts among `changes` ({field: [stored, yours]}): the fields whose stored value
    is no longer the one the form was filled with. Without a (valid) base, all of them."""
    base = _load_base(token)
    if base is None:
        return changes
    return {f: pair for f, pair in changes.items() if f not in base or base[f] != pair[0]}


def _equal(a, b) -> bool:
    return a == b or (a in (None, "") and b in (None, ""))


def rebase_stale_edit(exc: StaleEdit, token: str | None, data: dict, tags=None):
    """(data, tags) to save on top of the stored record, or None for a true conflict.

    A stale edit conflicts only where the user changed a field (against the signed `base` the
    form was filled with) that somebody else also changed meanwhile. Without such an overlap,
    the fields the user left alone are dropped from `data` (the colleague's values stay) and the
    rest can be saved against the stored version (`exc.version`); the service still refuses if
    the record moved on again. Without a valid base, or for a field the base does not carry
    (sensitive ones), it is a conflict.
    """
    base = _load_base(token)
    if base is None:
        return None
    data = dict(data)
    for field, (theirs, yours) in exc.changes.items():
        if field not in base:
            return None
        if field == "tags":
            yours = sorted(yours or [])
        mine_changed = not _equal(base[field], yours)
        theirs_changed = not _equal(base[field], theirs)
        if mine_changed and theirs_changed:
            return None
        if not mine_changed:
            if field == "tags":
                tags = None
            else:
                data.pop(field, None)
    return data, tags


def rebased_message(exc: StaleEdit, actor=None) -> str:
    """What the page says after saving the user's changes on top of a colleague's edit (or
    the user's own, from another tab: a review was told "王经理 changed this record" of itself)."""
    if _by(exc, actor):
        return gettext(
            "You changed this record at %(when)s in another tab or window. Those changes were "
            "to other fields, so these were saved on top of them."
        ) % {"when": _when(exc)}
    return gettext(
        "%(who)s changed this record at %(when)s while you were editing it. Their changes were "
        "to other fields, so yours were saved on top of them."
    ) % {"who": _who(exc), "when": _when(exc)}


def _by(exc: StaleEdit, actor) -> bool:
    """Whether `actor` made the edit that made the form stale."""
    return actor is not None and getattr(exc.changed_by, "pk", None) == actor.pk


def _who(exc: StaleEdit) -> str:
    return str(profile_of(exc.changed_by)) if exc.changed_by else gettext("someone else")


def _when(exc: StaleEdit) -> str:
    at = getattr(exc, "changed_at", None)
    return formats.date_format(timezone.localtime(at), "DATETIME_FORMAT") if at else "?"


def add_stale_errors(
    form: forms.Form, exc: StaleEdit, fields: list[str] | None = None, actor=None
) -> None:
    """ "Changed by X at T meanwhile": above the form, and per conflicting field both values.

    The user's input stays in the form; its version becomes the stored one, so saving again
    overwrites deliberately.
    """
    who, when = _who(exc), _when(exc)
    if _by(exc, actor):
        message = gettext(
            "You changed this record at %(when)s in another tab or window. Your input here is "
            "kept below; check the marked fields and save again to keep these values."
        ) % {"when": when}
    else:
        message = gettext(
            "%(who)s changed this record at %(when)s, while you were editing it. Your input is "
            "kept below; check the marked fields and save again to keep your values."
        ) % {"who": who, "when": when}
    form.add_error(None, message)
    base = _load_base(form.data.get("base"))
    changes = changed_meanwhile(exc.changes, form.data.get("base"))
    data = form.data.copy()
    # a custom field's key named as the form labels its input (cf_<key>)
    labels = {
        name.removeprefix("cf_"): field.label
        for name, field in form.fields.items()
        if name.startswith("cf_")
    }
    for field, (theirs, yours) in changes.items():
        untouched = base is not None and field in base and base[field] == yours
        if untouched and _fillable(form, field, theirs):
            # The user had not changed this field: take the colleague's value into the form,
            # so saving again keeps both edits instead of putting the old value back.
            data[field] = "" if theirs is None else str(theirs)
            message = gettext(
                "Changed meanwhile to: %(theirs)s (you had not changed it; filled in)."
            ) % {"theirs": _shown(theirs, labels)}
        else:
            message = gettext("Now stored: %(theirs)s — yours: %(yours)s") % {
                "theirs": _shown(theirs, labels),
                "yours": _shown(yours, labels),
            }
        if field in form.fields:
            form.add_error(field, message)
        else:
            label = capfirst(str(_field_label(field)))
            form.add_error(
                None, gettext("%(label)s: %(error)s") % {"label": label, "error": message}
            )
    data["version"] = str(exc.version)
    if fields is not None:
        data["base"] = edit_base(exc.instance, fields)
    form.data = data


def _load_base(token: str | None) -> dict | None:
    try:
        return signing.loads(token or "", salt=_BASE_SALT)
    except signing.BadSignature:
        return None


def _fillable(form: forms.Form, field: str, value) -> bool:
    """A plain value the form's input shows as typed (not a checkbox, list or mapping)."""
    widget = form.fields[field].widget if field in form.fields else None
    return (
        widget is not None
        and not isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple)
        and (value is None or isinstance(value, str | int | float))
        and not isinstance(value, bool)
    )


def _field_label(field: str):
    try:
        return Customer._meta.get_field(field).verbose_name
    except Exception:  # noqa: BLE001 - a contact's field or a pseudo-field like tags
        return field


class CustomerFilterForm(ListFilters, forms.Form):
    """The list's search, filters and sort, all GET parameters (kept in the URL); a refused
    value leaves out its own filter only, and stays in its box (ListFilters)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)
    level = forms.ChoiceField(
        label=_("Customer level"),
        required=False,
        choices=[("", _("All levels")), *CustomerLevel.choices],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All sources")), *CustomerSource.choices]
    )
    # person or organisation (a new-user review looked for the firms and found them by paging)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *CustomerKind.choices]
    )
    # Ids, checked as numbers only: an unknown id simply matches nothing. The options are the
    # page's (customers.views.filter_options), so the list's live updates need no query.
    owner = WholeNumberField(label=_("Owner"), required=False, min_value=1, max_value=MAX_ID)
    team = WholeNumberField(label=_("Team"), required=False, min_value=1, max_value=MAX_ID)
    city = forms.CharField(label=_("City"), required=False, max_length=50)
    created_from = date_field(_("Created from"))
    created_to = date_field(_("Created until"))
    last_order_from = date_field(_("Last order from"))
    last_order_to = date_field(_("Last order until"))
    # within the last-order dates: the home's repeat buyers are min_purchases=2 since a date
    min_purchases = WholeNumberField(
        label=_("At least this many purchases"), required=False, min_value=1, max_value=10_000
    )
    # Scores (guanxi.scoring), the rep's loyalty type and the churn mark: the codes' labels
    # come from the engine's tables in the user's language (customers.scores), evaluated when
    # the form validates, never at import.
    rfm_segment = forms.ChoiceField(
        label=_("RFM segment"), required=False, choices=score_choices("rfm_segment")
    )
    abc_tier = forms.ChoiceField(
        label=_("ABC tier (by revenue)"), required=False, choices=score_choices("abc_tier")
    )
    pyramid_level = forms.ChoiceField(
        label=_("Pyramid level"), required=False, choices=score_choices("pyramid_level")
    )
    lifecycle_stage = forms.ChoiceField(
        label=_("Lifecycle stage"), required=False, choices=score_choices("lifecycle_stage")
    )
    customer_status = forms.ChoiceField(
        label=_("Customer status"), required=False, choices=score_choices("customer_status")
    )
    loyalty_step = forms.ChoiceField(
        label=_("Loyalty ladder step"), required=False, choices=score_choices("loyalty_step")
    )
    value_loyalty_quadrant = forms.ChoiceField(
        label=_("Value × loyalty"),
        required=False,
        choices=score_choices("value_loyalty_quadrant"),
    )
    churn_risk = forms.ChoiceField(
        label=_("Churn risk"), required=False, choices=score_choices("churn_risk")
    )
    quality = forms.ChoiceField(
        label=_("Customer quality"), required=False, choices=score_choices("quality")
    )
    loyalty_type = forms.ChoiceField(
        label=_("Loyalty type"), required=False, choices=score_choices("loyalty_type")
    )
    lost_reason = forms.ChoiceField(
        label=_("Reason lost"), required=False, choices=score_choices("lost_reason")
    )
    lost = forms.TypedChoiceField(
        label=_("Lost customers"),
        required=False,
        choices=[("", _("Lost or not")), ("1", _("Lost only")), ("0", _("Not lost"))],
        coerce=lambda value: value == "1",
        empty_value=None,
    )
    lost_from = date_field(_("Lost from"))
    lost_to = date_field(_("Lost until"))
    r = WholeNumberField(label="R", required=False, min_value=1, max_value=5)
    f = WholeNumberField(label="F", required=False, min_value=1, max_value=5)
    m = WholeNumberField(label="M", required=False, min_value=1, max_value=5)
    p_alive_min = FloatNumberField(
        label=_("P(alive) from"), required=False, min_value=0, max_value=1
    )
    p_alive_max = FloatNumberField(
        label=_("P(alive) up to"), required=False, min_value=0, max_value=1
    )
    clv_min = DecimalNumberField(
        label=_("Predicted CLV from"), required=False, max_digits=16, decimal_places=2
    )
    clv_max = DecimalNumberField(
        label=_("Predicted CLV up to"), required=False, max_digits=16, decimal_places=2
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)
    # the pager's hidden fields, named in the errors of a bad value (e.g. a hand-edited URL)
    after = WholeNumberField(
        label=_("Page position"), required=False, min_value=1, widget=forms.HiddenInput
    )
    page = WholeNumberField(
        label=_("Page number"),
        required=False,
        min_value=1,
        max_value=400,
        widget=forms.HiddenInput,
    )

    RANGES = (
        ("created_from", "created_to"),
        ("last_order_from", "last_order_to"),
        ("lost_from", "lost_to"),
        ("p_alive_min", "p_alive_max"),
        ("clv_min", "clv_max"),
    )

    def clean(self):
        data = super().clean()
        for start, end in self.RANGES:
            if (
                data.get(start) is not None
                and data.get(end) is not None
                and data[start] > data[end]
            ):
                if start.endswith("_from"):
                    self.add_error(end, _("The end date must not be before the start date."))
                else:
                    self.add_error(end, _("The upper bound must not be below the lower bound."))
        return data

    # the "More filters" group's fields (the scores group's are queries.SCORE_FILTERS)
    MORE_FILTERS = (
        "owner",
        "team",
        "city",
        "created_from",
        "created_to",
        "last_order_from",
        "last_order_to",
        "min_purchases",
    )

    def score_filters(self) -> dict:
        """The score, loyalty and churn filters given (queries.SCORE_FILTERS), nothing else."""
        data = self.valid_data()
        return {
            name: data[name]
            for name in SCORE_FILTERS
            if data.get(name) is not None and data.get(name) != ""
        }

    def filters(self) -> dict:
        data = self.valid_data()
        return {
            "q": data.get("q", ""),
            "tag": data.get("tag", ""),
            "level": data.get("level", ""),
            "source": data.get("source", ""),
            "kind": data.get("kind", ""),
            "owner_id": data.get("owner"),
            "department_id": data.get("team"),
            "city": (data.get("city") or "").strip(),
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
            "last_order_from": data.get("last_order_from"),
            "last_order_to": data.get("last_order_to"),
            "min_purchases": data.get("min_purchases"),
            "sort": data.get("sort") or "newest",
            **self.score_filters(),
        }


# Fields shared by every instance (its 36 fields' copy cost ~0.5 ms of every list page): the
# form only cleans a GET query and lists its errors, and sets no attribute of a field.
CustomerFilterForm.base_fields = SharedFields(CustomerFilterForm.base_fields)


class CustomerForm(forms.Form):
    """Create or edit a customer. Sensitive fields are write-only: never pre-filled."""

    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas."),
    )
    other_addresses = forms.CharField(
        label=_("Other addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One address per line."),
    )
    is_minor = forms.ChoiceField(
        label=_("minor"),
        required=False,
        choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
    )
    show_confirm = False

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        self.customer = customer
        initial = kwargs.pop("initial", {}) or {}
        super().__init__(*args, initial=initial, **kwargs)
        special = {"tags", "other_addresses", "is_minor"}
        ordered: dict[str, forms.Field] = {}
        for _title, names in CUSTOMER_GROUPS:
            for name in names:
                if name in special:
                    ordered[name] = self.fields[name]
                    continue
                field = native_date(
                    formfield_of(Customer._meta.get_field(name)), year_checked_by_service=True
                )
                if name in SENSITIVE_FIELDS:
                    field.required = False
                    field.widget.attrs["autocomplete"] = "off"
                    field.help_text = (
                        _("Sensitive: never shown here. Leave blank to keep the current value.")
                        if customer is not None
                        else _("Sensitive: never shown again once saved.")
                    )
                    if isinstance(field.widget, forms.Textarea):
                        field.widget.attrs["rows"] = 2
                ordered[name] = field
        for definition in CustomField.objects.all():
            ordered[f"cf_{definition.key}"] = self._custom_field(definition)
        # 查重 with the `warn` policy: saving a likely duplicate needs this tick.
        ordered["confirm_duplicate"] = forms.BooleanField(
            label=_("Save anyway: this is not the same customer"), required=False
        )
        if customer is not None:
            ordered["version"] = WholeNumberField(
                required=False, min_value=1, widget=forms.HiddenInput
            )
            ordered["base"] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.fields = ordered
        # a person's 姓名 or a firm's 名称: the model's "name" reads 名称 alone (a review)
        self.fields["name"].label = pgettext_lazy("customer name", "Name")
        self.fields["is_minor"].help_text = self.fields["health_notes"].help_text
        for name in DUPLICATE_CHECK_FIELDS:
            # The answer swaps one panel per field, each right below its input (out of band),
            # so a phone-sized page shows the warning where the user is typing.
            self.fields[name].dupes_slot = True
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("customers:duplicates"),
                    "hx-trigger": "blur changed",
                    "hx-swap": "none",
                    "hx-include": "[name=name],[name=mobile],[name=email],[name=exclude]",
                }
            )
        if customer is not None:
            # Sensitive values are never shown, so a blank input keeps them: clearing one is
            # an explicit choice (a customer asked, or it was entered by mistake).
            self.fields["clear_sensitive"] = forms.MultipleChoiceField(
                label=_("Delete stored values"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(k, capfirst(v)) for k, v in SENSITIVE_FIELDS.items() if k != "is_minor"],
                help_text=_(
                    "The ticked values are deleted when you save (recorded in the audit trail)."
                ),
            )
        if customer is not None and not self.is_bound:
            self.initial.update(self._initial_from(customer))

    def add_error(self, field, error):
        """A refused or warned duplicate (查重) also runs the check as the page loads, so the
        panel under the field names the existing customer with its link (a new-user review:
        after the save was refused the link was gone)."""
        super().add_error(field, error)
        for name in DUPLICATE_CHECK_FIELDS:
            if name in self.errors and any(
                e.code in ("duplicate", "duplicate_warning") for e in self.errors.as_data()[name]
            ):
                self.fields[name].widget.attrs["hx-trigger"] = "blur changed, load"

    @staticmethod
    def _custom_field(definition: CustomField) -> forms.Field:
        common = {"label": definition.label, "required": definition.required}
        if definition.kind == CustomFieldKind.NUMBER:
            return DecimalNumberField(**common)
        if definition.kind == CustomFieldKind.DATE:
            return date_field(**common)
        if definition.kind == CustomFieldKind.CHOICE:
            return forms.ChoiceField(
                choices=[("", "—"), *[(c, c) for c in definition.choices]], **common
            )
        if definition.kind == CustomFieldKind.BOOLEAN:
            return forms.BooleanField(label=definition.label, required=False)
        return forms.CharField(max_length=500, **common)

    def _initial_from(self, customer: Customer) -> dict:
        initial = {
            name: getattr(customer, name)
            for name in services.EDITABLE_FIELDS
            if name in self.fields and name not in SENSITIVE_FIELDS
        }
        initial["other_addresses"] = "\n".join(str(a) for a in customer.other_addresses or [])
        initial["tags"] = ", ".join(t.name for t in customer.tags.all())
        initial["version"] = customer.version
        initial["base"] = edit_base(customer, services.EDITABLE_FIELDS)
        for key, value in (customer.custom_fields or {}).items():
            initial[f"cf_{key}"] = value
        return initial

    @property
    def groups(self):
        """(title, bound fields) per fieldset, for the template."""
        result = [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in CUSTOMER_GROUPS
        ]
        if "version" in self.fields:
            result[0][1].extend([self["version"], self["base"]])
        if "clear_sensitive" in self.fields:
            for _title, fields in result:
                if any(f.name == "health_notes" for f in fields):
                    fields.append(self["clear_sensitive"])
        custom = [self[name] for name in self.fields if name.startswith("cf_")]
        if custom:
            result.append((_("Custom fields"), custom))
        return result

    def service_data(self) -> tuple[dict, list[str]]:
        data, custom = {}, {}
        for name, value in self.cleaned_data.items():
            if name in ("tags", "clear_sensitive", "version", "base", "confirm_duplicate"):
                continue
            if name.startswith("cf_"):
                if hasattr(value, "isoformat"):
                    value = value.isoformat()
                elif value is not None and not isinstance(value, bool):
                    value = str(value)
                custom[name[3:]] = value
            elif name == "other_addresses":
                data[name] = [line.strip() for line in value.splitlines() if line.strip()]
            elif name == "is_minor":
                if value:
                    data[name] = value == "yes"
            elif name in SENSITIVE_FIELDS:
                if value:
                    data[name] = value
            else:
                data[name] = "" if value is None and name in _BLANK_STRINGS else value
        for name in self.cleaned_data.get("clear_sensitive") or []:
            data[name] = ""
        if custom:
            data["custom_fields"] = {k: v for k, v in custom.items() if v not in ("", None)}
        tags = [t for t in self.cleaned_data.get("tags", "").replace("，", ",").split(",")]
        return data, [t.strip() for t in tags if t.strip()]

    def save(self, actor):
        """Create or update through the service; None (with errors on the form) if refused."""
        data, tags = self.service_data()
        confirm = bool(self.cleaned_data.get("confirm_duplicate"))
        self.rebased = None
        try:
            if self.customer is None:
                return services.create_customer(actor, data, tags=tags, confirm_duplicate=confirm)
            try:
                return services.update_customer(
                    actor,
                    self.customer,
                    data,
                    tags=tags,
                    version=self.cleaned_data.get("version"),
                    confirm_duplicate=confirm,
                )
            except StaleEdit as exc:
                rebased = rebase_stale_edit(exc, self.data.get("base"), data, tags)
                if rebased is None:
                    raise
                saved = services.update_customer(
                    actor,
                    self.customer,
                    rebased[0],
                    tags=rebased[1],
                    version=exc.version,
                    confirm_duplicate=confirm,
                )
                self.rebased = rebased_message(exc, actor)
                return saved
        except ValidationError as exc:
            add_service_errors(self, exc)
        except StaleEdit as exc:
            add_stale_errors(self, exc, services.EDITABLE_FIELDS, actor)
        except TooManyRequests as exc:  # the 查重 budget: a new mobile, e-mail ... counts
            self.add_error(None, str(exc))
        return None


_BLANK_STRINGS = {
    f.name
    for f in Customer._meta.concrete_fields
    if f.get_internal_type() in {"CharField", "TextField", "EmailField"}
}


class ContactForm(forms.Form):
    def __init__(self, *args, contact: Contact | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact = contact
        for name in services.CONTACT_FIELDS:
            self.fields[name] = native_date(
                formfield_of(Contact._meta.get_field(name)), year_checked_by_service=True
            )
        self.fields["notes"].widget.attrs["rows"] = 3
        if contact is not None:
            self.fields["version"] = WholeNumberField(
                required=False, min_value=1, widget=forms.HiddenInput
            )
            self.fields["base"] = forms.CharField(required=False, widget=forms.HiddenInput)
        if contact is not None and not self.is_bound:
            self.initial = {name: getattr(contact, name) for name in services.CONTACT_FIELDS}
            self.initial["version"] = contact.version
            self.initial["base"] = edit_base(contact, services.CONTACT_FIELDS)

    def save(self, actor, customer: Customer):
        data = {
            k: ("" if v is None and k != "birthday" else v)
            for k, v in self.cleaned_data.items()
            if k not in ("version", "base")
        }
        self.rebased = None
        try:
            if self.contact is None:
                return services.create_contact(actor, customer, data)
            try:
                return services.update_contact(
                    actor, self.contact, data, version=self.cleaned_data.get("version")
                )
            except StaleEdit as exc:
                rebased = rebase_stale_edit(exc, self.data.get("base"), data)
                if rebased is None:
                    raise
                saved = services.update_contact(
                    actor, self.contact, rebased[0], version=exc.version
                )
                self.rebased = rebased_message(exc, actor)
                return saved
        except ValidationError as exc:
            add_service_errors(self, exc)
        except StaleEdit as exc:
            add_stale_errors(self, exc, services.CONTACT_FIELDS, actor)
        return None


class CollaboratorForm(forms.Form):
    """Share a customer with a colleague (协作人): read or read-write, optionally until a time."""

    user = forms.ModelChoiceField(label=_("colleague"), queryset=None, empty_label=None)
    access = forms.ChoiceField(
        label=_("access"), choices=Collaborator.Access.choices, initial=Collaborator.Access.READ
    )
    expires_at = datetime_field(_("until (optional)"))

    def __init__(self, *args, customer: Customer, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        field.queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .exclude(pk=customer.owner_id)
            .select_related("profile")
            .order_by("username")
        )
        field.label_from_instance = lambda user: str(profile_of(user))


# Loyalty type and churn (the 360 page's scores panel) -------------------------------------


class LoyaltyTypeForm(forms.Form):
    """The rep's judgement of the loyalty type; blank takes the one the scores suggest."""

    loyalty_type = forms.ChoiceField(
        label=_("Loyalty type"),
        required=False,
        choices=[("", _("As suggested by the scores")), *LoyaltyType.choices],
    )


class LostForm(forms.Form):
    """Mark a customer lost: the reason is required (the textbook's ten), the note optional."""

    reason = forms.ChoiceField(
        label=_("Reason lost"),
        choices=[("", _("Choose a reason")), *grouped_lost_reasons()],
        error_messages={"required": _("Choose why the customer was lost.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What happened, who the competitor is, what was tried."),
    )


class WinBackForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
