"""Quotes and contracts made for an opportunity (its page's "Create quote"), and the
collections the contracts app gives the pipeline's forecast against the collection targets."""

from decimal import Decimal

from django.test import Client
from django.utils import timezone

from guanxi.contracts import collections, services
from guanxi.contracts.models import Quote
from guanxi.pipeline import reports
from guanxi.pipeline.services import create_opportunity, ensure_default_stages
from tests.api.conftest import api_as  # noqa: F401


def login(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _opportunity(user, customer, product):
    ensure_default_stages(None)
    return create_opportunity(
        user, customer.pk, {"name": "年度茶礼", "amount": "5000", "products": [product.pk]}
    )


def test_a_quote_made_for_an_opportunity_starts_from_its_products(rep1, customer_of, product):
    customer = customer_of("rep1", name="华茂贸易")
    opportunity = _opportunity(rep1, customer, product)
    rep = login(rep1)
    detail = rep.get(f"/pipeline/{opportunity.pk}/").content.decode()
    link = f"/quotes/new/?customer={customer.pk}&amp;opportunity={opportunity.pk}"
    assert link in detail and "No quote yet." in detail

    url = f"/quotes/new/?customer={customer.pk}&opportunity={opportunity.pk}"
    page = rep.get(url).content.decode()
    assert "年度茶礼" in page
    assert f'<option value="{product.pk}" selected>' in page  # the product discussed

    form = {
        "currency": "CNY",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-quantity": "3",
        "lines-0-discount": "0",
    }
    assert rep.post(url, form).status_code == 302
    quote = Quote.objects.get(customer=customer)
    assert quote.opportunity_id == opportunity.pk
    contract = services.accept_quote(rep1, quote)
    assert contract.opportunity_id == opportunity.pk
    detail = rep.get(f"/pipeline/{opportunity.pk}/").content.decode()
    assert quote.number in detail and contract.number in detail
    assert f'href="/pipeline/{opportunity.pk}/"' in rep.get(f"/quotes/{quote.pk}/").content.decode()


def test_another_teams_opportunity_is_not_found(rep1, rep2, customer_of, product, api_as):  # noqa: F811
    theirs = _opportunity(rep2, customer_of("rep2", name="乙方"), product)
    mine = customer_of("rep1", name="甲方")
    rep = login(rep1)
    assert rep.get(f"/quotes/new/?customer={mine.pk}&opportunity={theirs.pk}").status_code == 404
    refused = api_as("rep1").post(
        "/quotes",
        {
            "customer_id": mine.pk,
            "opportunity_id": theirs.pk,
            "lines": [{"product_id": product.pk}],
        },
    )
    assert refused.status_code == 422
    assert not Quote.objects.exists()


def test_confirmed_payments_are_the_forecasts_collections(rep1, manager, customer_of, product):
    today = timezone.localdate()
    customer = customer_of("rep1", name="华茂贸易")
    quote = services.create_quote(rep1, customer, {}, [{"product": product, "quantity": 10}])
    contract = services.accept_quote(rep1, quote)
    services.change_contract_status(rep1, contract, "submit")
    services.change_contract_status(manager, contract, "approve")
    paid = collections.record_payment(
        rep1, contract, {"received_on": str(today), "amount": "300", "method": "alipay"}
    )
    collections.record_payment(
        rep1, contract, {"received_on": str(today), "amount": "200", "method": "cash"}
    )  # still pending: not collected
    collections.confirm_payment(manager, paid)

    data = reports.figures(manager, today=today)
    assert data["forecast"][0]["collected"] == "300.00"
    assert data["forecast"][1]["collected"] == "0.00"
    assert reports.figures(rep1, today=today)["forecast"][0]["collected"] == "300.00"
    other = reports.figures(manager, owner=manager.pk, today=today)
    assert other["forecast"][0]["collected"] == "0.00"  # another rep's contracts
    assert Decimal(data["forecast"][0]["collected"]) == paid.amount


def test_the_products_hint_shows_only_for_an_opportunity_with_products(rep1, customer_of, product):
    customer = customer_of("rep1", name="华茂贸易")
    with_products = _opportunity(rep1, customer, product)
    bare = create_opportunity(rep1, customer.pk, {"name": "空商机", "amount": "100"})
    rep = login(rep1, "zh-hans")
    page = rep.get(f"/quotes/new/?customer={customer.pk}&opportunity={with_products.pk}")
    assert "已洽谈的产品列为前几行" in page.content.decode()
    assert "销售机会“年度茶礼”" in page.content.decode()
    page = rep.get(f"/quotes/new/?customer={customer.pk}&opportunity={bare.pk}").content.decode()
    assert "已洽谈的产品" not in page and "为销售机会“空商机”报价" in page
    assert "商机“" not in page.replace("销售机会“", "")
