"""The order page's actions (htmx buttons), the edit and refund pages and the print view, in
both languages; the data scope and read-only users on each."""

from decimal import Decimal

import pytest

from guanxi.audit.models import AuditEntry
from guanxi.sales import services
from guanxi.sales.models import Order, Refund

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_order(customer_of, product, rep1):
    customer = customer_of("rep1", name="杭州茶客")

    def make(status="pending", quantity=2):
        return services.create_order(
            rep1, customer, {"status": status}, [{"product": product, "quantity": quantity}]
        )

    return make


def url(order, tail=""):
    return f"/sales/orders/{order.pk}/{tail}"


def test_order_page_offers_the_actions_its_status_allows(make_order, client_for):
    order = make_order("pending")
    html = client_for("rep1").get(url(order)).content.decode()
    assert 'id="order-actions"' in html
    assert f'hx-post="{url(order, "confirm/")}"' in html
    assert f'hx-post="{url(order, "cancel/")}"' in html
    assert f'hx-post="{url(order, "ship/")}"' not in html
    assert f'href="{url(order, "edit/")}"' in html and f'href="{url(order, "print/")}"' in html
    assert f'href="{url(order, "refund/")}"' not in html
    # a read-only user sees the order and its printout, no action
    viewer = client_for("viewer").get(url(order)).content.decode()
    assert f'href="{url(order, "print/")}"' in viewer
    assert "hx-post" not in viewer and url(order, "edit/") not in viewer
    # Chinese
    zh = client_for("rep1", "zh-hans").get(url(order)).content.decode()
    assert "待处理" in zh and "编辑" in zh


def test_htmx_confirm_swaps_the_panel_and_audits(make_order, client_for, htmx, rep1):
    order = make_order("pending")
    response = client_for("rep1").post(url(order, "confirm/"), {"version": 1}, **htmx)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="order-actions"' in html
    assert "Paid" in html and f'hx-post="{url(order, "ship/")}"' in html
    assert 'hx-swap-oob="outerHTML"' in html and f"Order {order.number}: Paid." in html
    order.refresh_from_db()
    assert (order.status, order.version) == ("paid", 2)
    entry = AuditEntry.objects.get(model="order", action="update")
    assert (entry.actor, entry.changes["status"]) == (rep1, ["pending", "paid"])


def test_plain_posts_redirect_or_answer_400_with_the_reason(make_order, client_for):
    order = make_order("paid")
    client = client_for("rep1")
    assert client.post(url(order, "ship/"), {"version": 1}).status_code == 302
    refused = client.post(url(order, "confirm/"), {"version": 2})
    assert refused.status_code == 400
    assert "A Shipped order cannot be changed by “Confirm payment”" in refused.content.decode()
    assert client.post(url(order, "teleport/")).status_code == 404
    assert client.get(url(order, "ship/")).status_code == 405
    order.refresh_from_db()
    assert order.status == "shipped"


def test_cancel_from_the_page_needs_a_reason(make_order, client_for, htmx):
    order = make_order("pending")
    client = client_for("rep1")
    missing = client.post(url(order, "cancel/"), {"version": 1, "reason": " "}, **htmx)
    assert missing.status_code == 200 and "This field is required." in missing.content.decode()
    assert Order.objects.get(pk=order.pk).status == "pending"
    done = client.post(url(order, "cancel/"), {"version": 1, "reason": "客户改订"}, **htmx)
    assert "Cancelled" in done.content.decode() and "客户改订" in done.content.decode()
    assert Order.objects.get(pk=order.pk).cancel_reason == "客户改订"
    # the reason follows its label with the language's colon, on the page and its printout
    assert "Reason cancelled: 客户改订" in client.get(url(order)).content.decode()
    zh = client_for("rep1", "zh-hans")
    assert "取消原因：客户改订" in zh.get(url(order)).content.decode()
    assert "取消原因：客户改订" in zh.get(url(order, "print/")).content.decode()


def test_a_stale_page_says_who_changed_the_order(make_order, client_for, htmx, personas):
    order = make_order("pending")
    services.change_status(personas["lead_a"], Order.objects.get(pk=order.pk), "confirm")
    response = client_for("rep1").post(url(order, "cancel/"), {"version": 1, "reason": "x"}, **htmx)
    html = response.content.decode()
    assert "lead_a changed this record meanwhile" in html
    # the panel shows the order as it is now, with its new version
    assert "Paid" in html and 'name="version" value="2"' in html
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_scope_on_every_order_page(make_order, client_for):
    order = make_order("paid")
    rep2, viewer = client_for("rep2"), client_for("viewer")
    for tail in ("", "print/", "edit/", "refund/"):
        assert rep2.get(url(order, tail)).status_code == 404
    for tail, data in [
        ("confirm/", {}),
        ("ship/", {}),
        ("cancel/", {"reason": "x"}),
        ("refund/", {"reason": "x", "amount": "1"}),
    ]:
        assert rep2.post(url(order, tail), data).status_code == 404
        assert viewer.post(url(order, tail), data).status_code == 403
    assert viewer.get(url(order, "edit/")).status_code == 403
    assert viewer.get(url(order, "print/")).status_code == 200
    order.refresh_from_db()
    assert (order.status, order.version, order.refunded_total) == ("paid", 1, 0)


