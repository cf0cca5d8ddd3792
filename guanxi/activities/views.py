"""Activity pages: the task inbox. The forms on the 360 page are guanxi.workspace.views."""

from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone

from guanxi.customers.queries import capped_count
from guanxi.customers.views import sort_links

from . import queries

INBOX_SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "kind": ("kind", "due_at", "id"),
    "-kind": ("-kind", "due_at", "id"),
}
INBOX_SORT_COLUMNS = [("due", "due", "-due"), ("kind", "kind", "-kind")]


def inbox_context(user, sort: str = "due") -> dict:
    sort = sort if sort in INBOX_SORTS else "due"
    qs = queries.open_tasks_for(user)
    count, exact = capped_count(qs, 200)
    return {
        "tasks": list(qs.order_by(*INBOX_SORTS[sort])[:200]),
        "now": timezone.now(),
        "count": count,
        "count_exact": exact,
        "sort_links": sort_links(QueryDict(mutable=True), sort, INBOX_SORT_COLUMNS),
    }


@login_required
def task_inbox(request):
    context = inbox_context(request.user, request.GET.get("sort", "due"))
    return render(request, "activities/inbox.html", context)
