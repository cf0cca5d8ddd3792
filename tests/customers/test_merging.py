"""Merging duplicates (合并): values chosen per field, everything re-linked, undo restores."""

import pytest
from django.core.exceptions import ValidationError

from guanxi.activities.models import Interaction, Note, Task
from guanxi.activities.services import add_note, create_task, record_interaction
from guanxi.audit.models import AuditEntry
from guanxi.customers.merging import merge_customers, undo_merge
from guanxi.customers.models import Collaborator, Contact, Customer
from guanxi.customers.queries import customer_list
from guanxi.customers.services import create_contact, share_customer, update_customer
from guanxi.privacy.models import Consent
from guanxi.privacy.services import record_consent
from guanxi.sales.models import Order
from guanxi.sales.services import create_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(customer_of, personas, product, settings):
    """Two records of one company, the second with a contact, an order and some history."""
    settings.GUANXI_DUPLICATE_POLICY = {"mobile": "off", "email": "off"}
    rep = personas["rep1"]
    keep = customer_of("rep1", name="甲公司", kind="organisation", city="", mobile="13812345678")
    dupe = customer_of(
        "rep1",
        name="甲公司（上海）",
        kind="organisation",
        city="上海",
        email="jia@example.com",
        mobile="13812345678",
        tags=["老客户"],
    )
    create_contact(rep, dupe, {"name": "李四"})
    create_order(rep, dupe, {}, [{"product": product, "quantity": 1}])
    record_interaction(rep, dupe, {"channel": "phone", "direction": "outbound", "subject": "回访"})
    add_note(rep, dupe, "喜欢龙井")
    create_task(rep, {"title": "寄样品", "due_at": "2026-12-01T09:00:00+08:00"}, customer=dupe)
    record_consent(rep, dupe, "marketing", True)
    share_customer(rep, dupe, personas["lead_a"], access="read")
    return keep, dupe


def _counts(customer):
    return {
        "contact": Contact.objects.filter(customer=customer).count(),
        "order": Order.objects.filter(customer=customer).count(),
        "interaction": Interaction.objects.filter(customer=customer).count(),
        "note": Note.objects.filter(customer=customer).count(),
        "task": Task.objects.filter(customer=customer).count(),
        "consent": Consent.objects.filter(customer=customer).count(),
        "collaborator": Collaborator.objects.filter(customer=customer).count(),
        "tag": customer.tags.count(),
    }


def test_merge_moves_everything_and_undo_puts_it_back(pair, personas):
    keep, dupe = pair
    rep = personas["rep1"]
    dupe_history = AuditEntry.objects.filter(customer_id=dupe.pk).count()
    assert _counts(dupe) == dict.fromkeys(_counts(dupe), 1)

    record = merge_customers(rep, keep, dupe, {"name": "other"})

    keep.refresh_from_db()
    dupe.refresh_from_db()
    assert (keep.name, keep.city, keep.email) == ("甲公司（上海）", "上海", "jia@example.com")
    assert dupe.merged_into == keep
    assert _counts(keep) == dict.fromkeys(_counts(keep), 1)
    assert sum(_counts(dupe).values()) == 1  # only its own tag row stays
    assert list(customer_list(rep)) == [keep]
    # the trail keeps the duplicate's history under its id, and records the merge on both
    assert AuditEntry.objects.filter(customer_id=dupe.pk).count() == dupe_history + 1
    entry = AuditEntry.objects.get(customer_id=keep.pk, action="merge")
    assert entry.changes["merged"] == [dupe.pk, "甲公司（上海）"]
    assert entry.changes["name"] == ["甲公司", "甲公司（上海）"]

    # a note added after the merge stays with the survivor
    add_note(rep, keep, "合并后的记录")
    undo_merge(rep, record)

    keep.refresh_from_db()
    dupe.refresh_from_db()
    assert dupe.merged_into is None
    assert (keep.name, keep.city, keep.email) == ("甲公司", "", "")
    assert _counts(dupe) == dict.fromkeys(_counts(dupe), 1)
    assert _counts(keep)["note"] == 1
    assert keep.tags.count() == 0
    assert AuditEntry.objects.filter(action="unmerge").count() == 2
    with pytest.raises(ValidationError):
        undo_merge(rep, record)


def test_undo_keeps_a_value_edited_after_the_merge(pair, personas):
    keep, dupe = pair
    record = merge_customers(personas["rep1"], keep, dupe)
    keep.refresh_from_db()
    update_customer(personas["rep1"], keep, {"city": "杭州"})
    undo_merge(personas["rep1"], record)
    keep.refresh_from_db()
    assert keep.city == "杭州"
    assert keep.email == ""


def test_cannot_merge_twice_or_with_itself(pair, personas):
    keep, dupe = pair
    with pytest.raises(ValidationError):
        merge_customers(personas["rep1"], keep, keep)
    merge_customers(personas["rep1"], keep, dupe)
    with pytest.raises(ValidationError):
        merge_customers(personas["rep1"], keep, Customer.objects.get(pk=dupe.pk))


def test_a_merged_duplicate_no_longer_counts_for_the_duplicate_check(pair, personas, settings):
    from guanxi.customers.services import create_customer

    keep, dupe = pair
    merge_customers(personas["rep1"], keep, dupe)
    settings.GUANXI_DUPLICATE_POLICY = {"email": "block"}
    with pytest.raises(ValidationError) as info:
        create_customer(personas["rep1"], {"name": "乙", "email": "jia@example.com"})
    assert "张伟" in info.value.message_dict["email"][0]  # the survivor took the e-mail


def test_erasure_forgets_the_values_a_merge_kept(pair, personas):
    from guanxi.customers.models import MergeRecord
    from guanxi.privacy.services import erase_customer

    keep, dupe = pair
    merge_customers(personas["rep1"], keep, dupe, {"name": "other"})
    assert MergeRecord.objects.get().survivor_before == {
        "name": "甲公司",
        "city": "",
        "email": "",
    }
    keep.refresh_from_db()
    erase_customer(personas["manager"], keep)
    record = MergeRecord.objects.get()
    assert (record.survivor_before, record.survivor_after) == ({}, {})
    keep.refresh_from_db()
    assert keep.version == 3
    assert Customer.objects.get(pk=dupe.pk).merged_into == keep  # still hidden
