"""ABC (Pareto) classes and the customer pyramid, hand-computed."""

import datetime as dt

import ibis
import pytest

from guanxi.analytics.abc import ABC_GUIDANCE, abc, pyramid
from guanxi.analytics.io import AnalyticsInputError
from tests.analytics.conftest import by_customer


def test_abc_on_the_small_log(small_orders):
    # given revenue d 100, a 60, b 10, c 7, e 1.50 (total 178.50)
    table = by_customer(abc(small_orders))
    # then: revenue ahead of each customer 0, 100, 160, 170, 177 -> A A B C C at 70/20/10
    assert table["rank"].to_dict() == {"d": 1, "a": 2, "b": 3, "c": 4, "e": 5}
    assert table["abc_class"].to_dict() == {"a": "A", "b": "B", "c": "C", "d": "A", "e": "C"}
    assert table.loc["a", "cumulative_share_before"] == pytest.approx(100 / 178.5, abs=1e-15)
    assert table.loc["b", "cumulative_share"] == pytest.approx(170 / 178.5, abs=1e-15)
    assert table.loc["e", "revenue_share"] == pytest.approx(1.5 / 178.5, abs=1e-15)
    assert table.loc["d", "guidance"] == ABC_GUIDANCE["A"]["en"]


def test_abc_keeps_customers_tied_to_the_cent_together():
    # given two customers with 20.00 straddling the 70 % line
    orders = ibis.memtable(
        {
            "customer_id": ["x", "y", "z", "w"],
            "date": [dt.date(2024, 1, 1)] * 4,
            "amount": [60.0, 20.0, 20.0, 0.01],
        }
    )
    table = by_customer(abc(orders, cuts=(0.7, 0.2, 0.1)))
    assert table["rank"].to_dict() == {"w": 4, "x": 1, "y": 2, "z": 2}
    assert table["abc_class"].to_dict() == {"w": "C", "x": "A", "y": "A", "z": "A"}


def test_abc_custom_cuts_and_bad_cuts(small_orders):
    table = by_customer(abc(small_orders, cuts=(0.5, 0.3, 0.2), lang="zh-hans"))
    assert table["abc_class"].to_dict() == {"a": "B", "b": "C", "c": "C", "d": "A", "e": "C"}
    assert table.loc["d", "guidance"] == ABC_GUIDANCE["A"]["zh-hans"]
    with pytest.raises(AnalyticsInputError, match="cuts must be 3 positive shares adding up to 1"):
        abc(small_orders, cuts=(0.7, 0.2))


def test_pyramid_with_inactive_customers_and_leads(small_orders):
    # given e's last order 123 days ago and leads x (prospect), y (suspect), a (already bought)
    leads = ibis.memtable(
        {"customer_id": ["x", "y", "a"], "status": ["prospect", "Suspect ", "prospect"]}
    )
    # when
    table = by_customer(
        pyramid(
            small_orders,
            shares=(0.2, 0.2, 0.2, 0.4),
            inactive_after_days=100,
            leads=leads,
        )
    )
    # then: active d, a, b, c have 0, 1/4, 2/4, 3/4 of active customers ahead of them
    assert table["tier"].to_dict() == {
        "a": "large",
        "b": "medium",
        "c": "small",
        "d": "top",
        "e": "inactive",
        "x": "prospects",
        "y": "suspects",
    }
    assert table.loc["x", "revenue"] == 0.0


def test_pyramid_default_shares_put_the_single_best_customer_on_top(small_orders):
    # a has 1 of 5 customers (20 %) ahead: not below the 1 + 4 + 15 = 20 % line, so small
    table = by_customer(pyramid(small_orders))
    assert table["tier"].to_dict() == {
        "a": "small",
        "b": "small",
        "c": "small",
        "d": "top",
        "e": "small",
    }
