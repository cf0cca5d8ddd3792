"""Activity pages: the task inbox. The forms on the 360 page are guanxi.workspace.views."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from . import queries


def inbox_context(user) -> dict:
    return {"tasks": list(queries.open_tasks_for(user)[:200]), "now": timezone.now()}


@login_required
def task_inbox(request):
    return render(request, "activities/inbox.html", inbox_context(request.user))
