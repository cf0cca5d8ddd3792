"""Bulk actions on the orders list: export and change status of a selection, all or nothing,
through sales.services.update_order (validated, versioned, audited)."""

import csv
import io

import pytest

from guanxi.audit.models import AuditEntry
from guanxi.sales.models import Order

from .test_other_lists import orders  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

BULK = "/sales/orders/bulk/"


def statuses(made):
    return [Order.objects.get(pk=o.pk).status for o in made]


def test_the_list_offers_the_bulk_bar_with_a_checkbox_per_order(client_for, orders):  # noqa: F811
    html = client_for("rep1").get("/sales/orders/", {"status": "paid"}).content.decode()
    assert f'name="ids" value="{orders[0].pk}" form="bulk"' in html
    assert f'name="ids" value="{orders[2].pk}"' not in html  # rep2's order is not listed
    assert 'action="/sales/orders/bulk/"' in html and 'value="status=paid"' in html
    assert "data-select-all" in html and "guanxi/lists.js" in html


def test_status_change_goes_through_update_order_and_is_audited(client_for, orders):  # noqa: F811
    paid, completed = orders[0], orders[1]
    # a completed order cannot be shipped: the whole selection is refused, naming it
    refused = client_for("rep1").post(
        BULK, {"action": "status", "status": "shipped", "ids": [paid.pk, completed.pk]}, follow=True
    )
    assert f"Order {completed.number}: A Completed order cannot become Shipped" in (
        refused.content.decode()
    )
    assert statuses(orders) == ["paid", "completed", "paid"]
    response = client_for("rep1").post(
        BULK, {"action": "status", "status": "shipped", "ids": [paid.pk], "query": "status=paid"}
    )
    assert response.status_code == 302 and response["Location"] == "/sales/orders/?status=paid"
    assert statuses(orders) == ["shipped", "completed", "paid"]
    entries = AuditEntry.objects.filter(model="order", action="update")
    assert [(e.object_id, e.changes["status"]) for e in entries] == [
        (str(paid.pk), ["paid", "shipped"])
    ]
    assert Order.objects.get(pk=paid.pk).version == paid.version + 1
    again = client_for("rep1").post(
        BULK, {"action": "status", "status": "shipped", "ids": [paid.pk]}, follow=True
    )
    assert "0 orders set to “Shipped”." in again.content.decode()  # nothing left to change


def test_confirmation_is_translated(client_for, orders):  # noqa: F811
    response = client_for("rep1", "zh-hans").post(
        BULK, {"action": "status", "status": "shipped", "ids": [orders[0].pk]}, follow=True
    )
    assert "1 个订单已改为“已发货”。" in response.content.decode()


def test_one_order_out_of_scope_changes_nothing(client_for, orders):  # noqa: F811
    ids = [orders[0].pk, orders[2].pk]  # the second is rep2's
    response = client_for("rep1").post(
        BULK, {"action": "status", "status": "shipped", "ids": ids}, follow=True
    )
    assert "1 selected order is outside what you may change; nothing was changed." in (
        response.content.decode()
    )
    assert statuses(orders) == ["paid", "completed", "paid"]
    zh = client_for("rep1", "zh-hans").post(
        BULK, {"action": "status", "status": "shipped", "ids": ids}, follow=True
    )
    assert "所选订单中有 1 个超出您可修改的范围；未做任何更改。" in zh.content.decode()
    assert not AuditEntry.objects.filter(model="order", action="update").exists()


def test_a_read_only_user_may_export_but_not_change(client_for, orders):  # noqa: F811
    response = client_for("viewer").post(
        BULK, {"action": "status", "status": "shipped", "ids": [orders[0].pk]}, follow=True
    )
    assert "outside what you may change" in response.content.decode()
    assert statuses(orders) == ["paid", "completed", "paid"]


def test_an_unknown_status_or_action_is_refused_with_a_message(client_for, orders):  # noqa: F811
    ids = [orders[0].pk]
    bad = client_for("rep1").post(
        BULK, {"action": "status", "status": "lost", "ids": ids}, follow=True
    )
    assert "Choose a status for the selected orders." in bad.content.decode()
    none = client_for("rep1").post(BULK, {"action": "status", "status": "paid"}, follow=True)
    assert "Select at least one order." in none.content.decode()
    odd = client_for("rep1").post(BULK, {"action": "delete", "ids": ids}, follow=True)
    assert "Choose what to do with the selected orders." in odd.content.decode()
    assert statuses(orders) == ["paid", "completed", "paid"]
    assert client_for("rep1").get(BULK).status_code == 405


def test_export_of_a_selection_is_formula_safe_and_scoped(client_for, orders, product):  # noqa: F811
    from guanxi.sales.services import update_product

    update_product(None, product, {"name": "=HYPERLINK(1)"})
    response = client_for("rep1").post(BULK, {"action": "export", "ids": [orders[1].pk]})
    assert response["Content-Type"].startswith("text/csv")
    assert "orders-selection-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2 and orders[1].number in rows[1] and orders[0].number not in rows[1]
    assert "'=HYPERLINK(1)" in rows[1]
    refused = client_for("rep1").post(
        BULK, {"action": "export", "ids": [orders[1].pk, orders[2].pk]}, follow=True
    )
    assert "1 selected order is outside what you may see; nothing was exported." in (
        refused.content.decode()
    )
