"""The home dashboard at `/`: what a user sees first after logging in.

A manager (anyone whose data scope covers colleagues, see `is_lead`) sees the key indicators of
their scope with the change against the previous period, each linked to the customer list (or
the order list, or the task inbox) filtered to the records behind it. A rep sees today's tasks
and reminders, their customers at risk of churning with the reason and the textbook's
recommended action, and the birthdays and anniversaries of the next 14 days.

It composes customers, activities, sales and scoring; every scope decision is
guanxi.accounts.scope's. The indicators are a few aggregate queries (one scan of the last 180
days of the scope's orders, one over its scores, one count of new customers, one of overdue
tasks), cached per user for INDICATORS_TTL seconds: the page says how fresh they are.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language

from guanxi.accounts.scope import (
    can_write,
    covered_users,
    covers_colleagues,
    is_manager,
    scoped,
    visible_customers,
    visible_tasks,
)
from guanxi.activities.models import TaskKind
from guanxi.activities.queries import open_tasks_for
from guanxi.analytics.churn import RECOVERY_ACTIONS
from guanxi.analytics.segments import SEGMENTS
from guanxi.contracts.queries import awaiting_approval_by
from guanxi.customers.models import Customer
from guanxi.customers.queries import capped_count, day_start
from guanxi.customers.scores import churn_reason_text
from guanxi.sales.models import NET_TOTAL, Order
from guanxi.scoring.models import CustomerScore, RunStatus, ScoringRun
from guanxi.services_common import customer_set_generation

ACTIVE_DAYS = 90
UPCOMING_DAYS = 14
UPCOMING_SCAN = 5000  # dates read at most (a rep with 180,000 customers has ~7,000 in 14 days)
UPCOMING_SHOWN = 30
REFRESH_MINUTES = 10  # the worker recomputes the figures of every lead in use this often
# seconds a manager's figures are reused (the page shows their time): longer than the refresh,
# so a lead in use always finds them computed
INDICATORS_TTL = 15 * 60
LIST_LIMIT = 20
AT_RISK_COUNT_CAP = 1000  # "1,000+" beyond: an exact count of a big book costs seconds
AT_RISK_COUNT_TTL = 24 * 3600  # keyed on the run and the customer set: a day is only a bound


def is_lead(user) -> bool:
    """Whose home shows the indicators: a user whose data scope covers colleagues."""
    return covers_colleagues(user)


def _lang() -> str:
    return "zh-hans" if (get_language() or "").startswith("zh") else "en"


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _prev_month_start(day: dt.date) -> dt.date:
    first = _month_start(day)
    return _month_start(first - dt.timedelta(days=1))


@dataclass(frozen=True)
class Periods:
    """The local-time windows the indicators compare (dates inclusive, ends as datetimes)."""

    today: dt.date
    active_from: dt.date  # the last ACTIVE_DAYS days, today (so far) included
    prev_active_from: dt.date  # the ACTIVE_DAYS before them, to the same time (prev_active_end)
    month_from: dt.date
    prev_month_from: dt.date
    prev_month_to: dt.date  # the same days of last month (at most to its end)
    # The time of day this month has reached, at which last month's same day is cut: the month
    # so far is compared with last month to the same day and time, so at 09:00 on the 1st
    # nine hours meet nine hours, not a whole day (which made every figure "−100%"). None:
    # whole days (a day that is over, or a shorter last month counted to its end).
    prev_month_to_time: dt.time | None = None
    # The time of day today has reached (None: the whole of it, a day that is over). The 90
    # days before the active window are cut at it on their last day, as last month's same day
    # is: 89 days and today so far meet 89 days and the same part of a day, where a whole 90
    # days made both 90-day cards drift low all day long (by up to 1/90 in the morning).
    today_time: dt.time | None = None

    @classmethod
    def of(cls, today: dt.date, time: dt.time | None = None) -> Periods:
        """The windows of `today`, which has reached `time` (None: the whole of it)."""
        month_from, prev_from = _month_start(today), _prev_month_start(today)
        same_day = prev_from + dt.timedelta(days=(today - month_from).days)
        prev_to = min(same_day, month_from - dt.timedelta(days=1))
        return cls(
            today=today,
            active_from=today - dt.timedelta(days=ACTIVE_DAYS - 1),
            prev_active_from=today - dt.timedelta(days=2 * ACTIVE_DAYS - 1),
            month_from=month_from,
            prev_month_from=prev_from,
            prev_month_to=prev_to,
            prev_month_to_time=time if prev_to == same_day else None,
            today_time=time,
        )

    @property
    def month_too_early(self) -> bool:
        """This month so far is shorter than one full day (the 1st, still in progress): a few
        hours against the same few hours of last month swing wildly ("−100%" at 00:10), so no
        change is shown for the month's cards, only the two figures."""
        return self.today == self.month_from and self.today_time is not None

    @property
    def prev_active_to(self) -> dt.date:
        """The last day of the 90 days before the active window."""
        return self.active_from - dt.timedelta(days=1)

    @property
    def prev_active_end(self) -> dt.datetime:
        """Where the 90 days before the active window end (exclusive): on their last day at the
        time today has reached, in the site's time zone."""
        if self.today_time is None:
            return _end(self.prev_active_to)
        return dt.datetime.combine(
            self.prev_active_to, self.today_time, tzinfo=timezone.get_current_timezone()
        )

    @property
    def prev_month_end(self) -> dt.datetime:
        """Where last month's compared part ends (exclusive), in the site's time zone."""
        if self.prev_month_to_time is None:
            return _end(self.prev_month_to)
        return dt.datetime.combine(
            self.prev_month_to, self.prev_month_to_time, tzinfo=timezone.get_current_timezone()
        )


