"""Every date of a page form or a list filter is the browser's own picker (a new-user review
saw native pickers on some forms and text boxes on others), and the server still reads and
checks what it is sent, with the same message in both languages."""

import importlib
import inspect
import pkgutil
import re
from datetime import date, datetime

import pytest
from django import forms

import guanxi
from guanxi.customers.forms import ContactForm, CustomerForm
from guanxi.customers.models import Customer, CustomField, CustomFieldKind
from guanxi.date_inputs import DateInput, DateTimeInput

pytestmark = pytest.mark.django_db

NO_DATE = {"en": "Enter a date as YYYY-MM-DD.", "zh-hans": "请按 YYYY-MM-DD 格式输入日期。"}
OUT_OF_RANGE = {
    "en": "Enter a date between the years 1900 and 2200.",
    "zh-hans": "请输入 1900 年至 2200 年之间的日期。",
}


def _page_forms():
    for info in pkgutil.walk_packages(guanxi.__path__, "guanxi."):
        if info.name.endswith(".forms"):
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls.__name__, cls.base_fields


def _dates(form_name, fields):
    return {
        f"{form_name}.{name}": (type(field).__name__, field.widget.input_type)
        for name, field in fields.items()
        if isinstance(field, (forms.DateField, forms.DateTimeField))
    }


def test_every_date_of_a_page_form_is_the_browsers_picker():
    # given every form of the pages, and the customer and contact forms as they are built
    # (their dates come from the models, a custom date field from the settings)
    CustomField.objects.create(key="signed", label="签约日", kind=CustomFieldKind.DATE)
    found = {}
    for name, fields in _page_forms():
        found |= _dates(name, fields)
    found |= _dates("CustomerForm", CustomerForm().fields)
    found |= _dates("ContactForm", ContactForm().fields)
    # then a date is a date picker and a moment a date-and-time picker, everywhere
    assert {
        field: widget
        for field, widget in found.items()
        if widget not in {("DateField", "date"), ("DateTimeField", "datetime-local")}
    } == {}
    # and the ones that were text boxes are among them
    assert found["CustomerForm.birthday"] == ("DateField", "date")
    assert found["CustomerForm.cf_signed"] == ("DateField", "date")
    assert found["CustomerForm.registered_at"] == ("DateTimeField", "datetime-local")
    assert found["CustomerFilterForm.created_from"] == ("DateField", "date")
    assert found["TaskFilterForm.due_from"] == ("DateField", "date")
    assert found["OrderFilterForm.ordered_to"] == ("DateField", "date")
    assert found["OrderForm.ordered_at"] == ("DateTimeField", "datetime-local")
    assert found["OrderEditForm.ordered_at"] == ("DateTimeField", "datetime-local")
    assert found["OpportunityForm.expected_close"] == ("DateField", "date")


def test_the_customer_form_shows_pickers(client_for):
    page = client_for("rep1").get("/customers/new/").content.decode()
    assert re.search(r'<input type="date" name="birthday"', page)
    assert re.search(r'<input type="date" name="anniversary"', page)
    assert re.search(r'<input type="datetime-local" name="registered_at"', page)
    assert "YYYY-MM-DD" not in page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("value", "messages"),
    [("2024-02-30", NO_DATE), ("9999-01-01", OUT_OF_RANGE), ("0001-01-01", OUT_OF_RANGE)],
)
def test_a_bad_date_gets_the_same_message_on_a_form_and_in_the_filters(
    client_for, language, value, messages
):
    client = client_for("rep1", language)
    # when the customer form, the task inbox's and the order list's filters get the same value
    created = client.post(
        "/customers/new/",
        {
            "kind": "person",
            "category": "consumer",
            "name": "陈小红",
            "birthday": value,
            "level": "B",
            "source": "other",
            "points": "0",
        },
    )
    tasks = client.get("/tasks/", {"due_from": value})
    orders = client.get("/sales/orders/", {"ordered_to": value})
    # then each says the same, in the page's language, and nothing is saved
    assert created.status_code == 200
    assert not Customer.objects.filter(name="陈小红").exists()
    for response in (created, tasks, orders):
        assert messages[language] in response.content.decode()


def test_a_date_typed_another_way_is_read_and_shown_back_as_the_picker_reads_it(client_for):
    # given a customer form sent without a name and with a birthday as 2024/3/5 (a client
    # without the picker)
    page = client_for("rep1", "zh-hans").post(
        "/customers/new/",
        {"kind": "person", "category": "consumer", "name": "", "birthday": "2024/3/5"},
    )
    # then the box shows the date in the picker's format (it shows no other), not empty
    assert '<input type="date" name="birthday" value="2024-03-05"' in page.content.decode()


def test_a_picker_shows_iso_and_keeps_the_seconds_of_a_moment():
    assert DateInput().format_value(date(2024, 3, 5)) == "2024-03-05"
    assert DateInput().format_value("2024年3月5日") == "2024-03-05"
    assert DateInput().format_value("明天") == "明天"
    # a moment to the minute, as the picker sends it
    html = DateTimeInput().render("ordered_at", datetime(2024, 3, 5, 14, 30))
    assert 'value="2024-03-05T14:30"' in html and "step" not in html
    # an imported order's seconds stay, and the picker accepts them back (step of 1 s)
    html = DateTimeInput().render("ordered_at", datetime(2024, 3, 5, 14, 30, 15))
    assert 'value="2024-03-05T14:30:15"' in html and 'step="1"' in html


def test_a_refused_year_comes_back_as_typed(client_for):
    # given a new customer with the birthday 0001-01-01 (refused: years 1900-2200)
    page = client_for("rep1", "zh-hans").post(
        "/customers/new/",
        {
            "kind": "person",
            "category": "consumer",
            "name": "陈小红",
            "birthday": "0001-01-01",
            "level": "B",
            "source": "other",
            "points": "0",
        },
    )
    # then the box shows it as typed, not "1-01-01" (strftime's year), which a picker shows
    # as an empty box, so the user saw the message beside nothing
    html = page.content.decode()
    assert '<input type="date" name="birthday" value="0001-01-01"' in html
    assert "1900" in html and not Customer.objects.filter(name="陈小红").exists()
    assert DateTimeInput().format_value("0001-01-01T10:00") == "0001-01-01T10:00"
