"""Review mining pages (/reviews/): the sets, the import, a set's findings and the reviews
behind each keyword, pair and negative factor."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.scope import (
    can_change_review_set,
    may_import_reviews,
    require_import_reviews,
    require_see_reviews,
)
from guanxi.dataio.readers import MAX_CELL, MAX_ROWS, UnreadableFile, read_table
from guanxi.dataio.services import busy_message, is_busy
from guanxi.validation import add_service_errors

from . import queries, services
from .forms import ReviewImportForm
from .models import ReviewSet, SetStatus

PER_PAGE = 50
CHART_KEYWORDS = 20  # bars on the keyword chart (the table below lists them all)


def _set(request, pk) -> ReviewSet:
    require_see_reviews(request.user)
    return get_object_or_404(ReviewSet.objects.select_related("imported_by__profile"), pk=pk)


@login_required
@require_GET
def set_list(request):
    require_see_reviews(request.user)
    sets = ReviewSet.objects.select_related("imported_by__profile")
    paginator = Paginator(sets, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "voice/list.html",
        {"page": page, "may_import": may_import_reviews(request.user)},
    )


@login_required
def import_page(request):
    require_import_reviews(request.user)
    form = ReviewImportForm(request.POST or None, request.FILES or None)
    status = 422 if request.method == "POST" else 200
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = read_table(upload.read(), upload.name)
            review_set, result = services.import_reviews(
                request.user, table, form.cleaned_data, file_name=upload.name
            )
        except UnreadableFile as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            form.add_error(None, busy_message())
            status = 503
        else:
            if review_set is not None:
                messages.success(
                    request,
                    _("Imported %(n)d reviews.") % {"n": review_set.review_count},
                )
                return redirect("voice:detail", pk=review_set.pk)
    context = {
        "form": form,
        "result": result,
        "max_rows": f"{MAX_ROWS:,}",
        "max_cell": f"{MAX_CELL:,}",
        "at_once": services.ANALYSE_AT_ONCE,
    }
    return render(request, "voice/import.html", context, status=status)


def _reviews_url(review_set, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse("voice:reviews", args=[review_set.pk]) + (f"?{query}" if query else "")


def _findings(review_set) -> dict:
    results = getattr(review_set, "results", None)
    if results is None:
        return {}
    keywords = [
        {**k, "url": _reviews_url(review_set, keyword=k["keyword"])} for k in results.keywords
    ]
    pairs = [
        {**p, "url": _reviews_url(review_set, keyword=p["a"], also=p["b"])} for p in results.pairs
    ]
    factors = [
        {
            **f,
            "url": _reviews_url(review_set, keyword=f["keyword"], rating="low"),
            "all_url": _reviews_url(review_set, keyword=f["keyword"]),
        }
        for f in results.negative_factors
    ]
    shown = keywords[:CHART_KEYWORDS]
    chart = {
        "kind": "hbar",
        "title": _("Keyword frequency (reviews that mention each keyword)"),
        "categories": [k["keyword"] for k in reversed(shown)],
        "series": [
            {
                "name": _("Reviews"),
                "data": [{"value": k["reviews"], "url": k["url"]} for k in reversed(shown)],
            }
        ],
    }
    return {
        "results": results,
        "keywords": keywords,
        "pairs": pairs,
        "factors": factors,
        "chart": chart,
        "summary": results.summary,
    }


@login_required
@require_GET
def set_detail(request, pk):
    review_set = _set(request, pk)
    context = {
        "set": review_set,
        "may_change": can_change_review_set(request.user, review_set),
        "busy": review_set.status in (SetStatus.PENDING, SetStatus.RUNNING),
        **_findings(review_set),
    }
    return render(request, "voice/detail.html", context)


@login_required
@require_GET
def set_progress(request, pk):
    """The progress fragment, polled by htmx while the set is analysed; once the analysis
    has finished, the page reloads to show the findings."""
    review_set = _set(request, pk)
    busy = review_set.status in (SetStatus.PENDING, SetStatus.RUNNING)
    response = render(request, "voice/_progress.html", {"set": review_set, "busy": busy})
    if not busy and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def review_list(request, pk):
    review_set = _set(request, pk)
    filters, errors = queries.clean_filters(request.GET)
    reviews = queries.reviews(review_set, filters)
    paginator = Paginator(reviews, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = queries.with_customer_names(request.user, list(page.object_list))
    keep = {k: v for k, v in filters.items() if v}
    context = {
        "set": review_set,
        "filters": filters,
        "filter_errors": errors,
        "page": page,
        "rows": rows,
        "query": urlencode(keep),
    }
    return render(request, "voice/reviews.html", context, status=422 if errors else 200)


@login_required
@require_POST
def analyse_again(request, pk):
    review_set = _set(request, pk)
    services.reanalyse(request.user, review_set)
    return redirect("voice:detail", pk=review_set.pk)


@login_required
@require_POST
def delete_set(request, pk):
    review_set = _set(request, pk)
    name = review_set.name
    services.delete_review_set(request.user, review_set)
    messages.success(request, _("Review set “%(name)s” deleted.") % {"name": name})
    return redirect("voice:list")
