"""The collections page (/contracts/collections/): reps by the names colleagues know them by,
money with thousands separators and its currency, totals kept apart per currency."""

from decimal import Decimal

from django.test import Client
from django.utils import translation

from guanxi.contracts import collections, queries, services


def login(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _approved(owner, manager, customer, product, quantity, currency="CNY"):
    quote = services.create_quote(owner, customer, {}, [{"product": product, "quantity": quantity}])
    contract = services.accept_quote(owner, quote)
    if currency != "CNY":
        services.update_contract(owner, contract, {"currency": currency})
    services.change_contract_status(owner, contract, "submit")
    return services.change_contract_status(manager, contract, "approve")


def test_the_rep_filter_shows_display_names(rep1, rep2, manager, customer_of, product):
    with translation.override("en"):
        page = login(manager).get("/contracts/collections/").content.decode()
    assert f'<option value="{rep1.pk}">张伟</option>' in page
    assert f'<option value="{rep2.pk}">刘芳</option>' in page
    assert ">rep1</option>" not in page


def test_amounts_and_totals_have_separators_and_currency(rep1, manager, customer_of, product):
    # 100 × 128.00 = 12,800.00 CNY and 10 × 128.00 = 1,280.00 USD, each one instalment
    cny = _approved(rep1, manager, customer_of("rep1", name="甲客户"), product, 100)
    usd = _approved(rep1, manager, customer_of("rep1", name="乙客户"), product, 10, "USD")
    collections.record_payment(
        rep1, cny, {"received_on": "2026-03-05", "amount": Decimal("2000"), "method": "cash"}
    )
    collections.confirm_payment(manager, cny.payments.get())
    with translation.override("en"):
        page = login(manager).get("/contracts/collections/").content.decode()
    assert "¥10,800.00" in page and "USD\u00a01,280.00" in page  # the rows
    assert "Outstanding: ¥10,800.00; overdue: ¥0.00." in page
    assert "Outstanding: USD\u00a01,280.00; overdue: USD\u00a00.00." in page  # never added to yuan
    assert "¥2,000.00" in page  # received in March 2026
    assert usd.number in page


def test_totals_per_currency(rep1, manager, customer_of, product):
    _approved(rep1, manager, customer_of("rep1", name="甲客户"), product, 100)
    _approved(rep1, manager, customer_of("rep1", name="乙客户"), product, 10, "USD")
    _approved(rep1, manager, customer_of("rep1", name="丙客户"), product, 1)
    qs = queries.due_instalments(manager).order_by()
    assert queries.collection_totals_by_currency(qs) == [
        {"currency": "CNY", "outstanding": Decimal("12928.00"), "overdue": Decimal("0.00")},
        {"currency": "USD", "outstanding": Decimal("1280.00"), "overdue": Decimal("0.00")},
    ]


def test_nothing_due_says_zero_in_the_default_currency(rep1):
    with translation.override("en"):
        page = login(rep1).get("/contracts/collections/").content.decode()
    assert "Outstanding: ¥0.00; overdue: ¥0.00." in page


def test_the_page_in_chinese_groups_thousands(rep1, manager, customer_of, product):
    _approved(rep1, manager, customer_of("rep1", name="甲客户"), product, 100)
    page = login(rep1, "zh-hans").get("/contracts/collections/").content.decode()
    assert "¥12,800.00" in page and "张伟" in page


def test_the_page_costs_the_same_for_more_rows(rep1, manager, customer_of, product):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(manager)
    _approved(rep1, manager, customer_of("rep1", name="甲客户"), product, 1)
    client.get("/contracts/collections/")  # session and profile warmed up
    with CaptureQueriesContext(connection) as one:
        client.get("/contracts/collections/")
    for n in range(3):
        _approved(rep1, manager, customer_of("rep1", name=f"客户{n}"), product, 1, "USD")
    with CaptureQueriesContext(connection) as four:
        assert client.get("/contracts/collections/").status_code == 200
    assert len(four) == len(one)
