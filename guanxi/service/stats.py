"""Complaint figures for the charts (抱怨率 and resolution time per cause, team and month), over
the cases of the viewer's data scope only.

- cases per month (last 12 months, by opening), stacked by cause, with the mean resolution time
  in hours of the cases resolved that month;
- per cause: cases and mean resolution time;
- per team (the customer's department): the complaint rate, customers with a case in the last 12
  months per 100 customers of the team in scope, and the number of cases.
"""

from datetime import timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.models import Department
from guanxi.accounts.scope import visible_cases, visible_customers

from .models import Case, Cause

MONTHS = 12


def _hours(duration) -> float | None:
    if duration is None:
        return None
    if not isinstance(duration, timedelta):  # some backends hand back microseconds
        duration = timedelta(microseconds=float(duration))
    return round(duration.total_seconds() / 3600, 1)


def _resolution():
    return ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())


def _months(now) -> list:
    """The first day (local time) of each of the last MONTHS months, oldest first."""
    first = timezone.localtime(now).date().replace(day=1)
    months = []
    for _i in range(MONTHS):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return months[::-1]


def charts(user, now=None) -> dict:
    """The chart specs of the page (guanxi/insights/static/insights/dashboards.js draws them)
    and the totals above them."""
    now = now or timezone.now()
    months = _months(now)
    cases = visible_cases(user, Case.objects.all())
    recent = cases.filter(opened_at__gte=timezone.make_aware(_midnight(months[0])))
    labels = dict(Cause.choices)
    month_key = [m.strftime("%Y-%m") for m in months]

    per_month_cause = {}
    for row in (
        recent.annotate(month=TruncMonth("opened_at"))
        .values("month", "cause")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_month_cause[(_key(row["month"]), row["cause"])] = row["n"]
    resolved_month = {
        _key(row["month"]): _hours(row["mean"])
        for row in cases.filter(resolved_at__gte=timezone.make_aware(_midnight(months[0])))
        .annotate(month=TruncMonth("resolved_at"), took=_resolution())
        .values("month")
        .annotate(mean=Avg("took"))
        .order_by()
    }
    causes_seen = [c for c in Cause.values if any(k[1] == c for k in per_month_cause)]
    by_month = {
        "kind": "bar",
        "title": _("Cases per month, by cause"),
        "categories": month_key,
        "stack": True,
        "series": [
            {
                "name": str(labels[cause]),
                "data": [per_month_cause.get((m, cause), 0) for m in month_key],
            }
            for cause in causes_seen
        ],
        "line": {
            "name": _("Mean resolution time (hours)"),
            "data": [resolved_month.get(m) for m in month_key],
        },
    }

    per_cause = {
        row["cause"]: row
        for row in recent.values("cause")
        .annotate(n=Count("id"), mean=Avg(_resolution()))
        .order_by()
    }
    by_cause = {
        "kind": "bar",
        "title": _("Cases and resolution time per cause (last 12 months)"),
        "categories": [str(labels[c]) for c in Cause.values if c in per_cause],
        "series": [
            {
                "name": _("Cases"),
                "data": [per_cause[c]["n"] for c in Cause.values if c in per_cause],
            }
        ],
        "line": {
            "name": _("Mean resolution time (hours)"),
            "data": [_hours(per_cause[c]["mean"]) for c in Cause.values if c in per_cause],
        },
    }

    customers = {
        row["department_id"]: row["n"]
        for row in visible_customers(user)
        .filter(merged_into__isnull=True)
        .values("department_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    complained = {
        row["customer__department_id"]: row
        for row in recent.values("customer__department_id")
        .annotate(people=Count("customer_id", distinct=True), n=Count("id"))
        .order_by()
    }
    names = dict(
        Department.objects.filter(pk__in=[d for d in customers if d]).values_list("pk", "name")
    )
    teams = sorted(customers, key=lambda d: (d is None, names.get(d, "")))
    by_team = {
        "kind": "bar",
        "title": _("Complaint rate per team (last 12 months)"),
        "categories": [names.get(d, _("No team")) if d else _("No team") for d in teams],
        "series": [
            {
                "name": _("Customers with a case per 100 customers"),
                "data": [
                    round(100 * complained.get(d, {}).get("people", 0) / customers[d], 1)
                    for d in teams
                ],
            }
        ],
        "line": {
            "name": _("Cases"),
            "data": [complained.get(d, {}).get("n", 0) for d in teams],
        },
    }
    totals = recent.aggregate(n=Count("id"), people=Count("customer_id", distinct=True))
    in_scope = sum(customers.values())
    return {
        "charts": [by_month, by_cause, by_team],
        "cases": totals["n"],
        "rate": round(100 * totals["people"] / in_scope, 1) if in_scope else None,
        "customers": in_scope,
    }


def _midnight(day):
    from datetime import datetime, time

    return datetime.combine(day, time.min)


def _key(moment) -> str:
    if hasattr(moment, "tzinfo") and moment.tzinfo is not None:
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m")
