"""Issue 7 items 1 and 2: a task never opens a customer outside the scope, and a write
collaborator (协作人) from another team works on the customer but cannot manage it."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from guanxi.accounts.models import ApiToken, DataScope, Role
from guanxi.accounts.scope import (
    can_manage,
    can_reveal,
    manageable_customer,
    revealable_customers,
)
from guanxi.activities.models import Task
from guanxi.activities.services import create_task
from guanxi.customers.models import Collaborator, Customer
from guanxi.customers.services import assign_owner, share_customer, unshare_customer
from guanxi.privacy.models import RevealLog

SECRET = "SECRET-7f3a"


# Item 1: a task on a customer outside the scope -------------------------------------------


@pytest.fixture
def task_on_foreign_customer(personas, customer_of):
    """rep2's customer; the manager assigns rep1 a task on it without sharing the customer."""
    customer = customer_of("rep2", name=f"{SECRET} 客户", mobile="13812345678")
    task = create_task(
        personas["manager"],
        {"title": "回访", "due_at": timezone.now()},
        customer=customer,
        assignee=personas["rep1"],
    )
    return customer, task


def test_task_done_on_a_customer_outside_scope_reveals_nothing_and_changes_nothing(
    task_on_foreign_customer, personas
):
    # given
    customer, task = task_on_foreign_customer
    client = Client()
    client.force_login(personas["rep1"])

    # when
    response = client.post(
        f"/tasks/{task.pk}/done/", {"view": "timeline", "done": "1"}, HTTP_HX_REQUEST="true"
    )

    # then
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert "13812345678" not in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is None


def test_task_inbox_hides_tasks_on_customers_outside_scope(task_on_foreign_customer, personas):
    client = Client()
    client.force_login(personas["rep1"])

    response = client.get("/tasks/")

    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    assert "回访" not in response.content.decode()


