"""Bulk actions on a selection of orders: the same services and scope checks as one edit.

A selection is all or nothing: if any selected id is outside what the user may change (or
see, for an export), nothing happens and the caller is told how many ids were refused.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.accounts.scope import is_manager, scoped
from guanxi.services_common import selected_ids, whole_selection

from . import services
from .models import Order, Product


def clean_ids(raw: list[str], *, products: bool = False) -> list[int]:
    """The selected order (or product) ids from a form's checkboxes; a clear message when
    there are none."""
    if products:
        return selected_ids(
            raw,
            not_an_id=_("“%(value)s” is not a product id."),
            none=_("Select at least one product."),
            too_many=_("Select at most %(n)d products at a time."),
        )
    return selected_ids(
        raw,
        not_an_id=_("“%(value)s” is not an order id."),
        none=_("Select at least one order."),
        too_many=_("Select at most %(n)d orders at a time."),
    )


def selection(user, ids: list[int], *, write: bool = True) -> list[Order]:
    """The selected orders, or a ValidationError if any is outside the user's scope."""
    queryset = scoped(user, Order.objects.all(), write=write, via="customer")
    found = list(queryset.filter(pk__in=ids).order_by("pk"))

    def refused(n: int) -> str:
        if write:
            return ngettext(
                "%(n)d selected order is outside what you may change; nothing was changed.",
                "%(n)d selected orders are outside what you may change; nothing was changed.",
                n,
            ) % {"n": n}
        return ngettext(
            "%(n)d selected order is outside what you may see; nothing was exported.",
            "%(n)d selected orders are outside what you may see; nothing was exported.",
            n,
        ) % {"n": n}

    return whole_selection(found, ids, refused)


@transaction.atomic
def set_status(actor, ids: list[int], status: str) -> int:
    """Give every selected order `status` through update_order (validated, versioned and
    audited one by one, each step allowed by services.TRANSITIONS); how many changed. Any
    refusal undoes the whole selection and names the order refused."""
    if status not in services.EDIT_TARGETS:
        raise ValidationError({"status": [_("Choose a status for the selected orders.")]})
    orders = selection(actor, ids)
    changed = 0
    for order in orders:
        if order.status != status:
            try:
                services.update_order(actor, order, {"status": status}, version=order.version)
            except ValidationError as exc:
                reason = " ".join(exc.message_dict.get("status", exc.messages))
                raise ValidationError(
                    {
                        "status": [
                            _("Order %(number)s: %(reason)s Nothing was changed.")
                            % {"number": order.number, "reason": reason}
                        ]
                    }
                ) from exc
            changed += 1
    return changed


def product_selection(ids: list[int]) -> list[Product]:
    """The selected products (a shared catalogue: no data scope), or a ValidationError naming
    how many no longer exist."""
    found = list(Product.objects.filter(pk__in=ids).order_by("pk"))
    return whole_selection(
        found,
        ids,
        lambda n: (
            ngettext(
                "%(n)d selected product no longer exists; nothing was changed.",
                "%(n)d selected products no longer exist; nothing was changed.",
                n,
            )
            % {"n": n}
        ),
    )


@transaction.atomic
def set_products_active(actor, ids: list[int], active: bool) -> int:
    """Activate or deactivate the selected products (managers only, as for one product edit)
    through update_product (versioned, audited); how many changed."""
    if not is_manager(actor):
        raise PermissionDenied(_("Only managers may change the product catalogue."))
    products = product_selection(ids)
    changed = 0
    for product in products:
        if product.active != active:
            services.update_product(actor, product, {"active": active}, version=product.version)
            changed += 1
    return changed
