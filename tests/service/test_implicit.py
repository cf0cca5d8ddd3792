"""Implicit dissatisfaction (隐性不满): good customers buying less who have not complained."""

from datetime import timedelta

from django.utils import timezone

from guanxi.service.implicit import implicit_candidates


def _names(user):
    return sorted(c.name for c in implicit_candidates(user))


def test_good_declining_customers_without_a_complaint(personas, customer_of, scored, open_case):
    scored(
        customer_of("rep1", name="好而流失"),
        monetary="9000",
        quality="good",
        lifecycle_stage="decline",
    )
    scored(customer_of("rep1", name="A类预警"), monetary="8000", abc_tier="A", churn_risk="high")
    scored(
        customer_of("rep1", name="好且稳定"),
        quality="good",
        lifecycle_stage="stability",
        churn_risk="low",
    )
    scored(
        customer_of("rep1", name="一般而流失"),
        quality="ordinary",
        abc_tier="C",
        lifecycle_stage="decline",
    )
    complained = customer_of("rep1", name="已投诉")
    scored(complained, quality="good", churn_risk="medium")
    open_case(customer=complained)
    scored(customer_of("rep2", name="别组的"), quality="good", lifecycle_stage="decline")
    customer_of("rep1", name="没评分")

    assert _names(personas["rep1"]) == ["A类预警", "好而流失"]
    assert [c.name for c in implicit_candidates(personas["rep1"])] == ["好而流失", "A类预警"]
    assert _names(personas["rep2"]) == ["别组的"]
    # a complaint long ago no longer counts
    later = timezone.now() + timedelta(days=181)
    assert "已投诉" in [c.name for c in implicit_candidates(personas["rep1"], now=later)]


def test_page_and_api_list_them_in_scope(client_for, api_as, customer_of, scored):
    customer = customer_of("rep1", name="沉默的好客户")
    scored(customer, quality="good", lifecycle_stage="decline")
    page = client_for("rep1").get("/cases/silent/").content.decode()
    assert "沉默的好客户" in page
    assert f"/cases/new/?customer={customer.pk}&amp;dissatisfaction=implicit" in page
    assert "沉默的好客户" not in client_for("rep2").get("/cases/silent/").content.decode()
    form = client_for("rep1").get(f"/cases/new/?customer={customer.pk}&dissatisfaction=implicit")
    assert '<option value="implicit" selected>' in form.content.decode()
    body = api_as("rep1").get("/implicit-dissatisfaction").json()
    assert body["count"] == 1 and body["items"][0]["name"] == "沉默的好客户"
    assert api_as("rep2").get("/implicit-dissatisfaction").json()["count"] == 0
