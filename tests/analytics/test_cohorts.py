"""Acquisition-month cohorts: retention, churn rate and revenue lost, hand-computed."""

import datetime as dt
import math

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
