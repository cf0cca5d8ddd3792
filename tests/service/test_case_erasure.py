"""Erasing a customer (数据主体请求) blanks its cases' free text and scrubs their trail."""

from guanxi.audit.models import AuditEntry
from guanxi.privacy.services import erase_customer
from guanxi.service import services
from guanxi.service.models import Case


def test_erasure_blanks_the_cases_text_and_trail(personas, open_case, customer_of):
    customer = customer_of("rep1", name="王秘密")
    case = open_case(customer=customer, subject="王秘密投诉", description="王秘密的住址在某处")
    services.resolve_case(personas["rep1"], case.pk, {"resolution": "给王秘密退款"})
    services.record_follow_up(
        personas["rep1"], case.pk, {"satisfaction_score": 2, "satisfaction_note": "王秘密不满"}
    )
    other = open_case(subject="别人的投诉")

    erase_customer(personas["rep1"], customer)

    case.refresh_from_db()
    assert (case.subject, case.description, case.resolution, case.satisfaction_note) == (
        "—",
        "",
        "",
        "",
    )
    assert case.cause == "product_quality" and case.satisfaction_score == 2  # figures stay
    entries = AuditEntry.objects.filter(model="case", object_id=str(case.pk))
    assert entries.filter(action="erase").exists()
    assert "王秘密" not in str(list(entries.values_list("changes", flat=True)))
    assert Case.objects.get(pk=other.pk).subject == "别人的投诉"
