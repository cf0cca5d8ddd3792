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
