"""The 360 page's timeline: orders, interactions, notes, tasks and changes of one customer."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from guanxi.activities.models import Interaction, Note, Task
from guanxi.audit.services import trail_for_customer
from guanxi.customers.models import Customer
from guanxi.sales.models import Order, OrderLine


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str
    title: str
    body: str
    obj: object


def timeline(customer: Customer, *, include_audit: bool = False, limit: int = 200):
    """Orders, interactions, notes, tasks (and, for managers, changes) newest first.

    The caller has already checked that the user may see `customer`.
    """
    items: list[TimelineItem] = []
    for i in Interaction.objects.filter(customer=customer).select_related("user__profile")[:limit]:
        items.append(TimelineItem(i.occurred_at, "interaction", i.subject, i.content, i))
    lines = Prefetch("lines", OrderLine.objects.select_related("product"))  # one query, not two
    for o in Order.objects.filter(customer=customer).prefetch_related(lines)[:limit]:
        items.append(TimelineItem(o.ordered_at, "order", o.number, "", o))
    for n in Note.objects.filter(customer=customer).select_related("author__profile")[:limit]:
        items.append(TimelineItem(n.created_at, "note", n.get_kind_display(), n.body, n))
    for t in Task.objects.filter(customer=customer).select_related("assignee__profile")[:limit]:
        items.append(TimelineItem(t.due_at, "task", t.title, t.description, t))
    if include_audit:
        # a record that has its own timeline item needs no second "created" item beside it
        trail = trail_for_customer(customer.pk).exclude(
            action="create", model__in=["interaction", "order", "note", "task"]
        )
        for a in trail.select_related("actor__profile")[:limit]:
            items.append(TimelineItem(a.at, "audit", a.get_action_display(), "", a))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
