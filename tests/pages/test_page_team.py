"""Team pages at /team/: managers administer the team; everyone else gets 403."""

import pytest
from django.contrib.auth import authenticate, get_user_model

from guanxi.accounts.models import Department
from guanxi.customers.models import Customer

User = get_user_model()


@pytest.mark.parametrize("who", ["rep1", "lead_a", "viewer"])
def test_non_managers_get_403_and_no_team_link(who, personas, client_for):
    client = client_for(who)
    rep2 = personas["rep2"]

    assert "/team/" not in client.get("/customers/").content.decode()
    assert client.get("/team/").status_code == 403
    assert client.get("/team/users/new/").status_code == 403
    assert client.get(f"/team/users/{rep2.pk}/").status_code == 403
    assert client.post(f"/team/users/{rep2.pk}/deactivate/", {}).status_code == 403
    assert client.post(f"/team/users/{rep2.pk}/password/").status_code == 403
    assert client.post("/team/departments/new/", {"name": "影子部门"}).status_code == 403
    rep2.refresh_from_db()
    assert rep2.is_active and rep2.check_password("demo-pass")
    assert not Department.objects.filter(name="影子部门").exists()


def test_manager_sees_the_team_in_both_languages(personas, client_for):
    english = client_for("manager").get("/team/")
    chinese = client_for("manager", language="zh-hans").get("/team/")

    assert english.status_code == chinese.status_code == 200
    page = english.content.decode()
    assert 'href="/team/"' in client_for("manager").get("/customers/").content.decode()
    for name in ("张伟", "刘芳", "李组长", "华东销售组"):
        assert name in page
    assert "New user" in page
    assert "新建用户" in chinese.content.decode() and "New user" not in chinese.content.decode()


