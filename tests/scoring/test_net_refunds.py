"""Refunds and returns netted (issue 10 item 6): a partly refunded order counts with its net
total (sales.Order.refunded_total subtracted), a fully refunded one not at all, on either engine
(on PostgreSQL: the copied log and the push-down; on SQLite both are DuckDB)."""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from guanxi.sales import services as sales
from guanxi.sales.models import Order
from guanxi.scoring import compute
from guanxi.scoring import services as scoring
from guanxi.scoring.models import CustomerScore

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2024, 4, 1)


@pytest.fixture
def refunded(customer_of, product, rep1):
    """One customer: 3 × 128 with one piece returned (net 256), 1 × 128 returned in full."""
    customer = customer_of("rep1")
    when = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    kept = sales.create_order(
        rep1, customer, {"ordered_at": when}, [{"product": product, "quantity": 3}]
    )
    gone = sales.create_order(
        rep1,
        customer,
        {"ordered_at": when + dt.timedelta(days=10)},
        [{"product": product, "quantity": 1}],
    )
    sales.refund_order(rep1, kept, reason="退一盒", lines={kept.lines.get().pk: 1})
    sales.refund_order(rep1, gone, reason="全部退回", lines={gone.lines.get().pk: 1})
    assert Order.objects.get(pk=gone.pk).status == "refunded"
    return customer


def test_scores_count_the_net_total_of_partly_refunded_orders(refunded):
    run = scoring.run_scoring("command", as_of=AS_OF)

    score = CustomerScore.objects.get(customer=refunded)
    # 384 − 128 from the partly refunded order; the fully refunded one left out
    assert (score.frequency, score.monetary) == (1, Decimal("256.00"))
    assert run.summary["totals"]["revenue"] == 256.0


def test_both_engines_net_the_refunds(refunded):
    copied = compute.compute_scores(AS_OF, {}, engine="duckdb")
    pushed = compute.compute_scores(AS_OF, {}, engine="postgres")
    pd.testing.assert_frame_equal(
        copied.frame.sort_index(), pushed.frame.sort_index(), check_dtype=False, rtol=1e-9
    )
    assert copied.summary["totals"]["revenue"] == pushed.summary["totals"]["revenue"] == 256.0
