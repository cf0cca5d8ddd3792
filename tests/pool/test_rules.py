"""The return rules (rules.py): each clock, the exemptions, the reminder, the return itself."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from guanxi.accounts.preferences import set_own_language
from guanxi.activities.models import Task
from guanxi.activities.services import record_interaction
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.pool import rules
from guanxi.pool.models import PoolRun
from guanxi.pool.services import run_rules, set_locked

pytestmark = pytest.mark.django_db


def _age(customer, days, **fields):
    """Pretend the customer was taken `days` ago (owned_since), and set other fields."""
    when = timezone.now() - timedelta(days=days)
    Customer.objects.filter(pk=customer.pk).update(owned_since=when, created_at=when, **fields)


def _due(customer):
    return Customer.objects.values_list("return_due", flat=True).get(pk=customer.pk)


def test_the_follow_up_clock_counts_from_the_owners_last_follow_up(make_pool, customer_of, rep1):
    pool = make_pool(rules={"B": {"follow_up_days": 30}})
    customer = customer_of("rep1", name="跟进客户", level="B")
    Customer.objects.filter(pk=customer.pk).update(pool=pool)
    _age(customer, 20)
    rules.recompute()
    today = timezone.localdate()
    assert _due(customer) == today + timedelta(days=10)

    # a follow-up by the owner five days ago: 25 days left
    record_interaction(
        rep1,
        customer,
        {
            "channel": "phone",
            "direction": "outbound",
            "subject": "回访",
            "occurred_at": timezone.now() - timedelta(days=5),
        },
    )
    assert _due(customer) == today + timedelta(days=25)


def test_an_interaction_by_someone_else_does_not_restart_the_clock(make_pool, customer_of, manager):
    pool = make_pool(rules={"B": {"follow_up_days": 30}})
    customer = customer_of("rep1", level="B")
    Customer.objects.filter(pk=customer.pk).update(pool=pool)
    _age(customer, 20)
    rules.recompute()
    record_interaction(
        manager, customer, {"channel": "phone", "direction": "outbound", "subject": "x"}
    )
    assert _due(customer) == timezone.localdate() + timedelta(days=10)


def test_the_deal_clock_and_the_earlier_of_the_two(make_pool, customer_of, rep1, product):
    from guanxi.sales.services import create_order

    pool = make_pool(rules={"A": {"follow_up_days": 60, "deal_days": 40}})
    customer = customer_of("rep1", level="A")
    Customer.objects.filter(pk=customer.pk).update(pool=pool)
    _age(customer, 30)
    rules.recompute()
    today = timezone.localdate()
    assert _due(customer) == today + timedelta(days=10)  # deal: 40 - 30 < follow-up: 60 - 30

    order = create_order(rep1, customer, {}, [{"product": product, "quantity": 1}])
    from guanxi.sales.models import Order

    Order.objects.filter(pk=order.pk).update(ordered_at=timezone.now() - timedelta(days=5))
    rules.recompute()
    assert _due(customer) == today + timedelta(days=30)  # follow-up 60 - 30 < deal 40 - 5


def test_a_won_customer_stays_for_the_won_window(make_pool, customer_of, rep1, product):
    from guanxi.sales.models import Order
    from guanxi.sales.services import create_order

    pool = make_pool(rules={"C": {"follow_up_days": 10}}, exempt_won=True, won_days=90)
    customer = customer_of("rep1", level="C")
    Customer.objects.filter(pk=customer.pk).update(pool=pool)
    _age(customer, 50)
    order = create_order(rep1, customer, {}, [{"product": product, "quantity": 1}])
    Order.objects.filter(pk=order.pk).update(ordered_at=timezone.now() - timedelta(days=20))
    rules.recompute()
    # without the exemption it would be overdue (50 > 10 days); won 20 days ago: 70 days left
    assert _due(customer) == timezone.localdate() + timedelta(days=70)

    # a cancelled order is no deal
    Order.objects.filter(pk=order.pk).update(status="cancelled")
    rules.recompute()
    assert _due(customer) == timezone.localdate() - timedelta(days=40)


def test_a_locked_customer_never_returns_within_the_lock_limit(make_pool, customer_of, rep1):
    from django.core.exceptions import ValidationError

    pool = make_pool(rules={"B": {"follow_up_days": 5}}, locked_limit=1)
    first, second = customer_of("rep1", name="甲"), customer_of("rep1", name="乙")
    Customer.objects.filter(pk__in=[first.pk, second.pk]).update(pool=pool)
    _age(first, 30)
    rules.recompute()
    set_locked(rep1, first.pk, True)
    assert _due(first) is None
    with pytest.raises(ValidationError, match="limit"):
        set_locked(rep1, second.pk, True)
    run_rules()
    assert Customer.objects.get(pk=first.pk).owner == rep1  # locked: kept
    set_locked(rep1, first.pk, False)
    assert _due(first) == timezone.localdate() - timedelta(days=25)


def test_the_run_returns_due_customers_keeping_history_and_reminds_the_others(
    make_pool, customer_of, rep1
):
    overdue = customer_of("rep1", name="到期客户")  # made before the pool: none yet
    soon = customer_of("rep1", name="将到期客户")
    later = customer_of("rep1", name="未到期客户")
    pool = make_pool(rules={"B": {"follow_up_days": 30}}, remind_days=3)
    long_ago = timezone.now() - timedelta(days=31)
    record_interaction(
        rep1,
        overdue,
        {"channel": "phone", "direction": "outbound", "subject": "旧", "occurred_at": long_ago},
    )
    _age(overdue, 40)
    _age(soon, 28)
    _age(later, 5)

    run = run_rules()  # the first run gives home pools (rep1's team is a member) and computes
    assert (run.assigned, run.returned, run.reminded) == (3, 1, 1)
    overdue.refresh_from_db()
    assert (overdue.owner, overdue.previous_owner, overdue.pool) == (None, rep1, pool)
    assert overdue.pooled_at is not None and overdue.return_due is None
    assert overdue.interactions.count() == 1  # the history stays
    entry = AuditEntry.objects.filter(customer_id=overdue.pk, action="assign").latest("id")
    assert entry.changes["owner"] == [rep1.pk, None]
    reminder = Task.objects.get(customer=soon, kind="follow_up")
    assert reminder.assignee == rep1 and "将到期客户" in reminder.title

    # once per customer and return date: a second run reminds nobody again
    again = run_rules()
    assert (again.returned, again.reminded) == (0, 0)
    assert PoolRun.objects.count() == 2
    assert Task.objects.filter(customer=soon, kind="follow_up").count() == 1


def test_the_return_reminder_is_in_the_owners_language(make_pool, customer_of, rep1):
    make_pool(rules={"B": {"follow_up_days": 30}}, remind_days=3)
    set_own_language(rep1, "en")
    soon = customer_of("rep1", name="将到期客户")
    _age(soon, 28)

    with translation.override("zh-hans"):
        assert run_rules().reminded == 1

    due = Customer.objects.get(pk=soon.pk).return_due
    assert Task.objects.get(customer=soon, kind="follow_up").title == (
        f"Follow up 将到期客户: back to the public pool on {due.isoformat()}"
    )