def test_manager_creates_a_user_and_sees_the_password_once(teams, personas, client_for):
    client = client_for("manager")

    response = client.post(
        "/team/users/new/",
        {
            "username": "rep3",
            "display_name": "陈静",
            "role": "rep",
            "data_scope": "self",
            "department": teams["b"].pk,
            "manager": personas["manager"].pk,
        },
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode()
    assert authenticate(username="rep3", password=password).profile.department == teams["b"]


def test_form_errors_are_shown_next_to_the_field(personas, client_for):
    response = client_for("manager").post(
        "/team/users/new/", {"username": "rep1", "role": "rep", "data_scope": "department"}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["username"] == ["This username is taken."]
    assert "department" in form.errors
    assert User.objects.filter(username="rep1").count() == 1


def test_manager_deactivates_a_rep_and_transfers_their_customers(personas, client_for, customer_of):
    client = client_for("manager")
    rep1, rep2 = personas["rep1"], personas["rep2"]
    customer = customer_of("rep1")

    page = client.get(f"/team/users/{rep1.pk}/deactivate/")
    assert page.status_code == 200
    assert page.context["counts"] == {"customers": 1, "tasks": 0, "reports": 0}

    offered = set(page.context["form"].fields["transfer_to"].queryset)
    assert rep2 in offered and personas["manager"] in offered
    assert personas["viewer"] not in offered and rep1 not in offered
    refused = client.post(
        f"/team/users/{rep1.pk}/deactivate/", {"transfer_to": personas["viewer"].pk}
    )
    assert refused.status_code == 200 and "transfer_to" in refused.context["form"].errors
    assert Customer.objects.get(pk=customer.pk).owner == rep1

    response = client.post(f"/team/users/{rep1.pk}/deactivate/", {"transfer_to": rep2.pk})

    assert response.status_code == 302
    rep1.refresh_from_db()
    assert not rep1.is_active
    assert Customer.objects.get(pk=customer.pk).owner == rep2
    assert client.get("/team/?status=inactive").context["users"].get() == rep1


def test_manager_edits_role_and_scope_and_creates_a_nested_department(teams, personas, client_for):
    client = client_for("manager")
    rep2 = personas["rep2"]

    response = client.post(
        f"/team/users/{rep2.pk}/",
        {
            "display_name": "刘芳",
            "role": "read_only",
            "data_scope": "department_tree",
            "department": teams["b"].pk,
        },
    )
    assert response.status_code == 302
    rep2.profile.refresh_from_db()
    assert (rep2.profile.role, rep2.profile.data_scope) == ("read_only", "department_tree")
    assert rep2.profile.manager is None

    response = client.post("/team/departments/new/", {"name": "深圳店", "parent": teams["b"].pk})
    assert response.status_code == 302
    assert Department.objects.get(name="深圳店").parent == teams["b"]
    assert "华南销售组 / 深圳店" in client.get("/team/").content.decode()


def test_django_admin_is_closed_to_managers(personas, client_for):
    response = client_for("manager").get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_handover_shows_on_the_customers_timeline(personas, client_for, customer_of):
    from datetime import timedelta

    from django.utils import timezone

    from guanxi.accounts.team_services import deactivate_user
    from guanxi.activities.services import create_task

    customer = customer_of("rep1")
    create_task(
        personas["rep1"],
        {"title": "回访", "due_at": timezone.now() + timedelta(days=1)},
        customer=customer,
    )
    deactivate_user(personas["manager"], personas["rep1"], transfer_to=personas["rep2"])

    page = client_for("manager", language="zh-hans").get(f"/customers/{customer.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "审计记录 · 任务 · 王经理" in html  # the task's handover, by whom
    assert "审计记录 · 客户 · 王经理" in html  # the customer's
    assert "<td>负责人</td>" in html  # the task's assignee and the customer's owner, labelled
    assert "assignee" not in html


def test_the_team_page_costs_the_same_queries_for_5_or_25_users(
    personas, teams, client_for, django_assert_max_num_queries
):
    from guanxi.accounts.services import create_user

    client = client_for("manager")
    with django_assert_max_num_queries(12) as few:
        assert client.get("/team/").status_code == 200
    for i in range(20):
        create_user(f"rep{i + 10}", "demo-pass", department=teams["a"], manager=personas["rep1"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/team/").context["users"]) == 25


def test_reports_of_someone_leaving_keep_their_manager_until_changed(personas, client_for):
    from guanxi.accounts.team_services import deactivate_user

    client = client_for("manager")
    lead_a, rep1 = personas["lead_a"], personas["rep1"]
    page = client.get(f"/team/users/{lead_a.pk}/deactivate/")
    assert page.context["counts"]["reports"] == 1
    assert "1 colleague reports to them" in page.content.decode()
    deactivate_user(personas["manager"], lead_a)

    # saving rep1's page unchanged keeps lead_a as 上级
    response = client.post(
        f"/team/users/{rep1.pk}/",
        {
            "display_name": "张伟",
            "role": "rep",
            "data_scope": "self",
            "department": rep1.profile.department_id,
            "manager": lead_a.pk,
        },
    )

    assert response.status_code == 302
    rep1.profile.refresh_from_db()
    assert rep1.profile.manager == lead_a


def test_a_users_page_shows_their_change_history_readably(teams, personas, client_for):
    from guanxi.accounts.team_services import deactivate_user, reactivate_user, update_user

    manager, rep2 = personas["manager"], personas["rep2"]
    update_user(manager, rep2, {"department": teams["a"].pk, "role": "read_only"})
    deactivate_user(manager, rep2, transfer_to=personas["rep1"])
    reactivate_user(manager, rep2)

    page = client_for("manager", language="zh-hans").get(f"/team/users/{rep2.pk}/")

    history = page.context["history"]
    assert [h["action"] for h in history] == ["已修改", "已修改", "已修改"]
    assert history[0]["changes"] == [("在职", "否", "是")]
    assert ("将客户和待办任务转交给", "—", "张伟") in history[1]["changes"]
    assert set(history[2]["changes"]) == {
        ("角色", "销售代表", "只读"),
        ("部门", "华南销售组", "华东销售组"),
    }
    assert "华南销售组" in page.content.decode()
