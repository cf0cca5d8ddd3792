"""The API, the pages and the order import share the services' rules (issue 7 item 11), order
numbers reveal nothing outside the caller's scope (item 8), and orders, products, tasks and
interactions carry a version: a stale edit answers 409, never a silent revert (item 7)."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from guanxi.activities import services as activities
from guanxi.audit.models import AuditEntry
from guanxi.sales import services as sales
from guanxi.sales.models import Order, Product


@pytest.fixture(autouse=True)
def english():
    """Service calls outside a request speak the site's language (Chinese); these read English."""
    with translation.override("en"):
        yield


def test_a_service_reports_every_error_of_an_input_at_once(customer_of, rep1):
    customer = customer_of("rep1")
    with pytest.raises(ValidationError) as caught:
        activities.record_interaction(
            rep1,
            customer,
            {
                "channel": "pigeon",
                "direction": "inbound",
                "subject": "来\x01电",
                "content": "x" * 20001,
                "occurred_at": datetime(1, 1, 2),
            },
        )
    assert caught.value.message_dict == {
        "channel": [
            "Choose one of: phone, visit, email, sms, wechat, qq, letter, fax, web, event."
        ],
        "subject": ["Remove the control characters (U+0001)."],
        "content": ["Enter at most 20000 characters (it has 20001)."],
        "occurred_at": ["Enter a date between the years 1900 and 2200."],
    }


@pytest.mark.parametrize(
    ("quantity", "price"),
    [(2**40, "1"), (Decimal("1E+30"), "0"), ("1e30", "0"), (0, "1"), ("2.5", "1"), (True, "1")],
)
def test_quantities_beyond_the_column_are_refused_by_the_service(
    customer_of, rep1, product, quantity, price
):
    """The order import hands the file's cells to create_order: 1e30 at price 0 was a 500."""
    with pytest.raises(ValidationError) as caught:
        sales.create_order(
            rep1,
            customer_of("rep1"),
            {},
            [{"product": product, "quantity": quantity, "unit_price": price}],
        )
    # true is no number at all: the rule's own words (check_number_text), not the range
    expected = (
        "Line 1: “true” is not a number."
        if quantity is True
        else "Line 1: the quantity must be a whole number from 1 to 1,000,000."
    )
    assert caught.value.message_dict == {"lines": [expected]}
    assert not Order.objects.exists()


def test_currency_is_one_of_the_iso_codes_everywhere(customer_of, rep1, product, api_as):
    customer = customer_of("rep1")
    with pytest.raises(ValidationError) as caught:
        sales.create_order(rep1, customer, {"currency": "ABC"}, [{"product": product}])
    assert list(caught.value.message_dict) == ["currency"]
    assert "CNY, HKD" in caught.value.message_dict["currency"][0]

    api = api_as("rep1")
    line = [{"product_id": product.pk}]
    refused = api.post("/orders", {"customer_id": customer.pk, "currency": "ABC", "lines": line})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["currency"]
    usd = api.post("/orders", {"customer_id": customer.pk, "currency": "USD", "lines": line})
    assert usd.status_code == 201 and usd.json()["currency"] == "USD"
    assert (
        sales.create_order(rep1, customer, {"currency": "hkd"}, [{"product": product}]).currency
        == "HKD"
    )


def test_product_rules_are_the_services(manager, api_as):
    with pytest.raises(ValidationError) as caught:
        sales.create_product(
            manager, {"sku": "\u200b", "name": "茶\x1b", "price": "1e13", "currency": "RMB"}
        )
    assert set(caught.value.message_dict) == {"sku", "name", "price", "currency"}
    assert caught.value.message_dict["price"] == ["Enter an amount of at most 999,999,999,999.99."]
    response = api_as("manager", lang="zh-hans").post(
        "/products", {"sku": "T-1", "name": "茶", "price": "1", "currency": "RMB"}
    )
    assert response.status_code == 422 and list(response.json()["errors"]) == ["currency"]
    assert not Product.objects.exists()


# Order numbers ----------------------------------------------------------------------------