def test_refund_page_records_returns_and_shows_the_net_total(make_order, client_for, product):
    order = make_order("completed", quantity=3)
    line = order.lines.get()
    client = client_for("rep1")
    form = client.get(url(order, "refund/")).content.decode()
    assert f'name="line_{line.pk}"' in form and "Up to 3 pieces." in form
    too_many = client.post(url(order, "refund/"), {"reason": "退货", f"line_{line.pk}": "4"})
    assert too_many.status_code == 200 and not Refund.objects.exists()
    over = client.post(url(order, "refund/"), {"reason": "退款", "amount": "500"})
    assert "At most ¥384.00 can be refunded" in over.content.decode()
    done = client.post(url(order, "refund/"), {"reason": "一盒破损", f"line_{line.pk}": "1"})
    assert done.status_code == 302
    page = client.get(url(order)).content.decode()
    assert 'id="net-total">¥256.00' in page and "一盒破损" in page and "龙井茶 250g × 1" in page
    assert "Completed" in page
    # refunded in full: the order is refunded and offers no more refund
    client.post(url(order, "refund/"), {"reason": "全部退回", f"line_{line.pk}": "2"})
    order.refresh_from_db()
    assert (order.status, order.net_total) == ("refunded", Decimal("0.00"))
    assert client.get(url(order, "refund/")).status_code == 302


def test_pending_order_is_edited_with_the_checks_of_a_new_one(make_order, client_for, product):
    order = make_order("pending")
    client = client_for("rep1")
    form = client.get(url(order, "edit/")).content.decode()
    assert 'name="lines-0-quantity" value="2"' in form
    post = {
        "version": "1",
        "ordered_at": "2024-03-05 14:30",
        "currency": "CNY",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-product": str(product.pk),
        "lines-0-quantity": "4",
        "lines-0-unit_price": "100",
    }
    empty = client.post(url(order, "edit/"), {**post, "lines-0-product": ""})
    assert "An order needs at least one line." in empty.content.decode()
    assert client.post(url(order, "edit/"), post).status_code == 302
    order.refresh_from_db()
    assert (order.total, order.version, order.lines.get().quantity) == (Decimal("400.00"), 2, 4)
    stale = client.post(url(order, "edit/"), {**post, "lines-0-quantity": "9"})
    assert "rep1 changed this record meanwhile" in stale.content.decode()
    assert order.lines.get().quantity == 4
    services.change_status(order.owner, order, "confirm")
    moved = client.get(url(order, "edit/"), follow=True)
    assert "Only a pending order can be edited." in moved.content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Order", "Total", "Completed", "Unit price", "Refunds and returns"]),
        ("zh-hans", ["订单", "合计", "已完成", "单价", "商品编码"]),
    ],
)
def test_print_view_in_the_users_language(make_order, client_for, language, words):
    order = make_order("completed", quantity=3)
    services.refund_order(order.owner, order, reason="一盒破损", lines={order.lines.get().pk: 1})
    response = client_for("rep1", language).get(url(order, "print/"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    for word in words:
        assert word in html, word
    # the company (the top of the organisation chart), customer, lines, totals and refunds
    assert '<p class="company">总部</p>' in html and "杭州茶客" in html
    assert "龙井茶 250g" in html and "¥384.00" in html and "¥256.00" in html
    assert "一盒破损" in html
    # a clean page: its own print style sheet, none of the site's navigation
    assert "guanxi/order-print.css" in html and "nav-brand" not in html and "<nav" not in html
    assert "style=" not in html and "<script>" not in html


def test_print_uses_the_company_name_setting(make_order, client_for, settings):
    settings.COMPANY_NAME = "茗香茶业"
    order = make_order("paid")
    html = client_for("rep1").get(url(order, "print/")).content.decode()
    assert '<p class="company">茗香茶业</p>' in html


def test_new_order_form_hints_a_format_and_asks_for_a_product(customer_of, product, client_for):
    # given: the new-order page for a customer of the rep's
    from django.utils import translation

    customer = customer_of("rep1", name="杭州茶客")
    with translation.override("en"):
        page = client_for("rep1").get(f"/sales/orders/new/?customer={customer.pk}")
    html = page.content.decode()
    # then: the time is the browser's date-and-time picker, as on every form, not a filled-in
    # value; no "---------"
    assert '<input type="datetime-local" name="ordered_at"' in html
    assert "2024-03-05 14:30" not in html
    assert "Choose a product" in html and "---------" not in html
