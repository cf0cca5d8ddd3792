"""The customer list's order-date filters count purchases only (sales' Order.objects.purchases():
cancelled and refunded orders are none), as the home's figures do; min_purchases asks for
repeat buyers within the dates."""

import datetime as dt
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from guanxi.customers.queries import customer_list
from guanxi.sales.models import Order

pytestmark = pytest.mark.django_db

_numbers = count(1)


def order(customer, day: dt.date, status: str = "completed"):
    return Order.objects.create(
        customer=customer,
        number=f"P-{next(_numbers)}",
        ordered_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))),
        status=status,
        total=Decimal("10.00"),
        owner=customer.owner,
    )


def names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


def test_cancelled_and_refunded_orders_are_no_purchase(rep1, customer_of):
    bought = customer_of("rep1", name="买过")
    cancelled = customer_of("rep1", name="只取消过")
    order(bought, dt.date(2026, 3, 1))
    order(cancelled, dt.date(2026, 3, 2), status="cancelled")
    order(cancelled, dt.date(2026, 3, 3), status="refunded")

    since = customer_list(rep1, last_order_from=dt.date(2026, 2, 1))

    assert names(since) == {"买过"}


def test_last_purchase_until_ignores_a_later_cancelled_order(rep1, customer_of):
    # the last purchase was in January; the March order was cancelled: still "last in January"
    customer = customer_of("rep1", name="一月最后购买")
    order(customer, dt.date(2026, 1, 10))
    order(customer, dt.date(2026, 3, 10), status="cancelled")
    later = customer_of("rep1", name="三月还买了")
    order(later, dt.date(2026, 1, 10))
    order(later, dt.date(2026, 3, 10))

    until = customer_list(rep1, last_order_to=dt.date(2026, 1, 31))

    assert names(until) == {"一月最后购买"}


def test_min_purchases_counts_purchases_within_the_dates(rep1, customer_of):
    twice = customer_of("rep1", name="两次")
    once_and_cancelled = customer_of("rep1", name="一次加一次取消")
    once_in_range = customer_of("rep1", name="范围内一次")
    for day in (dt.date(2026, 3, 1), dt.date(2026, 3, 5)):
        order(twice, day)
    order(once_and_cancelled, dt.date(2026, 3, 1))
    order(once_and_cancelled, dt.date(2026, 3, 2), status="cancelled")
    order(once_in_range, dt.date(2025, 6, 1))  # before the range: not counted
    order(once_in_range, dt.date(2026, 3, 3))

    repeat = customer_list(rep1, last_order_from=dt.date(2026, 1, 1), min_purchases=2)
    ever = customer_list(rep1, min_purchases=2)

    assert names(repeat) == {"两次"}
    assert names(ever) == {"两次", "范围内一次"}
    assert names(customer_list(rep1, min_purchases=1)) == {"两次", "一次加一次取消", "范围内一次"}
