"""Team administration services: accounts, scopes, departments, deactivation with handover."""

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from guanxi.accounts import team_services
from guanxi.accounts.models import ApiToken, DataScope, Department, Role
from guanxi.activities.models import Task
from guanxi.activities.services import create_task
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer


def test_add_user_creates_profile_and_a_one_time_password_that_logs_in(manager, teams):
    # when
    user, password = team_services.add_user(
        manager,
        {
            "username": "rep3",
            "display_name": "陈静",
            "role": Role.REP,
            "data_scope": DataScope.DEPARTMENT,
            "department": teams["a"].pk,
            "manager": manager.pk,
        },
    )

    # then
    assert authenticate(username="rep3", password=password) == user
    assert len(password) == 19 and password.count("-") == 3
    assert (user.profile.display_name, user.profile.department, user.profile.manager) == (
        "陈静",
        teams["a"],
        manager,
    )
    assert not user.is_staff  # Django's /admin/ is for superusers only
    entry = AuditEntry.objects.get(model="user", object_id=str(user.pk))
    assert entry.action == "create" and entry.actor == manager
    assert entry.changes["username"] == [None, "rep3"]
    assert password not in str(entry.changes)


def test_add_user_names_every_bad_field(manager):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        team_services.add_user(
            manager,
            {
                "username": "manager",
                "email": "not-an-address",
                "role": "boss",
                "data_scope": DataScope.DEPARTMENT,
                "department": 99999,
            },
        )
    assert set(caught.value.message_dict) == {"username", "email", "role", "department"}
    assert caught.value.message_dict["username"] == ["This username is taken."]


def test_department_scope_needs_a_department(manager):
    with pytest.raises(ValidationError) as caught:
        team_services.add_user(manager, {"username": "x1", "data_scope": DataScope.DEPARTMENT})
    assert list(caught.value.message_dict) == ["department"]


def test_update_user_changes_scope_and_refuses_a_reporting_loop(manager, personas):
    lead_a, rep1 = personas["lead_a"], personas["rep1"]

    team_services.update_user(
        manager, rep1, {"data_scope": DataScope.DEPARTMENT_TREE, "role": Role.READ_ONLY}
    )
    rep1.profile.refresh_from_db()
    assert (rep1.profile.data_scope, rep1.profile.role) == ("department_tree", "read_only")
    entry = AuditEntry.objects.filter(model="user", object_id=str(rep1.pk)).get()
    assert entry.changes == {
        "role": ["rep", "read_only"],
        "data_scope": ["self", "department_tree"],
    }

    # lead_a may not report to rep1, who reports to lead_a
    with pytest.raises(ValidationError) as caught:
        team_services.update_user(manager, lead_a, {"manager": rep1.pk})
    assert list(caught.value.message_dict) == ["manager"]
    lead_a.profile.refresh_from_db()
    assert lead_a.profile.manager == manager


def test_a_manager_cannot_change_their_own_role_or_deactivate_themselves(manager):
    with pytest.raises(ValidationError):
        team_services.update_user(manager, manager, {"role": Role.REP})
    with pytest.raises(ValidationError):
        team_services.deactivate_user(manager, manager)
    manager.refresh_from_db()
    assert manager.is_active and manager.profile.role == Role.MANAGER


def test_deactivation_transfers_customers_and_open_tasks_in_one_step(
    manager, personas, customer_of
):
    rep1, rep2 = personas["rep1"], personas["rep2"]
    mine = [customer_of("rep1", name=f"客户{i}") for i in range(3)]
    other = customer_of("rep2", name="别人的")
    due = timezone.now() + timedelta(days=1)
    open_task = create_task(rep1, {"title": "回访", "due_at": due}, customer=mine[0])
    done_task = create_task(rep1, {"title": "已完成", "due_at": due}, customer=mine[1])
    done_task.done_at = timezone.now()
    done_task.save()
    ApiToken.issue(rep1, 1)

    # when
    moved = team_services.deactivate_user(manager, rep1, transfer_to=rep2)

    # then
    assert moved == {"customers": 3, "tasks": 1}
    rep1.refresh_from_db()
    assert not rep1.is_active
    assert not ApiToken.objects.filter(user=rep1).exists()
    assert set(Customer.objects.filter(owner=rep2).values_list("pk", flat=True)) == {
        *(c.pk for c in mine),
        other.pk,
    }
    assert set(
        Customer.objects.filter(pk__in=[c.pk for c in mine]).values_list("department", flat=True)
    ) == {personas["rep2"].profile.department_id}
    assert Task.objects.get(pk=open_task.pk).assignee == rep2
    assert Task.objects.get(pk=done_task.pk).assignee == rep1
    for customer in mine:
        entry = AuditEntry.objects.get(model="customer", customer_id=customer.pk, action="assign")
        assert entry.actor == manager
        assert entry.changes["owner"] == [rep1.pk, rep2.pk]
    assert AuditEntry.objects.get(
        model="task", object_id=str(open_task.pk), action="assign"
    ).changes == {"assignee": [rep1.pk, rep2.pk]}


def test_deactivated_user_cannot_log_in_and_their_session_ends(personas, manager):
    rep1 = personas["rep1"]
    client = Client()
    client.force_login(rep1)
    colleague = Client()
    colleague.force_login(personas["rep2"])
    assert client.get("/customers/").status_code == 200

    team_services.deactivate_user(manager, rep1)

    assert authenticate(username="rep1", password="demo-pass") is None
    assert client.get("/customers/").status_code == 302  # back to the login page

    team_services.reactivate_user(manager, rep1)
    assert authenticate(username="rep1", password="demo-pass") == rep1
    # the browser left signed in stays signed out (a hostile review found it revived)
    assert client.get("/customers/").status_code == 302
    assert colleague.get("/customers/").status_code == 200  # nobody else's session ended


def test_reset_password_replaces_the_old_one_and_is_audited_without_it(personas, manager):
    rep1 = personas["rep1"]

    password = team_services.reset_password(manager, rep1)

    assert authenticate(username="rep1", password="demo-pass") is None
    assert authenticate(username="rep1", password=password) == rep1
    entry = AuditEntry.objects.get(model="user", object_id=str(rep1.pk))
    assert entry.changes == {"password": ["***", "***"]}


def test_departments_nest_and_cannot_loop(manager, teams):
    east = team_services.add_department(manager, {"name": "杭州店", "parent": teams["a"].pk})
    assert east.parent == teams["a"]
    assert east.pk in teams["root"].descendant_ids()

    with pytest.raises(ValidationError) as caught:
        team_services.update_department(manager, teams["root"], {"parent": east.pk})
    assert list(caught.value.message_dict) == ["parent"]
    with pytest.raises(ValidationError) as caught:
        team_services.add_department(manager, {"name": "杭州店", "parent": teams["a"].pk})
    assert list(caught.value.message_dict) == ["name"]
    teams["root"].refresh_from_db()
    assert teams["root"].parent is None
    assert Department.objects.filter(name="杭州店").count() == 1


def test_deactivation_refuses_a_read_only_recipient(manager, personas, customer_of):
    rep1, viewer = personas["rep1"], personas["viewer"]
    customer = customer_of("rep1")

    with pytest.raises(ValidationError) as refused:
        team_services.deactivate_user(manager, rep1, transfer_to=viewer)

    assert list(refused.value.message_dict) == ["transfer_to"]
    rep1.refresh_from_db()
    customer.refresh_from_db()
    assert rep1.is_active and customer.owner == rep1
