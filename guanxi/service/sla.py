"""The service level of a case: how many hours each priority allows, and the timer a page shows.

The hours are a constant here; an installation overrides any of them with the environment
variable GUANXI_CASE_SLA_HOURS, e.g. "urgent=2,high=12" (settings.GUANXI_CASE_SLA_HOURS).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

DEFAULT_SLA_HOURS = {"urgent": 4, "high": 24, "normal": 72, "low": 168}
# How long the person a case is escalated to has for the task it gives them.
ESCALATION_TASK_HOURS = 4


def sla_hours(priority: str) -> int:
    hours = {**DEFAULT_SLA_HOURS, **getattr(settings, "GUANXI_CASE_SLA_HOURS", {})}
    return int(hours.get(priority, DEFAULT_SLA_HOURS["normal"]))


def due_at(opened_at: datetime, priority: str) -> datetime:
    """When a case opened at `opened_at` with this priority must be resolved."""
    return opened_at + timedelta(hours=sla_hours(priority))


@dataclass(frozen=True)
class Timer:
    """The service-level timer as a page shows it: due in, or overdue by, `hours` and
    `minutes`; `running` is False once the case is resolved or closed."""

    running: bool
    overdue: bool
    hours: int
    minutes: int


def timer(case, now: datetime | None = None) -> Timer:
    now = now or timezone.now()
    left = case.sla_due_at - now
    overdue = left.total_seconds() < 0
    minutes = int(abs(left.total_seconds()) // 60)
    return Timer(case.active, overdue, minutes // 60, minutes % 60)
