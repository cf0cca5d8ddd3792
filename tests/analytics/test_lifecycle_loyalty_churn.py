"""Lifecycle stages, loyalty index and churn warning, hand-computed on small logs."""

import datetime as dt

import ibis
import pytest

from guanxi.analytics.churn import RECOVERY_ACTIONS, churn_risk, recovery_priority
from guanxi.analytics.io import AnalyticsInputError
from guanxi.analytics.lifecycle import LIFECYCLE_STAGES, lifecycle
from guanxi.analytics.loyalty import loyalty
from tests.analytics.conftest import by_customer

D = dt.date


def test_lifecycle_stages_and_status(small_orders):
    # given as of 2024-04-02; nobody silent for more than 180 days, no falling trend
    table = by_customer(lifecycle(small_orders))
    # then: one purchase = exploration, repeat and younger than a year = formation
    assert table["stage"].to_dict() == {
        "a": "formation",
        "b": "formation",
        "c": "exploration",
        "d": "exploration",
        "e": "exploration",
    }
    # tenure a 88, b 84, c 60, d 23, e 123 days: new up to 90 days
    assert table["tenure_days"].to_dict() == {"a": 88, "b": 84, "c": 60, "d": 23, "e": 123}
    assert table["status"].to_dict() == {"a": "new", "b": "new", "c": "new", "d": "new", "e": "old"}
    assert table.loc["a", "strategy"] == LIFECYCLE_STAGES["formation"]["strategy"]["en"]


def test_lifecycle_decline_and_stability():
    # given as of 2024-04-01: windows (2023-10-04, 2024-04-01] and (2023-04-07, 2023-10-04]
    orders = ibis.memtable(
        {
            "customer_id": ["f"] * 4 + ["g"] * 3 + ["h"] * 2,
            "date": [
                D(2022, 1, 10),
                D(2023, 5, 1),
                D(2023, 6, 1),
                D(2024, 3, 20),  # 2 then 1: falling
                D(2022, 1, 10),
                D(2023, 11, 1),
                D(2024, 3, 25),  # 0 then 2: rising
                D(2023, 1, 1),
                D(2023, 2, 1),  # silent for 425 days
            ],
            "amount": [1.0] * 9,
        }
    )
    table = by_customer(lifecycle(orders, as_of="2024-04-01", lang="zh-hans"))
    assert table["stage"].to_dict() == {"f": "decline", "g": "stability", "h": "decline"}
    assert table["recent_purchases"].to_dict() == {"f": 1, "g": 2, "h": 0}
    assert table["previous_purchases"].to_dict() == {"f": 2, "g": 0, "h": 0}
    assert table.loc["g", "stage_name"] == "稳定期"


def test_lifecycle_prospects_are_potential(small_orders):
    table = by_customer(
        lifecycle(small_orders, prospects=ibis.memtable({"customer_id": ["p", "a"]}))
    )
    assert table.loc["p", "status"] == "potential"
    assert table["stage"].isna().to_dict() == {
        "a": False,
        "b": False,
        "c": False,
        "d": False,
        "e": False,
        "p": True,
    }
    assert table.loc["a", "status"] == "new"
    with pytest.raises(AnalyticsInputError, match="decline_after_days must be a positive"):
        lifecycle(small_orders, decline_after_days=0)


def test_loyalty_index_from_transactions(small_orders):
    # given A11 duration a 87, b 54, c/d/e 0 days -> scores 5, 4, 1, 1, 1;
    # A12 purchases per year e 2.97 < c 6.08 < b 8.69 < a 12.44 < d 15.87 -> 1..5;
    # A13 trend +1 for everyone (all orders in the last 365 days) -> all tied, score 1
    table = by_customer(loyalty(small_orders, high_loyalty=40))
    assert table["s_a11"].to_dict() == {"a": 5, "b": 4, "c": 1, "d": 1, "e": 1}
    assert table["s_a12"].to_dict() == {"a": 4, "b": 3, "c": 2, "d": 5, "e": 1}
    assert set(table["s_a13"]) == {1}
    # index = 100 * sum(w (s - 1) / 4) / sum(w), weights .15, .15, .10
    assert table["loyalty_index"].to_dict() == pytest.approx(
        {"a": 65.625, "b": 46.875, "c": 9.375, "d": 37.5, "e": 0.0}, abs=1e-12
    )
    assert table["a1"].to_dict() == pytest.approx(table["loyalty_index"].to_dict())
    assert table["a2"].isna().all() and table["a3"].isna().all()
    # value: top half by revenue (d, a); loyalty high from 40
    assert table["quadrant"].to_dict() == {
        "a": "true_friends",
        "b": "barnacles",
        "c": "strangers",
        "d": "butterflies",
        "e": "strangers",
    }
    assert table["ladder"].to_dict() == {
        "a": "repeat_purchase",
        "b": "repeat_purchase",
        "c": "purchase",
        "d": "purchase",
        "e": "purchase",
    }
    assert table["ladder_share"].to_dict() == {"a": 0.7, "b": 0.7, "c": 0.5, "d": 0.5, "e": 0.5}


