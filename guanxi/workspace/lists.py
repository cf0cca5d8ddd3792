"""Bulk actions on the customer, order, product and task lists: the domain's services and, for an
export of the selection, dataio's exporter (which is why this lives above both)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.accounts.scope import covered_users, is_manager
from guanxi.activities import bulk as task_bulk
from guanxi.customers import bulk as customer_bulk
from guanxi.dataio.exports import csv_chunks, customer_rows, order_rows, product_rows, task_rows
from guanxi.sales import bulk as order_bulk
from guanxi.sales.models import OrderStatus
from guanxi.services_common import StaleEdit


def _back(name: str, query: str):
    # Only a query string is kept from the form (parsed and re-encoded): never a URL elsewhere.
    query = QueryDict(query.lstrip("?")[:2000]).urlencode()
    return redirect(reverse(name) + (f"?{query}" if query else ""))


def _csv(headers, rows, prefix: str):
    response = StreamingHttpResponse(
        csv_chunks(headers, rows), content_type="text/csv; charset=utf-8"
    )
    name = f"{prefix}-selection-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _bulk(request, list_name: str, act, *, stale: str | None):
    """Run a bulk action: its answer (an export) or, after its messages, back to the list with
    its filters. A refusal (invalid, stale with `stale` to say so, not permitted) changes
    nothing: the services run the whole selection in one transaction."""
    try:
        response = act()
        if response is not None:
            return response
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except StaleEdit:
        if stale is None:
            raise
        messages.error(request, stale)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    return _back(list_name, request.POST.get("query", ""))


@login_required
@require_POST
def customer_bulk_action(request):
    """Assign owner, add or remove a tag, or export, on the customers ticked in the list."""

    def act():
        action = request.POST.get("action", "")
        ids = customer_bulk.clean_ids(request.POST.getlist("ids"))
        if action == "export":
            customer_bulk.selection(request.user, ids, write=False)
            return _csv(*customer_rows(request.user, ids=ids), "customers")
        if action == "transfer":  # the transfer page (客户转移) with the selection filled in
            return redirect(f"{reverse('pool:transfer')}?{urlencode({'ids': ids}, doseq=True)}")
        if action == "assign":
            owner_id = request.POST.get("owner", "")
            owner = (
                get_user_model().objects.filter(pk=owner_id, is_active=True).first()
                if owner_id.isdigit()
                else None
            )
            n = customer_bulk.assign_owner(request.user, ids, owner)
            messages.success(
                request,
                ngettext(
                    "%(n)d customer transferred to %(owner)s.",
                    "%(n)d customers transferred to %(owner)s.",
                    n,
                )
                % {"n": n, "owner": owner.get_username()},
            )
        elif action in ("add_tag", "remove_tag"):
            tag = request.POST.get("tag", "")
            # "added to 0 customers" read as a failure (demo review), and so did "removed from
            # 0": when nothing changed, the message says why, counting the chosen customers
            # (ids are distinct, see clean_ids; the whole selection was found, else an error).
            if action == "add_tag":
                n = customer_bulk.add_tag(request.user, ids, tag)
                if n == 0:
                    n = len(ids)
                    text = ngettext(
                        "The chosen customer already had the tag “%(tag)s”.",
                        "All %(n)d chosen customers already had the tag “%(tag)s”.",
                        n,
                    )
                else:
                    text = ngettext(
                        "Tag “%(tag)s” added to %(n)d customer.",
                        "Tag “%(tag)s” added to %(n)d customers.",
                        n,
                    )
            else:
                n = customer_bulk.remove_tag(request.user, ids, tag)
                if n == 0:
                    n = len(ids)
                    text = ngettext(
                        "The chosen customer did not have the tag “%(tag)s”.",
                        "None of the %(n)d chosen customers had the tag “%(tag)s”.",
                        n,
                    )
                else:
                    text = ngettext(
                        "Tag “%(tag)s” removed from %(n)d customer.",
                        "Tag “%(tag)s” removed from %(n)d customers.",
                        n,
                    )
            messages.success(request, text % {"n": n, "tag": tag.strip()})
        else:
            messages.error(request, _("Choose what to do with the selected customers."))

    return _bulk(request, "customers:list", act, stale=None)


@login_required
@require_POST
def order_bulk_action(request):
    """Export or change the status of the orders ticked in the list, all or nothing."""

    def act():
        action = request.POST.get("action", "")
        ids = order_bulk.clean_ids(request.POST.getlist("ids"))
        if action == "export":
            order_bulk.selection(request.user, ids, write=False)
            return _csv(*order_rows(request.user, ids=ids), "orders")
        if action == "status":
            status = request.POST.get("status", "")
            n = order_bulk.set_status(request.user, ids, status)
            messages.success(
                request,
                ngettext(
                    "%(n)d order set to “%(status)s”.",
                    "%(n)d orders set to “%(status)s”.",
                    n,
                )
                % {"n": n, "status": OrderStatus(status).label},
            )
        else:
            messages.error(request, _("Choose what to do with the selected orders."))

    return _bulk(
        request,
        "sales:orders",
        act,
        stale=_("An order changed meanwhile; nothing was changed. Try again."),
    )


@login_required
@require_POST
def product_bulk_action(request):
    """Activate, deactivate or export the products ticked in the list (managers only)."""

    def act():
        action = request.POST.get("action", "")
        if not is_manager(request.user):
            raise PermissionDenied(_("Only managers may change the product catalogue."))
        ids = order_bulk.clean_ids(request.POST.getlist("ids"), products=True)
        if action == "export":
            order_bulk.product_selection(ids)
            return _csv(*product_rows(ids), "products")
        if action in ("activate", "deactivate"):
            n = order_bulk.set_products_active(request.user, ids, action == "activate")
            text = (
                ngettext("%(n)d product marked active.", "%(n)d products marked active.", n)
                if action == "activate"
                else ngettext(
                    "%(n)d product marked inactive.", "%(n)d products marked inactive.", n
                )
            )
            messages.success(request, text % {"n": n})
        else:
            messages.error(request, _("Choose what to do with the selected products."))

    return _bulk(
        request,
        "sales:products",
        act,
        stale=_("A product changed meanwhile; nothing was changed. Try again."),
    )


@login_required
@require_POST
def task_bulk_action(request):
    """Mark done, reassign or export the tasks ticked in the inbox, all or nothing."""

    def act():
        action = request.POST.get("action", "")
        ids = task_bulk.clean_ids(request.POST.getlist("ids"))
        if action == "export":
            tasks = task_bulk.selection(request.user, ids, write=False)
            return _csv(*task_rows(tasks), "tasks")
        if action == "done":
            n = task_bulk.mark_done(request.user, ids)
            messages.success(
                request,
                ngettext("%(n)d task marked done.", "%(n)d tasks marked done.", n) % {"n": n},
            )
        elif action == "reassign":
            assignee_id = request.POST.get("assignee", "")
            assignee = (
                covered_users(request.user).filter(pk=assignee_id).first()
                if assignee_id.isdigit()
                else None
            )
            n = task_bulk.reassign(request.user, ids, assignee)
            messages.success(
                request,
                ngettext("%(n)d task handed to %(name)s.", "%(n)d tasks handed to %(name)s.", n)
                % {"n": n, "name": assignee.profile.display_name or assignee.get_username()},
            )
        else:
            messages.error(request, _("Choose what to do with the selected tasks."))

    return _bulk(
        request,
        "activities:inbox",
        act,
        stale=_("A task changed meanwhile; nothing was changed. Try again."),
    )
