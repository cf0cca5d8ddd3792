"""Segment pages (/segments/) and the analysis settings page (/analytics/settings/)."""

import tempfile
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.scope import (
    can_edit_segment,
    can_snapshot_segment,
    editable_segment,
    get_customer_or_404,
    get_segment_or_404,
    may_save_segments,
    may_share_segment,
    require_analysis_settings,
    require_save_segments,
    sees_all,
    segment_q,
    visible_customers,
)
from guanxi.customers.queries import list_count, page_of
from guanxi.dataio.exports import (
    SCORE_EXPORT_FIELDS,
    csv_chunks,
    customer_rows,
    write_xlsx,
)
from guanxi.scoring.models import AnalysisSettings, ScoringRun

from . import labels, preview, services
from .forms import AnalysisSettingsForm, SegmentForm
from .models import Segment, SegmentMembership, SegmentSnapshot

PAGE_SIZE = 25
HISTORY_DAYS = (7, 30, 90, 365)


def _segments(user):
    return Segment.objects.filter(segment_q(user)).select_related("created_by__profile")


def _segment(user, pk):
    return get_segment_or_404(user, Segment.objects.select_related("created_by__profile"), pk)


@login_required
@require_GET
def segment_list(request):
    segments = list(_segments(request.user))
    latest = {}
    for shot in SegmentSnapshot.objects.filter(segment__in=segments).order_by(
        "segment_id", "-taken_at"
    ):
        latest.setdefault(shot.segment_id, shot)
    for segment in segments:
        segment.latest = latest.get(segment.pk)
        segment.criteria = services.describe(segment.params)
        segment.editable = can_edit_segment(request.user, segment)
    context = {
        "segments": segments,
        "sees_all": sees_all(request.user),
        "may_save": may_save_segments(request.user),
    }
    return render(request, "segments/list.html", context)


@login_required
def segment_create(request):
    """Save the customer list's current filters as a segment (the list's small form posts
    here; GET shows the same form for a query string). 403 for the read-only role."""
    require_save_segments(request.user)
    may_share = may_share_segment(request.user)
    if request.method == "POST":
        form = SegmentForm(request.POST, may_share=may_share)
        if form.is_valid():
            segment = form.save(request.user)
            if segment is not None:
                messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
                return redirect("segments:detail", pk=segment.pk)
    else:
        query = request.GET.urlencode()
        form = SegmentForm(initial={"query": query}, may_share=may_share)
    params = services.params_from_query(form["query"].value() or "")
    context = {"form": form, "segment": None, "criteria": services.describe(params)}
    return render(request, "segments/form.html", context)


