"""Orders, products and the task inbox: counts, sorting by header, filters in the URL."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(personas, customer_of, product):
    from guanxi.sales.services import create_order

    made = []
    for i, (who, status) in enumerate([("rep1", "paid"), ("rep1", "completed"), ("rep2", "paid")]):
        customer = customer_of(who, name=f"客户{i}")
        when = timezone.make_aware(datetime(2025, 3, 1 + i * 10, 9, 0))
        made.append(
            create_order(
                personas[who],
                customer,
                {"ordered_at": when, "status": status},
                [{"product": product, "quantity": 1}],
            )
        )
    return made


def test_orders_count_filters_and_scope(client_for, orders):
    html = client_for("rep1").get("/sales/orders/").content.decode()
    assert "2 orders" in html and orders[2].number not in html
    paid = client_for("manager").get("/sales/orders/", {"status": "paid"}).content.decode()
    assert "2 orders" in paid and orders[1].number not in paid
    ranged = client_for("manager").get(
        "/sales/orders/", {"ordered_from": "2025-03-05", "ordered_to": "2025-03-15"}
    )
    assert "1 order" in ranged.content.decode() and orders[1].number in ranged.content.decode()
    zh = client_for("manager", "zh-hans").get("/sales/orders/").content.decode()
    assert "3 个订单" in zh


def test_the_order_lists_rep_filter_names_only_colleagues_in_scope(client_for, orders):
    """A rep's menu names only the rep (the customer list's rule); it named every team's staff
    (hostile review). The manager's names them all."""

    def menu(who):
        html = client_for(who).get("/sales/orders/").content.decode()
        select = re.search(r'<select[^>]*name="owner".*?</select>', html, re.S).group(0)
        return re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select)

    assert menu("rep1") == ["张伟"]
    assert {"张伟", "刘芳", "王经理", "李组长"} <= set(menu("manager"))


@pytest.mark.parametrize("page", ["/sales/orders/", "/customers/"])
def test_the_team_filter_names_only_teams_in_scope(client_for, personas, page):
    """A rep's team menu named every team (a review); a manager's names them all."""

    def menu(who):
        html = client_for(who).get(page).content.decode()
        select = re.search(r'<select[^>]*name="(team|department_id)".*?</select>', html, re.S)
        return set(re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select.group(0)))

    own = personas["rep1"].profile.department.name
    other = personas["rep2"].profile.department.name
    assert menu("rep1") == {own}
    assert {own, other} <= menu("manager")


def test_orders_sort_by_date_header_keeps_filters(client_for, orders):
    html = (
        client_for("manager")
        .get("/sales/orders/", {"status": "paid", "sort": "ordered"})
        .content.decode()
    )
    assert html.index(orders[0].number) < html.index(orders[2].number)
    assert 'aria-sort="ascending"' in html and "?status=paid&amp;sort=-ordered" in html
    newest = client_for("manager").get("/sales/orders/", {"sort": "-ordered"}).content.decode()
    assert newest.index(orders[2].number) < newest.index(orders[0].number)


def test_orders_bad_date_range_says_which_field(client_for, orders):
    html = client_for("manager").get(
        "/sales/orders/", {"ordered_from": "2025-04-01", "ordered_to": "2025-03-01"}
    )
    assert "<li>Ordered until: The end date must not be before the start date.</li>" in (
        html.content.decode()
    )
    zh = client_for("manager", "zh-hans").get(
        "/sales/orders/", {"ordered_from": "2025-04-01", "ordered_to": "2025-03-01"}
    )
    # in Chinese the label and the message are joined by the full-width colon
    assert re.search(r"<li>[^<：:]+：结束日期[^<]*</li>", zh.content.decode())


def test_orders_refused_dates_stay_in_their_boxes(client_for, orders):
    """A refused date (one that does not exist, an end before the start) is put back in its
    box, escaped, with the error above the list, for the user to correct; it filters nothing,
    and the other filters still apply (as on the customer list)."""
    client = client_for("manager")
    query = {"status": "paid", "ordered_from": "2025-04-01", "ordered_to": "2025-03-01"}
    html = client.get("/sales/orders/", query).content.decode()
    assert "<li>Ordered until: The end date must not be before the start date.</li>" in html
    assert 'name="ordered_from" value="2025-04-01"' in html
    assert 'name="ordered_to" value="2025-03-01"' in html
    # the start still filters (from April: none), the status too
    assert "0 orders" in html

    query = {"status": "paid", "ordered_from": "2025-02-30", "ordered_to": '"><b>x'}
    html = client.get("/sales/orders/", query).content.decode()
    assert 'name="ordered_from" value="2025-02-30"' in html
    assert 'name="ordered_to" value="&quot;&gt;&lt;b&gt;x"' in html and "<b>x" not in html
    assert "2 orders" in html and orders[1].number not in html  # paid ones, all dates


def test_products_count_sort_and_filter(client_for, product):
    from decimal import Decimal

    from guanxi.sales.services import create_product

    create_product(
        None, {"sku": "CUP-1", "name": "茶杯", "price": Decimal("30"), "category": "茶具"}
    )
    html = client_for("rep1").get("/sales/products/", {"sort": "-price"}).content.decode()
    assert "2 products" in html
    assert html.index("龙井茶") < html.index("茶杯")
    cheap_first = client_for("rep1").get("/sales/products/", {"sort": "price"}).content.decode()
    assert cheap_first.index("茶杯") < cheap_first.index("龙井茶")
    only = client_for("rep1").get("/sales/products/", {"category": "茶具"}).content.decode()
    assert "1 product" in only and "龙井茶" not in only


def test_task_inbox_count_and_sort(client_for, personas, customer_of):
    from guanxi.activities.services import create_task

    customer = customer_of("rep1", name="张三")
    soon = timezone.now() + timedelta(days=1)
    create_task(personas["rep1"], {"title": "回访一", "due_at": soon}, customer=customer)
    create_task(
        personas["rep1"], {"title": "回访二", "due_at": soon + timedelta(days=2)}, customer=customer
    )
    html = client_for("rep1").get("/tasks/").content.decode()
    assert "2 open tasks" in html and html.index("回访一") < html.index("回访二")
    late_first = client_for("rep1").get("/tasks/", {"sort": "-due"}).content.decode()
    assert late_first.index("回访二") < late_first.index("回访一")
    assert "2 个待办任务" in client_for("rep1", "zh-hans").get("/tasks/").content.decode()


def test_orders_without_a_rep_are_listed(client_for, orders):
    from guanxi.sales.models import Order

    Order.objects.filter(pk=orders[0].pk).update(owner=None)  # a public-pool customer's order
    response = client_for("manager").get("/sales/orders/")
    assert response.status_code == 200 and orders[0].number in response.content.decode()
