"""Synthetic transaction logs drawn from the BG/NBD and Gamma-Gamma models (for tests, the
benchmark and demo data).

Customer i is acquired on a day uniform in [0, acquisition_days); while alive she buys as a
Poisson process with rate λ_i ~ Gamma(r, α) (α in days), and after each repeat purchase she
drops out with probability p_i ~ Beta(a, b) (FHL 2005's story: K_i ~ Geometric(p_i) repeat
purchases at most). Purchase times are floored to calendar days, so two purchases can share a
day; each purchase is written as 1 + Poisson(extra_rows) order lines on that day whose amounts
add up to the purchase value z ~ Gamma(p, ν_i), ν_i ~ Gamma(q, γ) (note 025). Recovering the
parameters therefore requires merging same-day rows, as :mod:`.summary` does.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa


def simulate_transactions(
    n_customers: int,
    *,
    params: dict | None = None,
    spend_params: dict | None = None,
    start: dt.date = dt.date(2024, 1, 1),
    days: int = 730,
    acquisition_days: int = 365,
    extra_rows: float = 0.0,
    seed: int = 0,
) -> pa.Table:
    """A transaction log ``customer_id, date, amount`` (one row per order line).

    ``params`` are BG/NBD parameters with α in days (default r = 0.8, α = 40, a = 0.8, b = 4);
    ``spend_params`` Gamma-Gamma parameters (default p = 6, q = 4, γ = 15).
    """
    params = params or {"r": 0.8, "alpha": 40.0, "a": 0.8, "b": 4.0}
    spend_params = spend_params or {"p": 6.0, "q": 4.0, "gamma": 15.0}
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    first = rng.integers(0, acquisition_days, size=n)
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], size=n)
    drop = rng.beta(params["a"], params["b"], size=n)
    max_repeats = rng.geometric(drop)  # dies after this many repeat purchases
    window = days - first  # days observable after the first purchase
    arrivals = rng.poisson(lam * window)
    owner = np.repeat(np.arange(n), arrivals)
    times = first[owner] + rng.random(owner.size) * window[owner]
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    starts = np.cumsum(arrivals) - arrivals
    rank = np.arange(owner.size) - starts[owner]
    keep = rank < max_repeats[owner]
    owner = np.concatenate([np.arange(n), owner[keep]])
    day = np.concatenate([first, np.floor(times[keep]).astype(np.int64)])
    day = np.minimum(day, days - 1)
    nu = rng.gamma(spend_params["q"], 1.0 / spend_params["gamma"], size=n)
    value = rng.gamma(spend_params["p"], 1.0, size=owner.size) / nu[owner]
    lines = 1 + (rng.poisson(extra_rows, size=owner.size) if extra_rows > 0 else 0)
    line_owner = np.repeat(owner, lines)
    line_day = np.repeat(day, lines)
    # split each purchase's value across its lines with Dirichlet(1, ..., 1) shares
    weights = rng.random(line_owner.size) + 1e-3
    purchase = np.repeat(np.arange(owner.size), lines)
    share = weights / np.bincount(purchase, weights=weights)[purchase]
    amount = np.round(np.repeat(value, lines) * share, 2)
    amount = np.maximum(amount, 0.01)
    dates = np.datetime64(start, "D") + line_day.astype("timedelta64[D]")
    return pa.table(
        {
            "customer_id": pa.array(line_owner + 1, pa.int64()),
            "date": pa.array(dates, pa.date32()),
            "amount": pa.array(amount, pa.float64()),
        }
    )
