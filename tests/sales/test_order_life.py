"""The life of an order (issue 10 item 6): confirm, ship, complete and cancel by one transition
table; refunds and returns in part or in full with the net total the analytics count; edits
while pending; scope, audit and stale versions. Services and the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from guanxi.audit.models import AuditEntry
from guanxi.sales import services
from guanxi.sales.models import Order, OrderStatus, Refund
from guanxi.services_common import StaleEdit

pytestmark = pytest.mark.django_db

ALL_ACTIONS = ["confirm", "ship", "complete", "cancel"]
# (status, action) -> the status it leads to; every pair not listed is refused
ALLOWED = {
    ("pending", "confirm"): "paid",
    ("pending", "cancel"): "cancelled",
    ("paid", "ship"): "shipped",
    ("paid", "cancel"): "cancelled",
    ("shipped", "complete"): "completed",
}


@pytest.fixture(autouse=True)
def english():
    """Services speak the active language (the site's default is Chinese): English here."""
    with translation.override("en"):
        yield


@pytest.fixture
def make_order(customer_of, product, rep1):
    customer = customer_of("rep1")

    def make(status="pending", quantity=2, lines=None):
        return services.create_order(
            rep1,
            customer,
            {"status": status},
            lines or [{"product": product, "quantity": quantity}],
        )

    return make


@pytest.mark.parametrize("status", OrderStatus.values)
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_every_transition_is_allowed_or_refused_by_the_table(make_order, rep1, status, action):
    order = make_order(status)
    target = ALLOWED.get((status, action))
    if target:
        services.change_status(rep1, order, action, reason="客户要求")
        order.refresh_from_db()
        assert (order.status, order.version) == (target, 2)
        entry = AuditEntry.objects.filter(model="order", action="update").get()
        assert entry.changes["status"] == [status, target]
        assert services.allowed_actions(order) == [a for a in ALL_ACTIONS if (target, a) in ALLOWED]
    else:
        with pytest.raises(ValidationError) as refused:
            services.change_status(rep1, order, action, reason="客户要求")
        message = refused.value.message_dict["status"][0]
        assert message.startswith(f"A {OrderStatus(status).label} order cannot be changed by")
        order.refresh_from_db()
        assert (order.status, order.version) == (status, 1)
        assert not AuditEntry.objects.filter(model="order", action="update").exists()


def test_the_table_names_what_is_allowed(make_order, rep1):
    order = make_order("paid")
    with pytest.raises(ValidationError) as refused:
        services.change_status(rep1, order, "complete")
    assert refused.value.message_dict["status"] == [
        "A Paid order cannot be changed by “Complete”; allowed: Ship, Cancel order."
    ]
    with pytest.raises(ValidationError) as unknown:
        services.change_status(rep1, order, "teleport")
    assert "action" in unknown.value.message_dict


def test_cancel_needs_a_reason_and_keeps_it(make_order, rep1):
    order = make_order("paid")
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            services.change_status(rep1, order, "cancel", reason=blank)
        assert refused.value.message_dict["reason"] == ["This field is required."]
    services.change_status(rep1, order, "cancel", reason=" 客户改变主意 ")
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "客户改变主意")
    entry = AuditEntry.objects.get(model="order", action="update")
    assert entry.changes["cancel_reason"] == ["", "客户改变主意"]
    assert entry.actor == rep1 and entry.customer_id == order.customer_id


def test_status_change_needs_write_access_through_scope(make_order, personas):
    order = make_order("pending")
    for persona in ("rep2", "viewer"):
        with pytest.raises(PermissionDenied):
            services.change_status(personas[persona], order, "confirm")
    order.refresh_from_db()
    assert order.status == "pending"


def test_stale_version_is_refused_with_who_changed_it(make_order, rep1, personas):
    order = make_order("pending")
    services.change_status(personas["lead_a"], Order.objects.get(pk=order.pk), "confirm")
    with pytest.raises(StaleEdit) as stale:
        services.change_status(rep1, order, "cancel", reason="重复下单", version=1)
    assert "lead_a changed this record meanwhile" in str(stale.value)
    order.refresh_from_db()
    assert order.status == "paid"


# Refunds and returns -----------------------------------------------------------------------


