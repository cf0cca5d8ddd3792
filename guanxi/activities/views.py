"""Activity pages: the task inbox. The forms on the 360 page are guanxi.workspace.views."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone

from guanxi.accounts.scope import can_write, covered_users, covers_colleagues, leads_others
from guanxi.customers.queries import capped_count, day_start
from guanxi.customers.views import sort_links

from . import queries
from .forms import TaskFilterForm
from .models import TaskKind

INBOX_SORT_COLUMNS = [("due", "due", "-due"), ("kind", "kind", "-kind")]


def inbox_context(user, params: QueryDict | None = None) -> dict:
    """The inbox: open tasks assigned to the user (or, for a manager or lead, to a colleague
    their scope covers), filtered by the GET parameters `params`."""
    params = params if params is not None else QueryDict()
    leads = leads_others(user)  # may hand tasks on
    assignees = None
    if covers_colleagues(user):  # may list colleagues' tasks (the home's overdue links)
        users = covered_users(user).select_related("profile").order_by("username")
        assignees = [(u.pk, u.profile.display_name or u.username) for u in users]
    form = TaskFilterForm(params or None, assignees=assignees)
    filters = form.filters()
    qs = queries.open_tasks_for(user, filters["assignee"])
    if filters["kind"]:
        qs = qs.filter(kind=filters["kind"])
    if filters["due_from"]:
        qs = qs.filter(due_at__gte=day_start(filters["due_from"]))
    if filters["due_to"]:
        qs = qs.filter(due_at__lt=day_start(filters["due_to"] + timedelta(days=1)))
    if filters["overdue"]:
        qs = qs.filter(due_at__lt=timezone.now())
    if filters["q"]:
        words = filters["q"].strip()
        qs = qs.filter(Q(title__icontains=words) | Q(customer__name__icontains=words))
    count, exact = capped_count(qs, 200)
    shown = qs.select_related("customer", "assignee__profile").order_by(
        *TaskFilterForm.SORTS[filters["sort"]]
    )
    query = params.copy()
    return {
        "form": form,
        "filters": filters,
        # a refused value stays in its box (2026-02-30, an end before the start)
        "refused": form.refused(),
        "filtered": any(filters[k] for k in ("kind", "due_from", "due_to", "overdue", "q")),
        "assignees": assignees,
        "kinds": TaskKind.choices,
        "tasks": list(shown[:200]),
        "now": timezone.now(),
        "count": count,
        "count_exact": exact,
        "sort_links": sort_links(params, filters["sort"], INBOX_SORT_COLUMNS),
        "current_query": query.urlencode(),
        "can_write": can_write(user),
        "leads": leads,
    }


@login_required
def task_inbox(request):
    return render(request, "activities/inbox.html", inbox_context(request.user, request.GET))
