"""Interactions, tasks and birthday reminders generated from the profile."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from guanxi.accounts.preferences import set_own_language
from guanxi.activities.models import Task, TaskKind
from guanxi.activities.services import generate_personal_reminders, record_interaction


def test_birthday_reminders_are_made_once_for_the_owner(personas, customer_of):
    customer_of("rep1", name="张三", birthday=datetime.date(1990, 11, 25))
    customer_of("rep1", name="李四", birthday=datetime.date(1990, 12, 25))  # too far ahead
    customer_of("rep1", name="王五", birthday=datetime.date(1990, 11, 24), do_not_contact=True)
    today = datetime.date(2026, 11, 23)
    assert generate_personal_reminders(today, days_ahead=7) == 1
    assert generate_personal_reminders(today, days_ahead=7) == 0  # idempotent
    task = Task.objects.get()
    assert task.kind == TaskKind.BIRTHDAY
    assert task.assignee == personas["rep1"]
    assert task.due_at.date() == datetime.date(2026, 11, 25)
    assert "张三" in task.title


def test_each_reminder_is_titled_in_its_owners_language(personas, customer_of):
    # given: rep1 reads English, rep2 Chinese, lead_a chose nothing (the site's: Chinese)
    set_own_language(personas["rep1"], "en")
    set_own_language(personas["rep2"], "zh-hans")
    customer_of("rep1", name="张三", birthday=datetime.date(1990, 11, 25))
    customer_of("rep2", name="李四", anniversary=datetime.date(2015, 11, 26))
    customer_of("lead_a", name="王五", birthday=datetime.date(1985, 11, 27))

    # when: the job runs in whatever language is active
    with translation.override("en"):
        assert generate_personal_reminders(datetime.date(2026, 11, 23)) == 3

    # then
    titles = dict(Task.objects.values_list("assignee__username", "title"))
    assert titles == {"rep1": "Birthday of 张三", "rep2": "李四的纪念日", "lead_a": "王五的生日"}


def test_leap_day_birthdays_are_reminded_on_28_february(personas, customer_of):
    customer_of("rep1", name="闰日", birthday=datetime.date(2000, 2, 29))
    assert generate_personal_reminders(datetime.date(2027, 2, 25), days_ahead=7) == 1
    assert Task.objects.get().due_at.date() == datetime.date(2027, 2, 28)


def test_outbound_interaction_with_do_not_contact_customer_is_refused(personas, customer_of):
    customer = customer_of("rep1", name="张三", do_not_contact=True)
    with pytest.raises(ValidationError):
        record_interaction(
            personas["rep1"],
            customer,
            {"channel": "phone", "direction": "outbound", "subject": "回访"},
        )
    inbound = record_interaction(
        personas["rep1"],
        customer,
        {
            "channel": "phone",
            "direction": "inbound",
            "subject": "客户来电投诉",
            "content_kind": "opinion",
        },
    )
    assert inbound.pk and customer.interactions.count() == 1


def test_interaction_validation_names_each_bad_field(personas, customer_of):
    customer = customer_of("rep1")
    with pytest.raises(ValidationError) as info:
        record_interaction(personas["rep1"], customer, {"channel": "pigeon", "direction": "up"})
    assert set(info.value.message_dict) == {"channel", "direction", "subject"}


def test_a_system_task_reads_in_the_readers_language_until_typed_over(
    personas, customer_of, client_for
):
    """A reminder written while its rep read Chinese showed "嵇红霞的生日" on their English
    pages (a new-user review): pages show what the system wrote in the reader's language; a
    title the rep types over is shown as typed."""
    from guanxi.activities.services import update_task

    customer_of("rep1", name="张三", birthday=datetime.date(1990, 11, 25))
    customer_of("rep1", name="李四", birthday=datetime.date(1990, 11, 26))
    generate_personal_reminders(datetime.date(2026, 11, 23))
    first, second = Task.objects.order_by("due_at")
    assert (first.title, second.title) == ("张三的生日", "李四的生日")  # rep1 reads Chinese
    update_task(personas["rep1"], second, {"title": "给李四买茶"})

    english = client_for("rep1", "en").get("/tasks/").content.decode()
    chinese = client_for("rep1", "zh-hans").get("/tasks/").content.decode()

    assert "Birthday of 张三" in english and "张三的生日" not in english
    assert "张三的生日" in chinese
    assert "给李四买茶" in english and "Birthday of 李四" not in english
    with translation.override("en"):
        assert Task.objects.get(pk=first.pk).shown_title == "Birthday of 张三"
