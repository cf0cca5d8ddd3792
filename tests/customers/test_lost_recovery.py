"""Lost reasons: staff leaving and taking the customer (员工跳槽) is a company-caused reason, and
marking lost or winning back moves the stored recovery priority at once."""

import pytest
from django.utils import timezone

from guanxi.analytics.rules import churn_kind
from guanxi.customers import retention
from guanxi.customers.models import LostReason, grouped_lost_reasons
from guanxi.scoring.models import CustomerScore, RunStatus, ScoringRun

pytestmark = pytest.mark.django_db


def test_staff_leaving_is_a_company_caused_reason_the_recovery_rules_know():
    company = [code for code, _label in grouped_lost_reasons()[0][1]]
    assert "staff_leaving" in company
    assert LostReason("staff_leaving").label
    assert churn_kind("staff_leaving") == "disappointment"


def _scored(customer, **values):
    run = ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED, trigger="command", as_of=timezone.localdate()
    )
    return CustomerScore.objects.create(
        customer=customer, run=run, as_of=run.as_of, model_version="test", **values
    )


def test_marking_lost_and_winning_back_move_the_recovery_priority_at_once(personas, customer_of):
    rep1 = personas["rep1"]
    customer = customer_of("rep1")
    score = _scored(
        customer,
        abc_tier="A",
        churn_risk="high",
        recovery_priority=1,
        recovery_action="recover_at_all_costs",
    )

    retention.mark_lost(rep1, customer, "own_circumstances", "搬走了")
    score.refresh_from_db()
    assert (score.recovery_priority, score.recovery_action) == (5, "no_recovery")

    retention.mark_lost(rep1, customer, "staff_leaving")
    score.refresh_from_db()
    assert (score.recovery_priority, score.recovery_action) == (1, "recover_at_all_costs")

    retention.mark_lost(rep1, customer, "changed_needs")
    retention.win_back(rep1, customer)
    score.refresh_from_db()
    assert (score.recovery_priority, score.recovery_action) == (1, "recover_at_all_costs")


def test_a_low_risk_customer_keeps_no_recovery_priority(personas, customer_of):
    customer = customer_of("rep1")
    score = _scored(customer, abc_tier="B", churn_risk="low")
    retention.mark_lost(personas["rep1"], customer, "competitor")
    score.refresh_from_db()
    assert (score.recovery_priority, score.recovery_action) == (None, "")
