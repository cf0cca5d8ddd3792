"""Predictive CLV end to end: summarise in the engine, fit on distinct tuples, score everyone.

Discounted CLV over a horizon of H months uses the standard discrete approximation
(as in lifetimes' ``customer_lifetime_value``): with L the length of a month in model time units
(30.4375 days / period length), d the monthly discount rate and margin the profit share of
spend,

    CLV = Σ_{k=1..H} (E[Y(kL) | x, t_x, T] - E[Y((k-1)L) | x, t_x, T]) · E[M | x, m_x]
          · margin / (1+d)^k

i.e. the purchases expected in each future month, valued at the Gamma-Gamma expected spend and
discounted to today. E[Y(t) | x, t_x, T] = P(alive) · U(t | x, T) for both models, and U does
not depend on t_x, so the hypergeometric work is done once per distinct (x, T) and broadcast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd

from guanxi.analytics.clv import bgnbd, gammagamma, paretonbd
from guanxi.analytics.clv.errors import CLVInputError
from guanxi.analytics.clv.summary import (
    PERIOD_DAYS,
    Summary,
    as_ibis_table,
    compact,
    customer_summary,
    period_days,
)

MODELS = {"bgnbd": bgnbd, "pareto-nbd": paretonbd}
SPEND_MODELS = ("gamma-gamma",)
MONTH_DAYS = PERIOD_DAYS["month"]


@dataclass
class CLVResult:
    """Fitted parameters and the per-customer scores of :func:`fit_clv`."""

    model: str
    params: dict
    log_likelihood: float
    spend_params: dict | None
    spend_log_likelihood: float | None
    customers: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The JSON shape of ``guanxi analyze clv --json``."""
        spend = {"model": "gamma-gamma", "params": self.spend_params}
        if self.spend_log_likelihood is not None:
            spend["log_likelihood"] = self.spend_log_likelihood
        return {
            "model": self.model,
            "params": self.params,
            "log_likelihood": self.log_likelihood,
            "spend": spend,
            "customers": len(self.customers),
            "repeat_customers": int((self.customers["frequency"] > 0).sum()),
            **self.settings,
        }


def _check_model(model: str, spend: str | None) -> None:
    if model not in MODELS:
        raise CLVInputError(f"unknown model {model!r}: expected {' or '.join(MODELS)}")
    if spend is not None and spend not in SPEND_MODELS:
        raise CLVInputError(f"unknown spend model {spend!r}: expected gamma-gamma")


def fit_purchases(summary: Summary, model: str = "bgnbd") -> tuple[dict, float]:
    """Fit the purchase model on the distinct (x, t_x, T) tuples; return (params, LL)."""
    _check_model(model, None)
    module = MODELS[model]
    unit = period_days(summary.period)
    (x, rec, big_t), counts, _ = compact(summary.frequency, summary.recency_days, summary.T_days)
    params = module.fit(x, rec / unit, big_t / unit, counts)
    return params, module.log_likelihood(params, x, rec / unit, big_t / unit, counts)


def fit_spend(summary: Summary) -> tuple[dict, float]:
    """Fit Gamma-Gamma on the repeat buyers with a positive mean spend; return (params, LL)."""
    if summary.repeat_cents is None:
        raise CLVInputError("the spend model needs an amount column")
    keep = (summary.frequency > 0) & (summary.repeat_cents > 0)
    if not keep.any():
        raise CLVInputError("no repeat buyer with a positive spend: cannot fit Gamma-Gamma")
    (x, cents), counts, _ = compact(summary.frequency[keep], summary.repeat_cents[keep])
    m = cents / 100.0 / x
    params = gammagamma.fit(x, m, counts)
    return params, gammagamma.log_likelihood(params, x, m, counts)


