"""Customer loyalty (客户忠诚, DOMAIN.md §6): the loyalty index A1–A3 with configurable weights,
the loyalty ladder and the value × loyalty matrix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from guanxi.analytics.common import (
    customer_summary,
    days_between,
    label,
    order_log,
    quintile_score,
    ratio,
)
from guanxi.analytics.io import AnalyticsInputError, require_columns

__all__ = [
    "ATTRIBUTE_INDICATORS",
    "DEFAULT_WEIGHTS",
    "LOYALTY_LADDER",
    "VALUE_LOYALTY_QUADRANTS",
    "loyalty",
]

#: Default weights of the sub-indicators; only those with data are used, renormalised to 1.
DEFAULT_WEIGHTS: dict[str, float] = {
    "A11": 0.15,  # purchase duration
    "A12": 0.15,  # purchase frequency
    "A13": 0.10,  # frequency trend
    "A21": 0.15,  # share of wallet
    "A22": 0.15,  # cross-selling
    "A31": 0.075,  # mention (referral) rate
    "A32": 0.075,  # price sensitivity (lower is more loyal)
    "A33": 0.075,  # voluntariness of repeat purchase
    "A34": 0.075,  # satisfaction
}

#: Optional per-customer attribute columns for the sub-indicators transactions cannot give:
#: indicator -> (column name, higher is more loyal).
ATTRIBUTE_INDICATORS: dict[str, tuple[str, bool]] = {
    "A31": ("mention_rate", True),
    "A32": ("price_sensitivity", False),
    "A33": ("voluntariness", True),
    "A34": ("satisfaction", True),
}

LOYALTY_LADDER = {
    "stranger": {"share": 0.0, "en": "Stranger", "zh-hans": "陌生人"},
    "expectation": {"share": 0.10, "en": "Prospect", "zh-hans": "期望者"},
    "purchase": {"share": 0.50, "en": "First purchase", "zh-hans": "购买者"},
    "repeat_purchase": {"share": 0.70, "en": "Repeat purchase", "zh-hans": "重复购买者"},
    "advocate": {"share": 0.99, "en": "Advocate", "zh-hans": "拥护者"},
}

VALUE_LOYALTY_QUADRANTS = {
    "true_friends": {
        "name": {"en": "True friends", "zh-hans": "挚友"},
        "strategy": {
            "en": "High value, high loyalty: communicate consistently and not too often, reward "
            "them, win their advocacy; keep them at all costs.",
            "zh-hans": "高价值高忠诚：保持稳定而不过度的沟通，给予回报，争取其口碑推荐；全力维系。",
        },
    },
    "butterflies": {
        "name": {"en": "Butterflies", "zh-hans": "蝴蝶"},
        "strategy": {
            "en": "High value, low loyalty: enjoy them while they buy, milk the short-term "
            "transactions, do not over-invest in trying to bind them.",
            "zh-hans": "高价值低忠诚：在其购买时充分把握，获取短期交易收益，不要过度投入试图绑定。",
        },
    },
    "barnacles": {
        "name": {"en": "Barnacles", "zh-hans": "神秘者"},
        "strategy": {
            "en": "Low value, high loyalty: measure their share of wallet; up-sell and "
            "cross-sell if it is small, serve them at low cost if not.",
            "zh-hans": "低价值高忠诚：评估钱包份额；份额小则向上销售和交叉销售，否则以低成本服务。",
        },
    },
    "strangers": {
        # "quadrant": not the loyalty ladder's stranger step (a customer without orders)
        "name": {"en": "Strangers (quadrant)", "zh-hans": "陌生人（象限）"},
        "strategy": {
            "en": "Low value, low loyalty: no relationship investment; make every "
            "transaction profitable.",
            "zh-hans": "低价值低忠诚：不做关系投资，确保每笔交易有利可图。",
        },
    },
}


def _check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    merged = dict(DEFAULT_WEIGHTS)
    if weights:
        unknown = sorted(set(weights) - set(DEFAULT_WEIGHTS))
        if unknown:
            raise AnalyticsInputError(
                f"unknown loyalty indicator(s) {', '.join(unknown)}; "
                f"known: {', '.join(DEFAULT_WEIGHTS)}"
            )
        merged.update({key: float(value) for key, value in weights.items()})
    if any(value < 0 for value in merged.values()):
        raise AnalyticsInputError("loyalty weights must not be negative")
    return merged


def loyalty(
    transactions: ir.Table,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    category: str | None = None,
    attributes: ir.Table | None = None,
    attribute_customer: str = "customer_id",
    wallet: str | None = None,
    as_of: dt.date | str | None = None,
    weights: Mapping[str, float] | None = None,
    trend_window_days: int = 365,
    high_loyalty: float = 50.0,
    lang: str = "en",
) -> ir.Table:
    """Loyalty index (0–100) per customer, its groups A1–A3, ladder step and value × loyalty
    quadrant.

    Parameters
    ----------
    transactions : ibis.Table
        An order log: one row per purchase.
    customer, date, amount : str
        Column names.
    category : str, optional
        A product-category column of the order log; enables A22 (cross-selling).
    attributes : ibis.Table, optional
        One row per customer (key ``attribute_customer``) with any of the columns
        ``mention_rate`` (A31), ``price_sensitivity`` (A32, lower is more loyal),
        ``voluntariness`` (A33), ``satisfaction`` (A34), and the ``wallet`` column.
    wallet : str, optional
        Column of ``attributes`` with the customer's total spend in the category at all
        suppliers over the same period; enables A21 (share of wallet = our revenue / wallet).
    as_of : date or ISO string, optional
        Analysis date; default the day after the last purchase.
    weights : mapping, optional
        Weights by indicator code (A11 ... A34), merged over :data:`DEFAULT_WEIGHTS`.
    trend_window_days : int
        Window ``w`` for A13 (default 365).
    high_loyalty : float
        Index at or above which loyalty counts as high in the value × loyalty matrix (50).
    lang : {"en", "zh-hans"}
        Language of the ``quadrant_name`` and ``strategy`` columns.

    Returns
    -------
    ibis.Table
        ``customer_id``, the raw indicators (``a11_duration_days``, ``a12_purchases_per_year``,
        ``a13_trend``, and ``a21_share_of_wallet``, ``a22_categories``, ``a31``...``a34`` when
        available), their 1–5 scores (``s_a11`` ...), ``a1``, ``a2``, ``a3`` (group indices
        0–100, null without data), ``loyalty_index``, ``ladder``, ``ladder_share``,
        ``monetary``, ``value_high``, ``loyalty_high``, ``quadrant``, ``quadrant_name``,
        ``strategy``.

    Notes
    -----
    The index system of the course text (客户忠诚度评价指标体系):

    - A11 purchase duration = days from first to last purchase;
    - A12 purchase frequency = purchases per 365 days of relationship,
      ``365 · F / max(as_of - first purchase, 1)``;
    - A13 frequency trend = ``(recent - previous) / (recent + previous)`` with purchases in the
      last ``w`` days and in the ``w`` days before (0 when both are 0), in [-1, 1];
    - A21 share of wallet, A22 number of distinct categories bought: need ``wallet`` /
      ``category``;
    - A31–A34 (emotion: mention rate, price sensitivity, voluntariness, satisfaction): need
      survey or CRM data in ``attributes``; an order log cannot know them.

    Each available indicator ``i`` is scored ``s_i`` in 1..5 by tie-stable quintiles of
    customers (see :func:`guanxi.analytics.common.quintile_score`; for attributes, among the
    customers who have a value). The index is
    ``100 · Σ w_i (s_i - 1) / 4 / Σ w_i`` over the indicators the customer has, so weights are
    renormalised when data is missing. The group indices A1, A2, A3 use the same formula
    within their group.

    Ladder (忠诚度阶段; the loyalty share is the textbook's): ``purchase`` (50 %) for one
    purchase, ``repeat_purchase`` (70 %) for more, ``advocate`` (99 %) for repeat buyers with
    ``mention_rate > 0``. ``stranger`` (0 %) and ``expectation`` (10 %) are people with no
    purchase, outside an order log.

    Value × loyalty: value is high when at least half of the customers have strictly lower
    revenue (top half, ties together), loyalty is high when ``loyalty_index >= high_loyalty``.
    Show satisfaction beside loyalty: satisfied customers are not always loyal.
    """
    merged = _check_weights(weights)
    if trend_window_days <= 0:
        raise AnalyticsInputError("trend_window_days must be positive")
    log, as_of_date = order_log(
        transactions, customer=customer, date=date, amount=amount, as_of=as_of
    )
    per = customer_summary(log, as_of_date)
    recent_start = ibis.literal(as_of_date - dt.timedelta(days=trend_window_days), type="date")
    previous_start = ibis.literal(
        as_of_date - dt.timedelta(days=2 * trend_window_days), type="date"
    )
    trend = log.group_by("customer_id").aggregate(
        recent=ibis.cases((log.date > recent_start, 1), else_=0).sum().cast("int64"),
        previous=ibis.cases(((log.date > previous_start) & (log.date <= recent_start), 1), else_=0)
        .sum()
        .cast("int64"),
    )
    per = per.inner_join(trend, "customer_id")
    tenure = ibis.greatest(per.tenure_days, 1)
    table = per.select(
        "customer_id",
        frequency=per.frequency.cast("int64"),
        monetary_cents=per.monetary_cents,
        a11_duration_days=days_between(per.last_date, per.first_date),
        a12_purchases_per_year=ratio(per.frequency * 365, tenure),
        a13_trend=ibis.cases(
            (
                per.recent + per.previous > 0,
                ratio(per.recent - per.previous, per.recent + per.previous),
            ),
            else_=ibis.literal(0.0, type="float64"),
        ),
    )
    table = table.mutate(
        s_a11=quintile_score(table.a11_duration_days),
        s_a12=quintile_score(table.a12_purchases_per_year),
        s_a13=quintile_score(table.a13_trend),
    )
    groups: dict[str, list[str]] = {"A1": ["A11", "A12", "A13"], "A2": [], "A3": []}

    if category is not None:
        require_columns(transactions, {"category": category})
        in_period = transactions.filter(
            transactions[date].cast("date") <= ibis.literal(as_of_date, type="date")
        )
        cats = in_period.select(customer_id=in_period[customer], category=in_period[category])
        cats = cats.group_by("customer_id").aggregate(a22_categories=cats.category.nunique())
        cats = cats.mutate(s_a22=quintile_score(cats.a22_categories))
        table = table.left_join(cats, "customer_id").drop("customer_id_right")
        groups["A2"].append("A22")

    has_attributes = attributes is not None
    if has_attributes:
        require_columns(attributes, {"attribute customer": attribute_customer})
        key = attributes[attribute_customer].cast(table.customer_id.type())
        if wallet is not None:
            require_columns(attributes, {"wallet": wallet})
            wallets = attributes.select(customer_id=key, wallet=attributes[wallet].cast("float64"))
            wallets = wallets.filter(wallets.wallet > 0)
            joined = table.select("customer_id", "monetary_cents").inner_join(
                wallets, "customer_id"
            )
            sow = joined.select(
                "customer_id",
                a21_share_of_wallet=ratio(joined.monetary_cents, 100) / joined.wallet,
            )
            sow = sow.mutate(s_a21=quintile_score(sow.a21_share_of_wallet))
            table = table.left_join(sow, "customer_id").drop("customer_id_right")
            groups["A2"].insert(0, "A21")
        for code, (column, higher) in ATTRIBUTE_INDICATORS.items():
            if column not in attributes.columns:
                continue
            values = attributes.select(customer_id=key, value=attributes[column].cast("float64"))
            values = values.filter(values.value.notnull())
            raw = f"{code.lower()}_{column}"
            values = values.select(
                "customer_id",
                **{
                    raw: values.value,
                    f"s_{code.lower()}": quintile_score(values.value, higher_is_better=higher),
                },
            )
            table = table.left_join(values, "customer_id").drop("customer_id_right")
            groups["A3"].append(code)
    elif wallet is not None:
        raise AnalyticsInputError("wallet needs the attributes table that holds that column")

    def index(codes: list[str]) -> ir.FloatingValue:
        codes = [c for c in codes if merged[c] > 0]
        if not codes:
            return ibis.null("float64")
        num = sum(
            (table[f"s_{c.lower()}"].cast("float64") - 1).fill_null(0) * merged[c] / 4
            for c in codes
        )
        den = sum(
            ibis.cases((table[f"s_{c.lower()}"].notnull(), merged[c]), else_=0.0) for c in codes
        )
        return ibis.cases((den > 0, 100 * num / den), else_=ibis.null("float64"))

    every = groups["A1"] + groups["A2"] + groups["A3"]
    if not any(merged[c] > 0 for c in every):
        raise AnalyticsInputError("every available loyalty indicator has weight 0")
    table = table.mutate(
        a1=index(groups["A1"]),
        a2=index(groups["A2"]),
        a3=index(groups["A3"]),
        loyalty_index=index(every),
        value_high=(
            ibis.rank().over(order_by=table.monetary_cents) * 2
            >= table.monetary_cents.count().over()
        ),
    )
    advocate = (table.frequency >= 2) & (
        (table["a31_mention_rate"] > 0).fill_null(False)
        if "a31_mention_rate" in table.columns
        else ibis.literal(False)
    )
    ladder = ibis.cases(
        (advocate, "advocate"), (table.frequency >= 2, "repeat_purchase"), else_="purchase"
    )
    table = table.mutate(
        ladder=ladder,
        loyalty_high=table.loyalty_index >= high_loyalty,
        monetary=ratio(table.monetary_cents, 100),
    )
    quadrant = ibis.cases(
        (table.value_high & table.loyalty_high, "true_friends"),
        (table.value_high, "butterflies"),
        (table.loyalty_high, "barnacles"),
        else_="strangers",
    )
    table = table.mutate(
        ladder_share=table.ladder.substitute(
            {
                code: ibis.literal(step["share"], type="float64")
                for code, step in LOYALTY_LADDER.items()
            },
            else_=ibis.null("float64"),
        ),
        quadrant=quadrant,
    ).drop("monetary_cents")
    names = {code: q["name"] for code, q in VALUE_LOYALTY_QUADRANTS.items()}
    strategies = {code: q["strategy"] for code, q in VALUE_LOYALTY_QUADRANTS.items()}
    return table.mutate(
        quadrant_name=label(table.quadrant, names, lang),
        strategy=label(table.quadrant, strategies, lang),
    )
