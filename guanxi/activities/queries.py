"""Reads on tasks: a user's inbox. Who may see or complete a task is decided in
guanxi.accounts.scope (visible_tasks, get_task_or_404), for the pages and the API alike."""

from guanxi.accounts.scope import visible_tasks


def open_tasks_for(user, assignee_id: int | None = None):
    """The user's open tasks (or those of `assignee_id`: a colleague the caller's scope covers,
    checked by the caller) that the user may see, reminders included, earliest due first.

    A task on a customer outside the user's scope (transferred away, or assigned by a manager
    without sharing the customer) is not listed: its title and customer are that customer's data.
    """
    return (
        visible_tasks(user)
        .filter(assignee_id=assignee_id or user.pk, done_at__isnull=True)
        .select_related("customer")
        .order_by("due_at", "id")
    )
