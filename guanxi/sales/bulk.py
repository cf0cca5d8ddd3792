"""Bulk actions on a selection of orders: the same services and scope checks as one edit.

A selection is all or nothing: if any selected id is outside what the user may change (or
see, for an export), nothing happens and the caller is told how many ids were refused.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.accounts.scope import scoped

from . import services
from .models import Order, OrderStatus

MAX_SELECTION = 1000


def clean_ids(raw: list[str]) -> list[int]:
    """The selected order ids from a form's checkboxes; a clear message when there are none."""
    ids = set()
    for value in raw:
        value = str(value).strip()
        if not value.isdigit() or not 0 < int(value) < 2**63:
            raise ValidationError(
                {"ids": [_("“%(value)s” is not an order id.") % {"value": value}]}
            )
        ids.add(int(value))
    if not ids:
        raise ValidationError({"ids": [_("Select at least one order.")]})
    if len(ids) > MAX_SELECTION:
        raise ValidationError(
            {"ids": [_("Select at most %(n)d orders at a time.") % {"n": MAX_SELECTION}]}
        )
    return sorted(ids)


def selection(user, ids: list[int], *, write: bool = True) -> list[Order]:
    """The selected orders, or a ValidationError if any is outside the user's scope."""
    queryset = scoped(user, Order.objects.all(), write=write, via="customer")
    found = list(queryset.filter(pk__in=ids).order_by("pk"))
    refused = len(set(ids)) - len(found)
    if refused:
        message = (
            ngettext(
                "%(n)d selected order is outside what you may change; nothing was changed.",
                "%(n)d selected orders are outside what you may change; nothing was changed.",
                refused,
            )
            if write
            else ngettext(
                "%(n)d selected order is outside what you may see; nothing was exported.",
                "%(n)d selected orders are outside what you may see; nothing was exported.",
                refused,
            )
        )
        raise ValidationError({"ids": [message % {"n": refused}]})
    return found


@transaction.atomic
def set_status(actor, ids: list[int], status: str) -> int:
    """Give every selected order `status` through update_order (validated, versioned and
    audited one by one); how many changed. Any refusal undoes the whole selection."""
    if status not in OrderStatus.values:
        raise ValidationError({"status": [_("Choose a status for the selected orders.")]})
    orders = selection(actor, ids)
    changed = 0
    for order in orders:
        if order.status != status:
            services.update_order(actor, order, {"status": status}, version=order.version)
            changed += 1
    return changed
