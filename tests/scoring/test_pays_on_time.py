"""Paying on time (回款) in the quality score: one of the textbook's good-customer criteria
(DOMAIN.md §3, 优质客户: 信用好、付款及时), and its opposite, computed in one grouped query
over the contracts' instalments (guanxi.scoring.compute.customer_facts)."""

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.analytics import rules
from guanxi.contracts.models import Contract, Instalment
from guanxi.sales import services as sales
from guanxi.scoring import compute

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2024, 6, 1)


def buyer_with(customer_of, rep1, product, name, instalments):
    customer = customer_of("rep1", name=name)
    when = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    sales.create_order(rep1, customer, {"ordered_at": when}, [{"product": product}])
    contract = Contract.objects.create(
        customer=customer, owner=rep1, number=f"CT-{name}", title=name, amount=Decimal("100")
    )
    for n, (due, paid_on, status) in enumerate(instalments, start=1):
        Instalment.objects.create(
            contract=contract,
            sequence=n,
            due_date=due,
            amount=Decimal("50"),
            received=Decimal("50") if paid_on else Decimal("0"),
            status=status,
            paid_on=paid_on,
            days_late=(paid_on - due).days if paid_on else None,
        )
    return customer


def test_paying_on_time_and_paying_late_set_the_criteria(customer_of, rep1, product):
    d = dt.date
    on_time = buyer_with(
        customer_of, rep1, product, "守信", [(d(2024, 3, 1), d(2024, 3, 5), "paid")]
    )
    late = buyer_with(customer_of, rep1, product, "拖欠", [(d(2024, 2, 1), d(2024, 3, 15), "paid")])
    overdue = buyer_with(
        customer_of,
        rep1,
        product,
        "逾期",
        [(d(2024, 3, 1), d(2024, 3, 1), "paid"), (d(2024, 5, 1), None, "overdue")],
    )
    slightly = buyer_with(
        customer_of, rep1, product, "稍迟", [(d(2024, 3, 1), d(2024, 3, 12), "paid")]
    )

    frame = compute.compute_scores(AS_OF, {}).frame

    criteria = frame["quality_criteria"]
    assert "pays_on_time" in criteria[on_time.pk] and "pays_late" not in criteria[on_time.pk]
    # 43 days late: no longer on time, and late beyond 30 days
    assert "pays_late" in criteria[late.pk] and "pays_on_time" not in criteria[late.pk]
    # an instalment overdue now outweighs one paid on the day
    assert "pays_late" in criteria[overdue.pk] and "pays_on_time" not in criteria[overdue.pk]
    # 11 days late: neither on time nor late enough to count against
    assert not {"pays_on_time", "pays_late"} & set(criteria[slightly.pk])
    points = rules.QUALITY_CRITERIA["pays_on_time"]["points"]
    assert (
        frame.loc[on_time.pk, "quality_score"] - frame.loc[slightly.pk, "quality_score"] == points
    )
    assert "pays_on_time" not in rules.QUALITY_CRITERIA_WITHOUT_DATA
