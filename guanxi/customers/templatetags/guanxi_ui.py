"""Template helpers for the pages: grouped profile values, readable audit changes, phones,
money."""

import html
import re
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

import phonenumbers
from django import template
from django.apps import apps
from django.conf import settings
from django.contrib.messages import constants
from django.core.exceptions import FieldDoesNotExist
from django.db.models import DecimalField, FloatField, IntegerField
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from guanxi.audit.services import ERASED_PLACEHOLDER, SENSITIVE_PLACEHOLDER
from guanxi.customers.forms import CUSTOMER_GROUPS
from guanxi.customers.sensitive import SENSITIVE_FIELDS
from guanxi.fast_templates import choice_labels, per_catalog
from guanxi.formats.money import DEFAULT_CURRENCY, format_money

register = template.Library()
_SKIP = {*SENSITIVE_FIELDS, "tags", "name", "kind"}
PHONE_FIELDS = {"mobile", "phone"}


def _profile_texts() -> dict:
    """The profile card's texts in the active language, translated once per catalog: the groups
    (title, fields shown), each field's label (capitalised), each choice field's labels by
    value, Yes and No."""

    def build() -> dict:
        meta = apps.get_model("customers", "Customer")._meta
        groups = [
            (str(title), [n for n in names if n not in _SKIP]) for title, names in CUSTOMER_GROUPS
        ]
        fields = {n: meta.get_field(n) for _title, names in groups for n in names}
        return {
            "groups": groups,
            "labels": {n: capfirst(str(f.verbose_name)) for n, f in fields.items()},
            "choices": {n: choice_labels(f) for n, f in fields.items() if f.choices},
            "yes": _("Yes"),
            "no": _("No"),
        }

    return per_catalog("customers:profile", build)