def test_partial_refunds_keep_the_status_and_lower_the_net_total(make_order, rep1):
    order = make_order("completed", quantity=3)  # 3 × 128 = 384
    line = order.lines.get()
    first = services.refund_order(rep1, order, reason="一盒破损", lines={line.pk: 1})
    order.refresh_from_db()
    assert first.amount == Decimal("128.00") and first.lines.get().quantity == 1
    assert (order.status, order.total, order.refunded_total) == ("completed", 384, 128)
    assert order.net_total == Decimal("256.00")
    assert services.returnable(order) == {line.pk: 2}
    # money only, no goods back
    services.refund_order(rep1, order, reason="价格补差", amount="56.5")
    order.refresh_from_db()
    assert (order.status, order.net_total) == ("completed", Decimal("199.50"))
    entries = AuditEntry.objects.filter(model="refund").order_by("pk")
    assert [e.changes["amount"][1] for e in entries] == ["128.00", "56.50"]
    assert entries[0].changes["lines"][1] == ["TEA-001 × 1 @ 128.00"]
    assert all(e.customer_id == order.customer_id and e.actor == rep1 for e in entries)
    updates = AuditEntry.objects.filter(model="order", action="update").order_by("pk")
    assert [e.changes["refunded_total"] for e in updates] == [
        ["0.00", "128.00"],
        ["128.00", "184.50"],
    ]


def test_a_full_refund_sets_refunded(make_order, rep1):
    order = make_order("shipped", quantity=2)
    services.refund_order(rep1, order, reason="部分退货", lines={order.lines.get().pk: 1})
    services.refund_order(rep1, order, reason="余下退货", lines={order.lines.get().pk: 1})
    order.refresh_from_db()
    assert (order.status, order.refunded_total, order.net_total) == ("refunded", 256, 0)
    with pytest.raises(ValidationError) as again:
        services.refund_order(rep1, order, reason="再退", amount="1")
    assert "cannot be refunded" in again.value.message_dict["status"][0]


def test_over_refund_and_too_many_pieces_are_refused(make_order, rep1, product):
    order = make_order("paid", quantity=2)
    line = order.lines.get()
    services.refund_order(rep1, order, reason="退一件", lines={line.pk: 1})
    cases = [
        ({"amount": "128.01"}, "amount", "At most ¥128.00 can be refunded"),
        ({"lines": {line.pk: 2}}, "lines", "return a whole number of at most 1 pieces"),
        ({"lines": {line.pk: "1.5"}}, "lines", "return a whole number of at most 1 pieces"),
        ({"lines": {999999: 1}}, "lines", "Line 999999 is not a line of this order."),
        ({"amount": "0"}, "amount", "A refund must be more than zero."),
        ({"amount": "-3"}, "amount", "An amount cannot be negative."),
        ({}, "amount", "Enter the amount refunded or the pieces returned."),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ValidationError) as refused:
            services.refund_order(rep1, order, reason="试试", **kwargs)
        assert message in " ".join(refused.value.message_dict[field]), kwargs
    with pytest.raises(ValidationError) as no_reason:
        services.refund_order(rep1, order, reason="", amount="1")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError) as future:
        services.refund_order(
            rep1, order, reason="x", amount="1", refunded_on=dt.date.today() + dt.timedelta(2)
        )
    assert "refunded_on" in future.value.message_dict
    order.refresh_from_db()
    assert (order.refunded_total, Refund.objects.count()) == (Decimal("128.00"), 1)


@pytest.mark.parametrize("status", ["pending", "cancelled"])
def test_only_received_money_is_refunded(make_order, rep1, status):
    order = make_order(status)
    with pytest.raises(ValidationError) as refused:
        services.refund_order(rep1, order, reason="退款", amount="1")
    assert "only paid, shipped or completed ones" in refused.value.message_dict["status"][0]
    assert not Refund.objects.exists()


def test_an_order_with_refunds_keeps_its_status_out_of_plain_edits(make_order, rep1):
    order = make_order("completed")
    services.refund_order(rep1, order, reason="补差", amount="10")
    with pytest.raises(ValidationError) as refused:
        services.update_order(rep1, order, {"status": "pending"})
    assert "only by its refunds" in refused.value.message_dict["status"][0]