def _end(day: dt.date) -> dt.datetime:
    return day_start(day + dt.timedelta(days=1))


def _change(current, previous, *, too_early: bool = False) -> dict:
    """The figure, the previous period's and the relative change (None when not defined, or
    when the compared window is `too_early`: shorter than a day, Periods.month_too_early)."""
    change = None
    if previous and not too_early:
        change = float((Decimal(current) - Decimal(previous)) / Decimal(previous) * 100)
    return {"value": current, "previous": previous, "change": change, "too_early": too_early}


def _list_url(name: str, **params) -> str:
    query = urlencode(
        {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in params.items()}
    )
    return reverse(name) + ("?" + query if query else "")


def compute_indicators(
    user, today: dt.date | None = None, *, now: dt.datetime | None = None
) -> dict:
    """The manager's figures for `user`'s scope (plain numbers, dates and ISO strings: cacheable)
    as of `now`. This month so far is compared with last month to the same day and time of
    day, the last 90 days (today so far included) with the 90 before them to the same time
    of day; a `today` before now's date is over, and is compared by whole days."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = today or local.date()
    p = Periods.of(today, local.time().replace(microsecond=0) if today == local.date() else None)
    customers = visible_customers(user).filter(merged_into__isnull=True)
    # purchases only (sales' one definition, which the customer list's filters share)
    orders = scoped(user, Order.objects.purchases(), via="customer").filter(
        customer__merged_into__isnull=True,
        ordered_at__gte=day_start(p.prev_active_from),
        ordered_at__lt=_end(p.today),
    )
    cur = Q(ordered_at__gte=day_start(p.active_from))
    prev = Q(ordered_at__lt=p.prev_active_end)
    month = Q(ordered_at__gte=day_start(p.month_from))
    prev_month = Q(ordered_at__gte=day_start(p.prev_month_from), ordered_at__lt=p.prev_month_end)
    # One scan of the window: per customer its purchases in each 90 days and its revenue in
    # each month, then counted and summed over the customers.
    per_customer = (
        orders.order_by()
        .values("customer_id")
        .annotate(
            n_cur=Count("id", filter=cur),
            n_prev=Count("id", filter=prev),
            rev_month=Sum(NET_TOTAL, filter=month),
            rev_prev_month=Sum(NET_TOTAL, filter=prev_month),
        )
    )
    sums = per_customer.aggregate(
        active=Count("customer_id", filter=Q(n_cur__gte=1)),
        active_prev=Count("customer_id", filter=Q(n_prev__gte=1)),
        repeat=Count("customer_id", filter=Q(n_cur__gte=2)),
        repeat_prev=Count("customer_id", filter=Q(n_prev__gte=2)),
        revenue=Sum("rev_month"),
        revenue_prev=Sum("rev_prev_month"),
    )
    new = customers.order_by().aggregate(
        n=Count(
            "id", filter=Q(created_at__gte=day_start(p.month_from), created_at__lt=_end(p.today))
        ),
        n_prev=Count(
            "id",
            filter=Q(created_at__gte=day_start(p.prev_month_from), created_at__lt=p.prev_month_end),
        ),
    )
    scores = (
        CustomerScore.objects.filter(customer__in=customers)
        .order_by()
        .aggregate(
            scored=Count("pk"),
            churn_high=Count("pk", filter=Q(churn_risk="high")),
            tier_a=Count("pk", filter=Q(abc_tier="A")),
            tier_b=Count("pk", filter=Q(abc_tier="B")),
            tier_c=Count("pk", filter=Q(abc_tier="C")),
        )
    )
    overdue = (
        visible_tasks(user)
        .filter(done_at__isnull=True, due_at__lt=now, assignee__in=covered_users(user))
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    overdue_by = sorted(((row["n"], row["assignee_id"]) for row in overdue), reverse=True)

    def rate(repeat, active):
        return round(repeat / active * 100, 1) if active else None

    cent = Decimal("0.01")
    revenue = Decimal(sums["revenue"] or 0).quantize(cent)
    revenue_prev = Decimal(sums["revenue_prev"] or 0).quantize(cent)
    return {
        "computed_at": now.isoformat(),
        "periods": p,
        "active": (sums["active"], sums["active_prev"]),
        "new": (new["n"], new["n_prev"]),
        "revenue": (str(revenue), str(revenue_prev)),
        "repeat_rate": (
            rate(sums["repeat"], sums["active"]),
            rate(sums["repeat_prev"], sums["active_prev"]),
        ),
        "scores": scores,
        "overdue": [(assignee, n) for n, assignee in overdue_by],
    }


def _cache_key(user, day: dt.date) -> str:
    return f"home:indicators:v3:{user.pk}:{day.isoformat()}"


def cached_indicators(user, today: dt.date | None = None) -> dict:
    """compute_indicators, reused for INDICATORS_TTL seconds per user and day."""
    day = today or timezone.localdate()
    key = _cache_key(user, day)
    figures = cache.get(key)
    if figures is None:
        figures = compute_indicators(user, day)
        cache.set(key, figures, INDICATORS_TTL)
    return figures


def refresh_indicators(today: dt.date | None = None) -> int:
    """Recompute and cache the indicators of every lead seen in the last 30 days (after a
    scoring run: the tier mix and the customers at risk changed). Returns how many."""
    from django.contrib.auth import get_user_model

    day = today or timezone.localdate()
    since = timezone.now() - dt.timedelta(days=30)
    users = get_user_model().objects.filter(is_active=True, last_login__gte=since).order_by("pk")
    done = 0
    for user in users:
        if is_lead(user):
            cache.set(_cache_key(user, day), compute_indicators(user, day), INDICATORS_TTL)
            done += 1
    return done


def latest_run():
    return ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-id").first()


def indicator_cards(user, figures: dict) -> dict:
    """What the template shows: each figure with its change and the link to the rows behind it."""
    p: Periods = figures["periods"]
    customers = "customers:list"
    active, active_prev = figures["active"]
    new, new_prev = figures["new"]
    revenue, revenue_prev = (Decimal(v) for v in figures["revenue"])
    rate, rate_prev = figures["repeat_rate"]
    s = figures["scores"]
    users = {u.pk: u for u in covered_users(user).select_related("profile")}
    overdue = [
        {
            "user": users.get(assignee),
            "n": n,
            "url": _list_url("activities:inbox", assignee=assignee, overdue=1),
        }
        for assignee, n in figures["overdue"]
        if assignee in users
    ]
    return {
        "computed_at": dt.datetime.fromisoformat(figures["computed_at"]),
        "periods": p,
        "active": _change(active, active_prev)
        | {"url": _list_url(customers, last_order_from=p.active_from)},
        "new": _change(new, new_prev, too_early=p.month_too_early)
        | {"url": _list_url(customers, created_from=p.month_from, created_to=p.today)},
        "revenue": _change(revenue, revenue_prev, too_early=p.month_too_early)
        | {
            "url": _list_url(
                "sales:orders", ordered_from=p.month_from, ordered_to=p.today, purchases=1
            )
        },
        "repeat_rate": {
            "value": rate,
            "previous": rate_prev,
            "change": None if rate is None or rate_prev is None else round(rate - rate_prev, 1),
            # the repeat buyers the rate counts: two purchases or more in the 90 days
            "url": _list_url(customers, last_order_from=p.active_from, min_purchases=2),
        },
        "scored": s["scored"],
        "churn_high": {"value": s["churn_high"], "url": _list_url(customers, churn_risk="high")},
        "tiers": [
            {
                "tier": tier,
                "n": s[f"tier_{tier.lower()}"],
                "url": _list_url(customers, abc_tier=tier),
            }
            for tier in ("A", "B", "C")
        ],
        "overdue_total": sum(row["n"] for row in overdue),
        "overdue": overdue[:8],
    }


# The rep's day -----------------------------------------------------------------------------


def next_occurrence(day: dt.date, today: dt.date) -> dt.date:
    """The next anniversary of `day` on or after `today`; 29 February falls on 28 February in
    a common year (as the reminder job does)."""
    for year in (today.year, today.year + 1):
        try:
            candidate = day.replace(year=year)
        except ValueError:
            candidate = dt.date(year, 2, 28)
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable: next year's date is always after today")


def upcoming_dates(user, today: dt.date, days: int = UPCOMING_DAYS) -> list[dict]:
    """Birthdays and anniversaries of the user's own customers in the next `days` days (today
    included), across the year's end, soonest first (at most UPCOMING_LIMIT of them)."""
    horizon = [today + dt.timedelta(days=n) for n in range(days)]
    pairs = {(d.month, d.day) for d in horizon}
    for d in horizon:  # 29 February is celebrated on the 28th in a common year
        if (d.month, d.day) == (2, 28) and not calendar.isleap(d.year):
            pairs.add((2, 29))
    mine = visible_customers(user).filter(
        owner=user, merged_into__isnull=True, do_not_contact=False
    )
    fields = {"birthday": TaskKind.BIRTHDAY, "anniversary": TaskKind.ANNIVERSARY}
    on_days = Q()
    for field in fields:  # one pass over the user's customers for both dates
        for month, day in sorted(pairs):
            on_days |= Q(**{f"{field}__month": month, f"{field}__day": day})
    candidates = mine.filter(on_days).order_by().only("id", "name", *fields)
    rows = []
    for customer in candidates[:UPCOMING_SCAN]:
        for field, kind in fields.items():
            value = getattr(customer, field)
            if value is None:
                continue
            when = next_occurrence(value, today)
            if when <= horizon[-1]:
                rows.append(
                    {
                        "customer": customer,
                        "kind": kind,
                        "label": capfirst(Customer._meta.get_field(field).verbose_name),
                        "on": when,
                        "in_days": (when - today).days,
                    }
                )
    rows.sort(key=lambda r: (r["on"], r["customer"].name, r["customer"].pk))
    return rows


