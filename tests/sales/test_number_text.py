"""Numbers written with underscores ("1_000", "1_0"): Python's Decimal(), int() and float() read
them as digit grouping, so a typo became a different amount or quantity. Pages, imports and
the API refuse them by one rule (validation.check_number_text), with a message naming the
value, in both languages (hostile review, issue 7, Trust)."""

import importlib
import pkgutil
import re
import typing
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.utils import translation
from pydantic import BaseModel

import guanxi
from guanxi import api_common
from guanxi.api import api
from guanxi.dataio.readers import read_table
from guanxi.dataio.services import import_orders
from guanxi.sales import services as sales
from guanxi.sales.models import Order, Product
from guanxi.validation import NumberText, check_number_text

SOURCE = Path(guanxi.__file__).parent
REFUSED = "“{}” is not a number: write it without underscores (1000, not 1_000)."


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", REFUSED.format("1_000")),
        ("zh-hans", "“1_000”不是有效的数字：数字中不能有下划线（请写 1000，而不是 1_000）。"),
    ],
)
def test_the_rule_names_the_value_in_both_languages(language, message):
    with translation.override(language), pytest.raises(ValueError) as refused:
        check_number_text(" 1_000 ")
    assert str(refused.value) == message
    # what Decimal reads as people write it passes unchanged
    for value in ("1000", " 1000.50 ", 1000, Decimal("1.5"), None):
        assert check_number_text(value) == value
    # full-width digits, point and signs (a Chinese input method's) come back as ASCII, which
    # int() and float() as pydantic reads them take too
    assert check_number_text("１２３") == "123"
    assert check_number_text(" －１２３．５０ ") == " -123.50 "


def test_a_page_refuses_an_amount_and_a_quantity_with_underscores(client_for, customer_of, product):
    customer = customer_of("rep1")
    manager = client_for("manager")

    price = manager.post(
        "/sales/products/new/",
        {"sku": "TEA-009", "name": "普洱", "price": "1_000", "currency": "CNY"},
    ).content.decode()
    order = client_for("rep1").post(
        f"/sales/orders/new/?customer={customer.pk}",
        {
            "status": "completed",
            "ordered_at": "2024/3/5 10:00",
            "lines-TOTAL_FORMS": "5",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": product.pk,
            "lines-0-quantity": "1_0",
            "lines-1-product": product.pk,
            "lines-1-quantity": "1",
            "lines-1-unit_price": "1_00",
        },
    )

    assert 'id="id_price_error"' in price and REFUSED.format("1_000") in price
    page = order.content.decode()
    assert order.status_code != 302
    assert REFUSED.format("1_0") in page and REFUSED.format("1_00") in page
    assert not Order.objects.exists()
    assert list(Product.objects.values_list("sku", flat=True)) == ["TEA-001"]


def test_a_customers_credit_limit_on_the_page_follows_the_rule(client_for, customer_of):
    customer = customer_of("rep1")

    page = (
        client_for("rep1")
        .post("/customers/new/", {"name": "李四", "credit_limit": "5_000"})
        .content.decode()
    )

    assert REFUSED.format("5_000") in page
    assert list(type(customer).objects.values_list("pk", flat=True)) == [customer.pk]


def test_the_order_import_refuses_them_naming_the_cell(rep1, customer_of, product):
    customer_of("rep1", name="甲", external_id="M1")
    content = (
        "订单号,客户外部编号,下单时间,商品编码,数量,单价\n"
        "EXT-1,M1,2024-03-05,TEA-001,1_0,100\n"
        "EXT-2,M1,2024-03-05,TEA-001,1,1_000\n"
    )

    result = import_orders(rep1, read_table(content.encode(), "o.csv"))

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "数量", REFUSED.format("1_0")),
        (3, "单价", REFUSED.format("1_000")),
    ]
    assert not result.committed and not Order.objects.exists()


