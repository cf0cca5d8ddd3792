"""Interactions, tasks and notes through the API."""

from datetime import UTC, datetime

import pytest

from guanxi.activities.models import Interaction, Note, Task


def test_record_read_correct_and_delete_an_interaction(customer_of, api_as, personas):
    customer = customer_of("rep1")
    api = api_as("rep1")

    # record
    created = api.post(
        "/interactions",
        {
            "customer_id": customer.pk,
            "channel": "wechat",
            "direction": "outbound",
            "content_kind": "emotion",
            "subject": "节日问候",
            "content": "中秋快乐",
            "occurred_at": "2026-09-25T10:00:00+08:00",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body == {
        "id": body["id"],
        "customer_id": customer.pk,
        "contact_id": None,
        "channel": "wechat",
        "direction": "outbound",
        "content_kind": "emotion",
        "subject": "节日问候",
        "content": "中秋快乐",
        "occurred_at": "2026-09-25T02:00:00Z",
        "body_language": [],
        "user_id": personas["rep1"].pk,
        "created_at": body["created_at"],
        "version": 1,
    }
    path = f"/interactions/{body['id']}"

    # read (stored in UTC) and list
    read = api.get(path).json()
    assert (read["subject"], read["occurred_at"]) == ("节日问候", "2026-09-25T02:00:00Z")
    page = api.get("/interactions", customer_id=customer.pk, channel="wechat").json()
    assert page["count"] == 1

    # correct
    corrected = api.patch(path, {"subject": "中秋问候", "version": 1}).json()
    assert (corrected["subject"], corrected["version"]) == ("中秋问候", 2)
    assert Interaction.objects.get(pk=body["id"]).subject == "中秋问候"

    # delete
    assert api.delete(path).status_code == 204
    assert not Interaction.objects.exists()


def test_outbound_contact_with_a_do_not_contact_customer_is_refused(customer_of, api_as):
    customer = customer_of("rep1", do_not_contact=True)

    response = api_as("rep1").post(
        "/interactions",
        {
            "customer_id": customer.pk,
            "channel": "phone",
            "direction": "outbound",
            "subject": "推销",
        },
    )

    assert response.status_code == 422
    message = "This customer asked not to be contacted; outbound contact is not allowed."
    assert response.json() == {"detail": message, "errors": {"__all__": [message]}}
    assert not Interaction.objects.exists()


def test_interaction_with_another_customers_contact_is_422(customer_of, api_as, personas):
    from guanxi.customers.services import create_contact

    org = customer_of("rep1", kind="organisation", name="甲公司")
    other = customer_of("rep1", kind="organisation", name="乙公司")
    contact = create_contact(personas["rep1"], other, {"name": "王"})

    response = api_as("rep1").post(
        "/interactions",
        {
            "customer_id": org.pk,
            "contact_id": contact.pk,
            "channel": "visit",
            "direction": "outbound",
            "subject": "拜访",
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "contact_id": ["This customer has no contact with this id."]
    }


def test_interaction_list_query_count(customer_of, api_as, personas, django_assert_num_queries):
    from guanxi.activities.services import record_interaction

    for n in range(5):
        customer = customer_of("rep1", name=f"客户{n}")
        record_interaction(
            personas["rep1"], customer, {"channel": "sms", "direction": "inbound", "subject": "s"}
        )
    api = api_as("rep1")

    with django_assert_num_queries(5):  # + collaborations (scope)
        assert api.get("/interactions").json()["count"] == 5


def test_task_lifecycle(customer_of, api_as, personas):
    customer = customer_of("rep1")
    api = api_as("rep1")

    created = api.post(
        "/tasks",
        {
            "customer_id": customer.pk,
            "kind": "follow_up",
            "title": "回访报价",
            "due_at": "2030-01-02T09:00:00+08:00",
        },
    )
    assert created.status_code == 201
    task = created.json()
    assert (task["title"], task["kind"], task["due_at"], task["done"], task["assignee_id"]) == (
        "回访报价",
        "follow_up",
        "2030-01-02T01:00:00Z",
        False,
        personas["rep1"].pk,
    )
    path = f"/tasks/{task['id']}"

    done = api.patch(path, {"done": True, "title": "已回访"}).json()
    assert (done["done"], done["title"]) == (True, "已回访")
    assert Task.objects.get(pk=task["id"]).done_at is not None
    assert api.get("/tasks", done=True).json()["count"] == 1
    assert api.get("/tasks", done=False).json()["count"] == 0

    assert api.delete(path).status_code == 204
    assert not Task.objects.exists()


def test_personal_tasks_are_visible_to_their_assignee_only(personas, api_as):
    mine = api_as("rep1").post("/tasks", {"title": "写周报", "due_at": "2030-01-01T09:00:00"})
    assert mine.status_code == 201
    path = f"/tasks/{mine.json()['id']}"
    due = Task.objects.get().due_at
    assert due == datetime(2030, 1, 1, 1, 0, tzinfo=UTC)  # naive times are Asia/Shanghai

    assert api_as("rep1").get(path).status_code == 200
    assert api_as("rep2").get(path).status_code == 404
    assert api_as("rep2").patch(path, {"done": True}).status_code == 404
    assert api_as("rep2").get("/tasks").json()["count"] == 0
    assert api_as("manager").get(path).status_code == 200


def test_only_managers_assign_tasks_to_others(personas, api_as):
    body = {"title": "跟进", "due_at": "2030-01-01T09:00:00", "assignee_id": personas["rep2"].pk}

    assert api_as("rep1").post("/tasks", body).status_code == 403
    response = api_as("manager").post("/tasks", body)

    assert response.status_code == 201
    assert response.json()["assignee_id"] == personas["rep2"].pk
    assert api_as("rep2").get("/tasks", mine=True).json()["count"] == 1


def test_a_second_birthday_reminder_on_the_same_day_is_422(customer_of, api_as):
    customer = customer_of("rep1")
    body = {
        "customer_id": customer.pk,
        "kind": "birthday",
        "title": "生日",
        "due_at": "2030-05-01T09:00:00+08:00",
    }
    api = api_as("rep1")
    assert api.post("/tasks", body).status_code == 201

    response = api.post("/tasks", body)

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "due_at": ["This customer already has a reminder of this kind at this time."]
    }
    assert Task.objects.count() == 1


@pytest.mark.parametrize("kind", ["general", "complaint", "praise"])
def test_notes(customer_of, api_as, personas, kind):
    customer = customer_of("rep1")
    api = api_as("rep1")

    created = api.post(f"/customers/{customer.pk}/notes", {"kind": kind, "body": " 送货太慢 "})

    assert created.status_code == 201
    assert created.json()["body"] == "送货太慢"
    assert created.json()["author_id"] == personas["rep1"].pk
    listed = api.get(f"/customers/{customer.pk}/notes").json()
    assert [(n["kind"], n["body"]) for n in listed] == [(kind, "送货太慢")]
    assert Note.objects.count() == 1


def test_empty_note_is_422(customer_of, api_as):
    customer = customer_of("rep1")

    response = api_as("rep1").post(f"/customers/{customer.pk}/notes", {"body": "   "})

    assert response.status_code == 422
    assert response.json()["errors"] == {"body": ["The note is empty."]}


def test_task_list_query_count(customer_of, api_as, personas, django_assert_num_queries):
    from django.utils import timezone

    from guanxi.activities.services import create_task

    for n in range(5):
        customer = customer_of("rep1", name=f"客户{n}")
        create_task(
            personas["rep1"], {"title": f"t{n}", "due_at": timezone.now()}, customer=customer
        )
    create_task(personas["rep1"], {"title": "personal", "due_at": timezone.now()})
    api = api_as("rep1")

    with django_assert_num_queries(5):  # + collaborations (scope)
        assert api.get("/tasks").json()["count"] == 6
