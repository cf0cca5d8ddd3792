"""Team administration over the API: managers may, everyone else gets 403 and changes nothing."""

import pytest
from django.contrib.auth import get_user_model

from guanxi.accounts.models import ApiToken, Department
from guanxi.accounts.services import create_user
from guanxi.customers.models import Customer

User = get_user_model()


@pytest.mark.parametrize("who", ["rep1", "lead_a", "viewer"])
def test_non_managers_get_403_on_every_team_operation(who, personas, api_as):
    api = api_as(who)
    rep2 = personas["rep2"]
    calls = [
        api.get("/users"),
        api.get(f"/users/{rep2.pk}"),
        api.post("/users", {"username": "intruder"}),
        api.patch(f"/users/{rep2.pk}", {"role": "manager"}),
        api.post(f"/users/{rep2.pk}/deactivate", {}),
        api.post(f"/users/{rep2.pk}/reactivate"),
        api.post(f"/users/{rep2.pk}/password"),
        api.get("/departments"),
        api.post("/departments", {"name": "影子部门"}),
        api.patch(f"/departments/{Department.objects.first().pk}", {"name": "改名"}),
    ]
    assert [r.status_code for r in calls] == [403] * len(calls)
    assert calls[0].json() == {"detail": "Only managers may administer the team."}
    # nothing changed
    rep2.refresh_from_db()
    assert rep2.is_active and rep2.profile.role == "rep"
    assert not User.objects.filter(username="intruder").exists()
    assert not Department.objects.filter(name__in=["影子部门", "改名"]).exists()


def test_manager_creates_a_user_whose_one_time_password_buys_a_token(personas, teams, api_as):
    api = api_as("manager")

    response = api.post(
        "/users",
        {
            "username": "rep3",
            "display_name": "陈静",
            "department_id": teams["b"].pk,
            "manager_id": personas["manager"].pk,
            "data_scope": "department",
        },
    )

    assert response.status_code == 201
    assert response["Cache-Control"].startswith("no-store")
    body = response.json()
    assert body["user"]["username"] == "rep3"
    assert body["user"]["department_id"] == teams["b"].pk
    assert body["user"]["data_scope"] == "department"
    assert body["user"]["role"] == "rep"
    token = api.post("/auth/token", {"username": "rep3", "password": body["password"]})
    assert token.status_code == 200


def test_bad_input_is_422_per_field_in_the_callers_language(personas, api_as):
    api = api_as("manager", lang="zh-hans")

    response = api.post("/users", {"username": "rep1", "manager_id": 987654})

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"username", "manager"}
    assert errors["username"] == ["此用户名已被使用。"]


def test_manager_edits_and_lists_users(personas, teams, api_as):
    api = api_as("manager")
    rep1 = personas["rep1"]

    response = api.patch(
        f"/users/{rep1.pk}", {"data_scope": "department_tree", "department_id": teams["root"].pk}
    )

    assert response.status_code == 200
    assert response.json()["data_scope"] == "department_tree"
    assert response.json()["department_id"] == teams["root"].pk
    rep1.profile.refresh_from_db()
    assert rep1.profile.department == teams["root"]
    listing = api.get("/users", active="true").json()
    assert listing["count"] == 5
    assert [u["username"] for u in listing["items"]] == [
        "lead_a",
        "manager",
        "rep1",
        "rep2",
        "viewer",
    ]


def test_deactivate_with_transfer_blocks_the_token_and_moves_the_customers(
    personas, api_as, customer_of
):
    manager_api = api_as("manager")
    rep1_api = api_as("rep1")
    customers = [customer_of("rep1", name=f"客户{i}") for i in range(2)]
    rep1, rep2 = personas["rep1"], personas["rep2"]

    response = manager_api.post(f"/users/{rep1.pk}/deactivate", {"transfer_to": rep2.pk})

    assert response.status_code == 200
    body = response.json()
    assert (body["customers_transferred"], body["tasks_transferred"]) == (2, 0)
    assert body["user"]["is_active"] is False
    assert rep1_api.get("/me").status_code == 401
    assert not ApiToken.objects.filter(user=rep1).exists()
    assert set(Customer.objects.filter(owner=rep2).values_list("pk", flat=True)) >= {
        c.pk for c in customers
    }
    # and back
    assert manager_api.post(f"/users/{rep1.pk}/reactivate").json()["is_active"] is True