@login_required
def segment_edit(request, pk):
    segment = editable_segment(request.user, Segment.objects.all(), pk)
    sharing = {"may_share": may_share_segment(request.user), "shared_now": segment.shared}
    if request.method == "POST":
        form = SegmentForm(request.POST, **sharing)
        if form.is_valid() and form.save(request.user, segment) is not None:
            messages.success(
                request, _("Segment “%(name)s” saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("segments:detail", pk=segment.pk)
    else:
        form = SegmentForm(
            initial={
                "name": segment.name,
                "description": segment.description,
                "shared": segment.shared,
                "query": _query(segment),
            },
            **sharing,
        )
    params = services.params_from_query(form["query"].value() or "")
    context = {"form": form, "segment": segment, "criteria": services.describe(params)}
    return render(request, "segments/form.html", context)


@login_required
@require_POST
def segment_delete(request, pk):
    segment = editable_segment(request.user, Segment.objects.all(), pk)
    name = segment.name
    services.delete_segment(request.user, segment.pk)
    messages.success(request, _("Segment “%(name)s” deleted.") % {"name": name})
    return redirect("segments:list")


@login_required
@require_POST
def segment_snapshot(request, pk):
    """Measure the segment now (its editors): size, value, who entered and left."""
    segment = editable_segment(request.user, Segment.objects.all(), pk)
    if not can_snapshot_segment(request.user, segment):
        raise PermissionDenied
    try:
        shot = services.take_manual_snapshot(segment, actor=request.user)
    except services.TooSoon as exc:
        messages.error(request, str(exc))
        return redirect("segments:detail", pk=segment.pk)
    messages.success(
        request,
        _("Snapshot taken: %(size)s customers, %(entered)s entered, %(left)s left.")
        % {"size": shot.size, "entered": shot.entered, "left": shot.left},
    )
    return redirect("segments:detail", pk=segment.pk)


def _query(segment: Segment) -> str:
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for key, value in segment.params.items():
        data[key] = value
    return data.urlencode()


def _days(request) -> int:
    raw = request.GET.get("days", "")
    return int(raw) if raw.isdigit() and int(raw) in HISTORY_DAYS else 30


def _series(user, segment: Segment) -> tuple[list, bool]:
    """Size (and value) over time, oldest first. Whole-base figures only for a viewer who sees
    every customer; others get the size within their own scope, counted from the history."""
    shots = list(segment.snapshots.order_by("-taken_at")[:30])[::-1]
    whole = sees_all(user)
    if not whole:
        mine = SegmentMembership.objects.filter(
            segment=segment, customer__in=visible_customers(user)
        )
        for shot in shots:
            shot.size = mine.filter(
                Q(left_at__isnull=True) | Q(left_at__gt=shot.taken_at),
                entered_at__lte=shot.taken_at,
            ).count()
    biggest = max((s.size for s in shots), default=0)
    for shot in shots:
        shot.max = biggest or 1
    return shots, whole


@login_required
@require_GET
def segment_detail(request, pk):
    segment = _segment(request.user, pk)
    members = services.members(request.user, segment)
    rows, next_query = page_of(
        members.select_related("score"),
        request.GET,
        keyset=(segment.params.get("sort") or "newest") == "newest",
        size=PAGE_SIZE,
    )
    for row in rows:
        score = getattr(row, "score", None) if _has_score(row) else None
        row.rfm_label = labels.label("rfm_segment", score.rfm_segment) if score else "—"
        row.abc = score.abc_tier if score and score.abc_tier else "—"
    days = _days(request)
    since = timezone.now() - timedelta(days=days)
    changes = (
        SegmentMembership.objects.filter(
            segment=segment, customer__in=visible_customers(request.user)
        )
        .filter(Q(entered_at__gte=since) | Q(left_at__gte=since))
        .select_related("customer")
        .order_by("-entered_at", "-id")[:100]
    )
    shots, whole = _series(request.user, segment)
    context = {
        "segment": segment,
        "criteria": services.describe(segment.params),
        "valid": services.is_valid(segment),
        "customers": rows,
        "next_query": next_query,
        "count": list_count(members),
        "changes": changes,
        "since": since,
        "days": days,
        "history_days": HISTORY_DAYS,
        "snapshots": shots[::-1],
        "whole_base": whole,
        "editable": can_edit_segment(request.user, segment),
        "may_snapshot": can_snapshot_segment(request.user, segment),
        "list_query": _query(segment),
    }
    return render(request, "segments/detail.html", context)


def _has_score(customer) -> bool:
    try:
        customer.score  # noqa: B018 - the reverse one-to-one raises when there is none
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist
        return False
    return True


# Decimal places of the score columns, as the pages show them (loyalty 72.5, P(alive) 0.302,
# money 1200.00); the other score columns are dates and names.
_PLACES = {"loyalty_index": 1, "p_alive": 3, "clv_historical": 2, "clv_predicted": 2}


def _rounded(rows):
    """The export's rows with the score numbers rounded as the pages show them: the score
    columns end each row in SCORE_EXPORT_FIELDS order."""
    places = [
        (i - len(SCORE_EXPORT_FIELDS), _PLACES[field])
        for i, field in enumerate(SCORE_EXPORT_FIELDS)
        if field in _PLACES
    ]
    for row in rows:
        for index, digits in places:
            value = row[index]
            if isinstance(value, Decimal):
                row[index] = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
            elif isinstance(value, float):
                row[index] = round(value, digits)
        yield row


@login_required
@require_GET
def segment_export(request, pk, fmt):
    """The members in the viewer's scope, in the export's columns and with their scores;
    sensitive fields masked, every cell formula-safe (dataio's writers)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    segment = _segment(request.user, pk)
    ids = services.members(request.user, segment).order_by().values("pk")
    headers, rows = customer_rows(request.user, ids=ids, scores=True)
    rows = _rounded(rows)
    name = f"segment-{segment.pk}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_chunks(headers, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    spool = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115
    write_xlsx(spool, headers, rows, "segment")
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=name)


@login_required
@require_GET
def customer_history(request, pk):
    """A customer's segment history: which of the viewer's visible segments it entered and
    left, and when ("moved from loyal to at risk this month")."""
    customer = get_customer_or_404(request.user, pk)
    stays = (
        SegmentMembership.objects.filter(customer=customer, segment__in=_segments(request.user))
        .select_related("segment")
        .order_by("-entered_at", "-id")
    )
    return render(
        request, "segments/customer_history.html", {"customer": customer, "stays": stays[:200]}
    )


# Analysis settings --------------------------------------------------------------------------


@login_required
def analysis_settings(request):
    """Edit the analysis settings; "Preview" shows the distribution under the candidate
    settings next to the current one before anything is saved."""
    require_analysis_settings(request.user)
    current = AnalysisSettings.current()
    comparison = None
    previewed = False
    preview_error = ""
    if request.method == "POST":
        form = AnalysisSettingsForm(request.POST)
        if form.is_valid():
            if request.POST.get("action") == "save":
                if form.save(request.user) is not None:
                    messages.success(
                        request,
                        _(
                            "Analysis settings saved. They apply from the next scoring run "
                            "(tonight at %(hour)s:00, or run it now)."
                        )
                        % {"hour": form.cleaned_data["nightly_hour"]},
                    )
                    return redirect("analysis_settings:edit")
            else:
                try:
                    candidate = preview.preview(form.values())
                except preview.PreviewFailed as exc:
                    candidate, preview_error = None, str(exc)
                comparison = preview.comparison(preview.current_distribution(), candidate)
                previewed = candidate is not None
    else:
        form = AnalysisSettingsForm(initial=AnalysisSettingsForm.initial_from(current))
    groups = [(title, [form[name] for name in names]) for title, names in form.GROUPS]
    context = {
        "form": form,
        "groups": groups,
        "current": current,
        "comparison": comparison,
        "previewed": previewed,
        "preview_error": preview_error,
        "preview_available": preview.available(),
        "last_run": ScoringRun.objects.order_by("-id").first(),
        "scoring_url": _scoring_url(),
    }
    return render(request, "segments/analysis_settings.html", context)


def _scoring_url() -> str | None:
    """The scoring app's "run now" (a POST, managers), when its pages are installed."""
    for name in ("scoring:recompute", "scoring:run"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None