def test_the_api_and_pages_do_not_take_an_order_number(customer_of, product, api_as):
    customer = customer_of("rep1")
    response = api_as("rep1").post(
        "/orders",
        {"customer_id": customer.pk, "number": "X-1", "lines": [{"product_id": product.pk}]},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"number": ["This field is not accepted here."]}
    order = sales.create_order(None, customer, {}, [{"product": product}])
    patch = api_as("rep1").patch(f"/orders/{order.pk}", {"number": "X-2"})
    assert patch.status_code == 422 and list(patch.json()["errors"]) == ["number"]


def test_another_teams_order_number_is_not_confirmed(customer_of, product, rep1, rep2):
    """An imported order keeps its number; a clash outside the caller's scope is answered
    exactly like a number nobody has that looks like the system's own numbers."""
    theirs = sales.create_order(
        rep1, customer_of("rep1"), {"number": "EXT-0042"}, [{"product": product}]
    )
    system = sales.create_order(rep1, customer_of("rep1", name="乙"), {}, [{"product": product}])
    mine = customer_of("rep2", name="丙")

    answers = {}
    for number in ["EXT-0042", system.number, "SO20260101-ZZZZZZ"]:
        with pytest.raises(ValidationError) as caught:
            sales.create_order(rep2, mine, {"number": number}, [{"product": product}])
        answers[number] = caught.value.message_dict
    assert len({str(a) for a in answers.values()}) == 1
    assert answers["EXT-0042"] == {
        "number": ["This order number cannot be used; leave it empty and the system gives one."]
    }
    # Within scope the clash is named: the caller can see that order anyway.
    with pytest.raises(ValidationError) as own:
        sales.create_order(
            rep1, customer_of("rep1", name="丁"), {"number": theirs.number}, [{"product": product}]
        )
    assert own.value.message_dict == {"number": ["Order EXT-0042 already exists."]}
    assert (
        sales.create_order(rep2, mine, {"number": "EXT-0043"}, [{"product": product}]).number
        == "EXT-0043"
    )


# Versions ---------------------------------------------------------------------------------


def test_a_stale_order_edit_is_409_and_changes_nothing(customer_of, product, api_as, personas):
    order = sales.create_order(
        personas["rep1"], customer_of("rep1"), {"status": "pending"}, [{"product": product}]
    )
    rep1, lead = api_as("rep1"), api_as("lead_a")
    seen = rep1.get(f"/orders/{order.pk}").json()["version"]

    first = lead.patch(f"/orders/{order.pk}", {"status": "paid", "version": seen})
    stale = rep1.patch(f"/orders/{order.pk}", {"status": "shipped", "version": seen})

    assert first.status_code == 200 and first.json()["version"] == seen + 1
    assert stale.status_code == 409
    assert stale.json()["detail"] == (
        "lead_a changed this record meanwhile; reload it and apply your change again."
    )
    order.refresh_from_db()
    assert (order.status, order.version) == ("paid", seen + 1)
    assert AuditEntry.objects.filter(model="order", action="update").count() == 1
    again = rep1.patch(f"/orders/{order.pk}", {"status": "shipped", "version": seen + 1})
    assert again.status_code == 200 and again.json()["status"] == "shipped"
    # Without a version the edit is taken as before (integrations that do not send one).
    assert rep1.patch(f"/orders/{order.pk}", {"status": "completed"}).json()["version"] == seen + 3


def test_a_stale_product_edit_is_409(product, api_as):
    manager = api_as("manager")
    manager.patch(f"/products/{product.pk}", {"price": "130.00", "version": 1})
    stale = api_as("manager", lang="zh-hans").patch(
        f"/products/{product.pk}", {"price": "99.00", "version": 1}
    )
    assert stale.status_code == 409
    assert "在此期间修改了这条记录" in stale.json()["detail"]
    product.refresh_from_db()
    assert (product.price, product.version) == (Decimal("130.00"), 2)


