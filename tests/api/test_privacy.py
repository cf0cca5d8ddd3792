"""Sensitive fields revealed for a purpose and logged; consent; export and erasure."""

from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.privacy.models import Consent, RevealLog


def test_reveal_returns_the_true_value_and_logs_who_what_why(customer_of, api_as, personas):
    customer = customer_of("rep1", id_number="110101199003074514", is_minor=True)
    api = api_as("manager")

    response = api.post(
        f"/customers/{customer.pk}/reveal", {"field": "id_number", "purpose": "核对发票抬头"}
    )
    minor = api.post(
        f"/customers/{customer.pk}/reveal", {"field": "is_minor", "purpose": "核对监护人"}
    )

    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": "110101199003074514"}
    assert minor.json() == {"field": "is_minor", "value": True}
    log = RevealLog.objects.order_by("id").first()
    assert (log.user, log.customer, log.field, log.purpose, log.route) == (
        personas["manager"],
        customer,
        "id_number",
        "核对发票抬头",
        "api",
    )
    assert RevealLog.objects.count() == 2


def test_reveal_without_permission_is_403_and_not_logged(customer_of, api_as):
    customer = customer_of("rep1", id_number="110101199003074514")

    response = api_as("rep1").post(
        f"/customers/{customer.pk}/reveal", {"field": "id_number", "purpose": "好奇看看"}
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You do not have permission to view sensitive personal data."
    }
    assert not RevealLog.objects.exists()


def test_reveal_needs_a_purpose_and_a_sensitive_field(customer_of, api_as):
    customer = customer_of("rep1", id_number="110101199003074514")
    api = api_as("manager")

    short = api.post(f"/customers/{customer.pk}/reveal", {"field": "id_number", "purpose": " "})
    blank = api.post(
        f"/customers/{customer.pk}/reveal", {"field": "id_number", "purpose": "      "}
    )
    not_sensitive = api.post(
        f"/customers/{customer.pk}/reveal", {"field": "name", "purpose": "xxxx"}
    )

    assert short.status_code == 422
    assert blank.status_code == 422
    assert blank.json()["errors"] == {
        "purpose": [
            "State the purpose (at least 4 visible characters: spaces and invisible "
            "characters do not count)."
        ]
    }
    assert not_sensitive.status_code == 422
    assert list(not_sensitive.json()["errors"]) == ["field"]
    assert not RevealLog.objects.exists()


def test_consent_is_recorded_and_the_newest_is_in_force(customer_of, api_as, personas):
    customer = customer_of("rep1")
    api = api_as("rep1")
    path = f"/customers/{customer.pk}/consents"

    first = api.post(path, {"purpose": "marketing", "granted": True, "channel": "电话"})
    api.post(path, {"purpose": "marketing", "granted": False})

    assert first.status_code == 201
    assert (first.json()["purpose"], first.json()["granted"], first.json()["channel"]) == (
        "marketing",
        True,
        "电话",
    )
    assert first.json()["recorded_by_id"] == personas["rep1"].pk
    body = api.get(path).json()
    assert body["state"] == {
        "service": None,
        "marketing": False,
        "analytics": None,
        "sharing": None,
    }
    assert len(body["history"]) == 2
    assert Consent.objects.count() == 2


def test_manager_exports_personal_data_unmasked_and_the_export_is_logged(
    customer_of, api_as, personas
):
    customer = customer_of("rep1", name="张三", id_number="110101199003074514", tags=["VIP"])

    response = api_as("manager").post(
        f"/customers/{customer.pk}/personal-data", {"purpose": "客户书面申请 2026-001"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["customer"]["name"] == "张三"
    assert body["customer"]["id_number"] == "110101199003074514"
    assert body["tags"] == ["VIP"]
    assert sorted(RevealLog.objects.values_list("field", flat=True)) == [
        "bank_account",
        "health_notes",
        "id_number",
        "is_minor",
        "precise_location",
    ]
    assert set(RevealLog.objects.values_list("purpose", flat=True)) == {"客户书面申请 2026-001"}


def test_manager_erases_a_customer_on_request(customer_of, api_as):
    customer = customer_of("rep1", name="张三", mobile="13812345678")
    api = api_as("manager")

    response = api.post(f"/customers/{customer.pk}/erase", {"purpose": "客户要求删除"})

    assert response.status_code == 204
    customer.refresh_from_db()
    assert (customer.name, customer.mobile, customer.do_not_contact) == (
        f"#{customer.pk}",
        "",
        True,
    )
    assert customer.erased_at is not None
    assert AuditEntry.objects.filter(customer_id=customer.pk, action="erase").count() == 1
    assert api.get(f"/customers/{customer.pk}").status_code == 404
    assert Customer.objects.count() == 1
