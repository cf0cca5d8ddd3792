"""The scoring page (/analytics/scoring/): recent runs, and "Recompute now" for managers."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.scope import (
    may_run_scoring,
    may_tune_analysis,
    require_run_scoring,
    sees_all,
)

from .models import RunStatus, ScoringRun
from .queries import scored_in_scope
from .services import active_run, request_scoring

RECENT = 20


def status_context(user) -> dict:
    """What the status fragment shows (other pages may include scoring/_status.html with it):
    the active run and its progress, the last succeeded run, and the customers scored, counted
    over the user's data scope (the company's totals only for who sees every customer)."""
    active = active_run()
    last = ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-id").first()
    return {
        "active_run": active,
        "last_run": last,
        "may_run": may_run_scoring(user),
        "sees_all": sees_all(user),
        "scored": scored_in_scope(user, last) if last is not None else 0,
    }


@login_required
@require_GET
def runs(request):
    context = status_context(request.user)
    context["runs"] = ScoringRun.objects.select_related("requested_by__profile")[:RECENT]
    context["may_tune"] = may_tune_analysis(request.user)  # the settings page's own rule
    return render(request, "scoring/runs.html", context)


def _fragment(request):
    context = status_context(request.user)
    context["runs"] = ScoringRun.objects.select_related("requested_by__profile")[:RECENT]
    return render(request, "scoring/_runs.html", context)


@login_required
@require_GET
def status(request):
    """The status fragment, polled by htmx while a run is queued or running."""
    return _fragment(request)


@login_required
@require_POST
def recompute(request):
    require_run_scoring(request.user)
    request_scoring(request.user, trigger="page")
    if request.htmx:
        return _fragment(request)
    return redirect("scoring:runs")
