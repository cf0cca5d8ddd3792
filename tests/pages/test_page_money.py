"""One money format on every page (guanxi.formats.money.format_money through the |money
filter): "¥1,146.60" for yuan, "USD 1,146.60" (a no-break space) for any other currency,
"-¥128.00" for what is taken off, on the order page, the contract list and the 360 timeline."""

from decimal import Decimal

import pytest

from guanxi.contracts import services as contracts
from guanxi.sales.services import create_order, create_product, refund_order

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture
def teapot(db):
    # 3 × 382.20 = 1,146.60: the amount that read "1146.60 CNY" on one page, "¥1146.60" on another
    return create_product(None, {"sku": "POT-01", "name": "紫砂壶", "price": Decimal("382.20")})


def test_the_order_page_and_list_show_one_format(client_for, customer_of, rep1, teapot):
    customer = customer_of("rep1", name="杭州茶客")
    order = create_order(
        rep1, customer, {"status": "completed"}, [{"product": teapot, "quantity": 3}]
    )
    refund_order(rep1, order, reason="一只破损", lines={order.lines.get().pk: 1})
    in_dollars = create_order(
        rep1, customer, {"currency": "USD"}, [{"product": teapot, "quantity": 3}]
    )
    page = client_for("rep1").get(f"/sales/orders/{order.pk}/").content.decode()
    assert '<td data-label="Unit price">¥382.20</td>' in page
    assert "<th>¥1,146.60</th>" in page  # the total
    assert "<th>-¥382.20</th>" in page  # refunded
    assert '<th id="net-total">¥764.40</th>' in page
    assert "1146.60" not in page and "CNY" not in page
    dollars = client_for("rep1", "zh-hans").get(f"/sales/orders/{in_dollars.pk}/").content
    assert f"USD{NBSP}1,146.60" in dollars.decode()
    listed = client_for("rep1").get("/sales/orders/").content.decode()
    assert "¥1,146.60</td>" in listed and f"USD{NBSP}1,146.60</td>" in listed


def test_the_contract_list_shows_amount_and_received_alike(
    client_for, customer_of, rep1, manager, product
):
    def contract(name, quantity, currency="CNY"):
        customer = customer_of("rep1", name=name)
        quote = contracts.create_quote(
            rep1, customer, {}, [{"product": product, "quantity": quantity}]
        )
        made = contracts.accept_quote(rep1, quote)
        if currency != "CNY":
            contracts.update_contract(rep1, made, {"currency": currency})
        return made

    contract("甲客户", 10000)  # 10,000 × 128.00
    contract("乙客户", 10, "USD")
    page = client_for("rep1").get("/contracts/").content.decode()
    assert '<td data-label="Amount" class="num">¥1,280,000.00</td>' in page
    assert f'<td data-label="Amount" class="num">USD{NBSP}1,280.00</td>' in page
    assert '<td data-label="Received" class="num">¥0.00</td>' in page
    assert f'<td data-label="Received" class="num">USD{NBSP}0.00</td>' in page


def test_the_360_timeline_groups_the_order_total(client_for, customer_of, rep1):
    # the timeline printed "¥176500.00"
    customer = customer_of("rep1", name="华茂贸易")
    chest = create_product(None, {"sku": "TEA-BOX", "name": "茶礼箱", "price": Decimal("1765")})
    order = create_order(rep1, customer, {}, [{"product": chest, "quantity": 100}])
    for language in ("en", "zh-hans"):
        html = client_for("rep1", language).get(f"/customers/{customer.pk}/").content.decode()
        timeline = html[html.index('id="timeline"') :]
        assert f"{order.number}</a> · ¥176,500.00</div>" in timeline
        assert "176500" not in timeline
