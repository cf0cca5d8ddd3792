"""A write collaborator (协作人) from another team works on the customer but cannot remove what
the owner's side recorded (issue 7 follow-up): deleting an order and recording or withdrawing
consent need manage rights (scope.require_manage); deleting an interaction, note or task needs
manage rights or being its author. API, page and service alike."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanxi.accounts.models import ApiToken
from guanxi.activities.models import Interaction, Note, Task
from guanxi.activities.services import add_note, create_task, delete_note, record_interaction
from guanxi.customers.services import share_customer
from guanxi.privacy.models import Consent
from guanxi.sales.models import Order
from guanxi.sales.services import create_order


@pytest.fixture
def shared(personas, customer_of, product):
    """rep1's customer shared with write access to rep2 (team B), with rep1's records on it."""
    rep1, rep2 = personas["rep1"], personas["rep2"]
    customer = customer_of("rep1", name="华茂贸易")
    share_customer(rep1, customer, rep2, access="write")
    return {
        "customer": customer,
        "order": create_order(rep1, customer, {}, [{"product": product, "quantity": 1}]),
        "interaction": record_interaction(
            rep1, customer, {"channel": "phone", "direction": "inbound", "subject": "询价"}
        ),
        "task": create_task(rep1, {"title": "回访", "due_at": timezone.now()}, customer=customer),
        "note": add_note(rep1, customer, "老客户"),
    }


def api(user):
    client = Client()
    headers = {"Authorization": f"Bearer {ApiToken.issue(user, 1)}", "Accept-Language": "zh-hans"}
    return client, headers


def test_a_write_collaborator_cannot_delete_the_owners_order_interaction_or_task(personas, shared):
    client, headers = api(personas["rep2"])
    for path, model, record in [
        (f"/api/v1/orders/{shared['order'].pk}", Order, shared["order"]),
        (f"/api/v1/interactions/{shared['interaction'].pk}", Interaction, shared["interaction"]),
        (f"/api/v1/tasks/{shared['task'].pk}", Task, shared["task"]),
    ]:
        response = client.delete(path, headers=headers)
        assert response.status_code == 403, path
        assert "负责人" in response.json()["detail"]
        assert model.objects.filter(pk=record.pk).exists()


def test_a_write_collaborator_cannot_record_consent(personas, shared):
    client, headers = api(personas["rep2"])
    customer = shared["customer"]
    response = client.post(
        f"/api/v1/customers/{customer.pk}/consents",
        {"purpose": "marketing", "granted": False},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    page = Client()
    page.force_login(personas["rep2"])
    url = reverse("privacy:consent", args=[customer.pk])
    response = page.post(url, {"purpose": "marketing", "granted": "no"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert not Consent.objects.filter(customer=customer).exists()
    # the 360 page offers the collaborator no consent buttons; the owner gets them
    detail = reverse("customers:detail", args=[customer.pk])
    assert url not in page.get(detail).content.decode()
    owner = Client()
    owner.force_login(personas["rep1"])
    assert url in owner.get(detail).content.decode()
    response = owner.post(url, {"purpose": "marketing", "granted": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Consent.objects.get(customer=customer).granted is True


def test_a_collaborator_deletes_what_they_recorded_themselves(personas, shared):
    rep2 = personas["rep2"]
    customer = shared["customer"]
    mine = record_interaction(
        rep2, customer, {"channel": "wechat", "direction": "outbound", "subject": "跟进"}
    )
    my_task = create_task(rep2, {"title": "寄样品", "due_at": timezone.now()}, customer=customer)
    client, headers = api(rep2)
    assert client.delete(f"/api/v1/interactions/{mine.pk}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/tasks/{my_task.pk}", headers=headers).status_code == 204
    my_note = add_note(rep2, customer, "我的备注")
    delete_note(rep2, my_note)
    assert not Note.objects.filter(pk=my_note.pk).exists()
    with pytest.raises(PermissionDenied):
        delete_note(rep2, shared["note"])
    assert Note.objects.filter(pk=shared["note"].pk).exists()


def test_the_owner_and_their_manager_still_delete(personas, shared):
    client, headers = api(personas["rep1"])
    assert client.delete(f"/api/v1/orders/{shared['order'].pk}", headers=headers).status_code == 204
    client, headers = api(personas["manager"])
    response = client.delete(f"/api/v1/interactions/{shared['interaction'].pk}", headers=headers)
    assert response.status_code == 204
    assert client.delete(f"/api/v1/tasks/{shared['task'].pk}", headers=headers).status_code == 204