def test_transfer_to_an_inactive_user_is_422_and_nothing_moves(personas, api_as, customer_of):
    api = api_as("manager")
    customer = customer_of("rep1")
    rep1, rep2 = personas["rep1"], personas["rep2"]
    rep2.is_active = False
    rep2.save(update_fields=["is_active"])

    response = api.post(f"/users/{rep1.pk}/deactivate", {"transfer_to": rep2.pk})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["transfer_to"]
    customer.refresh_from_db()
    rep1.refresh_from_db()
    assert customer.owner == rep1 and rep1.is_active


def test_a_manager_cannot_see_or_change_a_superuser(personas, api_as):
    root = User.objects.create_superuser("root", "root@example.com", "root-pass-123")
    api = api_as("manager")

    assert api.get(f"/users/{root.pk}").status_code == 404
    assert api.post(f"/users/{root.pk}/password").status_code == 404
    assert api.post(f"/users/{root.pk}/deactivate", {}).status_code == 404
    assert "root" not in [u["username"] for u in api.get("/users").json()["items"]]
    root.refresh_from_db()
    assert root.is_active and root.check_password("root-pass-123")


def test_password_reset_returns_a_working_password(personas, api_as):
    api = api_as("manager")
    rep2 = personas["rep2"]

    response = api.post(f"/users/{rep2.pk}/password")
    password = response.json()["password"]
    assert response["Cache-Control"].startswith("no-store")

    rep2.refresh_from_db()
    assert rep2.check_password(password) and not rep2.check_password("demo-pass")


def test_departments_create_nest_and_rename(teams, personas, api_as):
    api = api_as("manager")

    created = api.post("/departments", {"name": "杭州店", "parent_id": teams["a"].pk})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert created.json() == {"id": pk, "name": "杭州店", "parent_id": teams["a"].pk}

    loop = api.patch(f"/departments/{teams['a'].pk}", {"parent_id": pk})
    assert loop.status_code == 422 and list(loop.json()["errors"]) == ["parent"]

    renamed = api.patch(f"/departments/{pk}", {"name": "杭州西湖店"})
    assert renamed.json()["name"] == "杭州西湖店"
    names = {d["name"] for d in api.get("/departments").json()}
    assert names == {"总部", "华东销售组", "华南销售组", "杭州西湖店"}


def test_managers_created_by_the_services_do_not_get_djangos_admin(db):
    user = create_user("boss", "boss-pass-123", role="manager")
    assert not user.is_staff


def test_the_user_list_costs_the_same_queries_for_5_or_25_users(
    personas, teams, api_as, django_assert_max_num_queries
):
    api = api_as("manager")
    with django_assert_max_num_queries(6) as few:
        assert api.get("/users").json()["count"] == 5
    for i in range(20):
        create_user(f"rep{i + 10}", "demo-pass", department=teams["a"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/users").json()["count"] == 25


def test_transfer_to_a_read_only_user_is_422_and_nothing_moves(personas, api_as, customer_of):
    api = api_as("manager")
    customer = customer_of("rep1")
    rep1, viewer = personas["rep1"], personas["viewer"]

    response = api.post(f"/users/{rep1.pk}/deactivate", {"transfer_to": viewer.pk})

    assert response.status_code == 422
    assert "read-only" in response.json()["errors"]["transfer_to"][0]
    customer.refresh_from_db()
    rep1.refresh_from_db()
    assert customer.owner == rep1 and rep1.is_active
