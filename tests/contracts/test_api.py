"""Quotes, contracts, plans, payments and collections over the API: the flow, the approval
rules (403 for the owner and for a rep), plan validation (422), and list query counts."""

from decimal import Decimal

import pytest
from django.test import Client

from guanxi.accounts.models import ApiToken
from guanxi.contracts.models import Contract, ContractStatus


def api(user):
    client = Client()
    headers = {"Authorization": f"Bearer {ApiToken.issue(user, 1)}", "Accept-Language": "en"}

    def call(method, path, body=None, **query):
        url = f"/api/v1{path}"
        if method == "get":
            return client.get(url, query, headers=headers)
        return getattr(client, method)(
            url, body or {}, content_type="application/json", headers=headers
        )

    return call


@pytest.fixture
def customer(customer_of):
    return customer_of("rep1", name="华茂贸易", kind="organisation")


def test_the_whole_flow_over_the_api(rep1, rep2, manager, customer, product):
    rep, boss, other = api(rep1), api(manager), api(rep2)
    line = {"product_id": product.pk, "quantity": 4, "discount": "2.5"}
    quote = rep("post", "/quotes", {"customer_id": customer.pk, "lines": [line]})
    assert quote.status_code == 201, quote.json()
    assert quote.json()["total"] == "499.20"  # 4 × 128 = 512 less 2.5 per cent
    assert quote.json()["lines"][0]["currency"] == "CNY"
    assert other("get", f"/quotes/{quote.json()['id']}").status_code == 404
    contract = rep("post", f"/quotes/{quote.json()['id']}/accept", {}).json()
    cid = contract["id"]
    assert contract["amount"] == "499.20" and contract["status"] == "draft"

    bad = rep(
        "put",
        f"/contracts/{cid}/instalments",
        {
            "instalments": [
                {"due_date": "2030-01-01", "amount": "400"},
            ]
        },
    )
    assert bad.status_code == 422 and "99.20" in bad.json()["detail"]
    plan = rep(
        "put",
        f"/contracts/{cid}/instalments",
        {
            "instalments": [
                {"due_date": "2030-01-01", "amount": "300"},
                {"due_date": "2030-02-01", "amount": "199.20"},
            ]
        },
    )
    assert [(i["amount"], i["currency"]) for i in plan.json()] == [
        ("300.00", "CNY"),
        ("199.20", "CNY"),
    ]

    assert rep("post", f"/contracts/{cid}/submit", {}).status_code == 200
    assert rep("post", f"/contracts/{cid}/approve", {}).status_code == 403  # own contract
    assert other("post", f"/contracts/{cid}/approve", {}).status_code == 404  # out of scope
    approved = boss("post", f"/contracts/{cid}/approve", {})
    assert approved.json()["status"] == "approved"

    payment = rep("post", "/payments", {"contract_id": cid, "amount": "350", "method": "card"})
    assert payment.status_code == 201 and payment.json()["status"] == "pending"
    assert payment.json()["currency"] == "CNY"
    pid = payment.json()["id"]
    assert rep("post", f"/payments/{pid}/confirm", {}).status_code == 403
    assert boss("post", f"/payments/{pid}/confirm", {}).json()["status"] == "confirmed"
    statuses = [i["status"] for i in rep("get", f"/contracts/{cid}/instalments").json()]
    assert statuses == ["paid", "partly_paid"]
    detail = rep("get", f"/contracts/{cid}").json()
    assert (detail["received"], detail["outstanding"]) == ("350.00", "149.20")

    collections = rep("get", "/collections").json()
    assert collections["count"] == 1
    assert collections["totals"] == [
        {"currency": "CNY", "outstanding": "149.20", "overdue": "0.00"}
    ]
    assert collections["received_by_month"][0]["total"] == "350.00"
    assert collections["received_by_month"][0]["currency"] == "CNY"
    assert rep("get", "/collections", month="2030-13").status_code == 422
    assert rep("get", "/collections", month="2030-02").json()["count"] == 1
    assert rep("get", "/collections", overdue=True).json()["count"] == 0

    order = rep("post", f"/contracts/{cid}/order", {})
    assert order.status_code == 201 and order.json()["order_id"]
    assert Contract.objects.get(pk=cid).status == ContractStatus.APPROVED


def _running(rep, manager, customer, product, quantity, plan, currency="CNY"):
    from guanxi.contracts import collections, services

    quote = services.create_quote(rep, customer, {}, [{"product": product, "quantity": quantity}])
    contract = services.accept_quote(rep, quote)
    if currency != "CNY":
        services.update_contract(rep, contract, {"currency": currency})
    collections.set_plan(rep, contract, [{"due_date": d, "amount": a} for d, a in plan])
    services.change_contract_status(rep, contract, "submit")
    return services.change_contract_status(manager, contract, "approve")


