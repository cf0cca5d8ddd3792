"""Template helpers for the pages: grouped profile values, readable audit changes, phones,
money."""

from datetime import datetime
from functools import lru_cache

import phonenumbers
from django import template
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from guanxi.customers.forms import CUSTOMER_GROUPS
from guanxi.customers.sensitive import SENSITIVE_FIELDS
from guanxi.formats.money import format_money

register = template.Library()
_SKIP = {*SENSITIVE_FIELDS, "tags", "name", "kind"}
PHONE_FIELDS = {"mobile", "phone"}


def _display(instance, name: str):
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if field.choices:
        return getattr(instance, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return value


@register.simple_tag
def profile_groups(customer):
    """[(group title, [(label, value)])] with empty values left out; sensitive fields never."""
    groups = []
    for title, names in CUSTOMER_GROUPS:
        rows = []
        for name in names:
            if name in _SKIP:
                continue
            if getattr(customer, name) in ("", None, []):
                continue
            value = _display(customer, name)
            if value in ("", None, []) or (name in {"points"} and value == 0):
                continue
            if (
                isinstance(value, str)
                and name in {"verified", "do_not_contact"}
                and value == _("No")
            ):
                continue
            if name in PHONE_FIELDS:
                value = tel_link(value)
            rows.append((customer._meta.get_field(name).verbose_name, value))
        if rows:
            groups.append((title, rows))
    return groups


@register.filter
def change_rows(entry):
    """An audit entry's {field: [old, new]} as (label, old, new) rows in the user's language."""
    model = _model_of(entry.model)
    rows = []
    for name, pair in (entry.changes or {}).items():
        label, field = name, None
        if model is not None:
            try:
                field = model._meta.get_field(name)
                label = field.verbose_name
            except (FieldDoesNotExist, AttributeError):  # a reverse relation has no label
                field = None
                label = {
                    "tags": _("tags"),
                    "collaborator": _("collaborator"),
                    "lines": _("order lines"),
                    "purpose": _("stated purpose"),
                    "route": _("route"),
                    "deleted_with": _("deleted with"),
                    "erased": _("erased"),
                    "merged": _("merged in"),
                    "unmerged": _("merge undone"),
                    "moved": _("records moved"),
                    # pipeline.services.win_opportunity: the numbers of the accepted contracts
                    "won_with_contracts": _("won with the contracts"),
                }.get(name, name)
        if name in ("merged", "unmerged") and isinstance(pair, list) and len(pair) == 2:
            pair = [None, pair[1]]  # [id, name]: the other customer by name, not "601 → 唐成"
        if name == "moved" and isinstance(pair, dict):
            pair = [None, {_moved_label(k): v for k, v in pair.items()}]
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        old, new = _as_text(_readable(field, old)), _as_text(_readable(field, new))
        if not old == new == "—":  # "" → None on a new record is nobody's idea of a change
            rows.append((label, old, new))
    return rows


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
        key = (self.origin.name, self.token.position, get_language(), key)
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