def at_risk(user, limit: int = 10, run: ScoringRun | None = None) -> dict:
    """The user's own customers whose churn risk is high, most urgent first, with the reason
    and the recommended action in the user's language."""
    lang = _lang()
    qs = (
        visible_customers(user)
        .filter(owner=user, merged_into__isnull=True, score__churn_risk="high")
        .select_related("score")
        .order_by("score__recovery_priority", "-score__churn_risk_score", "pk")
    )
    rows = []
    for customer in qs[:limit]:
        score = customer.score
        action = RECOVERY_ACTIONS.get(score.recovery_action)
        segment = SEGMENTS.get(score.rfm_segment)
        rows.append(
            {
                "customer": customer,
                "score": score,
                "reason": churn_reason_text(score),
                "action": action[lang] if action else "",
                "segment": segment.name[lang] if segment else "",
                "segment_action": segment.action[lang] if segment else "",
            }
        )
    if len(rows) < limit:
        count, exact = len(rows), True
    else:
        # The count changes only with a scoring run or customers changing hands: cached under
        # both (the capped count of a big book still costs ~0.4 s at a million customers).
        run = run or latest_run()
        key = f"home:at-risk:v1:{user.pk}:{run.pk if run else 0}:{customer_set_generation()}"
        count, exact = cache.get(key) or (None, None)
        if count is None:
            count, exact = capped_count(qs, AT_RISK_COUNT_CAP)
            cache.set(key, (count, exact), AT_RISK_COUNT_TTL)
    return {
        "rows": rows,
        "count": count,
        "count_exact": exact,
        "url": _list_url("customers:list", owner=user.pk, churn_risk="high"),
    }


