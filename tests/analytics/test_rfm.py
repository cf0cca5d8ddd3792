"""RFM: hand-computed values, ties, properties and CDNOW against an independent pandas version."""

import datetime as dt

import ibis
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.analytics.io import AnalyticsInputError
from guanxi.analytics.rfm import rfm
from guanxi.analytics.segments import SEGMENTS, segment_of, with_segment_labels
from tests.analytics.conftest import by_customer


def test_rfm_on_the_small_log(small_orders):
    # given five customers, as of 2024-04-02 (the day after the last order)
    # when
    table = by_customer(rfm(small_orders))
    # then: recency a 1, d 23, b 30, c 60, e 123 days; score = 1 + (customers strictly worse)
    assert table["recency_days"].to_dict() == {"a": 1, "b": 30, "c": 60, "d": 23, "e": 123}
    assert table["frequency"].to_dict() == {"a": 3, "b": 2, "c": 1, "d": 1, "e": 1}
    assert table["monetary"].to_dict() == {"a": 60.0, "b": 10.0, "c": 7.0, "d": 100.0, "e": 1.5}
    assert table["avg_monetary"].to_dict() == {"a": 20.0, "b": 5.0, "c": 7.0, "d": 100.0, "e": 1.5}
    assert table["r_score"].to_dict() == {"a": 5, "b": 3, "c": 2, "d": 4, "e": 1}
    # c, d and e tie on one purchase: all three get 1 (ties kept together, worst value = 1)
    assert table["f_score"].to_dict() == {"a": 5, "b": 4, "c": 1, "d": 1, "e": 1}
    assert table["m_score"].to_dict() == {"a": 4, "b": 3, "c": 2, "d": 5, "e": 1}
    assert table["rfm_score"].to_dict() == {"a": 554, "b": 343, "c": 212, "d": 415, "e": 111}
    assert table["segment"].to_dict() == {
        "a": "champions",
        "b": "loyal",
        "c": "hibernating",
        "d": "promising",
        "e": "lost",
    }


def test_as_of_ignores_later_orders_and_counts_the_day_itself(small_orders):
    table = by_customer(rfm(small_orders, as_of="2024-03-03"))
    assert table.index.tolist() == ["a", "b", "c", "e"]
    assert "d" not in table.index  # first order on 2024-03-10, after the as-of date
    assert table.loc["b", "recency_days"] == 0
    assert table.loc["a", "frequency"] == 2
    assert table.loc["a", "monetary"] == 30.0


def test_distinct_values_give_exact_quintiles():
    # given ten customers with frequencies 1..10
    orders = ibis.memtable(
        {
            "customer_id": [f"c{n:02d}" for n in range(1, 11) for _ in range(n)],
            "date": [dt.date(2024, 1, 1)] * 55,
            "amount": [1.0] * 55,
        }
    )
    table = by_customer(rfm(orders))
    assert table["f_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # everybody bought on the same day: one recency value, all tied, all score 1
    assert set(table["r_score"]) == {1}


def test_amounts_are_added_in_cents(small_orders):
    orders = ibis.memtable(
        {"customer_id": ["x"] * 3, "date": [dt.date(2024, 1, 1)] * 3, "amount": [0.1, 0.2, 0.3]}
    )
    assert rfm(orders).monetary.to_pyarrow().to_pylist() == [0.6]


def test_missing_column_is_reported(small_orders):
    orders = small_orders.rename(when="date")
    try:
        rfm(orders)
    except AnalyticsInputError as error:
        assert (
            str(error) == "missing column 'date' (date); the table has: customer_id, when, amount"
        )
    else:  # pragma: no cover
        raise AssertionError("no error")


def test_segment_labels_in_both_languages(small_orders):
    zh = by_customer(with_segment_labels(rfm(small_orders), "zh-hans"))
    assert zh.loc["a", "segment_name"] == "冠军客户"
    en = by_customer(with_segment_labels(rfm(small_orders), "en"))
    assert en.loc["e", "segment_name"] == "Lost (RFM)"
    assert en.loc["e", "action"] == SEGMENTS["lost"].action["en"]


def test_every_cell_of_the_grid_has_one_of_the_eleven_segments():
    cells = {segment_of(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert cells == set(SEGMENTS)
    assert len(SEGMENTS) == 11


orders_strategy = st.lists(
    st.tuples(
        st.integers(0, 12),  # customer
        st.integers(0, 60),  # day offset
        st.integers(1, 5000),  # cents
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=25, deadline=None)
@given(orders_strategy)
def test_scores_are_1_to_5_and_equal_values_share_a_score(rows):
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{c}" for c, _, _ in rows],
            "date": [dt.date(2024, 1, 1) + dt.timedelta(days=d) for _, d, _ in rows],
            "amount": [cents / 100 for _, _, cents in rows],
        }
    )
    table = rfm(ibis.memtable(frame)).to_pyarrow().to_pandas()
    for value, score in (
        ("recency_days", "r_score"),
        ("frequency", "f_score"),
        ("monetary", "m_score"),
    ):
        assert table[score].between(1, 5).all()
        assert (table.groupby(value)[score].nunique() == 1).all()
    # better value, never a lower score
    ordered = table.sort_values("frequency")
    assert ordered["f_score"].is_monotonic_increasing
    ordered = table.sort_values("recency_days")
    assert ordered["r_score"].is_monotonic_decreasing
    assert table["r_score"].min() == 1 and table["f_score"].min() == 1


def test_rfm_on_cdnow_matches_plain_pandas(cdnow_frame):
    # given the CDNOW sample (6,919 orders; 8 zero-amount rows, left out as not purchases)
    orders = cdnow_frame[cdnow_frame["amount"] > 0]
    as_of = dt.date(1998, 7, 1)  # the day after the last order, 1998-06-30
    # when
    table = by_customer(rfm(ibis.memtable(orders[["customer_id", "date", "amount"]])))
    # then: an independent pandas computation
    grouped = orders.groupby("customer_id")
    expected = pd.DataFrame(
        {
            "recency_days": grouped["date"].max().map(lambda d: (as_of - d).days),
            "frequency": grouped.size(),
            "monetary": grouped["amount"].sum(),
        }
    ).sort_index()
    assert len(table) == 2349
    assert (table["recency_days"] == expected["recency_days"]).all()
    assert (table["frequency"] == expected["frequency"]).all()
    np.testing.assert_allclose(table["monetary"], expected["monetary"], rtol=0, atol=1e-9)
    n = len(expected)
    for column, score, higher in (
        ("recency_days", "r_score", False),
        ("frequency", "f_score", True),
        ("monetary", "m_score", True),
    ):
        values = expected[column].round(2)
        worse = values.rank(method="min", ascending=higher) - 1
        assert (table[score] == (1 + np.floor(5 * worse / n)).astype(int)).all()
    # a few values checked by hand from the raw file: customer 00004 bought 4 times,
    # 29.33 + 29.73 + 14.96 + 26.48 = 100.50, last on 1997-12-12 (201 days before 1998-07-01)
    assert table.loc["00004", ["recency_days", "frequency", "monetary"]].tolist() == [201, 4, 100.5]
    # 1,197 of the 2,349 buyers bought once (counted with awk on the raw file): all of them
    # get frequency score 1
    assert (table["frequency"] == 1).sum() == 1197
    assert set(table.loc[table["frequency"] == 1, "f_score"]) == {1}
