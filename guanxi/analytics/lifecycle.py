"""Customer lifecycle stage (客户生命周期) per customer, derived from the order log, with the
stage's textbook strategy (DOMAIN.md §8)."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from guanxi.analytics.common import days_between, label, order_log
from guanxi.analytics.io import AnalyticsInputError, require_columns

__all__ = ["LIFECYCLE_STAGES", "CUSTOMER_STATUSES", "lifecycle"]

LIFECYCLE_STAGES = {
    "exploration": {
        "name": {"en": "Exploration", "zh-hans": "考察期"},
        "strategy": {
            "en": "Build trust: deliver the first order well, answer questions fast, show "
            "references; make the second purchase easy.",
            "zh-hans": "建立信任：做好首单交付，快速答复疑问，展示成功案例；让再次购买变得容易。",
        },
    },
    "formation": {
        "name": {"en": "Formation", "zh-hans": "形成期"},
        "strategy": {
            "en": "Build satisfaction: meet and exceed expectations, cross-sell related "
            "products, learn the customer's needs and keep in regular contact.",
            "zh-hans": "提升满意度：满足并超越期望，交叉销售相关产品，了解需求并保持定期联系。",
        },
    },
    "stability": {
        "name": {"en": "Stability", "zh-hans": "稳定期"},
        "strategy": {
            "en": "Keep and bind: raise exit barriers (membership, points, integration), keep "
            "the customer profile current, communicate regularly, reward loyalty.",
            "zh-hans": "维系与绑定：提高退出壁垒（会员、积分、系统对接），完善客户档案，"
            "保持沟通，奖励忠诚。",
        },
    },
    "decline": {
        "name": {"en": "Decline", "zh-hans": "退化期"},
        "strategy": {
            "en": "Early warning and recovery: find out why purchases fell, fix the cause, "
            "make a win-back offer; let poor customers go.",
            "zh-hans": "预警与挽回：查明购买减少的原因并加以解决，提出挽回方案；放弃劣质客户。",
        },
    },
}

CUSTOMER_STATUSES = {
    "potential": {"en": "Potential customer", "zh-hans": "潜在客户"},
    "new": {"en": "New customer", "zh-hans": "新客户"},
    "old": {"en": "Old (established) customer", "zh-hans": "老客户"},
}


def lifecycle(
    transactions: ir.Table,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    as_of: dt.date | str | None = None,
    decline_after_days: int = 180,
    stability_after_days: int = 365,
    trend_window_days: int = 180,
    new_within_days: int = 90,
    prospects: ir.Table | None = None,
    prospect_customer: str = "customer_id",
    lang: str = "en",
) -> ir.Table:
    """The lifecycle stage and the potential / new / old status of every customer.

    Parameters
    ----------
    transactions : ibis.Table
        An order log: one row per purchase.
    customer, date, amount : str
        Column names (``amount`` is only checked, not used).
    as_of : date or ISO string, optional
        Analysis date; default the day after the last purchase.
    decline_after_days : int
        No purchase for more than this many days means decline (default 180).
    stability_after_days : int
        A repeat customer whose relationship is at least this old is past formation (365).
    trend_window_days : int
        Length ``w`` of the two windows compared for the purchase trend (180).
    new_within_days : int
        A customer whose first purchase is at most this many days old is ``new`` (90).
    prospects : ibis.Table, optional
        People who have not bought yet (column ``prospect_customer``); they get status
        ``potential`` and no stage. Ids that appear in the order log are ignored.
    lang : {"en", "zh-hans"}
        Language of ``stage_name`` and ``strategy``.

    Returns
    -------
    ibis.Table
        ``customer_id, first_date, last_date, frequency, tenure_days, recency_days,
        recent_purchases, previous_purchases, stage, status, stage_name, strategy``.

    Notes
    -----
    The stages are the four phases of the relationship in the course text (考察期, 形成期,
    稳定期, 退化期), decided from tenure, recency and the purchase trend. With
    ``recent`` = purchases in ``(as_of - w, as_of]`` and ``previous`` = purchases in
    ``(as_of - 2w, as_of - w]``, the first rule that holds wins:

    1. ``decline``: ``recency_days > decline_after_days``, or purchases fell by half or more
       (``previous >= 2`` and ``2 · recent <= previous``);
    2. ``exploration``: a single purchase so far (the trial);
    3. ``formation``: repeat purchases, relationship younger than ``stability_after_days``;
    4. ``stability``: repeat purchases, an older relationship, and neither rule 1 applies.

    Status: ``new`` if ``tenure_days <= new_within_days``, else ``old``; ``potential`` only for
    the ``prospects`` given.
    """
    for name, value in {
        "decline_after_days": decline_after_days,
        "stability_after_days": stability_after_days,
        "trend_window_days": trend_window_days,
        "new_within_days": new_within_days,
    }.items():
        if value <= 0:
            raise AnalyticsInputError(f"{name} must be a positive number of days, not {value}")
    log, as_of_date = order_log(
        transactions, customer=customer, date=date, amount=amount, as_of=as_of
    )
    recent_start = as_of_date - dt.timedelta(days=trend_window_days)
    previous_start = as_of_date - dt.timedelta(days=2 * trend_window_days)

    def count_if(condition: ir.BooleanValue) -> ir.IntegerScalar:
        return ibis.cases((condition, 1), else_=0).sum().cast("int64")

    per = log.group_by("customer_id").aggregate(
        first_date=log.date.min(),
        last_date=log.date.max(),
        frequency=log.count(),
        recent_purchases=count_if(log.date > ibis.literal(recent_start, type="date")),
        previous_purchases=count_if(
            (log.date > ibis.literal(previous_start, type="date"))
            & (log.date <= ibis.literal(recent_start, type="date"))
        ),
    )
    per = per.mutate(
        tenure_days=days_between(as_of_date, per.first_date),
        recency_days=days_between(as_of_date, per.last_date),
    )
    falling = (per.previous_purchases >= 2) & (per.recent_purchases * 2 <= per.previous_purchases)
    stage = ibis.cases(
        ((per.recency_days > decline_after_days) | falling, "decline"),
        (per.frequency <= 1, "exploration"),
        (per.tenure_days < stability_after_days, "formation"),
        else_="stability",
    )
    status = ibis.cases((per.tenure_days <= new_within_days, "new"), else_="old")
    result = per.select(
        "customer_id",
        "first_date",
        "last_date",
        frequency=per.frequency.cast("int64"),
        tenure_days=per.tenure_days,
        recency_days=per.recency_days,
        recent_purchases=per.recent_purchases,
        previous_purchases=per.previous_purchases,
        stage=stage,
        status=status,
    )
    if prospects is not None:
        require_columns(prospects, {"prospect customer": prospect_customer})
        ids = prospects.select(
            customer_id=prospects[prospect_customer].cast(result.customer_id.type())
        ).distinct()
        ids = ids.anti_join(result, "customer_id")
        result = result.union(
            ids.select(
                "customer_id",
                first_date=ibis.null("date"),
                last_date=ibis.null("date"),
                frequency=ibis.literal(0, type="int64"),
                tenure_days=ibis.null("int64"),
                recency_days=ibis.null("int64"),
                recent_purchases=ibis.literal(0, type="int64"),
                previous_purchases=ibis.literal(0, type="int64"),
                stage=ibis.null("string"),
                status=ibis.literal("potential"),
            )
        )
    names = {code: stage["name"] for code, stage in LIFECYCLE_STAGES.items()}
    strategies = {code: stage["strategy"] for code, stage in LIFECYCLE_STAGES.items()}
    return result.mutate(
        stage_name=label(result.stage, names, lang),
        strategy=label(result.stage, strategies, lang),
    )
