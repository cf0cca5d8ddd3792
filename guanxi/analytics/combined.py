"""RFM, ABC and cohorts in one go, from one per-customer aggregation of the order log.

Kept apart from :mod:`guanxi.analytics.base` so imports run one way: the analyses import the
base, and this module imports both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis.expr.types as ir

from guanxi.analytics.abc import abc
from guanxi.analytics.base import CustomerBase, check_base, customer_base
from guanxi.analytics.cohorts import cohorts
from guanxi.analytics.rfm import rfm


def tables(
    transactions: ir.Table | CustomerBase,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    as_of: dt.date | str | None = None,
    cuts: Sequence[float] = (0.7, 0.2, 0.1),
    lang: str = "en",
) -> dict:
    """RFM, ABC and cohorts from one per-customer aggregation of the order log.

    Returns ``{"rfm": ..., "abc": ..., "cohorts": ...}`` as ``pyarrow.Table`` s, the same
    tables as :func:`~guanxi.analytics.rfm.rfm`, :func:`~guanxi.analytics.abc.abc` and
    :func:`~guanxi.analytics.cohorts.cohorts` with the same arguments. The cached
    per-customer table is dropped afterwards unless a :class:`CustomerBase` was passed in;
    with one, ``as_of`` (if given) must be the base's own date.
    """
    owned = not isinstance(transactions, CustomerBase)
    if owned:
        base = customer_base(transactions, customer=customer, date=date, amount=amount, as_of=as_of)
    else:
        base = transactions
        check_base(base, as_of)  # a base as of another day is an error, as for each analysis
    try:
        return {
            "rfm": rfm(base).to_pyarrow(),
            "abc": abc(base, cuts=cuts, lang=lang).to_pyarrow(),
            "cohorts": cohorts(base).to_pyarrow(),
        }
    finally:
        if owned:
            base.release()
