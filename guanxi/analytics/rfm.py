"""RFM analysis: recency, frequency and monetary value per customer, 1–5 scores and the named
segments (Hughes 1994; the course text's churn early-warning chapter, DOMAIN.md §8)."""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir

from guanxi.analytics.base import CustomerBase, check_base
from guanxi.analytics.common import (
    customer_summary,
    days_between,
    order_log,
    ratio,
    with_quintile_scores,
)
from guanxi.analytics.segments import segment_expr

__all__ = ["rfm"]


def rfm(
    transactions: ir.Table | CustomerBase,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    as_of: dt.date | str | None = None,
) -> ir.Table:
    """Recency, frequency, monetary value, their 1–5 scores and the segment of every customer.

    Parameters
    ----------
    transactions : ibis.Table or CustomerBase
        An order log: one row per purchase; or its per-customer aggregate from
        :func:`~guanxi.analytics.base.customer_base` (then the column names and ``as_of`` are
        the base's).
    customer, date, amount : str
        Column names of the customer id, purchase date and purchase amount.
    as_of : date or ISO string, optional
        The analysis date. Purchases after it are ignored; purchases on it count (recency 0).
        Default: the day after the last purchase in the log, so the latest buyers have
        recency 1.

    Returns
    -------
    ibis.Table
        One row per customer with ``customer_id, recency_days, frequency, monetary,
        avg_monetary, r_score, f_score, m_score, rfm_score, segment``.

    Notes
    -----
    Following Hughes (1994), *Strategic Database Marketing*, ch. "RFM":

    - recency ``R = as_of - last purchase date`` in days (lower is better);
    - frequency ``F`` = number of purchases (rows of the order log, same-day orders counted
      separately);
    - monetary ``M`` = total amount, summed as integer cents; ``avg_monetary = M / F``.

    Scores are quintiles of customers, 5 = best, ties kept together:
    ``score = 1 + floor(5 · W / n)`` with ``W`` the number of customers with a strictly worse
    value (larger recency; smaller frequency or monetary) and ``n`` the number of customers.
    With distinct values this is exactly the quintile; equal values always share a score, on
    every engine. ``rfm_score = 100·R + 10·F + M`` (e.g. 545), and ``segment`` is the code from
    :mod:`guanxi.analytics.segments` (the R × F grid).

    Examples
    --------
    >>> import datetime as dt, ibis
    >>> orders = ibis.memtable({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "date": [dt.date(2024, 1, 1), dt.date(2024, 1, 31), dt.date(2024, 1, 10),
    ...              dt.date(2024, 1, 20)],
    ...     "amount": [10.0, 20.0, 5.0, 100.0]})
    >>> table = rfm(orders).order_by("customer_id").to_pyarrow().to_pandas()
    >>> table[["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score"]]
      customer_id  recency_days  frequency  monetary  r_score  f_score
    0           a             1          2      30.0        4        4
    1           b            22          1       5.0        1        1
    2           c            12          1     100.0        2        1
    """
    if isinstance(transactions, CustomerBase):
        check_base(transactions, as_of)
        per = transactions.table.mutate(
            recency_days=days_between(transactions.as_of, transactions.table.last_date)
        )
    else:
        log, as_of_date = order_log(
            transactions, customer=customer, date=date, amount=amount, as_of=as_of
        )
        per = customer_summary(log, as_of_date)
    per = per.select(
        "customer_id",
        "recency_days",
        "frequency",
        "monetary_cents",
        monetary=ratio(per.monetary_cents, 100),
        avg_monetary=per.monetary_cents.cast("float64") / (per.frequency * 100).cast("float64"),
    )
    scored = with_quintile_scores(
        per,
        {
            "r_score": ("recency_days", False),
            "f_score": ("frequency", True),
            "m_score": ("monetary_cents", True),
        },
    ).drop("monetary_cents")
    return scored.mutate(
        rfm_score=scored.r_score * 100 + scored.f_score * 10 + scored.m_score,
        segment=segment_expr(scored.r_score, scored.f_score),
    )