def _display(instance, name: str):
    """A field's value as the pages show it (any field; the merge page's side by side)."""
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if field.choices:
        return getattr(instance, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return value


def _profile_display(value, name: str, texts: dict):
    """A profile value as the card shows it: a choice by its label (as get_FOO_display), a
    yes/no in words, a list joined."""
    choices = texts["choices"].get(name)
    if choices is not None:
        return choices.get(value, value)
    if isinstance(value, bool):
        return texts["yes"] if value else texts["no"]
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return value


@register.simple_tag
def profile_groups(customer):
    """[(group title, [(label, value)])] with empty values left out; sensitive fields never."""
    texts = _profile_texts()
    groups = []
    for title, names in texts["groups"]:
        rows = []
        for name in names:
            value = getattr(customer, name)
            if value in ("", None, []):
                continue
            value = _profile_display(value, name, texts)
            if value in ("", None, []) or (name in {"points"} and value == 0):
                continue
            if name in {"verified", "do_not_contact"} and value == texts["no"]:
                continue
            if name in PHONE_FIELDS:
                value = tel_link(value)
            rows.append((texts["labels"][name], value))
        if rows:
            groups.append((title, rows))
    return groups


def _html(value) -> str:
    """Django's conditional_escape for a value that is not a lazy string (those cast first
    there): without its lazy-string wrapper, ~20 rows a 360 page."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


@register.simple_tag
def profile_html(customer):
    """The 360 page's profile card body: each group of profile_groups as a heading and a
    definition list, values shown as a template shows them (local time, localized, escaped); else "No
    details recorded yet.". Joined here: as template loops its ~20 rows cost ~0.4 ms a page,
    and through format_html with lazy labels ~0.3 ms more."""
    parts = [
        f'<h3 class="group-title">{_html(title)}</h3><dl class="profile">'
        + "".join(
            f"<dt>{_html(label)}</dt><dd>{_html(localize(timezone.template_localtime(value)))}</dd>"
            for label, value in rows
        )
        + "</dl>"
        for title, rows in profile_groups(customer)
    ]
    if not parts:
        return format_html('<p class="muted">{}</p>', _("No details recorded yet."))
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped by _html


@register.filter
def change_rows(entry):
    """An audit entry's {field: [old, new]} as (label, old, new) rows in the user's language:
    money in the one money format, a change that changed nothing ("0.00" → "0", "" → None)
    left out."""
    model = _model_of(entry.model)
    money = _Currency(entry, model)
    rows = []
    for name, pair in (entry.changes or {}).items():
        label, field = _label(model, name)
        if name in ("merged", "unmerged") and isinstance(pair, list) and len(pair) == 2:
            pair = [None, pair[1]]  # [id, name]: the other customer by name, not "601 → 唐成"
        if name == "moved" and isinstance(pair, dict):
            pair = [None, {_moved_label(k): v for k, v in pair.items()}]
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        if _same(old, new, numeric=_is_number(name, field)):
            continue
        if field is None:
            old, new = _trail_value(name, old), _trail_value(name, new)
        old, new = (_as_text(_readable(field, _money(name, field, v, money))) for v in (old, new))
        if old != new or _hidden(old):
            rows.append((label, old, new))
    return rows


# A sensitive value changed, or an erased one: the same placeholder both sides is a change.
_PLACEHOLDERS = {SENSITIVE_PLACEHOLDER, ERASED_PLACEHOLDER}
# Amounts a trail records under names that are no field of the entry's model.
_MONEY_NAMES = {"amount", "total", "subtotal", "received", "price", "unit_price", "refunded_total"}
# What services.py files write for a line ("GW-01 × 36 @ 168.00", contracts add " −5.00%") and
# an instalment ("2026-12-31 25373.60"): the figures in them are money too.
_LINE = re.compile(
    r"^(?P<item>.+ × \S+ @ )(?P<price>-?\d+(?:\.\d+)?)(?: −(?P<off>-?\d+(?:\.\d+)?)%)?$"
)
_INSTALMENT = re.compile(r"^(?P<due>\d{4}-\d{2}-\d{2}) (?P<amount>-?\d+(?:\.\d+)?)$")


# The names an audit trail records that are no field of the entry's model, and the values of
# them that are words of the code (a reveal's route "page"), in the user's language: a name
# missing here would show raw ("Returned_to_pool"). tests/audit/test_trail_names.py walks every
# name the services write and fails on one that is neither a field nor here.
TRAIL_LABELS = {
    "tags": gettext_lazy("tags"),
    "collaborator": gettext_lazy("collaborator"),
    "lines": gettext_lazy("order lines"),
    "instalments": gettext_lazy("instalments"),
    # privacy/sensitive.py: a reveal's purpose, as the reveal form names it, and its route
    "purpose": gettext_lazy("purpose of viewing"),
    "route": gettext_lazy("route"),
    "deleted_with": gettext_lazy("deleted with"),
    "erased": gettext_lazy("erased"),
    "merged": gettext_lazy("merged in"),
    "unmerged": gettext_lazy("merge undone"),
    "moved": gettext_lazy("records moved"),
    # pipeline.services.win_opportunity: the numbers of the accepted contracts
    "won_with_contracts": gettext_lazy("won with the contracts"),
    # pool: claimed from and released to a pool (its name); returned by the rule on its due date
    "claimed_from_pool": gettext_lazy("claimed from the pool"),
    "released_to_pool": gettext_lazy("released to the pool"),
    "returned_to_pool": gettext_lazy("returned to the pool, due on"),
    "moved_along": gettext_lazy("moved along"),  # pool/transfers.py
    "link": gettext_lazy("answer link"),  # surveys: an invitation's link renewed or cancelled
    "via": gettext_lazy("answered through"),  # surveys: a response
    "token": gettext_lazy("API token"),  # accounts: created or revoked (its first characters)
    "transfer_to": gettext_lazy("work handed over to"),  # team: a deactivated user's
}
TRAIL_VALUES = {
    "route": {
        "page": gettext_lazy("Page view"),
        "api": gettext_lazy("API"),
        "export": gettext_lazy("Export"),
    },
    "link": {"renewed": gettext_lazy("Renewed"), "cancelled": gettext_lazy("Cancelled")},
    "via": {"survey link": gettext_lazy("The survey link")},
    "moved_along": {
        "opportunities": gettext_lazy("opportunities"),
        "contracts": gettext_lazy("contracts"),
        "tasks": gettext_lazy("tasks"),
    },
}


def _label(model, name: str):
    """(label, field or None) of a recorded name: a field's verbose name, a reverse relation's
    records by their plural ("instalments" → 分期), else the trail's own names (TRAIL_LABELS)."""
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field is not None and not field.auto_created and hasattr(field, "verbose_name"):
            return field.verbose_name, field
        if field is not None and field.related_model is not None:  # a reverse relation
            return field.related_model._meta.verbose_name_plural, None
    label = TRAIL_LABELS.get(name)
    return (str(label) if label is not None else name.replace("_", " ")), None


def _trail_value(name: str, value):
    """A value the code wrote as a word of its own ("page", ["tasks"]) in the user's language."""
    words = TRAIL_VALUES.get(name)
    if not words:
        return value
    if isinstance(value, list):
        return [_trail_value(name, v) for v in value]
    return str(words[value]) if isinstance(value, str) and value in words else value


@register.filter
def reveal_rows(entry):
    """A reveal's audit entry as (label, value) rows: the data viewed, the purpose of viewing
    and the route. No old → new: nothing changed, and the value itself is never recorded
    ("*** → ***" read as a change)."""
    model = _model_of(entry.model)
    changes = entry.changes or {}
    viewed = [
        capfirst(str(_label(model, name)[0]))
        for name in changes
        if name not in ("purpose", "route")
    ]
    rows = [(_("data viewed"), ", ".join(viewed) or "—")]
    for name in ("purpose", "route"):
        if name in changes:
            pair = changes[name]
            value = pair[-1] if isinstance(pair, list) and pair else pair
            rows.append((str(_label(model, name)[0]), _as_text(_trail_value(name, value))))
    return rows


class _Currency:
    """The currency of an entry's amounts, looked up once and only if it shows one: the
    entry's own "currency" change, else its record's (or its contract's, order's...), else
    CNY."""

    def __init__(self, entry, model):
        self.entry, self.model, self._code = entry, model, None

    @property
    def code(self) -> str:
        if self._code is None:
            self._code = self._find() or DEFAULT_CURRENCY
        return self._code

    def _find(self):
        pair = (self.entry.changes or {}).get("currency")
        for value in reversed(pair if isinstance(pair, list) else [pair]):
            if isinstance(value, str) and value:
                return value
        if self.model is None:
            return None
        path = _currency_path(self.model)
        if path is None:
            return None
        try:
            rows = self.model._base_manager.filter(pk=self.entry.object_id)
            return rows.values_list(path, flat=True).first()
        except (ValueError, TypeError):  # an object id that is no key of this model
            return None


@lru_cache(maxsize=256)
def _currency_path(model) -> str | None:
    """Where a model's currency is: its own field, or a parent's ("contract__currency")."""
    names = {f.name for f in model._meta.concrete_fields}
    if "currency" in names:
        return "currency"
    for field in model._meta.concrete_fields:
        if field.many_to_one and "currency" in {
            f.name for f in field.related_model._meta.concrete_fields
        }:
            return f"{field.name}__currency"
    return None


def _is_number(name: str, field) -> bool:
    if field is None:
        return name in _MONEY_NAMES
    return isinstance(field, DecimalField | IntegerField | FloatField)


def _is_money(name: str, field) -> bool:
    if field is None:
        return name in _MONEY_NAMES
    return isinstance(field, DecimalField) and field.decimal_places == 2


def _money(name: str, field, value, currency: _Currency):
    """Amounts in the one money format: a money field's value, and the prices and amounts
    inside recorded lines and instalments. Anything else as it is."""
    if value in (None, "") or isinstance(value, bool):
        return value
    if isinstance(value, list):
        return [_money_in_text(v, currency) if isinstance(v, str) else v for v in value]
    if _is_money(name, field):
        try:
            return format_money(value, currency.code)
        except ValueError:
            return value
    return value


def _money_in_text(text: str, currency: _Currency) -> str:
    if found := _LINE.match(text):
        off = found["off"]
        shown = f"{found['item']}{format_money(found['price'], currency.code)}"
        if off is not None and Decimal(off) != 0:  # no discount is no "−0.00%"
            shown += f" −{Decimal(off).normalize():f}%"
        return shown
    if found := _INSTALMENT.match(text):
        return f"{found['due']} {format_money(found['amount'], currency.code)}"
    return text


def _same(old, new, *, numeric: bool = False) -> bool:
    """Equal as values, not as spellings: Decimal("0.00") and 0 (`numeric`: of a number
    field, where "0.00" and "0" are one value), "" and None, [] and None, one moment written
    in two zones. A placeholder (a sensitive or erased value) is never the
    same: its change is the news."""
    if _hidden(old) or _hidden(new):
        return False
    if old in (None, "", [], {}) and new in (None, "", [], {}):
        return True
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if numeric:
        number_old, number_new = _number(old), _number(new)
        if number_old is not None and number_new is not None:
            return number_old == number_new
    if isinstance(old, str) and isinstance(new, str) and ":" in old and ":" in new:
        try:
            a, b = datetime.fromisoformat(old), datetime.fromisoformat(new)
        except ValueError:
            return old == new
        if timezone.is_aware(a) == timezone.is_aware(b):
            return a == b
    return old == new


def _hidden(value) -> bool:
    return isinstance(value, str) and value in _PLACEHOLDERS


def _number(value):
    """A number or a number's text as a Decimal, else None."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    if isinstance(value, str) and _NUMBER.match(value):
        return Decimal(value)
    return None


_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _moved_label(relation: str) -> str:
    """The records a merge moved, named in the user's language (merging.MOVED_RELATIONS)."""
    return {
        "contact": _("contacts"),
        "interaction": _("interactions"),
        "note": _("notes"),
        "task": _("tasks"),
        "order": _("orders"),
        "consent": _("consents"),
        "collaborator": _("collaborators"),
        "referral": _("referrals"),
        "tag": _("tags"),
    }.get(relation, relation)


def _readable(field, value):
    """A choice as its label, a related record (stored as its id) by its name."""
    if field is None or value in (None, "", []):
        return value
    if field.name in PHONE_FIELDS and isinstance(value, str):
        return phone(value)
    if getattr(field, "choices", None) and not isinstance(value, list | dict):
        return dict(field.flatchoices).get(value, value)
    if getattr(field, "many_to_one", False) and isinstance(value, int):
        related = field.related_model.objects.filter(pk=value).first()
        if related is not None:
            profile = getattr(related, "profile", None)
            return getattr(profile, "display_name", "") or str(related)
    return value


def _as_text(value) -> str:
    """A recorded value as a person reads it: lists as "VIP, 茶友", moments in local time."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_as_text(v)}" for k, v in value.items())
    if isinstance(value, str) and ":" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return str(value)


def _app_of(model_name: str) -> str:
    return {
        "customer": "customers",
        "contact": "customers",
        "order": "sales",
        "orderline": "sales",
        "product": "sales",
        "interaction": "activities",
        "task": "activities",
        "note": "activities",
        "consent": "privacy",
    }.get(model_name, "")


def _model_of(model_name: str):
    """The model an audit entry names (its model_name), in whichever guanxi app it lives: the
    refunds, surveys, cases and review sets too, not only the customer's own records."""
    try:
        return apps.get_model(_app_of(model_name), model_name)
    except (LookupError, ValueError):
        return _guanxi_models().get(model_name)


@lru_cache(maxsize=1)
def _guanxi_models() -> dict:
    return {m._meta.model_name: m for m in apps.get_models() if m.__module__.startswith("guanxi.")}


@register.simple_tag
def model_label(model_name: str) -> str:
    labels = {"customer": _("customer"), "contact": _("contact"), "order": _("order")}
    if model_name in labels:
        return labels[model_name]
    model = _model_of(model_name)  # interactions, tasks, refunds, cases...: their own names
    return model._meta.verbose_name if model is not None else model_name


@register.filter
def options(choices, selected=None):
    """{{ form.fields.x.choices|options:form.x.value }}: the select's <option>s (and
    <optgroup>s) with the chosen one selected, joined in Python (fast_templates.options_html):
    a template loop costs four nodes an option."""
    from guanxi.fast_templates import options_html

    return options_html(choices, selected)


@register.filter
def is_overdue(task) -> bool:
    return task.done_at is None and task.due_at is not None and task.due_at < timezone.now()


@register.filter
def money(value, currency=None) -> str:
    """`{{ order.total|money:order.currency }}`: the one money format of every page
    (guanxi.formats.money.format_money); no currency is CNY; None or "" gives "" (add
    `|default:"—"` where the page shows a dash). A value that is not a number is shown as it
    is rather than breaking the page."""
    try:
        return format_money(value, currency)
    except ValueError:
        return value


@register.filter
def phone(value) -> str:
    """A stored number as people read it: +8613800138000 → 138 0013 8000 (national format)."""
    parts = _phone_parts(str(value), settings.PHONENUMBER_DEFAULT_REGION) if value else None
    return parts[1] if parts else value or ""


@register.filter
def tel_link(value, empty: str = "—"):
    """A `tel:` link showing the number as people read it; `empty` when there is none."""
    if not value:
        return empty
    parts = _phone_parts(str(value), settings.PHONENUMBER_DEFAULT_REGION)
    if parts is None:
        return value
    return format_html('<a href="tel:{}" class="tel">{}</a>', *parts)


@lru_cache(maxsize=4096)
def _phone_parts(value: str, region: str) -> tuple[str, str] | None:
    """(E.164, national format) of a possible number, else None. Parsing and formatting cost
    ~0.2 ms a number (a list page shows 25), and the answer depends on nothing else: kept per
    process for the numbers seen last."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
    )


@register.filter
def undo_task(message) -> dict | None:
    """{pk, view} when a message confirms a task marked done (extra tags "undo-task PK VIEW")."""
    parts = (getattr(message, "extra_tags", "") or "").split()
    if len(parts) == 3 and parts[0] == "undo-task" and parts[1].isdigit():
        view = parts[2] if parts[2] in {"timeline", "inbox"} else "inbox"
        return {"pk": int(parts[1]), "view": view}
    return None


@register.filter
def current_messages(messages) -> list:
    """The messages to show, oldest first, without a confirmation (success, info) that a later
    error or warning follows: one queued by an earlier action (an htmx answer that showed none)
    is not shown next to the error of this one, as the page's script removes a confirmation on
    screen when an htmx answer brings an error. Confirmations of one action together (saved;
    saved on top of a colleague's change) all stay. Reading them marks them shown."""
    queued = list(messages or ())
    last_problem = max(
        (i for i, message in enumerate(queued) if message.level >= constants.WARNING),
        default=-1,
    )
    return [
        message
        for index, message in enumerate(queued)
        if message.level >= constants.WARNING or index > last_problem
    ]


@register.filter
def fields_with_errors(form) -> list:
    """The visible fields of a form that have errors, for the summary above the form."""
    return [field for field in form.visible_fields() if field.errors]


# Rendered fields of empty forms, per place in a template, language and form (see unbound_once).
_UNBOUND_HTML: dict[tuple, str] = {}
_UNBOUND_MAX = 256


class UnboundOnceNode(template.Node):
    def __init__(self, nodelist, form):
        self.nodelist, self.form = nodelist, form

    def render(self, context):
        form = self.form.resolve(context)
        key = None if form is None or form.is_bound else form.unbound_key()
        if key is None:
            return self.nodelist.render(context)
        # the line, not token.position: Django records positions only when debugging
        key = (self.origin.name, self.token.lineno, get_language(), key)
        html = _UNBOUND_HTML.get(key)
        if html is None:
            if len(_UNBOUND_HTML) >= _UNBOUND_MAX:
                _UNBOUND_HTML.clear()
            html = _UNBOUND_HTML[key] = self.nodelist.render(context)
        return html


@register.tag
def unbound_once(parser, token):
    """{% unbound_once form %}…{% end_unbound_once %}: the fields of an empty form, rendered
    once per process, language and form.unbound_key() (None: render as usual), since they are
    the same every time: a form's widgets cost a quarter of the 360 page. A bound form (with
    values and errors) always renders. Keep the csrf token, URLs and anything else that varies
    outside the block."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("unbound_once takes one argument, the form")
    nodelist = parser.parse(("end_unbound_once",))
    parser.delete_first_token()
    return UnboundOnceNode(nodelist, parser.compile_filter(bits[1]))
