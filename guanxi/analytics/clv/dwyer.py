"""Profit discounting by customer group (利润贴现法; Dwyer 1989, "Customer lifetime valuation to
support marketing decision making", Journal of Direct Marketing 3(4), 8-15).

Customers are grouped by attributes; for each group the yearly profit per customer
m_t = revenue_t - cost_t, the retention rate r and the discount rate d give

    CLV = Σ_{t=1..T} m_t · r^t / (1 + d)^t

(optionally starting at t = 0, the acquisition year, undiscounted and certain). The group
table is small, so the arithmetic is done in pandas after materialising it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guanxi.analytics.clv.errors import CLVInputError


def _to_pandas(table) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        return table
    if hasattr(table, "to_pandas"):  # pyarrow.Table, ibis.Table
        return table.to_pandas()
    raise CLVInputError(f"expected a table, not {type(table).__name__}")


def profit_discounting(
    groups,
    *,
    group: str = "group",
    margin: str | None = "margin",
    revenue: str | None = None,
    cost: str | None = None,
    retention: str = "retention",
    discount_rate: float = 0.1,
    horizon: int = 5,
    period: str | None = None,
    first_period: int = 1,
) -> pd.DataFrame:
    """CLV per customer of each group by Dwyer's profit discounting.

    Parameters
    ----------
    groups : pandas.DataFrame, pyarrow.Table or ibis.Table
        Either one row per group with a constant yearly ``margin`` (or ``revenue`` and
        ``cost``) and ``retention``, projected over ``horizon`` years; or, with ``period``, one
        row per group and year t (margin m_t varies by year; the horizon is the rows given).
    group, margin, revenue, cost, retention, period : str
        Column names. ``margin`` is used when present; otherwise ``revenue - cost``.
    discount_rate : float
        d, per year.
    horizon : int
        T, number of years when the table has one row per group.
    first_period : {0, 1}
        t of the first year: 1 (textbook sum from t = 1) or 0 (count the current year in full).

    Returns
    -------
    pandas.DataFrame
        ``group, clv, horizon`` — the present value per customer of the group.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["A"], "margin": [100.0], "retention": [0.8]})
    >>> profit_discounting(t, discount_rate=0.1, horizon=2).round(2).to_dict("list")
    {'group': ['A'], 'clv': [125.62], 'horizon': [2]}
    """
    df = _to_pandas(groups)
    if df.empty:
        raise CLVInputError("the group table is empty")
    if discount_rate <= -1:
        raise CLVInputError("discount rate must be greater than -100 %")
    if first_period not in (0, 1):
        raise CLVInputError("first_period must be 0 or 1")
    use_margin = margin is not None and margin in df.columns
    needed = [group, retention] + ([margin] if use_margin else [revenue, cost])
    missing = [c for c in needed if c is None or c not in df.columns]
    if missing:
        raise CLVInputError(
            f"missing column(s) {', '.join(map(str, missing))} (give a margin column, or "
            f"revenue and cost); the table has {', '.join(df.columns)}"
        )
    if period is not None and period not in df.columns:
        raise CLVInputError(f"missing period column {period!r}")
    m = df[margin] if use_margin else df[revenue] - df[cost]
    r = df[retention].astype(float)
    if m.isna().any() or r.isna().any():
        raise CLVInputError("margins and retention rates must not be missing")
    if ((r < 0) | (r > 1)).any():
        raise CLVInputError("retention rates must lie between 0 and 1")
    if period is None:
        if horizon < 1:
            raise CLVInputError("horizon must be at least one year")
        t = np.arange(first_period, first_period + horizon, dtype=float)
        factor = (r.to_numpy()[:, None] / (1.0 + discount_rate)) ** t[None, :]
        clv = m.to_numpy(dtype=float) * factor.sum(axis=1)
        return pd.DataFrame({group: df[group].to_numpy(), "clv": clv, "horizon": horizon})
    t = df[period].astype(float)
    if (t < 0).any():
        raise CLVInputError("periods must not be negative")
    value = m.astype(float) * (r / (1.0 + discount_rate)) ** t
    out = (
        pd.DataFrame({group: df[group], "clv": value, "horizon": 1})
        .groupby(group, sort=True, as_index=False)
        .agg(clv=("clv", "sum"), horizon=("horizon", "sum"))
    )
    return out
