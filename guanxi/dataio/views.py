"""Import and export pages: thin views over dataio.services and dataio.exports."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import (
    FileResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from guanxi.accounts.scope import can_view_sensitive, can_write
from guanxi.privacy.sensitive import RevealDenied

from .exports import csv_chunks, customer_rows, order_rows, write_xlsx
from .forms import ImportForm
from .readers import MAX_CELL, MAX_COLUMNS, MAX_ROWS, UnreadableFile, read_table
from .services import busy_message, import_customers, import_orders, is_busy


@login_required
def import_page(request):
    if not can_write(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 422 if request.method == "POST" else 200  # unless the import goes ahead
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = read_table(upload.read(), upload.name)
            options = {"skip_invalid": form.cleaned_data["skip_invalid"]}
            if form.cleaned_data["kind"] == "orders":
                result = import_orders(request.user, table, **options)
            else:
                on_duplicate = form.cleaned_data["on_duplicate"] or "skip"
                result = import_customers(request.user, table, on_duplicate=on_duplicate, **options)
        except UnreadableFile as exc:
            form.add_error("file", str(exc))
        except OperationalError as exc:  # the database stayed locked past its wait
            if not is_busy(exc):
                raise
            form.add_error(None, busy_message())
            status = 503
        else:
            return render(
                request,
                "dataio/import_result.html",
                {"result": result, "file_name": upload.name},
                status=422 if result.failed else 200,
            )
    return render(
        request,
        "dataio/import.html",
        {
            "form": form,
            "may_reveal": can_view_sensitive(request.user),
            "max_rows": f"{MAX_ROWS:,}",
            "max_columns": MAX_COLUMNS,
            "max_cell": f"{MAX_CELL:,}",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def export(request, kind: str, fmt: str):
    """Download the customers (or order lines) the user may see; sensitive fields masked
    unless POSTed with sensitive=1&purpose=... (CSRF-checked) by a user allowed to see them:
    every reveal is logged, so a GET (a link, an image, another site) may not ask for it."""
    if request.method == "GET" and "sensitive" in request.GET:
        return HttpResponseNotAllowed(["POST"])
    if kind == "customers":
        try:
            headers, rows = customer_rows(
                request.user,
                include_sensitive=request.POST.get("sensitive") == "1",
                purpose=request.POST.get("purpose", ""),
            )
        except RevealDenied as exc:
            raise PermissionDenied from exc
        except ValueError as exc:
            return HttpResponseBadRequest(str(exc))
    else:
        headers, rows = order_rows(request.user)
    name = f"{kind}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_chunks(headers, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    # XLSX is a zip: it cannot be streamed as it is written, so spool it to a temporary file.
    spool = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115
    write_xlsx(spool, headers, rows, kind)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=name)