def _paid(rep, manager, contract, amount):
    from guanxi.contracts import collections

    payment = collections.record_payment(
        rep, contract, {"received_on": "2026-03-05", "amount": amount, "method": "cash"}
    )
    collections.confirm_payment(manager, payment)


def test_collections_totals_are_per_currency_as_on_the_page(rep1, manager, customer_of, product):
    """Given 100 × 128.00 = 12,800.00 CNY due in two instalments (3,000.00 on 2030-01-01,
    overdue by 2030-06-01, 2,000.00 of it paid) and 10 × 128.00 = 1,280.00 USD due in 2031
    (280.00 paid): the API keeps yuan and dollars apart, with the page's figures."""
    from datetime import date

    from django.utils import translation

    from guanxi.contracts.collections import send_reminders

    cny = _running(
        rep1,
        manager,
        customer_of("rep1", name="甲客户"),
        product,
        100,
        [("2030-01-01", "3000"), ("2031-01-01", "9800")],
    )
    usd = _running(
        rep1,
        manager,
        customer_of("rep1", name="乙客户"),
        product,
        10,
        [("2031-01-01", "1280")],
        "USD",
    )
    _paid(rep1, manager, cny, Decimal("2000"))
    _paid(rep1, manager, usd, Decimal("280"))
    send_reminders(today=date(2030, 6, 1))  # the first CNY instalment is now overdue

    body = api(rep1)("get", "/collections").json()

    assert body["count"] == 3
    # each row names its currency, so a client knows which total it belongs to
    assert [(i["contract_number"], i["outstanding"], i["currency"]) for i in body["items"]] == [
        (cny.number, "1000.00", "CNY"),
        (cny.number, "9800.00", "CNY"),
        (usd.number, "1000.00", "USD"),
    ]
    assert body["totals"] == [
        {"currency": "CNY", "outstanding": "10800.00", "overdue": "1000.00"},
        {"currency": "USD", "outstanding": "1000.00", "overdue": "0.00"},
    ]
    assert body["received_by_month"] == [
        {"month": "2026-03-01", "currency": "CNY", "total": "2000.00", "payments": 1},
        {"month": "2026-03-01", "currency": "USD", "total": "280.00", "payments": 1},
    ]
    payments = api(rep1)("get", "/payments").json()["items"]
    assert sorted((p["amount"], p["currency"]) for p in payments) == [
        ("2000.00", "CNY"),
        ("280.00", "USD"),
    ]
    lines = api(rep1)("get", f"/contracts/{usd.pk}").json()["lines"]
    assert [line["currency"] for line in lines] == ["USD"]
    overdue = api(rep1)("get", "/collections", overdue=True).json()
    assert overdue["totals"] == [
        {"currency": "CNY", "outstanding": "1000.00", "overdue": "1000.00"}
    ]
    client = Client()
    client.force_login(rep1)
    with translation.override("en"):
        page = client.get("/contracts/collections/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Outstanding: ¥10,800.00; overdue: ¥1,000.00." in page
    assert "Outstanding: USD\u00a01,000.00; overdue: USD\u00a00.00." in page


def test_collections_with_nothing_due_have_no_totals(rep1):
    body = api(rep1)("get", "/collections").json()
    assert (body["count"], body["totals"], body["received_by_month"]) == (0, [], [])


def test_lists_ask_a_fixed_number_of_queries(
    rep1, customer, product, django_assert_max_num_queries
):
    from guanxi.contracts import services

    for _ in range(3):
        quote = services.create_quote(
            rep1, customer, {}, [{"product": product}, {"product": product, "quantity": 2}]
        )
        services.accept_quote(rep1, quote)
    rep = api(rep1)
    rep("get", "/quotes")  # warm the token and profile
    with django_assert_max_num_queries(12):
        quotes = rep("get", "/quotes").json()
    with django_assert_max_num_queries(12):
        contracts = rep("get", "/contracts").json()
    assert quotes["count"] == 3 and contracts["count"] == 3
    assert Decimal(contracts["items"][0]["amount"]) == Decimal("384.00")


def test_the_list_filters_what_awaits_the_callers_approval(rep1, manager, customer, product):
    """awaiting=me, as on the home page: the submitted contracts the caller may approve."""
    from guanxi.contracts import services

    quote = services.create_quote(rep1, customer, {}, [{"product": product, "quantity": 1}])
    contract = services.accept_quote(rep1, quote)
    services.change_contract_status(rep1, contract, "submit")
    services.accept_quote(
        rep1, services.create_quote(rep1, customer, {}, [{"product": product}])
    )  # a draft waits for nobody
    found = api(manager)("get", "/contracts", awaiting="me").json()
    assert [c["id"] for c in found["items"]] == [contract.pk]
    assert api(rep1)("get", "/contracts", awaiting="me").json()["items"] == []  # their own
    assert api(manager)("get", "/contracts", awaiting="you").status_code == 422
