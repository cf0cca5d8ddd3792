"""The API side: the `scores` object on GET /customers/{id}, the loyalty type through PATCH,
POST .../lost and .../win-back with their rules and errors in the caller's language."""

import pytest

from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.customers.services import share_customer

pytestmark = pytest.mark.django_db


def test_a_scored_customer_carries_its_scores(api_as, customer_of, score_for):
    # given
    customer = customer_of("rep1", name="孙八")
    score_for(
        customer,
        churn_risk="high",
        churn_reason="overdue",
        recency_days=250,
        recovery_priority=2,
        recovery_action="try_to_recover",
    )

    # when
    body = api_as("rep1", lang="zh-hans").get(f"/customers/{customer.pk}").json()

    # then the codes as stored, their names in the caller's language
    scores = body["scores"]
    assert scores["as_of"] == "2026-11-29" and scores["model_version"] == "2026.11-1"
    assert (scores["rfm_segment"], scores["r"], scores["f"], scores["m"]) == ("champions", 5, 4, 5)
    assert (scores["abc_tier"], scores["lifecycle_stage"]) == ("A", "stability")
    assert scores["loyalty_index"] == 78.0
    assert scores["value_loyalty_quadrant"] == "true_friends"
    assert (scores["clv_historical"], scores["clv_predicted"]) == ("5400.00", "3200.50")
    assert scores["p_alive"] == 0.93 and scores["expected_purchases_90d"] == 1.4
    assert (scores["churn_risk"], scores["recovery_priority"]) == ("high", 2)
    assert scores["quality_criteria"] == ["purchasing_power", "loyal", "low_churn_risk"]
    assert scores["loyalty_type_suggested"] == "super_value"
    assert scores["labels"]["rfm_segment"] == "冠军客户"
    assert scores["labels"]["recovery_action"].startswith("普通客户：尽力挽回")
    assert scores["labels"]["churn_reason"] == "已 250 天未购买，通常每 100 天购买一次"
    assert (body["loyalty_type"], body["lost"], body["lost_at"]) == ("", False, None)


def test_an_unscored_customer_has_null_scores(api_as, customer_of):
    customer = customer_of("rep1")

    body = api_as("rep1").get(f"/customers/{customer.pk}").json()

    assert body["scores"] is None


def test_the_loyalty_type_is_set_with_patch(api_as, customer_of):
    customer = customer_of("rep1")
    api = api_as("rep1")

    changed = api.patch(f"/customers/{customer.pk}", {"loyalty_type": "convenience"})
    refused = api.patch(f"/customers/{customer.pk}", {"loyalty_type": "fanatic"})

    assert changed.status_code == 200 and changed.json()["loyalty_type"] == "convenience"
    assert refused.status_code == 422
    assert Customer.objects.get(pk=customer.pk).loyalty_type == "convenience"
    assert AuditEntry.objects.filter(
        customer_id=customer.pk, changes__loyalty_type=["", "convenience"]
    ).exists()


def test_lost_and_win_back(api_as, customer_of):
    # given
    customer = customer_of("rep1")
    api = api_as("rep1")

    # when marked lost
    lost = api.post(f"/customers/{customer.pk}/lost", {"reason": "price", "note": "嫌贵"})

    # then
    assert lost.status_code == 200
    body = lost.json()
    assert (body["lost"], body["lost_reason"], body["lost_note"]) == (True, "price", "嫌贵")
    assert body["lost_at"] is not None

    # when won back
    back = api.post(f"/customers/{customer.pk}/win-back", {"note": "降价后回来了"})
    assert back.status_code == 200 and back.json()["lost"] is False
    # a second win-back is refused: it is not lost
    again = api_as("rep1", lang="zh-hans").post(f"/customers/{customer.pk}/win-back", {})
    assert again.status_code == 422 and "未被标记为流失" in again.json()["detail"]


def test_lost_needs_a_known_reason_and_no_other_fields(api_as, customer_of):
    customer = customer_of("rep1")
    api = api_as("rep1", lang="zh-hans")

    for body in ({}, {"reason": "bored"}, {"reason": "price", "lost_at": "2020-01-01"}):
        assert api.post(f"/customers/{customer.pk}/lost", body).status_code == 422
    assert Customer.objects.get(pk=customer.pk).lost_at is None


def test_only_the_owners_side_may_mark_lost(api_as, customer_of, personas):
    # given rep1's customer shared for writing with rep2
    customer = customer_of("rep1")
    share_customer(personas["rep1"], customer, personas["rep2"], access="write")
    stranger = customer_of("manager", name="经理的客户")

    # when others try
    collaborator = api_as("rep2").post(f"/customers/{customer.pk}/lost", {"reason": "price"})
    viewer = api_as("viewer").post(f"/customers/{customer.pk}/lost", {"reason": "price"})
    outside = api_as("rep1").post(f"/customers/{stranger.pk}/lost", {"reason": "price"})

    # then: 403 for who can see it, 404 for who cannot; nothing written
    assert (collaborator.status_code, viewer.status_code, outside.status_code) == (403, 403, 404)
    assert collaborator.json()["detail"]
    assert not Customer.objects.filter(lost_at__isnull=False).exists()
    # and the manager over everyone may
    assert (
        api_as("manager").post(f"/customers/{customer.pk}/lost", {"reason": "price"}).status_code
        == 200
    )
