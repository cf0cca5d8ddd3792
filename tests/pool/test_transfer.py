"""Transfer (客户转移): one, a selection, all of a leaving rep's customers; to a rep or a team;
what moves along; the old owner's read access; who may."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from guanxi.accounts.services import create_user
from guanxi.activities.models import Task
from guanxi.activities.services import create_task
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Collaborator, Customer
from guanxi.pool.transfers import transfer
from guanxi.services_common import customers_transferred

pytestmark = pytest.mark.django_db


def test_a_leaving_reps_customers_move_with_tasks_and_read_access(
    customer_of, personas, manager, rep1, rep2
):
    first, second = customer_of("rep1", name="甲"), customer_of("rep1", name="乙")
    open_task = create_task(rep1, {"title": "回访", "due_at": timezone.now()}, customer=first)
    done = create_task(rep1, {"title": "已办", "due_at": timezone.now()}, customer=first)
    Task.objects.filter(pk=done.pk).update(done_at=timezone.now())
    heard = []

    def receiver(sender, **kwargs):
        heard.append(
            (sorted(kwargs["customer_ids"]), kwargs["from_user"], kwargs["to_user"], kwargs["move"])
        )

    customers_transferred.connect(receiver, dispatch_uid="test-transfer")
    try:
        n = transfer(
            manager,
            from_user_id=rep1.pk,
            to_user_id=rep2.pk,
            move=["tasks", "opportunities"],
            keep_read=True,
        )
    finally:
        customers_transferred.disconnect(dispatch_uid="test-transfer")

    assert n == 2
    assert set(Customer.objects.filter(owner=rep2).values_list("name", flat=True)) == {"甲", "乙"}
    assert heard == [(sorted([first.pk, second.pk]), rep1, rep2, {"tasks", "opportunities"})]
    assert Task.objects.get(pk=open_task.pk).assignee == rep2
    assert Task.objects.get(pk=done.pk).assignee == rep1  # done work stays with who did it
    assert Collaborator.objects.filter(user=rep1, access="read").count() == 2
    assert Customer.objects.get(pk=first.pk).department == rep2.profile.department
    entry = AuditEntry.objects.filter(customer_id=first.pk, action="assign").latest("id")
    assert entry.changes["owner"] == [rep1.pk, rep2.pk]


def test_without_tasks_ticked_the_tasks_stay(customer_of, manager, rep1, rep2):
    customer = customer_of("rep1")
    task = create_task(rep1, {"title": "回访", "due_at": timezone.now()}, customer=customer)
    transfer(manager, ids=[customer.pk], to_user_id=rep2.pk)
    assert Task.objects.get(pk=task.pk).assignee == rep1
    assert not Collaborator.objects.filter(user=rep1).exists()


def test_a_selection_spread_over_a_team(customer_of, manager, teams):
    a = create_user("east1", "demo-pass", department=teams["b"])
    b = create_user("east2", "demo-pass", department=teams["b"])
    ids = [customer_of("rep1", name=f"客户{i}").pk for i in range(4)]
    # rep2 is in team b too: three members share four customers
    assert transfer(manager, ids=ids, to_team_id=teams["b"].pk) == 4
    owners = list(Customer.objects.filter(pk__in=ids).values_list("owner__username", flat=True))
    assert sorted(set(owners)) == sorted({a.username, b.username, "rep2"})


def test_a_rep_may_not_transfer_and_nothing_changes(customer_of, rep1, rep2):
    customer = customer_of("rep1")
    with pytest.raises(PermissionDenied):
        transfer(rep1, ids=[customer.pk], to_user_id=rep2.pk)
    assert Customer.objects.get(pk=customer.pk).owner == rep1


def test_a_lead_transfers_only_within_their_scope(customer_of, personas, rep1, rep2):
    lead = personas["lead_a"]
    theirs = customer_of("rep2")
    with pytest.raises(ValidationError, match="not yours"):
        transfer(lead, ids=[theirs.pk], to_user_id=rep1.pk)
    mine = customer_of("rep1")
    with pytest.raises(ValidationError, match="colleagues you lead"):
        transfer(lead, ids=[mine.pk], to_user_id=rep2.pk)  # rep2 is not under the lead
    assert transfer(lead, ids=[mine.pk], to_user_id=lead.pk) == 1
    assert Customer.objects.get(pk=theirs.pk).owner == rep2


def test_the_transfer_page_and_api(customer_of, client_for, api_as, rep1, rep2):
    customer = customer_of("rep1", name="转移客户")
    page = client_for("manager").post(
        "/pool/transfer/",
        {"ids": str(customer.pk), "to_user": rep2.pk, "move": ["tasks"], "keep_read": "on"},
    )
    assert page.status_code == 302
    assert Customer.objects.get(pk=customer.pk).owner == rep2
    assert client_for("rep1").get("/pool/transfer/").status_code == 403
    answer = api_as("manager").post(
        "/transfers", {"ids": [customer.pk], "to_user_id": rep1.pk, "move": ["gifts"]}
    )
    assert answer.status_code == 422 and "gifts" in answer.json()["detail"]
    answer = api_as("manager").post("/transfers", {"ids": [customer.pk], "to_user_id": rep1.pk})
    assert answer.json() == {"transferred": 1}
    assert (
        api_as("rep1").post("/transfers", {"ids": [customer.pk], "to_user_id": rep2.pk}).status_code
        == 403
    )


def test_the_customer_lists_bulk_action_opens_the_transfer_page_with_the_selection(
    customer_of, client_for
):
    first, second = customer_of("rep1", name="甲"), customer_of("rep1", name="乙")
    answer = client_for("manager").post(
        "/customers/bulk/", {"action": "transfer", "ids": [first.pk, second.pk]}
    )
    assert answer.status_code == 302
    page = client_for("manager").get(answer["Location"])
    assert f'value="{first.pk} {second.pk}"' in page.content.decode()


def test_a_leavers_hand_over_and_a_single_assignment_restart_the_pool_clock(
    make_pool, customer_of, manager, rep1, rep2
):
    from datetime import timedelta

    from guanxi.customers.services import assign_owner, transfer_customers
    from guanxi.pool import rules

    pool = make_pool(teams_=("a", "b"), rules={"B": {"follow_up_days": 30}})
    first, second = customer_of("rep1", name="甲"), customer_of("rep1", name="乙")
    long_ago = timezone.now() - timedelta(days=25)
    Customer.objects.filter(pk__in=[first.pk, second.pk]).update(
        pool=pool, created_at=long_ago, locked=True
    )
    Customer.objects.filter(pk=first.pk).update(locked=False)
    rules.recompute()
    today = timezone.localdate()
    assert Customer.objects.get(pk=first.pk).return_due == today + timedelta(days=5)

    transfer_customers(manager, rep1, rep2)  # 离职交接 from the team page
    moved = Customer.objects.get(pk=first.pk)
    assert (moved.owner, moved.previous_owner) == (rep2, rep1)
    assert moved.return_due == today + timedelta(days=30)  # the clock starts again
    assert Customer.objects.get(pk=second.pk).locked is False  # the old owner's lock goes

    assign_owner(manager, moved, rep1)
    moved.refresh_from_db()
    assert (moved.owner, moved.previous_owner, moved.return_due) == (
        rep1,
        rep2,
        today + timedelta(days=30),
    )
