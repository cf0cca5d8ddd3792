"""Acquisition-month cohorts: retention, churn rate and revenue lost, hand-computed."""

import datetime as dt
import math

from guanxi.analytics.base import customer_base
from guanxi.analytics.cohorts import churn_by_period, cohorts, retention_matrix

D = dt.date


def rows(table):
    frame = table.to_pyarrow().to_pandas().sort_values(["cohort", "period"])
    return [tuple(r) for r in frame.itertuples(index=False)]


def test_cohort_table_on_the_small_log(small_orders):
    # given cohorts Dec 2023 (e), Jan 2024 (a, b), Feb (c), Mar (d); as of 2024-04-02
    # when
    table = cohorts(small_orders)
    # then (cohort, period, size, active, retention, revenue, start, churned, churn rate, lost)
    got = rows(table)
    nan = float("nan")
    expected = [
        (D(2023, 12, 1), 0, 1, 1, 1.0, 1.5, 0, 0, nan, 0.0),
        (D(2023, 12, 1), 1, 1, 0, 0.0, 0.0, 1, 1, 1.0, 1.5),
        (D(2023, 12, 1), 2, 1, 0, 0.0, 0.0, 0, 0, nan, 0.0),
        (D(2023, 12, 1), 3, 1, 0, 0.0, 0.0, 0, 0, nan, 0.0),
        (D(2023, 12, 1), 4, 1, 0, 0.0, 0.0, 0, 0, nan, 0.0),
        (D(2024, 1, 1), 0, 2, 2, 1.0, 15.0, 0, 0, nan, 0.0),
        (D(2024, 1, 1), 1, 2, 1, 0.5, 20.0, 2, 1, 0.5, 5.0),  # b stopped
        (D(2024, 1, 1), 2, 2, 1, 0.5, 5.0, 1, 1, 1.0, 20.0),  # a skipped March
        (D(2024, 1, 1), 3, 2, 1, 0.5, 30.0, 1, 1, 1.0, 5.0),  # b skipped April
        (D(2024, 2, 1), 0, 1, 1, 1.0, 7.0, 0, 0, nan, 0.0),
        (D(2024, 2, 1), 1, 1, 0, 0.0, 0.0, 1, 1, 1.0, 7.0),
        (D(2024, 2, 1), 2, 1, 0, 0.0, 0.0, 0, 0, nan, 0.0),
        (D(2024, 3, 1), 0, 1, 1, 1.0, 100.0, 0, 0, nan, 0.0),
        (D(2024, 3, 1), 1, 1, 0, 0.0, 0.0, 1, 1, 1.0, 100.0),
    ]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g[:8] == e[:8]
        assert (math.isnan(g[8]) and math.isnan(e[8])) or g[8] == e[8]
        assert g[9] == e[9]


def test_churn_by_period_pools_the_cohorts(small_orders):
    table = churn_by_period(cohorts(small_orders)).order_by("period").to_pyarrow().to_pylist()
    assert table == [
        {
            "period": 1,
            "start_customers": 5,
            "churned_customers": 4,
            "revenue_lost": 113.5,
            "churn_rate": 0.8,
        },
        {
            "period": 2,
            "start_customers": 1,
            "churned_customers": 1,
            "revenue_lost": 20.0,
            "churn_rate": 1.0,
        },
        {
            "period": 3,
            "start_customers": 1,
            "churned_customers": 1,
            "revenue_lost": 5.0,
            "churn_rate": 1.0,
        },
    ]


def test_retention_matrix_leaves_unobserved_cells_empty(small_orders):
    matrix = retention_matrix(cohorts(small_orders))
    assert matrix.shape == (4, 5)
    assert matrix.loc[D(2024, 1, 1)].tolist()[:4] == [1.0, 0.5, 0.5, 0.5]
    assert math.isnan(matrix.loc[D(2024, 3, 1), 2])


def test_as_of_limits_the_periods(small_orders):
    table = cohorts(small_orders, as_of="2024-01-31")
    assert rows(table.select("cohort", "period", "active_customers")) == [
        (D(2023, 12, 1), 0, 1),
        (D(2023, 12, 1), 1, 0),
        (D(2024, 1, 1), 0, 2),
    ]


def brute_force_cohorts(frame, as_of):
    """The definitions of :func:`cohorts`, customer by customer in plain Python."""
    last = as_of.year * 12 + as_of.month - 1
    months = {}
    spend = {}
    for row in frame.itertuples(index=False):
        m = row.date.year * 12 + row.date.month - 1
        months.setdefault(row.customer_id, set()).add(m)
        spend[row.customer_id, m] = spend.get((row.customer_id, m), 0) + round(row.amount * 100)
    out = {}
    for customer, active in months.items():
        c = min(active)
        for k in range(last - c + 1):
            cell = out.setdefault((c, k), [0, 0, 0, 0, 0, 0])
            cell[0] += 1
            if c + k in active:
                cell[1] += 1
                cell[2] += spend[customer, c + k]
            if k > 0 and c + k - 1 in active:
                cell[3] += 1
                if c + k not in active:
                    cell[4] += 1
                    cell[5] += spend[customer, c + k - 1]
    return {
        (D(c // 12, c % 12 + 1, 1), k): (size, act, rev / 100, start, churned, lost / 100)
        for (c, k), (size, act, rev, start, churned, lost) in out.items()
    }


def test_cohorts_over_decades_match_the_definitions():
    # given 300 customers buying over 17 years (more months than one 62-bit mask holds)
    import ibis
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    n = 4000
    first = rng.integers(0, 6200, 300)
    customer = rng.integers(0, 300, n)
    day = np.minimum(first[customer] + rng.geometric(1 / 400, n) - 1, 6209)
    frame = pd.DataFrame(
        {
            "customer_id": customer,
            "date": [D(2001, 1, 1) + dt.timedelta(days=int(d)) for d in day],
            "amount": np.round(rng.uniform(0, 80, n), 2),
        }
    )
    as_of = D(2018, 1, 1)
    # when computed from the order log, and from the per-customer base (cached, or not)
    orders = ibis.duckdb.connect().create_table("orders", frame)
    got = cohorts(orders, as_of=as_of).to_pyarrow().to_pylist()
    key = ["cohort", "period"]
    for cache in (True, False):
        base = customer_base(orders, as_of=as_of, cache=cache)
        assert len(base.masks) == 4  # 204 months
        from_base = cohorts(base).order_by(key).to_pyarrow().to_pylist()
        assert from_base == sorted(got, key=lambda row: (row["cohort"], row["period"]))
        base.release()
    # then every cell is what the definitions give
    expected = brute_force_cohorts(frame, as_of)
    assert len(got) == len(expected) > 62 * 62
    for row in got:
        size, act, rev, start, churned, lost = expected[row["cohort"], row["period"]]
        assert (row["cohort_size"], row["active_customers"]) == (size, act)
        assert (row["start_customers"], row["churned_customers"]) == (start, churned)
        assert math.isclose(row["revenue"], rev, abs_tol=1e-9)
        assert math.isclose(row["revenue_lost"], lost, abs_tol=1e-9)
