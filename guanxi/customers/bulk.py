"""Bulk actions on a selection of customers: the same services and scope checks as one edit.

A selection is all or nothing: if any selected id is outside what the user may change (or
see, for an export), nothing happens and the caller is told how many ids were refused.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.accounts.scope import is_manager, visible_customers
from guanxi.services_common import selected_ids, whole_selection

from . import services
from .models import Customer


def clean_ids(raw: list[str]) -> list[int]:
    """The selected ids from a form's checkboxes; a clear message when there are none."""
    return selected_ids(
        raw,
        not_an_id=_("“%(value)s” is not a customer id."),
        none=_("Select at least one customer."),
        too_many=_("Select at most %(n)d customers at a time."),
    )


def selection(user, ids: list[int], *, write: bool = True) -> list[Customer]:
    """The selected customers, or a ValidationError if any is outside the user's scope."""
    found = list(visible_customers(user, write=write).filter(pk__in=ids).order_by("pk"))

    def refused(n: int) -> str:
        if write:
            return ngettext(
                "%(n)d selected customer is outside what you may change; nothing was changed.",
                "%(n)d selected customers are outside what you may change; nothing was changed.",
                n,
            ) % {"n": n}
        return ngettext(
            "%(n)d selected customer is outside what you may see; nothing was exported.",
            "%(n)d selected customers are outside what you may see; nothing was exported.",
            n,
        ) % {"n": n}

    return whole_selection(found, ids, refused)


@transaction.atomic
def assign_owner(actor, ids: list[int], owner) -> int:
    """Transfer the selection to `owner` (managers only, as for one customer)."""
    if not is_manager(actor):
        raise PermissionDenied(_("Only managers may transfer customers."))
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": [_("Choose an active user as the new owner.")]})
    customers = selection(actor, ids)
    for customer in customers:
        if customer.owner_id != owner.pk:
            services.assign_owner(actor, customer, owner)
    return len(customers)


@transaction.atomic
def add_tag(actor, ids: list[int], name: str) -> int:
    """Add a tag to every selected customer; how many did not have it yet."""
    customers = selection(actor, ids)
    return sum(services.add_tag(actor, customer, name) for customer in customers)


@transaction.atomic
def remove_tag(actor, ids: list[int], name: str) -> int:
    """Remove a tag from every selected customer; how many had it."""
    customers = selection(actor, ids)
    return sum(services.remove_tag(actor, customer, name) for customer in customers)