def test_the_import_takes_thousands_grouped_and_refuses_any_other_comma(rep1, customer_of, product):
    """A spreadsheet's 1,000 is one thousand; "1,5" (a European decimal) or "10,00" would
    become 15 or 1000 with the comma dropped, so they are refused, naming the value."""
    customer_of("rep1", name="甲", external_id="M1")
    header = "订单号,客户外部编号,下单时间,商品编码,数量,单价\n"
    bad = header + 'EXT-1,M1,2024-03-05,TEA-001,"1,5",100\nEXT-2,M1,2024-03-05,TEA-001,1,"10,00"\n'
    good = header + 'EXT-3,M1,2024-03-05,TEA-001,"1,000","¥1,234.50"\n'
    comma = "“{}” is not a number: a comma may only group thousands (1,000)."

    refused = import_orders(rep1, read_table(bad.encode(), "o.csv"))
    taken = import_orders(rep1, read_table(good.encode(), "o.csv"))

    assert [(e.row, e.column, e.message) for e in refused.errors] == [
        (2, "数量", comma.format("1,5")),
        (3, "单价", comma.format("10,00")),
    ]
    assert taken.committed, taken.errors
    line = Order.objects.get(number="EXT-3").lines.get()
    assert (line.quantity, line.unit_price) == (1000, Decimal("1234.50"))


def test_the_api_refuses_a_quantity_with_underscores(customer_of, product, api_as):
    customer = customer_of("rep1")

    response = api_as("rep1").post(
        "/orders",
        {"customer_id": customer.pk, "lines": [{"product_id": product.pk, "quantity": "1_0"}]},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"lines.0.quantity": [REFUSED.format("1_0")]}
    assert not Order.objects.exists()


def test_the_api_reads_no_true_or_false_as_a_number(customer_of, product, api_as):
    """pydantic read JSON true as 1 (a quantity, points, a probability: a second hostile
    review)."""
    customer = customer_of("rep1")

    order = api_as("rep1").post(
        "/orders",
        {"customer_id": customer.pk, "lines": [{"product_id": product.pk, "quantity": True}]},
    )
    points = api_as("rep1").patch(f"/customers/{customer.pk}", {"points": False})

    assert order.status_code == 422
    assert order.json()["errors"] == {"lines.0.quantity": ["“true” is not a number."]}
    assert points.status_code == 422
    assert points.json()["errors"] == {"points": ["“false” is not a number."]}
    assert not Order.objects.exists()


def test_the_api_refuses_them_in_a_query_and_in_a_version(customer_of, api_as):
    customer = customer_of("rep1")
    client = api_as("rep1")

    listed = client.get("/customers?limit=1_0")
    edited = client.patch(f"/customers/{customer.pk}", {"name": "王五", "version": "1_0"})

    assert listed.status_code == 422 and REFUSED.format("1_0") in str(listed.json()["errors"])
    assert edited.status_code == 422
    assert edited.json()["errors"] == {"version": [REFUSED.format("1_0")]}
    customer.refresh_from_db()
    assert customer.name != "王五"


@pytest.mark.parametrize("value", [-1, 0, "0", "-0", "1e-308", "20240305", 1.5])
def test_the_api_reads_no_number_as_a_date(customer_of, api_as, value):
    """pydantic would read them as Unix timestamps ("ordered_at": -1 was stored as 1969-12-31,
    past the year check): a date is text (hostile review)."""
    customer = customer_of("rep1")
    client = api_as("rep1")

    task = client.post("/tasks", {"customer_id": customer.pk, "title": "回访", "due_at": value})
    edited = client.patch(f"/customers/{customer.pk}", {"birthday": value})

    assert task.status_code == 422
    assert task.json()["errors"] == {"due_at": ["Enter a date and time, e.g. 2024-03-05 14:30."]}
    assert edited.status_code == 422
    assert edited.json()["errors"] == {"birthday": ["Enter a date as YYYY-MM-DD."]}
    customer.refresh_from_db()
    assert customer.birthday is None and not customer.tasks.exists()


