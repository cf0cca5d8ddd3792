"""churn.reason_text: the reason of one stored score in words is the engine's own text (the
home page and the 360 page render it from CustomerScore fields, not from the engine's table)."""

import datetime as dt

import ibis
import pytest

from guanxi.analytics.churn import churn_risk, reason_text


@pytest.fixture
def orders():
    start = dt.date(2024, 1, 1)
    rows = []
    # customers with different rhythms so that every reason occurs
    for customer, gaps in {
        1: [0, 30, 60, 90, 120],  # regular, long overdue
        2: [0, 200],
        3: [0],
        4: [0, 5, 10, 400, 405],
        5: [300, 310, 320, 330],
        6: [100],
        7: [395, 398, 401],
        8: [20, 380],
        9: [0, 100, 200, 300, 405],
        10: [250],
    }.items():
        rows += [
            {
                "customer_id": customer,
                "date": start + dt.timedelta(days=g),
                "amount": 10.0 * customer,
            }
            for g in gaps
        ]
    return ibis.memtable(rows)


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
@pytest.mark.parametrize("with_model", [False, True])
def test_reason_text_is_the_engines_reason(orders, lang, with_model):
    p_alive = None
    if with_model:
        p_alive = ibis.memtable(
            {"customer_id": list(range(1, 11)), "p_alive": [0.1 * n + 0.0049 for n in range(10)]}
        )
    table = churn_risk(orders, as_of="2025-03-01", p_alive=p_alive, lang=lang).to_pyarrow()

    rows = table.to_pylist()
    codes = {row["reason_code"] for row in rows}
    assert len(codes) >= (2 if with_model else 3)
    for row in rows:
        text = reason_text(
            row["reason_code"],
            recency_days=row["recency_days"],
            interval_days=row["interval_days"],
            p_alive=row["p_alive"],
            r_score=row["r_score"],
            lang=lang,
        )
        assert text == row["reason"], row


def test_unknown_code_and_language():
    assert reason_text("nonsense", recency_days=3) == ""
    with pytest.raises(ValueError, match="language"):
        reason_text("overdue", recency_days=3, lang="fr")
