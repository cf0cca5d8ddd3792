"""A subject-access export holds everything about the customer, also what the apps above
guanxi.privacy keep (its cases, survey invitations and answers, reviews) and its orders'
refunds; the apps register their sections in services_common, privacy imports none of them."""

from django.test import Client

from guanxi.privacy.services import export_personal_data
from guanxi.sales.services import create_order, refund_order
from guanxi.services_common import personal_data_sections


def test_the_export_holds_cases_surveys_reviews_and_refunds(personas, customer_of, product, api_as):
    from guanxi.dataio.readers import read_table
    from guanxi.service.services import open_case
    from guanxi.surveys import services as surveys
    from guanxi.voice.services import import_reviews

    rep1, manager = personas["rep1"], personas["manager"]
    customer = customer_of("rep1", name="张三")
    someone = customer_of("rep1", name="李四")
    open_case(
        rep1, customer.pk, {"channel": "hotline", "cause": "product_quality", "subject": "茶叶受潮"}
    )
    open_case(
        rep1, someone.pk, {"channel": "hotline", "cause": "product_quality", "subject": "别人的"}
    )
    order = create_order(
        rep1, customer, {"status": "completed"}, [{"product": product, "quantity": 2}]
    )
    refund_order(rep1, order, reason="一盒破损", lines={order.lines.get().pk: 1})
    survey = surveys.create_survey(manager, {"title": "满意度"}, [{"kind": "text", "text": "建议"}])
    surveys.open_survey(manager, survey.pk)
    [(_invitation, token)] = surveys.invite(manager, survey.pk, customer_ids=[customer.pk])
    question = survey.questions.get()
    posted = Client().post(f"/s/{token}/", {f"q{question.pk}_text": "希望送货更快"})
    assert posted.status_code == 302
    import_reviews(
        rep1,
        read_table(f"评论,评分,客户编号\n包装很好,5,{customer.pk}\n一般,3,\n".encode(), "r.csv"),
        {"name": "点评"},
    )

    exported = export_personal_data(customer)

    assert [c["subject"] for c in exported["cases"]] == ["茶叶受潮"]
    assert exported["refunds"] == [
        {
            "order": order.number,
            "amount": "128.00",
            "reason": "一盒破损",
            "refunded_on": exported["refunds"][0]["refunded_on"],
            "lines": [{"sku": "TEA-001", "quantity": 1}],
        }
    ]
    assert exported["survey_invitations"][0]["survey"] == "满意度"
    assert exported["survey_answers"][0]["text"] == "希望送货更快"
    assert [r["text"] for r in exported["reviews"]] == ["包装很好"]
    assert set(personal_data_sections(customer)) >= {
        "cases",
        "survey_invitations",
        "survey_answers",
        "reviews",
    }
    # the API answers the same sections
    body = (
        api_as("manager")
        .post(f"/customers/{customer.pk}/personal-data", {"purpose": "客户书面申请 2026-002"})
        .json()
    )
    for section in ("cases", "refunds", "survey_invitations", "survey_answers", "reviews"):
        assert body[section] == exported[section], section
