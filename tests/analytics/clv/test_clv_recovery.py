"""Parameter recovery on logs simulated from known BG/NBD + Gamma-Gamma parameters.

The simulator (guanxi.analytics.clv.simulate) floors purchase times to days and writes many
purchases as several order lines on one day, so recovery also checks that same-day rows are
merged. Tolerances shrink like 1/sqrt(n): the standard errors of these MLEs at n customers are
a few percent at 2,000 and a few tenths of a percent at 200,000.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from guanxi.analytics.clv import bgnbd, fit_clv
from guanxi.analytics.clv.simulate import simulate_transactions

TRUE = {"r": 0.8, "alpha": 40.0, "a": 0.8, "b": 4.0}  # alpha in days
SPEND = {"p": 6.0, "q": 4.0, "gamma": 15.0}
DAYS = 730
END = (dt.date(2024, 1, 1) + dt.timedelta(days=DAYS - 1)).isoformat()


@pytest.mark.parametrize(("customers", "rtol"), [(2_000, 0.45), (20_000, 0.15), (200_000, 0.06)])
def test_bgnbd_and_gammagamma_recovered(customers, rtol):
    log = simulate_transactions(
        customers, params=TRUE, spend_params=SPEND, days=DAYS, extra_rows=0.5, seed=customers
    )
    # heavy buyers with several order lines a day are in the sample
    assert log.num_rows > 1.3 * customers
    result = fit_clv(log, calibration_end=END, period="day")
    for name, value in TRUE.items():
        assert abs(result.params[name] / value - 1) < rtol, (name, result.params[name])
    for name, value in SPEND.items():
        assert abs(result.spend_params[name] / value - 1) < rtol, (name, result.spend_params[name])
    assert np.isfinite(result.customers[["p_alive", "expected_purchases", "clv"]].to_numpy()).all()


def test_not_merging_same_day_rows_would_bias_the_fit():
    # given a log where a purchase is written as two order lines on average
    log = simulate_transactions(20_000, params=TRUE, days=DAYS, extra_rows=1.0, seed=7)
    # when fitted with same-day rows merged, the purchase rate r/alpha is recovered
    merged = fit_clv(log, calibration_end=END, period="day", spend=None)
    true_rate = TRUE["r"] / TRUE["alpha"]
    assert abs(merged.params["r"] / merged.params["alpha"] / true_rate - 1) < 0.15
    # while counting every line as a purchase (the naive summary) inflates it badly
    lines = log.to_pandas()
    lines["date"] = pd.to_datetime(lines["date"])
    g = lines.groupby("customer_id")["date"]
    first, last, rows = g.min(), g.max(), g.size()
    end = pd.Timestamp(END)
    naive = bgnbd.fit(rows - 1, (last - first).dt.days, (end - first).dt.days)
    assert naive["r"] / naive["alpha"] / true_rate - 1 > 0.3
