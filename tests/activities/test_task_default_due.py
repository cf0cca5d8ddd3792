"""The task form on the 360 page starts at tomorrow 09:00 (a new-user review's first task
failed on "Give the task a due date"); the empty form is rendered once per day, so a cached
rendering never offers yesterday's tomorrow."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.activities.forms import TaskForm

pytestmark = pytest.mark.django_db


def _due_value(html: str) -> str:
    field = re.search(r'<input[^>]*name="due_at"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', field).group(1)


def test_the_360_task_form_offers_tomorrow_nine(client_for, customer_of):
    customer = customer_of("rep1")
    tomorrow = timezone.localdate() + timedelta(days=1)
    form_url = reverse("activities:task_create", args=[customer.pk])  # "Add a task" opens it

    html = client_for("rep1").get(form_url, headers={"HX-Request": "true"}).content.decode()

    assert _due_value(html) == f"{tomorrow.isoformat()}T09:00"


def test_the_empty_form_is_cached_per_day_and_a_changed_one_not_at_all(customer_of):
    customer = customer_of("rep1")
    empty = TaskForm(customer=customer)
    moved = TaskForm(customer=customer, initial={"due_at": timezone.now()})

    assert empty.unbound_key() == ("TaskForm", empty.initial["due_at"].date().isoformat())
    assert moved.unbound_key() is None


def test_a_rep_without_the_assignee_filter_is_not_told_off_about_it(client_for):
    """/tasks/?assignee=abc showed "Assignee: Enter a whole number." to a rep, who has no
    Assignee filter (a second new-user review): the value is ignored."""
    html = client_for("rep1", "en").get("/tasks/", {"assignee": "abc"}).content.decode()
    manager = client_for("manager", "en").get("/tasks/", {"assignee": "abc"}).content.decode()

    assert "Enter a whole number" not in html and 'class="form-errors"' not in html
    assert "Enter a whole number" in manager  # a manager has the filter: the error is theirs
