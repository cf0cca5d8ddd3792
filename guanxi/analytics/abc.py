"""Customer tiering by value: ABC (Pareto) classification by revenue contribution and the
customer pyramid (the course text's tiering chapter, DOMAIN.md §7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from guanxi.analytics.base import CustomerBase, check_base
from guanxi.analytics.common import (
    customer_summary,
    label,
    order_log,
    ratio,
    share_strictly_better,
    sum_int64,
)
from guanxi.analytics.io import AnalyticsInputError, require_columns

__all__ = ["ABC_GUIDANCE", "PYRAMID_TIERS", "abc", "pyramid"]

ABC_GUIDANCE = {
    "A": {
        "en": "Key accounts: dedicated staff, priority service, regular senior contact.",
        "zh-hans": "关键客户：专人负责，优先服务，高层定期拜访。",
    },
    "B": {
        "en": "Middle customers: regular visits, develop them towards A.",
        "zh-hans": "中间客户：定期拜访，培养其升级为A类客户。",
    },
    "C": {
        "en": "Small customers: basic, low-cost service (self-service, group communication).",
        "zh-hans": "普通客户：提供基本的低成本服务（自助服务、群体沟通）。",
    },
}

PYRAMID_TIERS = {
    "top": {"en": "Top", "zh-hans": "顶尖客户"},
    "large": {"en": "Large", "zh-hans": "大客户"},
    "medium": {"en": "Medium", "zh-hans": "中等客户"},
    "small": {"en": "Small", "zh-hans": "小客户"},
    "inactive": {"en": "Inactive", "zh-hans": "非积极客户"},
    "prospects": {"en": "Prospects", "zh-hans": "潜在客户"},
    "suspects": {"en": "Suspects", "zh-hans": "疑虑者"},
}


def _check_cuts(cuts: Sequence[float], name: str, expected: int) -> tuple[float, ...]:
    cuts = tuple(float(c) for c in cuts)
    if len(cuts) != expected or any(c <= 0 for c in cuts) or abs(sum(cuts) - 1) > 1e-9:
        raise AnalyticsInputError(
            f"{name} must be {expected} positive shares adding up to 1 (e.g. 0.7, 0.2, 0.1), "
            f"got {', '.join(str(c) for c in cuts)}"
        )
    return cuts


def abc(
    transactions: ir.Table | CustomerBase,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    as_of: dt.date | str | None = None,
    cuts: Sequence[float] = (0.7, 0.2, 0.1),
    lang: str = "en",
) -> ir.Table:
    """ABC (Pareto) classification of customers by their share of revenue.

    Parameters
    ----------
    transactions : ibis.Table or CustomerBase
        An order log: one row per purchase; or its per-customer aggregate from
        :func:`~guanxi.analytics.base.customer_base` (then the column names and ``as_of`` are
        the base's).
    customer, date, amount : str
        Column names.
    as_of : date or ISO string, optional
        Purchases after this date are ignored (default: all).
    cuts : three shares adding up to 1
        Revenue shares of classes A, B and C; default 70 % / 20 % / 10 %.
    lang : {"en", "zh-hans"}
        Language of the ``guidance`` column.

    Returns
    -------
    ibis.Table
        One row per customer: ``customer_id, revenue, revenue_share, rank,
        cumulative_share_before, cumulative_share, abc_class, guidance``.

    Notes
    -----
    Pareto's rule applied to customers: sort customers by revenue, largest first; a customer is
    in A while the revenue of the customers *strictly ahead* of them is below ``cuts[0]`` of the
    total, in B while it is below ``cuts[0] + cuts[1]``, else in C. So the customer who crosses
    the 70 % line is still A. Customers with equal revenue (to the cent, summed as integer
    cents) are kept together: same rank (the smallest), same shares, same class, on every
    engine. ``cumulative_share`` is the share of revenue of the customers with at least this
    customer's revenue.

    Weaknesses worth showing users: one criterion (revenue, not profit or potential), and it
    looks backwards.
    """
    cut_a, cut_b, _ = _check_cuts(cuts, "cuts", 3)
    if isinstance(transactions, CustomerBase):
        check_base(transactions, as_of)
        per = transactions.table.select("customer_id", cents="monetary_cents")
    else:
        log, _ = order_log(transactions, customer=customer, date=date, amount=amount, as_of=as_of)
        per = log.group_by("customer_id").aggregate(cents=sum_int64(log.amount_cents))
    # Running revenue over the distinct revenue values (small, and ties share one row).
    levels = per.group_by("cents").aggregate(
        customers=per.count(), level_cents=sum_int64(per.cents)
    )
    total = levels.level_cents.sum().over()
    running = levels.level_cents.sum().over(
        ibis.window(order_by=levels.cents.desc(), preceding=None, following=0)
    )
    ahead = levels.customers.sum().over(
        ibis.window(order_by=levels.cents.desc(), preceding=None, following=0)
    )
    levels = levels.select(
        "cents",
        rank=(ahead - levels.customers + 1).cast("int64"),
        cumulative_share_before=ratio(running - levels.level_cents, total),
        cumulative_share=ratio(running, total),
        revenue_share=ratio(levels.cents, total),
    )
    joined = per.inner_join(levels, "cents")
    before = joined.cumulative_share_before
    abc_class = ibis.cases(
        (before < cut_a - 1e-12, "A"), (before < cut_a + cut_b - 1e-12, "B"), else_="C"
    )
    result = joined.select(
        "customer_id",
        revenue=ratio(joined.cents, 100),
        revenue_share=joined.revenue_share,
        rank=joined["rank"],
        cumulative_share_before=before,
        cumulative_share=joined.cumulative_share,
        abc_class=abc_class,
    )
    return result.mutate(guidance=label(result.abc_class, ABC_GUIDANCE, lang))


def pyramid(
    transactions: ir.Table,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    as_of: dt.date | str | None = None,
    inactive_after_days: int = 365,
    shares: Sequence[float] = (0.01, 0.04, 0.15, 0.80),
    leads: ir.Table | None = None,
    lead_customer: str = "customer_id",
    lead_status: str = "status",
) -> ir.Table:
    """The customer pyramid: top, large, medium, small, inactive, prospects, suspects.

    Parameters
    ----------
    transactions : ibis.Table
        An order log.
    customer, date, amount : str
        Column names.
    as_of : date or ISO string, optional
        Analysis date; default the day after the last purchase.
    inactive_after_days : int
        A customer whose last purchase is more than this many days before ``as_of`` is
        ``inactive`` (default 365).
    shares : four shares adding up to 1
        Shares of the *active* customers, by revenue rank, in top / large / medium / small;
        default 1 % / 4 % / 15 % / 80 % (Curry's customer pyramid).
    leads : ibis.Table, optional
        People who have not bought: a table with ``lead_customer`` and ``lead_status``, the
        status being ``"prospect"`` (qualified: interest and means to buy) or ``"suspect"``
        (could be a customer, not yet qualified). Leads who have bought are ignored. Without
        it the two bottom layers are simply empty: an order log cannot know them.

    Returns
    -------
    ibis.Table
        ``customer_id, revenue, recency_days, tier``; leads have revenue 0 and no recency.

    Notes
    -----
    Active customers are ranked by revenue within the period, ties kept together: a customer is
    ``top`` if the share of active customers with strictly more revenue is below
    ``shares[0]``, ``large`` below ``shares[0] + shares[1]``, ``medium`` below the first
    three, else ``small``.
    """
    top, large, medium, _ = _check_cuts(shares, "shares", 4)
    if inactive_after_days < 0:
        raise AnalyticsInputError("inactive_after_days must not be negative")
    log, as_of_date = order_log(
        transactions, customer=customer, date=date, amount=amount, as_of=as_of
    )
    per = customer_summary(log, as_of_date)
    per = per.mutate(monetary_cents=per.monetary_cents.cast("int64"))
    active = per.filter(per.recency_days <= inactive_after_days)
    ahead = share_strictly_better(active.monetary_cents)
    active = active.select(
        "customer_id",
        "monetary_cents",
        "recency_days",
        tier=ibis.cases(
            (ahead < top - 1e-12, "top"),
            (ahead < top + large - 1e-12, "large"),
            (ahead < top + large + medium - 1e-12, "medium"),
            else_="small",
        ),
    )
    inactive = per.filter(per.recency_days > inactive_after_days).select(
        "customer_id", "monetary_cents", "recency_days", tier=ibis.literal("inactive")
    )
    result = active.union(inactive)
    if leads is not None:
        require_columns(leads, {"lead customer": lead_customer, "lead status": lead_status})
        status = leads[lead_status].cast("string").lower().strip()
        known = leads.filter(status.isin(["prospect", "suspect"])).mutate(
            customer_id=leads[lead_customer].cast(per.customer_id.type()),
            is_prospect=status == "prospect",
        )
        # A lead listed twice is a prospect if any row says so.
        new = known.group_by("customer_id").aggregate(is_prospect=known.is_prospect.any())
        new = new.mutate(tier=ibis.cases((new.is_prospect, "prospects"), else_="suspects"))
        new = new.anti_join(per, "customer_id")
        result = result.union(
            new.select(
                "customer_id",
                monetary_cents=ibis.literal(0, type="int64"),
                recency_days=ibis.null("int64"),
                tier="tier",
            )
        )
    return result.select(
        "customer_id",
        revenue=ratio(result.monetary_cents, 100),
        recency_days=result.recency_days,
        tier=result.tier,
    )
