"""Claiming from the pool: limits, the reclaim bar, and simultaneous claimers (exactly one wins,
on SQLite and PostgreSQL alike), release and lock."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.http import Http404
from django.utils import timezone, translation

from guanxi.accounts.models import Role
from guanxi.accounts.services import create_user
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.pool.services import ClaimRefused, claim_customer, release_customer


def _in_threads(count: int, work) -> list:
    """Run work(i) in `count` threads at once, each on its own database connection."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db
def test_a_claim_makes_the_rep_the_owner_and_is_audited(make_pool, pooled, rep1, rep2):
    pool = make_pool()
    customer = pooled(pool, name="待领客户")
    assert (customer.owner, customer.previous_owner) == (None, rep2)

    claimed = claim_customer(rep1, customer.pk)
    assert claimed.owner == rep1 and claimed.pooled_at is None
    assert claimed.department == rep1.profile.department
    assert claimed.return_due == timezone.localdate() + timedelta(days=30)
    entry = AuditEntry.objects.filter(customer_id=customer.pk, action="assign").latest("id")
    assert entry.actor == rep1 and entry.changes["owner"] == [None, rep1.pk]


@pytest.mark.django_db
def test_the_owned_limit_refuses_one_more(make_pool, pooled, customer_of, rep1):
    pool = make_pool(owned_limit=1)
    mine = customer_of("rep1", name="已有客户")
    Customer.objects.filter(pk=mine.pk).update(pool=pool)
    customer = pooled(pool)
    with pytest.raises(ClaimRefused, match="limit"):
        claim_customer(rep1, customer.pk)
    assert Customer.objects.get(pk=customer.pk).owner is None


@pytest.mark.django_db
def test_the_previous_owner_is_barred_for_k_days(make_pool, pooled, rep2):
    pool = make_pool(teams_=("a", "b"), reclaim_bar_days=7)
    customer = pooled(pool)  # rep2 had it
    with pytest.raises(ClaimRefused, match="claim it again from"):
        claim_customer(rep2, customer.pk)
    Customer.objects.filter(pk=customer.pk).update(pooled_at=timezone.now() - timedelta(days=8))
    assert claim_customer(rep2, customer.pk).owner == rep2


@pytest.mark.django_db
def test_outside_the_pools_teams_the_customer_is_absent(make_pool, pooled, rep2, personas):
    pool = make_pool(teams_=("a",))
    customer = pooled(pool)
    with pytest.raises(Http404):
        claim_customer(rep2, customer.pk)  # rep2's team is no member
    with pytest.raises(PermissionDenied):
        claim_customer(personas["viewer"], customer.pk)  # a member team, read-only role
    assert Customer.objects.get(pk=customer.pk).owner is None


@pytest.mark.django_db
def test_release_needs_the_owner_side_and_a_pool(make_pool, customer_of, rep1, rep2):
    make_pool(teams_=("b",))  # a pool, but none of rep1's team: the customer has no home pool
    customer = customer_of("rep1")
    with pytest.raises(Http404):
        release_customer(rep2, customer.pk)
    with pytest.raises(ValidationError, match="pool"):
        release_customer(rep1, customer.pk)  # no home pool: which one?
    assert Customer.objects.get(pk=customer.pk).owner == rep1


def _claimers(teams, count):
    return [
        create_user(f"claimer{i}", "demo-pass", department=teams["a"], role=Role.REP)
        for i in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_claimers_exactly_one_wins(make_pool, pooled, teams):
    pool = make_pool()
    customer = pooled(pool, name="抢手客户")
    reps = _claimers(teams, 6)

    results = _in_threads(len(reps), lambda i: claim_customer(reps[i], customer.pk))

    winners = [r for r in results if isinstance(r, Customer)]
    losers = [r for r in results if isinstance(r, ClaimRefused)]
    assert len(winners) == 1 and len(losers) == 5, results
    assert all("Someone else has just claimed" in str(r) for r in losers)
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.owner_id == winners[0].owner_id
    assert (
        AuditEntry.objects.filter(
            customer_id=customer.pk, changes__has_key="claimed_from_pool"
        ).count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_one_rep_claiming_many_at_once_stays_within_the_limit(make_pool, pooled, teams):
    pool = make_pool(owned_limit=2)
    customers = [pooled(pool, name=f"客户{i}") for i in range(6)]
    [rep] = _claimers(teams, 1)

    results = _in_threads(6, lambda i: claim_customer(rep, customers[i].pk))

    assert sum(isinstance(r, Customer) for r in results) == 2, results
    assert sum(isinstance(r, ClaimRefused) for r in results) == 4
    assert Customer.objects.filter(owner=rep).count() == 2
