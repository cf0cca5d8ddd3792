"""Erasure removes the personal data from the audit trail too, keeping the fact of each change
(issue 7 item 9)."""

import json
from datetime import timedelta

from django.utils import timezone

from guanxi.activities import services as activities
from guanxi.audit.models import AuditEntry
from guanxi.audit.services import ERASED_PLACEHOLDER
from guanxi.customers import services as customers
from guanxi.privacy import services as privacy
from guanxi.sales import services as sales

NAME, MOBILE, EMAIL, WECHAT = "欧阳娜娜", "13912345678", "nana.ouyang@example.com", "nana_tea88"


def _trail_json() -> str:
    rows = AuditEntry.objects.values_list("changes", "model", "object_id")
    return json.dumps(list(rows), ensure_ascii=False)


def test_after_erasure_no_personal_value_of_the_customer_is_in_the_audit_table(
    personas, customer_of, product
):
    rep1, manager = personas["rep1"], personas["manager"]
    customer = customer_of(
        "rep1", name=NAME, mobile=MOBILE, email=EMAIL, wechat=WECHAT, city="杭州"
    )
    customers.update_customer(rep1, customer, {"name": NAME + "女士", "street": "西湖路 8 号"})
    org = customer_of("rep1", name="娜娜茶庄", kind="organisation")
    activities.record_interaction(
        rep1,
        customer,
        {
            "channel": "email",
            "direction": "outbound",
            "subject": f"回复 {NAME}",
            "content": f"已发到 {EMAIL}",
        },
    )
    interaction = activities.record_interaction(
        rep1, customer, {"channel": "phone", "direction": "inbound", "subject": "来电"}
    )
    activities.update_interaction(rep1, interaction, {"content": f"回拨 {MOBILE}"})
    task = activities.create_task(
        rep1,
        {"title": f"给{NAME}打电话", "due_at": timezone.now() + timedelta(days=2)},
        customer=customer,
    )
    activities.complete_task(rep1, task)
    activities.add_note(rep1, customer, f"{NAME} 的微信是 {WECHAT}")
    privacy.record_consent(rep1, customer, "marketing", True, channel=f"{NAME} 签字")
    order = sales.create_order(
        rep1, customer, {"status": "pending"}, [{"product": product, "quantity": 2}]
    )
    sales.update_order(rep1, order, {"status": "paid"})
    stored_mobile = type(customer).objects.get(pk=customer.pk).mobile
    assert NAME in _trail_json() and EMAIL in _trail_json()  # the trail held them
    untouched = AuditEntry.objects.filter(customer_id=org.pk).count()

    privacy.erase_customer(manager, customer)

    trail = _trail_json()
    for value in [NAME, MOBILE, stored_mobile, EMAIL, WECHAT, "西湖路", "杭州", "签字"]:
        assert value not in trail, value
    # The fact of every change stays: action, record, who, when, field names.
    mine = AuditEntry.objects.filter(customer_id=customer.pk)
    update = mine.get(model="customer", action="update")
    assert set(update.changes) == {"name", "street"} and update.actor == rep1
    assert update.changes["name"] == [ERASED_PLACEHOLDER, ERASED_PLACEHOLDER]
    assert mine.filter(model="interaction", action="create").count() == 2
    assert mine.get(model="task", action="create").changes["title"] == [None, ERASED_PLACEHOLDER]
    assert mine.filter(model="task", action="update").get().changes["done_at"][1] is not None
    assert mine.get(model="note", action="delete").actor == manager
    consent = mine.get(model="consent", action="create").changes
    assert (consent["granted"], consent["purpose"]) == ([None, True], [None, "marketing"])
    assert mine.get(model="consent", action="erase").changes == {"channel": [None, ""]}
    # Orders stay for the books, anonymised; their number, status and total are not personal.
    created = mine.get(model="order", action="create").changes
    assert created["number"] == [None, order.number] and created["total"] == [None, "256.00"]
    assert mine.get(model="order", action="update").changes == {"status": ["pending", "paid"]}
    erase = mine.get(action="erase", model="customer")
    assert erase.actor == manager and list(erase.changes) == ["erased"]
    # The consent stays as proof, without how it was obtained (it named her).
    assert list(customer.consents.values_list("purpose", "granted", "channel")) == [
        ("marketing", True, "")
    ]
    # Other customers' trails are not touched.
    assert AuditEntry.objects.filter(customer_id=org.pk).count() == untouched
    assert "娜娜茶庄" in _trail_json()


def test_erasing_an_organisation_scrubs_its_contacts_entries(personas, customer_of):
    rep1 = personas["rep1"]
    org = customer_of("rep1", name="龙井贸易公司", kind="organisation")
    contact = customers.create_contact(
        rep1, org, {"name": "司马懿", "mobile": "13700137000", "email": "sima@example.com"}
    )
    customers.update_contact(rep1, contact, {"title": "总经理"})

    privacy.erase_customer(personas["manager"], org)

    trail = _trail_json()
    for value in ["司马懿", "13700137000", "sima@example.com", "总经理", "龙井贸易公司"]:
        assert value not in trail, value
    models = set(
        AuditEntry.objects.filter(customer_id=org.pk, model="contact").values_list(
            "action", flat=True
        )
    )
    assert models == {"create", "update", "delete"}
