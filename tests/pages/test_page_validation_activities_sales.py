"""Pages refuse what the API refuses, per field, with a message, never a 500 (issue 7 item 11):
control characters, years 1 and 9999, quantities and amounts beyond the columns, any currency.
"""

from decimal import Decimal

import pytest

from guanxi.activities.models import Interaction, Note, Task
from guanxi.privacy.models import Consent
from guanxi.sales.models import Order, Product


@pytest.fixture
def person(customer_of):
    return customer_of("rep1", name="张三")


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_year_1_and_9999_on_the_interaction_and_task_forms_are_field_errors(
    client_for, person, year
):
    client = client_for("rep1")
    interaction = client.post(
        f"/customers/{person.pk}/interactions/new/",
        {
            "channel": "phone",
            "direction": "inbound",
            "content_kind": "information",
            "subject": "来电",
            "occurred_at": f"{year}-01-01T00:00",
        },
    )
    task = client.post(
        f"/customers/{person.pk}/tasks/new/",
        {"kind": "task", "title": "回访", "due_at": f"{year}-01-01T00:00"},
    )
    for response in (interaction, task):
        assert response.status_code == 400
        assert "Enter a date between the years 1900 and 2200." in response.content.decode()
    assert not Interaction.objects.exists() and not Task.objects.exists()


def test_year_1_on_the_order_form_is_a_field_error(client_for, person, product):
    response = client_for("rep1").post(
        f"/sales/orders/new/?customer={person.pk}",
        {
            "status": "completed",
            "ordered_at": "0001-01-01 00:00",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": product.pk,
        },
    )
    assert response.status_code == 200
    assert "Enter a date between the years 1900 and 2200." in response.content.decode()
    assert not Order.objects.exists()


def test_control_characters_are_refused_on_every_timeline_form(client_for, person, htmx):
    client = client_for("rep1")
    posts = {
        "interactions": {
            "channel": "phone",
            "direction": "inbound",
            "content_kind": "information",
            "subject": "来\x01电",
        },
        "notes": {"kind": "general", "body": "备注\x1b[31m"},
        "tasks": {"kind": "task", "title": "回\x7f访", "due_at": "2026-12-01T09:00"},
    }
    for kind, data in posts.items():
        response = client.post(f"/customers/{person.pk}/{kind}/new/", data, **htmx)
        assert response.status_code == 200, kind  # the form again, in place
        assert "Remove the control characters (U+" in response.content.decode(), kind
    assert not (Interaction.objects.exists() or Note.objects.exists() or Task.objects.exists())


def test_a_blank_looking_subject_is_refused(client_for, person, htmx):
    response = client_for("rep1").post(
        f"/customers/{person.pk}/interactions/new/",
        {
            "channel": "phone",
            "direction": "inbound",
            "content_kind": "information",
            "subject": "\u200b\u200b",
        },
        **htmx,
    )
    assert "Give the interaction a subject." in response.content.decode()
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("quantity", [str(2**40), "1e30"])
def test_huge_quantities_on_the_order_form_are_field_errors(client_for, person, product, quantity):
    response = client_for("rep1").post(
        f"/sales/orders/new/?customer={person.pk}",
        {
            "status": "completed",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": product.pk,
            "lines-0-quantity": quantity,
            "lines-0-unit_price": "0",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ensure this value is less than or equal to 1000000." in page or (
        "Enter a whole number." in page
    )
    assert not Order.objects.exists()


def test_product_form_refuses_unknown_currency_and_huge_price(client_for, manager):
    response = client_for("manager").post(
        "/sales/products/new/",
        {"sku": "X-1", "name": "茶\x00", "price": "1e30", "currency": "XYZ", "active": "on"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. XYZ is not one of the available choices." in page
    assert "Null characters are not allowed." in page
    assert "1000000000000" not in page
    assert not Product.objects.exists()


def test_consent_channel_with_control_characters_is_refused(client_for, person):
    response = client_for("rep1").post(
        f"/customers/{person.pk}/consent/",
        {"purpose": "marketing", "granted": "yes", "channel": "门店\x02"},
    )
    assert "Remove the control characters (U+0002)." in response.content.decode()
    assert not Consent.objects.exists()


def test_errors_are_in_the_users_language(client_for, person):
    response = client_for("rep1", language="zh-hans").post(
        f"/customers/{person.pk}/tasks/new/",
        {"kind": "task", "title": "回\x01访", "due_at": "0001-01-01T00:00"},
    )
    page = response.content.decode()
    assert "请删除控制字符（U+0001）。" in page
    assert "请输入 1900 年至 2200 年之间的日期。" in page


def test_a_valid_order_in_another_currency_is_saved(client_for, person, product):
    response = client_for("rep1").post(
        f"/sales/orders/new/?customer={person.pk}",
        {
            "status": "completed",
            "currency": "HKD",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": product.pk,
            "lines-0-quantity": "1000000",
            "lines-0-unit_price": "0.5",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.currency, order.total) == ("HKD", Decimal("500000.00"))


def test_product_edit_changed_meanwhile_shows_both_values_and_keeps_the_other_change(
    client_for, product, manager
):
    from guanxi.sales.services import update_product

    client = client_for("manager")
    form = client.get(f"/sales/products/{product.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in form
    update_product(manager, product, {"price": "150.00"}, version=1)  # a colleague, meanwhile
    data = {
        "version": "1",
        "sku": product.sku,
        "name": product.name,
        "price": "99.00",
        "currency": "CNY",
        "active": "on",
    }

    stale = client.post(f"/sales/products/{product.pk}/edit/", data)

    page = stale.content.decode()
    assert stale.status_code == 200
    assert "manager changed this record meanwhile" in page
    assert "Changed meanwhile to “150.00”; you entered “99.00”." in page
    assert 'name="version" value="2"' in page  # saving again overwrites, knowingly
    product.refresh_from_db()
    assert product.price == Decimal("150.00")
    data["version"] = "2"
    assert client.post(f"/sales/products/{product.pk}/edit/", data).status_code == 302
    product.refresh_from_db()
    assert (product.price, product.version) == (Decimal("99.00"), 3)


def test_the_managers_timeline_shows_note_deletes_and_reveals(client_for, person, manager, rep1):
    from guanxi.activities.services import add_note, delete_note
    from guanxi.privacy.sensitive import reveal

    delete_note(rep1, add_note(rep1, person, "临时备注"))
    reveal(manager, person, "health_notes", "售后理赔核实")

    page = client_for("manager", language="zh-hans").get(f"/customers/{person.pk}/")
    text = page.content.decode()
    assert "已查看" in text and "查看目的" in text and "售后理赔核实" in text
    assert "删除" in text and "临时备注" in text  # the deleted note's text, for managers
    assert "临时备注" not in client_for("rep1").get(f"/customers/{person.pk}/").content.decode()
