"""Loyalty type, lost and won back as services: the rule of who may (scope), the validation,
the audit trail keeping the history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.audit.models import AuditEntry
from guanxi.customers import retention
from guanxi.customers.models import Customer
from guanxi.customers.services import share_customer

pytestmark = pytest.mark.django_db


def _stored(customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


def test_marking_lost_needs_a_reason_and_keeps_it_with_the_note(personas, customer_of):
    # given
    rep1 = personas["rep1"]
    customer = customer_of("rep1", name="钱七")
    version = customer.version

    # when a reason is missing or unknown, nothing is written
    for reason in ("", "bored"):
        with pytest.raises(ValidationError) as refused:
            retention.mark_lost(rep1, customer, reason, "说不清")
        assert "reason" in refused.value.message_dict
    assert _stored(customer).lost_at is None
    assert not AuditEntry.objects.filter(customer_id=customer.pk, action="update").exists()

    # when marked lost with a reason
    retention.mark_lost(rep1, customer, "competitor", "  被对手以低价挖走  ")

    # then the customer carries it and the trail says so
    stored = _stored(customer)
    assert stored.lost_reason == "competitor" and stored.lost_note == "被对手以低价挖走"
    assert stored.lost_at is not None and stored.version == version + 1
    entry = AuditEntry.objects.filter(customer_id=customer.pk, action="update").latest("id")
    assert entry.actor == rep1
    assert entry.changes["lost_reason"] == ["", "competitor"]
    assert entry.changes["lost_at"][0] is None


def test_marking_again_corrects_the_reason_and_keeps_the_date(personas, customer_of):
    rep1 = personas["rep1"]
    customer = customer_of("rep1")
    retention.mark_lost(rep1, customer, "price")
    first = _stored(customer).lost_at

    retention.mark_lost(rep1, customer, "service", "其实是服务问题")

    stored = _stored(customer)
    assert (stored.lost_at, stored.lost_reason) == (first, "service")


def test_win_back_clears_the_mark_and_the_trail_keeps_the_history(personas, customer_of):
    # given a lost customer
    manager = personas["manager"]
    customer = customer_of("rep1")
    retention.mark_lost(manager, customer, "weak_trust", "关系淡了")

    # when the manager wins it back
    retention.win_back(manager, customer, "经理拜访后恢复合作")

    # then it is no longer lost, and the trail holds the loss and the win-back
    stored = _stored(customer)
    assert (stored.lost_at, stored.lost_reason, stored.lost_note) == (None, "", "")
    lost, won = AuditEntry.objects.filter(customer_id=customer.pk, action="update").order_by("id")
    assert lost.changes["lost_reason"] == ["", "weak_trust"]
    assert won.changes["lost_reason"] == ["weak_trust", ""]
    assert won.changes["lost_note"] == ["关系淡了", ""]
    assert won.changes["won_back_note"] == [None, "经理拜访后恢复合作"]
    # a customer that is not lost cannot be won back
    with pytest.raises(ValidationError):
        retention.win_back(manager, customer)


def test_only_the_owners_side_marks_lost_never_a_collaborator(personas, customer_of):
    # given rep1's customer shared for writing with rep2, and read-only viewer in the team
    rep1, rep2 = personas["rep1"], personas["rep2"]
    customer = customer_of("rep1")
    share_customer(rep1, customer, rep2, access="write")

    # when others try
    for user in (rep2, personas["viewer"]):
        with pytest.raises(PermissionDenied):
            retention.mark_lost(user, customer, "price")
    # a lead over the owner may
    retention.mark_lost(personas["lead_a"], customer, "price")
    with pytest.raises(PermissionDenied):
        retention.win_back(rep2, customer)

    # then only the lead's mark was written
    assert _stored(customer).lost_reason == "price"
    lost_entries = AuditEntry.objects.filter(customer_id=customer.pk, changes__has_key="lost_at")
    assert [e.actor for e in lost_entries] == [personas["lead_a"]]


def test_loyalty_type_is_set_by_whoever_may_write(personas, customer_of):
    rep1, rep2 = personas["rep1"], personas["rep2"]
    customer = customer_of("rep1")
    share_customer(rep1, customer, rep2, access="write")

    retention.set_loyalty_type(rep2, customer, "incentive")  # a write collaborator may
    assert _stored(customer).loyalty_type == "incentive"
    with pytest.raises(PermissionDenied):
        retention.set_loyalty_type(personas["viewer"], customer, "price")
    with pytest.raises(ValidationError) as refused:
        retention.set_loyalty_type(rep1, customer, "fanatic")
    assert "loyalty_type" in refused.value.message_dict
    retention.set_loyalty_type(rep1, customer, "")  # back to the suggested one

    assert _stored(customer).loyalty_type == ""
    changes = [
        e.changes["loyalty_type"]
        for e in AuditEntry.objects.filter(
            customer_id=customer.pk, changes__has_key="loyalty_type"
        ).order_by("id")
    ]
    assert changes == [["", "incentive"], ["incentive", ""]]


def test_two_marks_at_once_keep_the_first_date(personas, customer_of):
    """Hostile review: six simultaneous marks each wrote their own date; each request had read
    the customer before the others wrote. The date is now read under the row lock."""
    from guanxi.customers.models import Customer

    rep1 = personas["rep1"]
    customer = customer_of("rep1")
    first_request = Customer.objects.get(pk=customer.pk)  # both loaded before either wrote
    second_request = Customer.objects.get(pk=customer.pk)
    retention.mark_lost(rep1, first_request, "price")
    first = _stored(customer).lost_at
    retention.mark_lost(rep1, second_request, "price")
    assert _stored(customer).lost_at == first