def test_a_stale_task_edit_or_done_is_409(customer_of, api_as, personas):
    from django.utils import timezone

    task = activities.create_task(
        personas["rep1"], {"title": "回访", "due_at": timezone.now()}, customer=customer_of("rep1")
    )
    api = api_as("rep1")
    assert api.get(f"/tasks/{task.pk}").json()["version"] == 1
    assert api.patch(f"/tasks/{task.pk}", {"title": "电话回访", "version": 1}).status_code == 200
    assert api.patch(f"/tasks/{task.pk}", {"done": True, "version": 1}).status_code == 409
    assert api.patch(f"/tasks/{task.pk}", {"title": "上门", "version": 1}).status_code == 409
    done = api.patch(f"/tasks/{task.pk}", {"done": True, "version": 2})
    assert done.status_code == 200 and done.json()["done"] is True
    task.refresh_from_db()
    assert (task.title, task.version) == ("电话回访", 3)


def test_a_stale_interaction_edit_is_409_saves_and_audits_nothing(customer_of, api_as, personas):
    customer = customer_of("rep1")
    interaction = activities.record_interaction(
        personas["rep1"],
        customer,
        {"channel": "phone", "direction": "outbound", "subject": "回访"},
    )
    rep1, lead = api_as("rep1"), api_as("lead_a")
    path = f"/interactions/{interaction.pk}"
    seen = rep1.get(path).json()["version"]
    assert seen == 1
    assert rep1.get("/interactions", customer_id=customer.pk).json()["items"][0]["version"] == 1

    first = lead.patch(path, {"subject": "电话回访", "version": seen})
    stale = rep1.patch(path, {"subject": "上门拜访", "content": "带样品", "version": seen})

    assert first.status_code == 200 and first.json()["version"] == seen + 1
    assert stale.status_code == 409
    assert stale.json()["detail"] == (
        "lead_a changed this record meanwhile; reload it and apply your change again."
    )
    interaction.refresh_from_db()
    assert (interaction.subject, interaction.content, interaction.version) == (
        "电话回访",
        "",
        seen + 1,
    )
    updates = AuditEntry.objects.filter(model="interaction", action="update")
    assert [(e.actor.username, e.changes["subject"][1]) for e in updates] == [
        ("lead_a", "电话回访")
    ]
    # A refused value on the current version takes no version either.
    refused = rep1.patch(path, {"subject": "", "version": seen + 1})
    assert refused.status_code == 422
    again = rep1.patch(path, {"subject": "上门拜访", "version": seen + 1})
    assert again.status_code == 200 and again.json()["version"] == seen + 2
    # Without a version the edit is taken as before (integrations that do not send one).
    assert rep1.patch(path, {"content": "带样品"}).json()["version"] == seen + 3


def test_interaction_version_is_documented_in_the_openapi_schema(api_as):
    schema = api_as("rep1").get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/interactions/{interaction_id}"]["patch"]
    assert "409" in operation["responses"]
    assert "409" in operation["description"]
    update = schema["components"]["schemas"]["InteractionUpdate"]["properties"]["version"]
    assert "409" in update["description"]
    assert "version" in schema["components"]["schemas"]["InteractionOut"]["required"]


def test_an_interaction_edit_writes_back_only_its_own_fields(customer_of, personas):
    """A merge moving the interaction to another customer meanwhile is not undone by an edit
    of the copy loaded before it."""
    from guanxi.activities.models import Interaction

    first, second = customer_of("rep1", name="甲"), customer_of("rep1", name="乙")
    recorded = activities.record_interaction(
        personas["rep1"], first, {"channel": "phone", "direction": "outbound", "subject": "回访"}
    )
    loaded = Interaction.objects.select_related("customer").get(pk=recorded.pk)
    Interaction.objects.filter(pk=recorded.pk).update(customer=second)
    activities.update_interaction(personas["rep1"], loaded, {"subject": "电话回访"}, version=1)
    recorded.refresh_from_db()
    assert (recorded.customer_id, recorded.subject, recorded.version) == (
        second.pk,
        "电话回访",
        2,
    )
