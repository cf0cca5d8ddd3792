"""Bulk actions on the orders list: sales' services and, for an export of the selection,
dataio's exporter (which is why this lives above both, beside the customer list's)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.dataio.exports import csv_chunks, order_rows
from guanxi.sales import bulk as order_bulk
from guanxi.sales.models import OrderStatus
from guanxi.services_common import StaleEdit


def _back(name: str, query: str):
    # Only a query string is kept from the form (parsed and re-encoded): never a URL elsewhere.
    query = QueryDict(query.lstrip("?")[:2000]).urlencode()
    return redirect(reverse(name) + (f"?{query}" if query else ""))


@login_required
@require_POST
def order_bulk_action(request):
    """Export or change the status of the orders ticked in the list, all or nothing."""
    action = request.POST.get("action", "")
    try:
        ids = order_bulk.clean_ids(request.POST.getlist("ids"))
        if action == "export":
            order_bulk.selection(request.user, ids, write=False)
            headers, rows = order_rows(request.user, ids=ids)
            response = StreamingHttpResponse(
                csv_chunks(headers, rows), content_type="text/csv; charset=utf-8"
            )
            name = f"orders-selection-{timezone.localdate():%Y%m%d}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
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
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except StaleEdit:
        messages.error(request, _("An order changed meanwhile; nothing was changed. Try again."))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    return _back("sales:orders", request.POST.get("query", ""))
