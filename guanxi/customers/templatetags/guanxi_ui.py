"""Template helpers for the pages: grouped profile values and readable audit changes."""

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.customers.forms import CUSTOMER_GROUPS
from guanxi.privacy.sensitive import SENSITIVE_FIELDS

register = template.Library()
_SKIP = {*SENSITIVE_FIELDS, "tags", "name", "kind"}


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
            rows.append((customer._meta.get_field(name).verbose_name, value))
        if rows:
            groups.append((title, rows))
    return groups


@register.filter
def change_rows(entry):
    """An audit entry's {field: [old, new]} as (label, old, new) rows in the user's language."""
    try:
        model = apps.get_model(_app_of(entry.model), entry.model)
    except (LookupError, ValueError):
        model = None
    rows = []
    for name, pair in (entry.changes or {}).items():
        label = name
        if model is not None:
            try:
                label = model._meta.get_field(name).verbose_name
            except FieldDoesNotExist:
                label = {
                    "tags": _("tags"),
                    "collaborator": _("collaborator"),
                    "lines": _("order lines"),
                    "purpose": _("stated purpose"),
                    "route": _("route"),
                    "deleted_with": _("deleted with"),
                    "erased": _("erased"),
                }.get(name, name)
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        rows.append(
            (label, "—" if old in (None, "", []) else old, "—" if new in (None, "", []) else new)
        )
    return rows


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


@register.simple_tag
def model_label(model_name: str) -> str:
    labels = {"customer": _("customer"), "contact": _("contact"), "order": _("order")}
    if model_name in labels:
        return labels[model_name]
    try:  # interactions, tasks, notes, consent, products: their own names
        return apps.get_model(_app_of(model_name), model_name)._meta.verbose_name
    except (LookupError, ValueError):
        return model_name


@register.filter
def is_overdue(task) -> bool:
    return task.done_at is None and task.due_at is not None and task.due_at < timezone.now()
