"""Erasing a customer (数据主体请求) blanks what its opportunities say about people; the subject
access export lists them."""

from decimal import Decimal

from guanxi.audit.models import AuditEntry
from guanxi.pipeline import services
from guanxi.pipeline.models import AskedQuestion, NegotiationPlan, Objection, Opportunity, SpinNote
from guanxi.privacy.services import erase_customer


def test_erasure_blanks_the_notes_and_keeps_the_figures(personas, customer_of, open_opportunity):
    rep1 = personas["rep1"]
    customer = customer_of("rep1", name="王秘密")
    opportunity = open_opportunity(customer=customer, name="王秘密的茶礼", amount="9000")
    services.add_spin_note(rep1, opportunity.pk, {"situation": "王秘密住在某处"})
    services.add_question(
        rep1, opportunity.pk, {"kind": "open", "question": "王秘密?", "answer": "是"}
    )
    services.log_objection(rep1, opportunity.pk, {"kind": "price", "statement": "王秘密嫌贵"})
    services.save_negotiation_plan(rep1, opportunity.pk, {"interests": "王秘密要面子"})
    other = open_opportunity(name="别人的商机")

    erase_customer(rep1, customer)

    opportunity.refresh_from_db()
    assert (opportunity.name, opportunity.amount) == ("—", Decimal("9000.00"))
    assert SpinNote.objects.get().situation == "—"
    assert AskedQuestion.objects.get().question == "—"
    assert Objection.objects.get().statement == "—"
    assert NegotiationPlan.objects.get().interests == ""
    trail = str(
        list(AuditEntry.objects.filter(customer_id=customer.pk).values_list("changes", flat=True))
    )
    assert "王秘密" not in trail
    assert Opportunity.objects.get(pk=other.pk).name == "别人的商机"


def test_the_export_lists_the_opportunities(personas, customer_of, open_opportunity):
    from guanxi.services_common import personal_data_sections

    customer = customer_of("rep1", name="李四")
    opportunity = open_opportunity(customer=customer, name="李四的茶礼")
    services.log_objection(
        personas["rep1"], opportunity.pk, {"kind": "need", "statement": "不需要"}
    )

    sections = personal_data_sections(customer)

    [item] = sections["opportunities"]
    assert (item["name"], item["objections"][0]["statement"]) == ("李四的茶礼", "不需要")
