"""Sales reports (销售报表) over the opportunities of the viewer's data scope.

- funnel: how many opportunities reached each stage (entered it or a later one, or were won)
  and the conversion from each stage to the next, per cent;
- per rep: opportunities, won, lost, win rate and the funnel counts;
- win rate: won / (won + lost), per cent;
- cycle time: the median days from opening to winning, over the won opportunities;
- objections by stage: how many of each type were raised while the opportunity was in each
  stage (which objections stall which stage);
- forecast: the weighted pipeline, sum(amount × probability / 100) of the open opportunities,
  by expected close month, against the sales targets (业绩目标) of the same months and the
  amounts already won in them.

Collections (回款) actuals come from another app: it registers a provider
(register_collections_provider) and the report adds a "collections" series against the
collection targets; without one the series is left out.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from statistics import median

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.scope import covered_users, visible_opportunities
from guanxi.accounts.services import profile_of

from .models import Objection, ObjectionKind, Opportunity, SalesTarget, StageVisit, Status
from .services import active_stages

FORECAST_MONTHS = 6

# (user, months: list[date], owner_id|None, team_id|None) -> {month (date): Decimal}
_COLLECTION_PROVIDERS: list = []


def register_collections_provider(provider) -> None:
    """Let an app that records payments (contracts) add the collections actually received per
    month to the forecast chart."""
    if provider not in _COLLECTION_PROVIDERS:
        _COLLECTION_PROVIDERS.append(provider)


def filtered(user, *, owner=None, team=None, close_month: date | None = None):
    """The viewer's opportunities with the report's filters: owner (user id), team (the
    customer's department id), close month (first day)."""
    qs = visible_opportunities(user, Opportunity.objects.all())
    if owner:
        qs = qs.filter(owner_id=owner)
    if team:
        qs = qs.filter(customer__department_id=team)
    if close_month:
        qs = qs.filter(expected_close__gte=close_month, expected_close__lt=_next_month(close_month))
    return qs


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _money(value) -> str:
    return str((value or Decimal(0)).quantize(Decimal("0.01")))


def figures(user, *, owner=None, team=None, close_month=None, today: date | None = None) -> dict:
    """Every figure of the report as plain JSON values (money as strings)."""
    today = today or timezone.localdate()
    qs = filtered(user, owner=owner, team=team, close_month=close_month)
    stages = list(active_stages())
    orders = [s.order for s in stages]

    furthest = dict(
        StageVisit.objects.filter(opportunity__in=qs.values("pk"))
        .values_list("opportunity_id")
        .annotate(top=Max("stage__order"))
        .order_by()
    )
    rows = list(qs.values_list("pk", "owner_id", "status", "created_at", "won_at"))
    reached_total = [0] * len(stages)
    by_rep: dict = defaultdict(lambda: {"reached": [0] * len(stages), "won": 0, "lost": 0, "n": 0})
    cycle_days = []
    for pk, owner_id, status, created_at, won_at in rows:
        top = furthest.get(pk)
        rep = by_rep[owner_id]
        rep["n"] += 1
        for i, order in enumerate(orders):
            if status == Status.WON or (top is not None and top >= order):
                reached_total[i] += 1
                rep["reached"][i] += 1
        if status == Status.WON:
            rep["won"] += 1
            if won_at and created_at:
                cycle_days.append((won_at - created_at).total_seconds() / 86400)
        elif status == Status.LOST:
            rep["lost"] += 1
    won = sum(r["won"] for r in by_rep.values())
    lost = sum(r["lost"] for r in by_rep.values())

    funnel = []
    for i, stage in enumerate(stages):
        after = reached_total[i + 1] if i + 1 < len(stages) else won
        funnel.append(
            {
                "stage_id": stage.pk,
                "stage": stage.name,
                "reached": reached_total[i],
                "conversion": _percent(after, reached_total[i]),
            }
        )

    names = _user_names([k for k in by_rep if k])
    reps = [
        {
            "owner_id": owner_id,
            "owner": names.get(owner_id, "—"),
            "opportunities": rep["n"],
            "won": rep["won"],
            "lost": rep["lost"],
            "win_rate": _percent(rep["won"], rep["won"] + rep["lost"]),
            "reached": rep["reached"],
        }
        for owner_id, rep in sorted(by_rep.items(), key=lambda kv: names.get(kv[0], ""))
    ]

    stalls = defaultdict(lambda: defaultdict(int))
    for stage_id, kind, n in (
        Objection.objects.filter(opportunity__in=qs.values("pk"))
        .values_list("stage_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        stalls[stage_id][kind] = n
    objections = [
        {
            "stage_id": stage.pk,
            "stage": stage.name,
            "counts": {kind: stalls[stage.pk].get(kind, 0) for kind in ObjectionKind.values},
        }
        for stage in stages
    ]

    return {
        "opportunities": len(rows),
        "won": won,
        "lost": lost,
        "win_rate": _percent(won, won + lost),
        "cycle_days_median": round(median(cycle_days), 1) if cycle_days else None,
        "funnel": funnel,
        "reps": reps,
        "objections": objections,
        "forecast": forecast(user, qs, owner=owner, team=team, today=today),
    }


def _user_names(ids) -> dict:
    from django.contrib.auth import get_user_model

    return {
        u.pk: profile_of(u).display_name or u.get_username()
        for u in get_user_model().objects.filter(pk__in=ids).select_related("profile")
    }


def forecast_months(today: date) -> list[date]:
    month, months = today.replace(day=1), []
    for _i in range(FORECAST_MONTHS):
        months.append(month)
        month = _next_month(month)
    return months


def _targets(user, months, owner, team) -> tuple[dict, dict]:
    """(sales, collection) targets by month for the report's filter: a rep's own; a team's
    (its department target, else the sum of its reps'); without a filter the reps' the viewer
    covers."""
    qs = SalesTarget.objects.filter(month__in=months)
    if owner:
        chosen = qs.filter(user_id=owner)
    elif team:
        chosen = qs.filter(department_id=team)
        if not chosen.exists():
            chosen = qs.filter(user__profile__department_id=team)
    else:
        chosen = qs.filter(user__in=covered_users(user))
    sales, collection = defaultdict(Decimal), defaultdict(Decimal)
    for month, s, c in chosen.values_list("month", "sales_target", "collection_target"):
        sales[month] += s
        collection[month] += c
    return sales, collection


def forecast(user, qs, *, owner=None, team=None, today: date) -> list[dict]:
    """Per month from this one: the weighted pipeline of open opportunities expected to close
    that month, the amount won in it, the targets, and the collections when an app provides
    them."""
    months = forecast_months(today)
    end = _next_month(months[-1])
    weighted = defaultdict(Decimal)
    for close, amount, probability in qs.filter(
        status=Status.OPEN,
        expected_close__gte=months[0],
        expected_close__lt=end,
        amount__isnull=False,
    ).values_list("expected_close", "amount", "probability"):
        weighted[close.replace(day=1)] += amount * probability / 100
    won = defaultdict(Decimal)
    tz = timezone.get_current_timezone()
    for won_at, amount in qs.filter(status=Status.WON, amount__isnull=False).values_list(
        "won_at", "amount"
    ):
        if won_at:
            won[won_at.astimezone(tz).date().replace(day=1)] += amount
    sales, collection = _targets(user, months, owner, team)
    collected = defaultdict(Decimal)
    for provider in _COLLECTION_PROVIDERS:
        for month, value in provider(user, months, owner, team).items():
            collected[month] += value
    return [
        {
            "month": month.strftime("%Y-%m"),
            "weighted": _money(weighted[month]),
            "won": _money(won[month]),
            "sales_target": _money(sales[month]) if month in sales else None,
            "collection_target": _money(collection[month]) if month in collection else None,
            "collected": _money(collected[month]) if _COLLECTION_PROVIDERS else None,
        }
        for month in months
    ]


def charts(data: dict) -> list[dict]:
    """The chart specs (guanxi/insights/static/insights/dashboards.js draws them)."""
    kinds = dict(ObjectionKind.choices)
    months = [row["month"] for row in data["forecast"]]
    forecast_series = [
        {"name": _("Weighted pipeline"), "data": [float(r["weighted"]) for r in data["forecast"]]},
        {"name": _("Won"), "data": [float(r["won"]) for r in data["forecast"]]},
    ]
    forecast_series.append(
        {
            "name": _("Sales target"),
            "data": [float(r["sales_target"] or 0) for r in data["forecast"]],
        }
    )
    if _COLLECTION_PROVIDERS:
        forecast_series += [
            {"name": _("Collections"), "data": [float(r["collected"]) for r in data["forecast"]]},
            {
                "name": _("Collection target"),
                "data": [float(r["collection_target"] or 0) for r in data["forecast"]],
            },
        ]
    specs = [
        {
            "kind": "funnel",
            "title": _("Funnel: opportunities that reached each stage"),
            "data": [{"name": f["stage"], "value": f["reached"]} for f in data["funnel"]],
        },
        {
            "kind": "bar",
            "title": _("Forecast by close month against the sales target"),
            "categories": months,
            "series": forecast_series,
        },
        {
            "kind": "hbar",
            "title": _("Objections raised in each stage"),
            "categories": [o["stage"] for o in data["objections"]],
            "stack": True,
            "series": [
                {"name": str(kinds[k]), "data": [o["counts"][k] for o in data["objections"]]}
                for k in ObjectionKind.values
            ],
        },
        {
            "kind": "hbar",
            "title": _("Win rate by rep (per cent)"),
            "categories": [r["owner"] for r in data["reps"]],
            "series": [{"name": _("Win rate"), "data": [r["win_rate"] or 0 for r in data["reps"]]}],
        },
    ]
    return specs