def test_after_a_transfer_the_former_owner_loses_the_task_page_and_api_alike(personas, customer_of):
    # given rep1's own task on rep1's customer, then the customer goes to rep2
    rep1 = personas["rep1"]
    customer = customer_of("rep1", name=f"{SECRET} 转移")
    task = create_task(rep1, {"title": "回访", "due_at": timezone.now()}, customer=customer)
    assign_owner(personas["manager"], customer, personas["rep2"])
    page = Client()
    page.force_login(rep1)
    token = ApiToken.issue(rep1, 1)
    api_headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    # when / then: the page and the API answer alike
    done = page.post(f"/tasks/{task.pk}/done/", {"view": "timeline"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 404
    api = page.get(f"/api/v1/tasks/{task.pk}", headers=api_headers)
    assert api.status_code == 404
    assert api.json() == {"detail": "Not found."}
    assert SECRET not in page.get("/tasks/").content.decode()
    assert not Task.objects.get(pk=task.pk).done_at


def test_the_assignee_still_completes_a_task_on_a_customer_in_scope(personas, customer_of):
    rep1 = personas["rep1"]
    customer = customer_of("rep1", name="自己的")
    task = create_task(rep1, {"title": "回访", "due_at": timezone.now()}, customer=customer)
    client = Client()
    client.force_login(rep1)

    response = client.post(f"/tasks/{task.pk}/done/", {"view": "timeline"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).done_at is not None


def test_a_read_collaborator_assignee_sees_the_task_but_gets_403_completing_it(
    task_on_foreign_customer, personas
):
    customer, task = task_on_foreign_customer
    share_customer(personas["rep2"], customer, personas["rep1"], access="read")
    client = Client()
    client.force_login(personas["rep1"])

    assert "回访" in client.get("/tasks/").content.decode()
    response = client.post(f"/tasks/{task.pk}/done/", {"view": "timeline"})

    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).done_at is None


# Item 2: a write collaborator from another team -------------------------------------------


@pytest.fixture
def shared(personas, teams, customer_of):
    """rep2's customer (team B) shared read-write with rep1 and with a manager of team A whose
    own scope is themself, both until tomorrow; rep2's colleague holds a read share."""
    from guanxi.accounts.services import create_user

    boss_a = create_user(
        "boss_a",
        "demo-pass",
        display_name="钱经理",
        role=Role.MANAGER,
        data_scope=DataScope.SELF,
        can_view_sensitive=True,
        department=teams["a"],
    )
    colleague = create_user("colleague_b", "demo-pass", department=teams["b"])
    personas.update(boss_a=boss_a, colleague_b=colleague)
    customer = customer_of(
        "rep2", name=f"{SECRET} 合作", mobile="13912345678", id_number="110101199003074514"
    )
    until = timezone.now() + timedelta(days=1)
    for user in (personas["rep1"], boss_a):
        share_customer(personas["rep2"], customer, user, access="write", expires_at=until)
    share_customer(personas["rep2"], customer, colleague, access="read")
    return customer


def api(user):
    client = Client()
    headers = {"Authorization": f"Bearer {ApiToken.issue(user, 1)}", "Accept-Language": "en"}

    def call(method, path, body=None):
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(f"/api/v1{path}", **kwargs)

    return call


def shares(customer):
    return sorted(customer.collaborators.values_list("user__username", "access", "expires_at"))


@pytest.mark.parametrize("who", ["rep1", "boss_a"])
def test_a_write_collaborator_cannot_manage_the_customer(shared, personas, who):
    # given
    user = personas[who]
    call = api(user)
    c = shared.pk
    before = shares(shared)
    third = personas["lead_a"].pk

    # when / then: every management operation is 403 and changes nothing
    attempts = [
        ("put", f"/customers/{c}/collaborators/{user.pk}", {"access": "write"}),
        ("put", f"/customers/{c}/collaborators/{third}", {"access": "write"}),
        ("delete", f"/customers/{c}/collaborators/{personas['colleague_b'].pk}", None),
        ("delete", f"/customers/{c}", None),
        ("post", f"/customers/{c}/owner", {"owner_id": user.pk}),
        ("post", f"/customers/{c}/reveal", {"field": "id_number", "purpose": "核对身份"}),
        ("post", f"/customers/{c}/personal-data", {"purpose": "客户申请"}),
        ("post", f"/customers/{c}/erase", {"purpose": "客户申请"}),
    ]
    for method, path, body in attempts:
        response = call(method, path, body)
        assert response.status_code == 403, (method, path, response.content)
        assert "detail" in response.json()
        assert "110101199003074514" not in response.content.decode()
    assert shares(shared) == before
    fresh = Customer.objects.get(pk=c)
    assert (fresh.owner_id, fresh.erased_at, fresh.name) == (
        personas["rep2"].pk,
        None,
        shared.name,
    )
    assert not RevealLog.objects.exists()


def test_a_write_collaborator_still_edits_the_customer(shared, personas):
    response = api(personas["rep1"])("patch", f"/customers/{shared.pk}", {"level": "A"})
    assert response.status_code == 200
    assert Customer.objects.get(pk=shared.pk).level == "A"


def test_the_owner_and_a_manager_of_the_scope_still_manage(shared, personas):
    rep2, manager = api(personas["rep2"]), api(personas["manager"])
    c, rep1 = shared.pk, personas["rep1"].pk
    assert (
        rep2("put", f"/customers/{c}/collaborators/{rep1}", {"access": "read"}).status_code == 200
    )
    assert manager("delete", f"/customers/{c}/collaborators/{rep1}").status_code == 204
    assert not shared.collaborators.filter(user_id=rep1).exists()


def test_services_refuse_management_by_a_collaborator(shared, personas):
    rep1 = personas["rep1"]
    assert not can_manage(rep1, shared)
    assert not can_reveal(personas["boss_a"], shared)
    with pytest.raises(PermissionDenied):
        share_customer(rep1, shared, rep1, access=Collaborator.Access.WRITE)
    with pytest.raises(PermissionDenied):
        unshare_customer(rep1, shared, personas["colleague_b"].pk)
    with pytest.raises(PermissionDenied):
        assign_owner(personas["boss_a"], shared, personas["boss_a"])
    with pytest.raises(PermissionDenied):
        manageable_customer(rep1, shared.pk)
    assert can_manage(personas["rep2"], shared)
    assert can_reveal(personas["manager"], shared)
    assert not revealable_customers(personas["boss_a"]).filter(pk=shared.pk).exists()
    assert revealable_customers(personas["manager"]).filter(pk=shared.pk).exists()
    assert not revealable_customers(personas["rep2"]).exists()  # no permission


def test_a_collaborator_is_not_offered_reveal_on_the_360_page(shared, personas):
    client = Client()
    client.force_login(personas["boss_a"])

    response = client.post(
        f"/customers/{shared.pk}/reveal/", {"field": "id_number", "purpose": "核对身份"}
    )

    assert response.status_code == 403
    assert "110101199003074514" not in response.content.decode()
    assert not RevealLog.objects.exists()


# The 协作人 card on the 360 page ----------------------------------------------------------


def page_as(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_owner_shares_and_unshares_on_the_360_page(personas, customer_of):
    # given
    customer = customer_of("rep2", name="乙")
    owner = page_as(personas["rep2"])
    detail = owner.get(f"/customers/{customer.pk}/").content.decode()
    # the share form comes when its fold is opened (htmx), or by the link in its place
    assert f'hx-get="/customers/{customer.pk}/collaborators/"' in detail
    assert f'href="/customers/{customer.pk}/collaborators/#share-form"' in detail
    share_form = owner.get(f"/customers/{customer.pk}/collaborators/", HTTP_HX_REQUEST="true")
    assert f'action="/customers/{customer.pk}/collaborators/"' in share_form.content.decode()
    assert 'name="expires_at"' in share_form.content.decode()
    without_js = owner.get(f"/customers/{customer.pk}/collaborators/").content.decode()
    assert f'action="/customers/{customer.pk}/collaborators/"' in without_js
    assert '<div class="card" id="collaborators">' in without_js  # on the whole 360 page

    # when: shared through the htmx form
    response = owner.post(
        f"/customers/{customer.pk}/collaborators/",
        {"user": personas["rep1"].pk, "access": "write", "expires_at": "2030-01-01T09:00"},
        HTTP_HX_REQUEST="true",
    )

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="card" id="collaborators">')
    assert "张伟" in html and "until 2030-01-01 09:00" in html
    share = customer.collaborators.get()
    assert (share.user, share.access) == (personas["rep1"], "write")
    assert share.expires_at.year == 2030

    # when: removed with a plain form post
    response = owner.post(f"/customers/{customer.pk}/collaborators/{personas['rep1'].pk}/remove/")

    # then
    assert response.status_code == 302
    assert not customer.collaborators.exists()
    assert 'data-user="rep1"' not in owner.get(f"/customers/{customer.pk}/").content.decode()


def test_the_share_form_reports_bad_input_next_to_the_field(personas, customer_of):
    customer = customer_of("rep2", name="乙")
    owner = page_as(personas["rep2"])

    response = owner.post(
        f"/customers/{customer.pk}/collaborators/",
        {"user": "999999", "access": "admin", "expires_at": "0001-01-01T00:00"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200  # htmx swaps the card with its errors (no 4xx swapped)
    html = response.content.decode()
    assert "Select a valid choice. That choice is not one of the available choices." in html
    assert "Select a valid choice. admin is not one of the available choices." in html
    assert "Enter a date between the years 1900 and 2200." in html
    assert not customer.collaborators.exists()


def test_a_write_collaborator_sees_the_card_but_cannot_manage_from_the_page(shared, personas):
    # given
    rep1 = page_as(personas["rep1"])
    before = shares(shared)

    # when
    detail = rep1.get(f"/customers/{shared.pk}/").content.decode()
    share = rep1.post(
        f"/customers/{shared.pk}/collaborators/",
        {"user": personas["rep1"].pk, "access": "write"},
        HTTP_HX_REQUEST="true",
    )
    remove = rep1.post(
        f"/customers/{shared.pk}/collaborators/{personas['colleague_b'].pk}/remove/",
        HTTP_HX_REQUEST="true",
    )

    # then
    assert 'id="collaborators"' in detail and "钱经理" in detail
    assert "/collaborators/" not in detail.split('id="collaborators"')[1].split("</div>")[0]
    assert (share.status_code, remove.status_code) == (403, 403)
    assert shares(shared) == before


def test_the_share_form_is_in_chinese(personas, customer_of):
    customer = customer_of("rep2", name="乙")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(personas["rep2"])

    html = client.get(f"/customers/{customer.pk}/").content.decode()

    assert "协作人" in html and "与同事共享" in html and "尚未与任何人共享。" in html


def test_the_tag_list_costs_the_same_for_many_tags(
    personas, customer_of, django_assert_max_num_queries
):
    for i in range(30):
        customer_of("rep1", name=f"客户{i}", tags=[f"标签{i}", "共同"])
    client = api(personas["rep1"])

    with django_assert_max_num_queries(5):  # token, profile, count, page (+ token touch)
        response = client("get", "/tags?limit=100")

    assert response.json()["count"] == 31


def test_the_share_form_refuses_an_end_in_the_past(personas, customer_of):
    customer = customer_of("rep2", name="乙")
    response = page_as(personas["rep2"]).post(
        f"/customers/{customer.pk}/collaborators/",
        {"user": personas["rep1"].pk, "access": "write", "expires_at": "2020-01-01T09:00"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200  # swapped in by htmx, with the error
    assert "Choose a time in the future for the access to end." in response.content.decode()
    assert not customer.collaborators.exists()