def test_edit_while_pending_checks_lines_as_create_does(make_order, rep1, product):
    order = make_order("pending")
    services.update_order(
        rep1, order, {}, [{"product": product, "quantity": 5, "unit_price": "100"}], version=1
    )
    order.refresh_from_db()
    assert (order.total, order.version) == (Decimal("500.00"), 2)
    for lines, message in [
        ([], "An order needs at least one line."),
        ([{"product": product, "quantity": 0}], "Line 1: the quantity must be a whole number"),
        ([{"product": None}], "Line 1: unknown product."),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.update_order(rep1, order, {}, lines)
        assert refused.value.message_dict["lines"][0].startswith(message)
    with pytest.raises(StaleEdit):
        services.update_order(rep1, order, {}, [{"product": product}], version=1)
    services.change_status(rep1, order, "confirm")
    with pytest.raises(ValidationError) as paid:
        services.update_order(rep1, order, {}, [{"product": product}])
    assert paid.value.message_dict["lines"] == ["Only a pending order's lines can be changed."]


# The API -----------------------------------------------------------------------------------


def test_api_walks_an_order_through_its_life(make_order, api_as):
    order = make_order("pending")
    api = api_as("rep1")
    path = f"/orders/{order.pk}"
    confirmed = api.post(f"{path}/confirm", {"version": 1})
    assert confirmed.status_code == 200
    assert (confirmed.json()["status"], confirmed.json()["version"]) == ("paid", 2)
    assert api.post(f"{path}/complete", {}).status_code == 422
    assert api.post(f"{path}/ship", {"version": 2}).json()["status"] == "shipped"
    refused = api.post(f"{path}/cancel", {"reason": "太晚了"})
    assert refused.status_code == 422
    assert "A Shipped order cannot be changed by “Cancel order”" in refused.json()["detail"]
    assert api.post(f"{path}/complete", {"version": 3}).json()["status"] == "completed"

    refund = api.post(
        f"{path}/refunds",
        {"reason": "一盒受潮", "lines": [{"line_id": order.lines.get().pk, "quantity": 1}]},
    )
    assert refund.status_code == 201
    assert refund.json()["amount"] == "128.00"
    assert refund.json()["lines"] == [
        {"line_id": order.lines.get().pk, "product_name": "龙井茶 250g", "quantity": 1}
    ]
    got = api.get(path).json()
    assert (got["status"], got["refunded_total"], got["net_total"]) == (
        "completed",
        "128.00",
        "128.00",
    )
    over = api.post(f"{path}/refunds", {"reason": "再退", "amount": "200"})
    assert over.status_code == 422
    assert "At most ¥128.00 can be refunded" in over.json()["detail"]
    full = api.post(f"{path}/refunds", {"reason": "全部退", "amount": "128"})
    assert full.status_code == 201
    assert api.get(path).json()["status"] == "refunded"
    assert [r["amount"] for r in api.get(f"{path}/refunds").json()] == ["128.00", "128.00"]


def test_api_cancel_needs_a_reason_and_answers_409_on_a_stale_version(make_order, api_as):
    order = make_order("pending")
    api = api_as("rep1")
    path = f"/orders/{order.pk}"
    assert api.post(f"{path}/cancel", {}).status_code == 422
    assert api.post(f"{path}/confirm", {"version": 1}).status_code == 200
    stale = api.post(f"{path}/cancel", {"reason": "重复", "version": 1})
    assert stale.status_code == 409
    assert "rep1 changed this record meanwhile" in stale.json()["detail"]
    stale_refund = api.post(f"{path}/refunds", {"reason": "退", "amount": "1", "version": 1})
    assert stale_refund.status_code == 409
    stale_edit = api.patch(path, {"currency": "USD", "version": 1})
    assert stale_edit.status_code == 409
    order.refresh_from_db()
    assert (order.status, order.refunded_total, order.currency) == ("paid", 0, "CNY")


def test_api_actions_respect_the_scope(make_order, api_as):
    order = make_order("paid")
    path = f"/orders/{order.pk}"
    for action, body in [
        ("confirm", {}),
        ("ship", {}),
        ("cancel", {"reason": "x"}),
        ("refunds", {"reason": "x", "amount": "1"}),
    ]:
        assert api_as("rep2").post(f"{path}/{action}", body).status_code == 404
        denied = api_as("viewer").post(f"{path}/{action}", body)
        assert denied.status_code == 403 and denied.json()["detail"]
    assert api_as("rep2").get(f"{path}/refunds").status_code == 404
    assert api_as("viewer").get(f"{path}/refunds").status_code == 200
    order.refresh_from_db()
    assert (order.status, order.version, order.refunded_total) == ("paid", 1, 0)
    assert not AuditEntry.objects.filter(model__in=["order", "refund"], action="update").exists()


def test_api_messages_in_chinese(make_order, api_as):
    order = make_order("completed")
    refused = api_as("rep1", lang="zh-hans").post(f"/orders/{order.pk}/confirm", {})
    assert refused.status_code == 422
    assert "已完成" in refused.json()["detail"]


def test_erasure_keeps_the_amounts_and_removes_the_reasons(make_order, rep1, manager):
    from guanxi.privacy.services import erase_customer

    refunded, cancelled = make_order("completed"), make_order("pending")
    services.refund_order(rep1, refunded, reason="张三说茶叶受潮", amount="28")
    services.change_status(rep1, cancelled, "cancel", reason="张三改主意")

    erase_customer(manager, refunded.customer)

    refund = Refund.objects.get()
    assert (refund.amount, refund.reason) == (Decimal("28.00"), "—")
    assert Order.objects.get(pk=cancelled.pk).cancel_reason == ""
    refunded.refresh_from_db()
    assert refunded.net_total == Decimal("228.00")
    trail = list(AuditEntry.objects.filter(customer_id=refunded.customer_id))
    assert "张三" not in str([e.changes for e in trail])
    created = next(e for e in trail if e.model == "refund" and e.action == "create")
    assert created.changes["amount"] == [None, "28.00"]
    assert created.changes["order"] == [None, refunded.number]


def test_a_paid_order_refunded_in_part_cannot_be_cancelled(make_order, rep1):
    """Hostile review: a partly refunded paid order could be cancelled, and then counted
    neither as a sale nor as given back; the rest is refunded instead."""
    order = make_order("paid", quantity=2)
    services.refund_order(rep1, order, reason="少发一盒", amount="50")
    order.refresh_from_db()
    assert "cancel" not in services.allowed_actions(order)
    with pytest.raises(ValidationError, match="refund the rest"):
        services.change_status(rep1, order, "cancel", reason="不要了")
    order.refresh_from_db()
    assert order.status == "paid"


# A status edit (the API's PATCH, the list's bulk action) takes only the table's steps ------


@pytest.mark.parametrize("status", OrderStatus.values)
@pytest.mark.parametrize("target", OrderStatus.values)
def test_a_status_edit_takes_only_a_step_of_the_table(make_order, rep1, status, target):
    order = make_order(status)
    steps = {to for (frm, action), to in ALLOWED.items() if frm == status and action != "cancel"}
    if target == status or target in steps:
        services.update_order(rep1, order, {"status": target})
        order.refresh_from_db()
        assert order.status == target
    else:
        with pytest.raises(ValidationError) as refused:
            services.update_order(rep1, order, {"status": target})
        message = refused.value.message_dict["status"][0]
        if target == "cancelled":
            assert "use its “Cancel order” action" in message
        elif target == "refunded":
            assert "by refunding it in full" in message
        else:
            assert message.startswith(f"A {OrderStatus(status).label} order cannot become")
        order.refresh_from_db()
        assert (order.status, order.version) == (status, 1)


def test_the_bulk_status_change_is_all_or_nothing_and_names_the_order(make_order, rep1):
    from guanxi.sales import bulk

    paid, cancelled = make_order("paid"), make_order("cancelled")
    with pytest.raises(ValidationError) as refused:
        bulk.set_status(rep1, [paid.pk, cancelled.pk], "shipped")
    message = refused.value.message_dict["status"][0]
    assert message.startswith(f"Order {cancelled.number}: A Cancelled order cannot become")
    assert message.endswith("Nothing was changed.")
    paid.refresh_from_db()
    assert paid.status == "paid"
    assert bulk.set_status(rep1, [paid.pk], "shipped") == 1
    with pytest.raises(ValidationError):
        bulk.set_status(rep1, [paid.pk], "refunded")