def _numbers(annotation, metadata=()):
    """(type, metadata) of every int, float or Decimal inside an annotation, with the
    metadata of the Annotated[...] around it (a `Money | None` carries its rule inside)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _numbers(annotation.__origin__, metadata + annotation.__metadata__)
    elif origin is not None:
        for arg in typing.get_args(annotation):
            yield from _numbers(arg, metadata)
    else:
        yield annotation, metadata


_NUMBER_RULE = {api_common._NumberText}
_DATE_RULE = {api_common._DayText, api_common._MomentText}  # else a number is a timestamp
_RULES = {int: _NUMBER_RULE, float: _NUMBER_RULE, Decimal: _NUMBER_RULE}
_RULES |= {date: _DATE_RULE, datetime: _DATE_RULE}


def _unruled(model, seen) -> typing.Iterator[str]:
    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        for kind, metadata in _numbers(field.annotation, tuple(field.metadata)):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from _unruled(kind, seen)
            elif kind in _RULES and not _RULES[kind] & set(metadata):
                yield f"{model.__module__}.{model.__qualname__}.{name}"


def test_every_api_number_and_date_follows_the_rule():
    """A new operation cannot slip past it: every number an operation reads (path, query and
    body, nested models included) carries the rule (api_common's Id, WholeNumber, Money,
    Limit, ...), and every date or time api_common's Day or Moment (a number is no date),
    found from the operations themselves, as the router holds them."""
    seen = set()
    found = sorted(
        {
            where
            for _, router in api._routers
            for path_view in router.path_operations.values()
            for operation in path_view.operations
            for model in operation.models
            for where in _unruled(model, seen)
        }
    )
    assert seen and found == []


def test_order_and_quote_lines_name_the_value_not_the_lines_general_rule(customer_of, product):
    """Whatever calls the services, a line with "1_0" gets the rule's own words after its line
    number (as the order's unit price did), not the line's general message, which a number out
    of range keeps."""
    from guanxi.contracts import services as contracts
    from guanxi.contracts.models import QuoteLine

    customer = customer_of("rep1")

    with pytest.raises(sales.ValidationError) as quote:
        contracts.build_lines(
            [
                {"product": product, "quantity": "2_0"},
                {"product": product, "unit_price": "1_00"},
                {"product": product, "discount": "1_0"},
                {"product": product, "quantity": 0},
            ],
            QuoteLine,
        )
    with pytest.raises(sales.ValidationError) as order:
        sales.create_order(None, customer, {}, [{"product": product, "quantity": "3_0"}])

    assert quote.value.message_dict == {
        "lines": [
            f"Line 1: {REFUSED.format('2_0')}",
            f"Line 2: {REFUSED.format('1_00')}",
            f"Line 3: {REFUSED.format('1_0')}",
            "Line 4: the quantity must be a whole number from 1 to 1,000,000.",
        ]
    }
    assert order.value.message_dict == {"lines": [f"Line 1: {REFUSED.format('3_0')}"]}
    assert not Order.objects.exists()


def test_the_services_refuse_them_whatever_calls_them(customer_of, product):
    customer = customer_of("rep1")
    with pytest.raises(sales.ValidationError) as price:
        sales.create_product(None, {"sku": "TEA-9", "name": "普洱", "price": "1_000"})
    with pytest.raises(sales.ValidationError):
        sales.create_order(None, customer, {}, [{"product": product, "quantity": "1_0"}])

    assert price.value.message_dict == {"price": [REFUSED.format("1_000")]}
    assert not Order.objects.exists()


def _form_modules():
    for info in pkgutil.walk_packages(guanxi.__path__, "guanxi."):
        if info.name.rsplit(".", 1)[-1] in {"forms", "team_forms", "webforms"}:
            yield importlib.import_module(info.name)


def test_every_form_number_field_follows_the_rule():
    """A new form field cannot slip past the rule: no Django number field is declared in the
    source, made from a model field (formfield_of instead), or left in a form's fields."""
    plain = re.compile(r"forms\.(DecimalField|IntegerField|FloatField)\(|\.formfield\(\)")
    found = [
        f"{path.relative_to(SOURCE)}:{n}"
        for path in SOURCE.rglob("*.py")
        if path.name != "validation.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if plain.search(line)
    ]
    assert found == []
    numbers = (forms.DecimalField, forms.IntegerField, forms.FloatField)
    left = [
        f"{module.__name__}.{form.__name__}.{name}"
        for module in _form_modules()
        for form in vars(module).values()
        if isinstance(form, type) and issubclass(form, forms.BaseForm)
        for name, field in form.base_fields.items()
        if isinstance(field, numbers) and not isinstance(field, NumberText)
    ]
    assert left == []