def test_loyalty_weights_and_attributes(small_orders):
    # given no weight on the trend: a = (0.15 * 1 + 0.15 * 0.75) / 0.30
    table = by_customer(loyalty(small_orders, weights={"A13": 0}))
    assert table.loc["a", "loyalty_index"] == pytest.approx(87.5, abs=1e-12)
    # given satisfaction for a (5) and b (3) and a referral by a
    attributes = ibis.memtable(
        {"customer_id": ["a", "b"], "satisfaction": [5.0, 3.0], "mention_rate": [0.2, 0.0]}
    )
    table = by_customer(loyalty(small_orders, attributes=attributes, weights={"A31": 0}))
    # s_a34: a has 1 of 2 below -> 1 + floor(5/2) = 3; b -> 1. A3 a = 100 * 2/4 = 50
    assert table["s_a34"].dropna().to_dict() == {"a": 3, "b": 1}
    assert table.loc["a", "a3"] == 50.0
    # index a = 100 * (0.15 + 0.1125 + 0.075 * 0.5) / 0.475; c has no satisfaction: A1 only
    assert table.loc["a", "loyalty_index"] == pytest.approx(100 * 0.3 / 0.475, abs=1e-12)
    assert table.loc["c", "loyalty_index"] == pytest.approx(9.375, abs=1e-12)
    assert table.loc["a", "ladder"] == "advocate"
    with pytest.raises(AnalyticsInputError, match="unknown loyalty indicator"):
        loyalty(small_orders, weights={"A99": 1})


def test_loyalty_cross_selling_and_share_of_wallet(small_orders):
    orders = small_orders.mutate(category=ibis.cases((small_orders.amount > 15, "x"), else_="y"))
    attributes = ibis.memtable({"customer_id": ["a", "b"], "wallet": [120.0, 10.0]})
    table = by_customer(
        loyalty(orders, category="category", attributes=attributes, wallet="wallet")
    )
    assert table["a22_categories"].to_dict() == {"a": 2, "b": 1, "c": 1, "d": 1, "e": 1}
    assert table.loc["a", "a21_share_of_wallet"] == 0.5
    assert table.loc["b", "a21_share_of_wallet"] == 1.0


def test_churn_risk_from_rfm(small_orders):
    table = by_customer(churn_risk(small_orders))
    # r scores a 5, d 4, b 3, c 2, e 1; nobody overdue 1.5x their own interval
    assert table["risk"].to_dict() == {
        "a": "low",
        "b": "low",
        "c": "medium",
        "d": "low",
        "e": "high",
    }
    assert table["risk_score"].to_dict() == {"a": 0.0, "b": 0.5, "c": 0.75, "d": 0.25, "e": 1.0}
    assert table["interval_days"].dropna().to_dict() == {"a": 43.5, "b": 54.0}
    assert table.loc["c", "reason"] == "no purchase for 60 days (recency score 2/5)"
    assert table.loc["a", "reason"] == "bought 1 days ago"
    assert table["tier"].to_dict() == {
        "a": "key",
        "b": "ordinary",
        "c": "small",
        "d": "key",
        "e": "small",
    }
    assert table.loc["e", "recovery_action"] == "recover_if_opportunity"
    assert table.loc["e", "recovery_priority"] == 3
    assert table.loc["e", "action"] == RECOVERY_ACTIONS["recover_if_opportunity"]["en"]
    assert table["recovery_action"].isna().sum() == 3  # low risk: no recovery proposed


def test_churn_overdue_against_the_customers_own_interval():
    # given a weekly buyer silent for 28 days (4 intervals) and a monthly buyer silent 28 days
    orders = ibis.memtable(
        {
            "customer_id": ["w"] * 3 + ["m"] * 3 + ["q"],
            "date": [D(2024, 1, 1), D(2024, 1, 8), D(2024, 1, 15)]
            + [D(2023, 11, 12), D(2023, 12, 12), D(2024, 1, 15)]
            + [D(2024, 2, 11)],
            "amount": [1.0] * 7,
        }
    )
    table = by_customer(churn_risk(orders, as_of="2024-02-12"))
    assert table.loc["w", "reason_code"] == "overdue"
    assert table.loc["w", "risk"] == "high"
    assert table.loc["w", "reason"] == "no purchase for 28 days; usually buys every 7 days"
    assert table.loc["m", "overdue_ratio"] == pytest.approx(28 / 32, abs=1e-12)


def test_churn_with_p_alive_and_known_kinds(small_orders):
    alive = ibis.memtable({"customer_id": ["c", "e"], "p_alive": [0.1, 0.9]})
    kinds = ibis.memtable({"customer_id": ["c"], "churn_kind": ["natural"]})
    table = by_customer(churn_risk(small_orders, p_alive=alive, kinds=kinds, lang="zh-hans"))
    assert table.loc["c", "risk"] == "high"
    assert table.loc["c", "reason"] == "模型估计的存活概率为 10%，已 60 天未购买"
    assert table.loc["c", "recovery_action"] == "no_recovery"
    assert table.loc["e", "risk"] == "low"
    assert table.loc["e", "risk_score"] == pytest.approx(0.1, abs=1e-12)


def test_recovery_priority_matrix():
    assert recovery_priority("key") == (1, "recover_at_all_costs")
    assert recovery_priority("ordinary", "profit_seeking") == (2, "try_to_recover")
    assert recovery_priority("small", "disappointment") == (3, "recover_if_opportunity")
    assert recovery_priority("poor") == (4, "let_go")
    assert recovery_priority("key", "natural") == (5, "no_recovery")
    with pytest.raises(AnalyticsInputError, match="unknown tier 'vip'"):
        recovery_priority("vip")
