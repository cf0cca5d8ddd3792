"""The customer list filters by the date a rep marked a customer lost (lost_from / lost_to,
inclusive, in local days): the churn dashboard's bars for one month drill down to it."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from guanxi.customers.forms import CustomerFilterForm
from guanxi.customers.models import Customer
from guanxi.customers.queries import customer_list
from tests.pages import conftest as pages

pytestmark = pytest.mark.django_db

client_for = pages.client_for  # the logged-in page client fixture


def lost_on(customer, day: dt.date, hour: int = 12):
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    Customer.objects.filter(pk=customer.pk).update(lost_at=moment, lost_reason="price")


def names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


def test_lost_dates_bound_the_list_inclusively(rep1, customer_of):
    march_first = customer_of("rep1", name="三月一日")
    march_last = customer_of("rep1", name="三月底")
    april = customer_of("rep1", name="四月")
    customer_of("rep1", name="没流失")
    lost_on(march_first, dt.date(2026, 3, 1), hour=0)
    lost_on(march_last, dt.date(2026, 3, 31), hour=23)
    lost_on(april, dt.date(2026, 4, 1), hour=0)
    march = customer_list(rep1, lost_from=dt.date(2026, 3, 1), lost_to=dt.date(2026, 3, 31))
    assert names(march) == {"三月一日", "三月底"}
    assert names(customer_list(rep1, lost_from=dt.date(2026, 4, 1))) == {"四月"}
    assert names(customer_list(rep1, lost_to=dt.date(2026, 2, 28))) == set()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"lost_from": "2026-04-01", "lost_to": "2026-03-01"},
            "lost_to",
            "must not be before the start date",
        ),
        ({"lost_from": "2026-13-01"}, "lost_from", "Enter a date as YYYY-MM-DD."),
    ],
)
def test_bad_lost_dates_are_refused_with_the_reason(params, field, message):
    with translation.override("en"):
        form = CustomerFilterForm(params)
        assert not form.is_valid()
        assert message in str(form.errors[field])


def test_the_list_page_filters_by_the_lost_dates(client_for, customer_of):
    march = customer_of("rep1", name="三月流失")
    april = customer_of("rep1", name="四月流失")
    lost_on(march, dt.date(2026, 3, 10))
    lost_on(april, dt.date(2026, 4, 10))
    html = (
        client_for("rep1")
        .get("/customers/?lost=1&lost_from=2026-03-01&lost_to=2026-03-31")
        .content.decode()
    )
    assert "三月流失" in html and "四月流失" not in html
    assert 'name="lost_from" value="2026-03-01"' in html  # the filter shows what it applies