def score_customers(
    summary: Summary,
    params: dict,
    *,
    model: str = "bgnbd",
    spend_params: dict | None = None,
    horizon: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> pd.DataFrame:
    """Per-customer P(alive), expected purchases over the horizon, expected spend and CLV.

    ``horizon`` is in months and ``discount_rate`` per month (see the module docstring).
    Customers with x = 0, or whose repeat days net to no spend, get the population mean spend.
    """
    _check_model(model, None)
    if horizon < 1 or int(horizon) != horizon:
        raise CLVInputError("horizon must be a whole number of months, at least 1")
    if not (discount_rate > -1) or not np.isfinite(discount_rate):
        raise CLVInputError("discount rate must be a number above -1")
    module = MODELS[model]
    unit = period_days(summary.period)
    x, t_x, big_t = summary.frequency, summary.recency, summary.T
    alive = module.p_alive(params, x, t_x, big_t)
    (ux, ut), _, inverse = compact(x, summary.T_days)
    months = np.arange(horizon + 1) * (MONTH_DAYS / unit)
    grid = module.alive_expectation_grid(params, months, ux, ut / unit)
    per_month = np.diff(grid, axis=1)
    discount = (1.0 + discount_rate) ** -np.arange(1, horizon + 1)
    discounted = per_month @ discount
    expected = alive * grid[inverse, -1]
    data = {
        "customer_id": summary.customer_id,
        "frequency": x,
        "recency": t_x,
        "T": big_t,
        "monetary": summary.monetary,
        "p_alive": alive,
        "expected_purchases": expected,
    }
    if spend_params is not None:
        monetary = np.where(
            (summary.monetary > 0) & np.isfinite(summary.monetary), summary.monetary, np.nan
        )
        spend = gammagamma.conditional_expected_spend(spend_params, x, monetary)
        data["expected_spend"] = spend
        data["clv"] = alive * discounted[inverse] * spend * margin
    return pd.DataFrame(data)


def _latest_date(table: ibis.Table, date: str) -> dt.date:
    value = table[date].cast("date").max().to_pyarrow().as_py()
    if value is None:
        raise CLVInputError("the transaction table is empty")
    return value


def fit_clv(
    transactions,
    *,
    calibration_end=None,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    model: str = "bgnbd",
    spend: str | None = "gamma-gamma",
    period: str = "week",
    horizon: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> CLVResult:
    """Summarise, fit and score: the CLV of every customer of a transaction log.

    Parameters
    ----------
    transactions : ibis.Table, pandas.DataFrame or pyarrow.Table
        One row per purchase; an Ibis table runs on its own engine (DuckDB, PostgreSQL, Spark).
    calibration_end : date or ISO string, optional
        Last day of the history used; by default the latest transaction date.
    customer, date, amount : str
        Column names.
    model : {"bgnbd", "pareto-nbd"}
    spend : {"gamma-gamma", None}
    period : {"day", "week", "month"}
        Model time unit for the fitted parameters (a month is 30.4375 days).
    horizon : int
        Months of future value in the CLV.
    discount_rate : float
        Monthly discount rate d (0.01 is about 12.7 % a year).
    margin : float
        Profit share of revenue applied to spend.

    Returns
    -------
    CLVResult
        ``params``, ``log_likelihood``, ``spend_params`` and ``customers``, a table with
        ``customer_id, frequency, recency, T, monetary, p_alive, expected_purchases,
        expected_spend, clv``.
    """
    _check_model(model, spend)
    period_days(period)
    table = as_ibis_table(transactions)
    if calibration_end is None:
        if date not in table.columns:
            raise CLVInputError(
                f"missing column {date!r}; the table has {', '.join(table.columns)}"
            )
        calibration_end = _latest_date(table, date)
    summary = customer_summary(
        table,
        calibration_end=calibration_end,
        customer=customer,
        date=date,
        amount=amount if spend else None,
        period=period,
    )
    params, ll = fit_purchases(summary, model)
    spend_params = spend_ll = None
    if spend:
        spend_params, spend_ll = fit_spend(summary)
    scores = score_customers(
        summary,
        params,
        model=model,
        spend_params=spend_params,
        horizon=horizon,
        discount_rate=discount_rate,
        margin=margin,
    )
    settings = {
        "period": period,
        "calibration_end": str(calibration_end),
        "horizon_months": horizon,
        "discount_rate": discount_rate,
        "margin": margin,
    }
    return CLVResult(model, params, ll, spend_params, spend_ll, scores, settings)
