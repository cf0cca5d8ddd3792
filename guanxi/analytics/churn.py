"""Churn early warning (客户流失预警, DOMAIN.md §8): per-customer risk from RFM and, when
given, the probability of being alive from a predictive model, with the reason in words; and
the recovery priority from the customer's tier × churn kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from guanxi.analytics.abc import abc
from guanxi.analytics.common import days_between, label, order_log, quintile_score, ratio
from guanxi.analytics.io import AnalyticsInputError, require_columns

__all__ = [
    "CHURN_KINDS",
    "RECOVERY_ACTIONS",
    "TIER_OF_CLASS",
    "churn_risk",
    "recovery_priority",
]

CHURN_KINDS = {
    "natural": {"en": "Natural (no recovery)", "zh-hans": "自然消亡"},
    "profit_seeking": {"en": "Profit-seeking", "zh-hans": "趋利流失"},
    "disappointment": {"en": "Disappointment", "zh-hans": "失望流失"},
    "unknown": {"en": "Unknown", "zh-hans": "未知"},
}

#: ABC class -> recovery tier. "poor" (劣质客户, costing more than they bring) needs profit
#: data: pass it through the ``tiers`` table of :func:`churn_risk`.
TIER_OF_CLASS = {"A": "key", "B": "ordinary", "C": "small"}

RECOVERY_ACTIONS = {
    "recover_at_all_costs": {
        "en": "Key customer: recover at all costs; senior contact now, find and fix the reason.",
        "zh-hans": "关键客户：不惜一切代价挽回；高层立即联系，找出并解决原因。",
    },
    "try_to_recover": {
        "en": "Ordinary customer: make every effort to recover (call, tailored offer).",
        "zh-hans": "普通客户：尽力挽回（电话联系、针对性优惠）。",
    },
    "recover_if_opportunity": {
        "en": "Small customer: recover as opportunity allows, at low cost.",
        "zh-hans": "小客户：见机挽回，控制成本。",
    },
    "let_go": {
        "en": "Poor customer: let them go.",
        "zh-hans": "劣质客户：彻底放弃。",
    },
    "no_recovery": {
        "en": "Natural churn (moved, closed, no longer needs it): no recovery; record the reason.",
        "zh-hans": "自然消亡（搬迁、倒闭、不再需要）：无需挽回，记录原因。",
    },
}

_PRIORITY = {
    "recover_at_all_costs": 1,
    "try_to_recover": 2,
    "recover_if_opportunity": 3,
    "let_go": 4,
    "no_recovery": 5,
}


def recovery_priority(tier: str, kind: str = "unknown") -> tuple[int, str]:
    """Recovery priority (1 = first) and action code for a tier × churn kind.

    The course text's recovery model: key customers lost are recovered at all costs,
    ordinary ones are tried hard, small ones as opportunity allows, poor ones let go; natural
    churn (自然消亡) is not recoverable whatever the tier. Profit-seeking and disappointment
    churn are both recoverable, so for them the tier decides.

    >>> recovery_priority("key", "disappointment")
    (1, 'recover_at_all_costs')
    >>> recovery_priority("key", "natural")
    (5, 'no_recovery')
    """
    if kind not in CHURN_KINDS:
        raise AnalyticsInputError(
            f"unknown churn kind {kind!r}; expected one of {', '.join(CHURN_KINDS)}"
        )
    if kind == "natural":
        code = "no_recovery"
    else:
        code = {
            "key": "recover_at_all_costs",
            "ordinary": "try_to_recover",
            "small": "recover_if_opportunity",
            "poor": "let_go",
        }.get(tier)
        if code is None:
            raise AnalyticsInputError(
                f"unknown tier {tier!r}; expected key, ordinary, small or poor"
            )
    return _PRIORITY[code], code


def _recovery_expr(tier: ir.StringValue, kind: ir.StringValue) -> ir.StringValue:
    return ibis.cases(
        (kind == "natural", "no_recovery"),
        (tier == "key", "recover_at_all_costs"),
        (tier == "ordinary", "try_to_recover"),
        (tier == "poor", "let_go"),
        else_="recover_if_opportunity",
    )


def _text(*parts) -> ir.StringValue:
    """Concatenate literals and integer columns into one string column, on any engine."""
    values = [
        ibis.literal(p) if isinstance(p, str) else p.cast("int64").cast("string") for p in parts
    ]
    result = values[0]
    for value in values[1:]:
        result = result.concat(value)
    return result


def churn_risk(
    transactions: ir.Table,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    as_of: dt.date | str | None = None,
    p_alive: ir.Table | None = None,
    p_alive_column: str = "p_alive",
    kinds: ir.Table | None = None,
    kind_column: str = "churn_kind",
    tiers: ir.Table | None = None,
    tier_column: str = "tier",
    abc_cuts: Sequence[float] = (0.7, 0.2, 0.1),
    p_alive_high: float = 0.3,
    p_alive_medium: float = 0.6,
    lang: str = "en",
) -> ir.Table:
    """Churn risk of every customer, with the reason in words and the recovery priority.

    Parameters
    ----------
    transactions : ibis.Table
        An order log: one row per purchase.
    customer, date, amount : str
        Column names.
    as_of : date or ISO string, optional
        Analysis date; default the day after the last purchase.
    p_alive : ibis.Table, optional
        Per-customer probability of being alive from a predictive model (BG/NBD or
        Pareto/NBD, e.g. ``guanxi.analytics.clv``'s customer scores), with ``customer_id``
        and ``p_alive_column``. Without it the risk comes from RFM alone.
    kinds : ibis.Table, optional
        Known churn kinds (``customer_id``, ``kind_column`` in natural, profit_seeking,
        disappointment), e.g. from lost-customer interviews. Default kind: unknown.
    tiers : ibis.Table, optional
        Recovery tier per customer (``customer_id``, ``tier_column`` in key, ordinary,
        small, poor), overriding the tier derived from the ABC class (A key, B ordinary,
        C small). "poor" can only come from here: it needs profit data.
    abc_cuts : three shares
        Cut-offs of the ABC classification used for the tier.
    p_alive_high, p_alive_medium : float
        With a model's P(alive): risk is high below ``p_alive_high`` (0.3) and medium below
        ``p_alive_medium`` (0.6); ``0 <= p_alive_high <= p_alive_medium <= 1``.
    lang : {"en", "zh-hans"}
        Language of ``reason`` and ``action``.

    Returns
    -------
    ibis.Table
        ``customer_id, recency_days, frequency, monetary, r_score, interval_days,
        overdue_ratio, p_alive, risk_score, risk, reason_code, reason, abc_class, tier,
        churn_kind, recovery_priority, recovery_action, action``. ``recovery_*`` and
        ``action`` are null for low-risk customers.

    Notes
    -----
    Early warning per customer with RFM (DOMAIN.md §8), the usual interval between purchases
    as the customer's own clock:

    - ``interval_days = (last - first purchase) / (F - 1)`` for repeat buyers (null for
      one-time buyers), ``overdue_ratio = recency_days / interval_days``;
    - ``r_score``: the tie-stable recency quintile of :func:`guanxi.analytics.rfm.rfm`.

    With a model's ``p_alive`` for the customer: ``risk_score = 1 - p_alive``; risk is high
    below P(alive) 0.3, medium below 0.6 (reason ``low_p_alive``). Otherwise
    ``risk_score = (5 - r_score) / 4``, and the first rule that holds:

    1. high, ``overdue``: a repeat buyer with ``overdue_ratio >= 3``;
    2. high, ``long_inactive``: ``r_score = 1`` (the least recent fifth);
    3. medium, ``overdue``: a repeat buyer with ``overdue_ratio >= 1.5``;
    4. medium, ``inactive``: ``r_score = 2``;
    5. low, ``active``.

    The recovery priority is :func:`recovery_priority` of tier × churn kind, for high and
    medium risk.
    """
    if not 0 <= p_alive_high <= p_alive_medium <= 1:
        raise AnalyticsInputError(
            "P(alive) thresholds must satisfy 0 <= high <= medium <= 1, got "
            f"{p_alive_high} and {p_alive_medium}"
        )
    log, as_of_date = order_log(
        transactions, customer=customer, date=date, amount=amount, as_of=as_of
    )
    per = log.group_by("customer_id").aggregate(
        first_date=log.date.min(),
        last_date=log.date.max(),
        frequency=log.count(),
        cents=log.amount_cents.sum().cast("int64"),
    )
    per = per.mutate(recency_days=days_between(as_of_date, per.last_date))
    per = per.mutate(r_score=quintile_score(per.recency_days, higher_is_better=False))
    span = days_between(per.last_date, per.first_date)
    interval = ibis.cases(
        (per.frequency >= 2, ratio(span, per.frequency - 1)), else_=ibis.null("float64")
    )
    per = per.mutate(interval_days=interval)
    per = per.mutate(
        overdue_ratio=ibis.cases(
            (per.interval_days > 0, per.recency_days.cast("float64") / per.interval_days),
            else_=ibis.null("float64"),
        )
    )
    if p_alive is not None:
        require_columns(p_alive, {"customer": "customer_id", "p_alive": p_alive_column})
        alive = p_alive.select(
            customer_id=p_alive.customer_id.cast(per.customer_id.type()),
            p_alive=p_alive[p_alive_column].cast("float64"),
        )
        per = per.left_join(alive, "customer_id").drop("customer_id_right")
    else:
        per = per.mutate(p_alive=ibis.null("float64"))

    overdue = per.overdue_ratio
    has_model = per.p_alive.notnull()
    rules = [
        (has_model & (per.p_alive < p_alive_high), "high", "low_p_alive"),
        (has_model & (per.p_alive < p_alive_medium), "medium", "low_p_alive"),
        (has_model, "low", "active"),
        (overdue >= 3, "high", "overdue"),
        (per.r_score == 1, "high", "long_inactive"),
        (overdue >= 1.5, "medium", "overdue"),
        (per.r_score == 2, "medium", "inactive"),
    ]
    per = per.mutate(
        risk=ibis.cases(*((cond, risk) for cond, risk, _ in rules), else_="low"),
        reason_code=ibis.cases(*((cond, code) for cond, _, code in rules), else_="active"),
        risk_score=ibis.cases(
            (has_model, 1 - per.p_alive),
            else_=ratio(5 - per.r_score, 4),
        ),
    )
    per = per.mutate(reason=_reason_text(per, lang))

    classes = abc(
        transactions, customer=customer, date=date, amount=amount, as_of=as_of_date, cuts=abc_cuts
    )
    classes = classes.select("customer_id", "abc_class")
    per = per.left_join(classes, "customer_id").drop("customer_id_right")
    tier = per.abc_class.substitute(TIER_OF_CLASS, else_="small")
    if tiers is not None:
        require_columns(tiers, {"customer": "customer_id", "tier": tier_column})
        given = tiers.select(
            customer_id=tiers.customer_id.cast(per.customer_id.type()),
            given_tier=tiers[tier_column].cast("string"),
        )
        per = per.left_join(given, "customer_id").drop("customer_id_right")
        tier = per.given_tier.fill_null(tier)
    else:
        per = per.mutate(given_tier=ibis.null("string"))
    per = per.mutate(tier=tier)
    if kinds is not None:
        require_columns(kinds, {"customer": "customer_id", "churn kind": kind_column})
        known = kinds.select(
            customer_id=kinds.customer_id.cast(per.customer_id.type()),
            churn_kind=kinds[kind_column].cast("string"),
        )
        per = per.left_join(known, "customer_id").drop("customer_id_right")
        per = per.mutate(churn_kind=per.churn_kind.fill_null("unknown"))
    else:
        per = per.mutate(churn_kind=ibis.literal("unknown"))
    at_risk = per.risk != "low"
    code = ibis.cases(
        (at_risk, _recovery_expr(per.tier, per.churn_kind)), else_=ibis.null("string")
    )
    per = per.mutate(
        recovery_action=code,
        recovery_priority=code.substitute(_PRIORITY, else_=ibis.null("int64")),
    )
    return per.select(
        "customer_id",
        "recency_days",
        frequency=per.frequency.cast("int64"),
        monetary=ratio(per.cents, 100),
        r_score=per.r_score,
        interval_days=per.interval_days,
        overdue_ratio=per.overdue_ratio,
        p_alive=per.p_alive,
        risk_score=per.risk_score,
        risk=per.risk,
        reason_code=per.reason_code,
        reason=per.reason,
        abc_class=per.abc_class,
        tier=per.tier,
        churn_kind=per.churn_kind,
        recovery_priority=per.recovery_priority,
        recovery_action=per.recovery_action,
        action=label(per.recovery_action, RECOVERY_ACTIONS, lang),
    )


def _reason_text(per: ir.Table, lang: str) -> ir.StringValue:
    """The reason in words. Numbers are shown as whole days / percent (integers), so every
    engine prints the same text."""
    days = per.recency_days
    # floor(x + 0.5): ROUND is half-to-even on PostgreSQL and half-up elsewhere.
    interval = (per.interval_days + 0.5).floor().cast("int64")
    pct = (per.p_alive * 100 + 0.5).floor().cast("int64")
    r = per.r_score
    if lang == "zh-hans":
        texts = {
            "low_p_alive": _text("模型估计的存活概率为 ", pct, "%，已 ", days, " 天未购买"),
            "overdue": _text("已 ", days, " 天未购买，通常每 ", interval, " 天购买一次"),
            "long_inactive": _text("已 ", days, " 天未购买（最近度得分 ", r, "/5）"),
            "inactive": _text("已 ", days, " 天未购买（最近度得分 ", r, "/5）"),
            "active": _text(days, " 天前购买过"),
        }
    elif lang == "en":
        texts = {
            "low_p_alive": _text(
                "P(alive) ", pct, "% from the purchase model; no purchase for ", days, " days"
            ),
            "overdue": _text(
                "no purchase for ", days, " days; usually buys every ", interval, " days"
            ),
            "long_inactive": _text("no purchase for ", days, " days (recency score ", r, "/5)"),
            "inactive": _text("no purchase for ", days, " days (recency score ", r, "/5)"),
            "active": _text("bought ", days, " days ago"),
        }
    else:
        raise AnalyticsInputError(f"language must be en or zh-hans, not {lang!r}")
    return ibis.cases(*((per.reason_code == code, text) for code, text in texts.items()))
