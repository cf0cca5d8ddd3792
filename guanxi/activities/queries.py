"""Reads on tasks: a user's inbox, and the one access rule for completing a task."""

from django.http import Http404

from guanxi.accounts.scope import can_write, get_related_or_404

from .models import Task


def open_tasks_for(user):
    """The user's open tasks (reminders included), earliest due first."""
    return (
        Task.objects.filter(assignee=user, done_at__isnull=True)
        .exclude(customer__erased_at__isnull=False)
        .select_related("customer")
        .order_by("due_at", "id")
    )


def get_task_for_update_or_404(user, pk) -> Task:
    """A task assigned to the user, or one on a customer the user may change; else 404."""
    if not can_write(user):
        raise Http404
    own = Task.objects.filter(assignee=user, pk=pk).select_related("customer").first()
    if own is not None and (own.customer is None or own.customer.erased_at is None):
        return own
    return get_related_or_404(user, Task.objects.select_related("customer"), pk, write=True)
