"""Caches keyed on a scope's filter (the dashboards') go stale when a customer changes hands or
is erased: those services move the customer-set generation the keys carry (hostile review of
issue 9: a transferred customer's name stayed on the old owner's CLV dashboard for 15 min)."""

import pytest
from django.contrib.auth import get_user_model

from guanxi.customers import services
from guanxi.privacy import services as privacy
from guanxi.services_common import customer_set_generation

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit runs


def test_a_transfer_and_an_erasure_move_the_generation(customer_of):
    users = get_user_model().objects
    manager, rep2 = users.get(username="manager"), users.get(username="rep2")
    customer = customer_of("rep1", name="孙八")

    before = customer_set_generation()
    services.assign_owner(manager, customer, rep2)
    after_transfer = customer_set_generation()
    assert after_transfer != before

    privacy.erase_customer(manager, customer)
    assert customer_set_generation() != after_transfer


def test_a_change_schedules_one_dashboard_pass_for_a_burst(customer_of):
    """The dashboards keyed on the old generation are no longer served: the worker recomputes
    them shortly after (one pass for a burst of transfers, not one per customer)."""
    from huey.contrib.djhuey import HUEY

    from guanxi.insights.tasks import warm_after_change

    HUEY.flush()
    users = get_user_model().objects
    manager = users.get(username="manager")
    for name in ("甲", "乙", "丙"):
        services.assign_owner(manager, customer_of("rep1", name=name), users.get(username="rep2"))
    queued = [t for t in HUEY.pending() if t.name == "warm_after_change"]
    assert len(queued) == 1 and queued[0].eta is not None  # in WARM_AFTER_CHANGE_DELAY

    warm_after_change.call_local()  # the pass starts: changes from now on schedule another
    services.assign_owner(manager, customer_of("rep1", name="丁"), users.get(username="rep2"))
    assert len([t for t in HUEY.pending() if t.name == "warm_after_change"]) == 2