def agenda(user, today: dt.date) -> dict:
    """Open tasks overdue or due today, and reminders (remind time reached, due later)."""
    end = _end(today)
    now = timezone.now()
    tasks = open_tasks_for(user)
    due = list(tasks.filter(due_at__lt=end)[:50])
    reminders = list(
        tasks.filter(due_at__gte=end, remind_at__isnull=False, remind_at__lt=end)[:LIST_LIMIT]
    )
    return {
        "overdue": [t for t in due if t.due_at < now],
        "due_today": [t for t in due if t.due_at >= now],
        "reminders": reminders,
        "now": now,
    }


def approvals_waiting(user) -> dict | None:
    """The contracts submitted for the user's approval (a manager's: not their own, within
    their scope): how many (one count) and the contract list filtered to them; None for
    whoever may not approve (no query)."""
    if not (is_manager(user) and can_write(user)):
        return None
    n = awaiting_approval_by(user).count()
    return {"n": n, "url": _list_url("contracts:list", status="pending", awaiting="me")}


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    lead = is_lead(user)
    context = {
        "lead": lead,
        "today": today,
        "agenda": agenda(user, today),
        "run": latest_run(),
        "refresh_minutes": REFRESH_MINUTES,
        "approvals": approvals_waiting(user),
    }
    if lead:
        # figures computed within INDICATORS_TTL are shown at once; otherwise the page comes
        # without them and htmx fetches them (seconds at a million customers when cold)
        figures = cache.get(_cache_key(user, today))
        if figures is not None:
            context["kpi"] = indicator_cards(user, figures)
    else:
        context["at_risk"] = (
            at_risk(user, run=context["run"]) if context["run"] else None
        )  # no scores: no query
        upcoming = upcoming_dates(user, today)
        context["upcoming"] = upcoming[:UPCOMING_SHOWN]
        context["upcoming_more"] = len(upcoming) - len(context["upcoming"])
    return render(request, "workspace/home.html", context)


@login_required
def indicators(request):
    """The manager's indicators: the fragment the home page loads (a page of its own without
    htmx). 404 for a user whose scope covers nobody else (a rep's home has none)."""
    user = request.user
    if not is_lead(user):
        raise Http404
    today = timezone.localdate()
    context = {
        "kpi": indicator_cards(user, cached_indicators(user, today)),
        "run": latest_run(),
        "refresh_minutes": REFRESH_MINUTES,
        "today": today,
    }
    template = "workspace/_indicators.html" if request.htmx else "workspace/indicators.html"
    return render(request, template, context)
