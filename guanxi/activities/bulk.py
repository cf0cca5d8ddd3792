"""Bulk actions on a selection of tasks from the inbox: the same scope checks as one task.

A selection is all or nothing: if any selected id is outside what the user may change (or
see, for an export), nothing happens and the caller is told how many ids were refused. Each
task is written and audited one by one, as a single edit would be.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.accounts.scope import (
    can_write,
    covered_users,
    leads_others,
    visible_tasks,
    writable_tasks,
)
from guanxi.audit import services as audit
from guanxi.services_common import claim_version, selected_ids, whole_selection

from . import services
from .models import Task


def clean_ids(raw: list[str]) -> list[int]:
    """The selected task ids from a form's checkboxes; a clear message when there are none."""
    return selected_ids(
        raw,
        not_an_id=_("“%(value)s” is not a task id."),
        none=_("Select at least one task."),
        too_many=_("Select at most %(n)d tasks at a time."),
    )


def selection(user, ids: list[int], *, write: bool = True) -> list[Task]:
    """The selected tasks, or a ValidationError if any is outside what the user may change
    (write) or see."""
    queryset = writable_tasks(user) if write else visible_tasks(user)
    found = list(queryset.filter(pk__in=ids).select_related("customer").order_by("pk"))

    def refused(n: int) -> str:
        if write:
            return ngettext(
                "%(n)d selected task is outside what you may change; nothing was changed.",
                "%(n)d selected tasks are outside what you may change; nothing was changed.",
                n,
            ) % {"n": n}
        return ngettext(
            "%(n)d selected task is outside what you may see; nothing was exported.",
            "%(n)d selected tasks are outside what you may see; nothing was exported.",
            n,
        ) % {"n": n}

    return whole_selection(found, ids, refused)


@transaction.atomic
def mark_done(actor, ids: list[int]) -> int:
    """Mark every selected task done through complete_task (audited); how many were open."""
    tasks = selection(actor, ids)
    done = 0
    for task in tasks:
        if task.done_at is None:
            services.complete_task(actor, task, True, version=task.version)
            done += 1
    return done


@transaction.atomic
def reassign(actor, ids: list[int], assignee) -> int:
    """Hand the selected tasks to `assignee`: managers, and leads among the colleagues their
    scope covers, to an active user who can write; each change audited on the task's customer.
    How many changed hands."""
    if not leads_others(actor):
        raise PermissionDenied(_("Only managers and team leads may reassign tasks."))
    if assignee is None or not covered_users(actor).filter(pk=assignee.pk).exists():
        raise ValidationError(
            {"assignee": [_("Choose a colleague in your team as the new assignee.")]}
        )
    if not can_write(assignee):
        raise ValidationError(
            {
                "assignee": [
                    _("A read-only user cannot take over tasks: choose a colleague who can edit.")
                ]
            }
        )
    tasks = selection(actor, ids)
    moved = 0
    for task in tasks:
        if task.assignee_id == assignee.pk:
            continue
        before = audit.snapshot(task, ["assignee"])
        claim_version(task, task.version, {"assignee": assignee.pk})
        task.assignee = assignee
        task.save(update_fields=["assignee", "updated_at", "version"])
        audit.record_update(actor, task, before, ["assignee"], customer_id=task.customer_id)
        moved += 1
    return moved
