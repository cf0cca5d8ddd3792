"""Products (managers edit, FAB text) and orders (create from a customer, detail, scope)."""

from decimal import Decimal

import pytest

from guanxi.sales.models import Order, Product

pytestmark = pytest.mark.django_db


def test_products_list_for_all_edit_for_managers(client_for, product):
    rep = client_for("rep1")
    html = rep.get("/sales/products/").content.decode()
    assert "龙井茶 250g" in html and "待客有面子" in html
    assert f"/sales/products/{product.pk}/edit/" not in html
    assert rep.get("/sales/products/new/").status_code == 403
    assert rep.post(f"/sales/products/{product.pk}/edit/", {"name": "改"}).status_code == 403
    product.refresh_from_db()
    assert product.name == "龙井茶 250g"


def test_manager_creates_and_edits_a_product_with_fab(client_for):
    client = client_for("manager")
    response = client.post(
        "/sales/products/new/",
        {
            "sku": "TEA-002",
            "name": "普洱饼",
            "price": "399.5",
            "currency": "CNY",
            "features": "七年陈",
            "advantages": "口感醇厚",
            "benefits": "收藏升值",
            "active": "on",
        },
    )
    assert response.status_code == 302
    product = Product.objects.get(sku="TEA-002")
    assert product.price == Decimal("399.50") and product.benefits == "收藏升值"
    client.post(
        f"/sales/products/{product.pk}/edit/",
        {"sku": "TEA-002", "name": "普洱饼 357g", "price": "420", "currency": "CNY"},
    )
    product.refresh_from_db()
    assert product.name == "普洱饼 357g" and product.price == Decimal("420.00")
    assert product.active is False


def test_product_form_errors_next_to_fields(client_for, product):
    client = client_for("manager")
    html = client.post(
        "/sales/products/new/", {"sku": "TEA-009", "name": "负价", "price": "-1", "currency": "CNY"}
    ).content.decode()
    assert 'id="id_price_error"' in html and "cannot be negative" in html
    html = client.post(
        "/sales/products/new/", {"sku": "TEA-001", "name": "重复", "price": "1", "currency": "CNY"}
    ).content.decode()
    assert 'id="id_sku_error"' in html
    assert Product.objects.count() == 1


def test_create_order_from_customer_with_lines(client_for, customer_of, product, rep1):
    customer = customer_of("rep1", name="张三")
    client = client_for("rep1")
    page = client.get(f"/sales/orders/new/?customer={customer.pk}")
    assert page.status_code == 200 and "龙井茶 250g" in page.content.decode()
    data = {
        "status": "completed",
        "ordered_at": "2024/3/5 10:00",
        "lines-TOTAL_FORMS": "5",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-quantity": "3",
        "lines-1-product": product.pk,
        "lines-1-quantity": "1",
        "lines-1-unit_price": "100",
    }
    response = client.post(f"/sales/orders/new/?customer={customer.pk}", data)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sales/orders/{order.pk}/"
    assert order.total == Decimal("484.00") and order.owner == rep1
    detail = client.get(f"/sales/orders/{order.pk}/").content.decode()
    assert "484.00" in detail and "张三" in detail
    assert order.number in client.get("/sales/orders/").content.decode()


def test_order_needs_a_line(client_for, customer_of, product):
    customer = customer_of("rep1", name="张三")
    response = client_for("rep1").post(
        f"/sales/orders/new/?customer={customer.pk}",
        {"status": "completed", "lines-TOTAL_FORMS": "5", "lines-INITIAL_FORMS": "0"},
    )
    assert "at least one line" in response.content.decode()
    assert Order.objects.count() == 0


def test_orders_are_scoped_to_the_customer(client_for, customer_of, product, rep1):
    from guanxi.sales.services import create_order

    customer = customer_of("rep1", name="张三")
    order = create_order(rep1, customer, {}, [{"product": product, "quantity": 1}])
    rep2 = client_for("rep2")
    assert rep2.get(f"/sales/orders/{order.pk}/").status_code == 404
    assert order.number not in rep2.get("/sales/orders/").content.decode()
    response = rep2.post(
        f"/sales/orders/new/?customer={customer.pk}",
        {
            "status": "completed",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": product.pk,
        },
    )
    assert response.status_code == 404
    assert Order.objects.count() == 1
    assert client_for("viewer").get("/sales/orders/new/").status_code == 403


def test_choose_customer_for_a_new_order(client_for, customer_of):
    mine = customer_of("rep1", name="张三")
    customer_of("rep2", name="张四")
    html = client_for("rep1").get("/sales/orders/new/", {"q": "zhang"}).content.decode()
    assert f"?customer={mine.pk}" in html and "张四" not in html


def test_an_order_without_a_sales_rep_shows_a_dash(client_for, customer_of, product, rep1):
    """A demo order of a pool customer has no owner: the list and the page show "—", no 500."""
    from guanxi.sales.services import create_order

    customer = customer_of("rep1", name="李四")
    order = create_order(rep1, customer, {}, [{"product": product, "quantity": 1}])
    Order.objects.filter(pk=order.pk).update(owner=None)
    manager = client_for("manager")
    for url in ["/sales/orders/", f"/sales/orders/{order.pk}/"]:
        response = manager.get(url)
        assert response.status_code == 200
        assert order.number in response.content.decode()
        assert "—" in response.content.decode()
