"""Sensitive data hidden by default and every reveal logged; consent; export and erasure."""

import pytest

from guanxi.activities.services import add_note
from guanxi.audit.models import AuditEntry
from guanxi.customers.services import update_customer
from guanxi.privacy.models import RevealLog
from guanxi.privacy.sensitive import RevealDenied, masked_dict, reveal
from guanxi.privacy.services import (
    consent_state,
    erase_customer,
    export_personal_data,
    may_contact,
    record_consent,
)


def test_masking_shows_presence_not_value(customer_of):
    customer = customer_of("rep1", id_number="110101199003071234", health_notes="糖尿病")
    masked = masked_dict(customer)
    assert masked["id_number"] == "••••34"
    assert masked["health_notes"] == "••••"
    assert "糖尿病" not in str(masked) and "1101011990" not in str(masked)


@pytest.mark.parametrize("left_out", [[], ["is_minor"]])
def test_the_service_keeps_stored_values_sent_back_masked(personas, customer_of, left_out):
    # given: what any page or API shows of a customer, sent back with one real change
    customer = customer_of(
        "rep1", city="杭州", id_number="110101199003071234", health_notes="糖尿病", is_minor=True
    )
    sent = {**masked_dict(customer), "city": "宁波"}
    for field in left_out:
        del sent[field]

    # when
    update_customer(personas["rep1"], customer, sent)

    # then
    customer.refresh_from_db()
    assert (customer.city, customer.id_number, customer.health_notes, customer.is_minor) == (
        "宁波",
        "110101199003071234",
        "糖尿病",
        True,
    )
    update = AuditEntry.objects.get(customer_id=customer.pk, action="update")
    assert update.changes == {"city": ["杭州", "宁波"]}


def test_reveal_requires_permission_and_purpose_and_is_logged(personas, customer_of):
    customer = customer_of("rep1", health_notes="糖尿病")
    with pytest.raises(RevealDenied):
        reveal(personas["rep1"], customer, "health_notes", "想看看")
    with pytest.raises(ValueError):
        reveal(personas["manager"], customer, "health_notes", "")
    assert RevealLog.objects.count() == 0
    assert reveal(personas["manager"], customer, "health_notes", "售后理赔核实") == "糖尿病"
    log = RevealLog.objects.get()
    assert (log.user, log.customer, log.field, log.purpose) == (
        personas["manager"],
        customer,
        "health_notes",
        "售后理赔核实",
    )


def test_consent_state_and_contact_rules(personas, customer_of):
    customer = customer_of("rep1")
    assert may_contact(customer, "service") is True
    assert may_contact(customer, "marketing") is False  # never asked
    record_consent(personas["rep1"], customer, "marketing", True, channel="门店登记表")
    assert consent_state(customer)["marketing"] is True
    assert may_contact(customer, "marketing") is True
    customer.do_not_contact = True
    assert may_contact(customer, "service") is False


def test_export_then_erase_on_request(personas, customer_of):
    customer = customer_of("rep1", name="张三", mobile="13812345678", tags=["VIP"])
    add_note(personas["rep1"], customer, "客户要求删除个人信息")
    exported = export_personal_data(customer)
    assert exported["customer"]["name"] == "张三" and exported["tags"] == ["VIP"]
    erase_customer(personas["manager"], customer)
    customer.refresh_from_db()
    assert customer.name == f"#{customer.pk}" and customer.mobile == ""
    assert customer.erased_at is not None and customer.do_not_contact
    assert customer.notes.count() == 0 and customer.tags.count() == 0


def test_an_edit_begun_before_an_erasure_is_stale(personas, customer_of):
    """Erasure takes a new version of the interactions it blanks, so an editor who loaded one
    before cannot write its content back."""
    from guanxi.activities.models import Interaction
    from guanxi.activities.services import record_interaction, update_interaction
    from guanxi.services_common import StaleEdit

    customer = customer_of("rep1")
    recorded = record_interaction(
        personas["rep1"],
        customer,
        {"channel": "phone", "direction": "inbound", "subject": "张三来电", "content": "住址"},
    )
    open_in_editor = Interaction.objects.select_related("customer").get(pk=recorded.pk)
    erase_customer(personas["manager"], customer)
    with pytest.raises(StaleEdit):
        update_interaction(personas["rep1"], open_in_editor, {"content": "住址：北京"}, version=1)
    recorded.refresh_from_db()
    assert (recorded.subject, recorded.content, recorded.version) == ("—", "", 2)
