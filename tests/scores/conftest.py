"""Fixtures for the scores on the customer side: score rows written directly (the scoring run
that computes them is guanxi.scoring's, tested there)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.api.conftest import api_as  # noqa: F401  (the API tests' fixture)
from tests.pages.conftest import client_for, htmx  # noqa: F401  (the page tests' fixtures)

AS_OF = date(2026, 11, 29)


@pytest.fixture
def scoring_run(db):
    from guanxi.scoring.models import ScoringRun

    return ScoringRun.objects.create(
        status="succeeded", trigger="command", as_of=AS_OF, customers=0
    )


@pytest.fixture
def score_for(scoring_run):
    """score_for(customer, **fields) writes the customer's current score row."""
    from guanxi.scoring.models import MODEL_VERSION, CustomerScore

    def make(customer, **fields):
        values = {
            "run": scoring_run,
            "as_of": AS_OF,
            "model_version": MODEL_VERSION,
            "recency_days": 12,
            "first_order_on": AS_OF - timedelta(days=512),
            "last_order_on": AS_OF - timedelta(days=12),
            "frequency": 6,
            "monetary": Decimal("5400.00"),
            "r": 5,
            "f": 4,
            "m": 5,
            "rfm_segment": "champions",
            "abc_tier": "A",
            "pyramid_level": "top",
            "lifecycle_stage": "stability",
            "customer_status": "old",
            "loyalty_index": 78.0,
            "loyalty_step": "advocate",
            "value_loyalty_quadrant": "true_friends",
            "loyalty_type_suggested": "super_value",
            "clv_historical": Decimal("5400.00"),
            "clv_predicted": Decimal("3200.50"),
            "p_alive": 0.93,
            "expected_purchases_90d": 1.4,
            "churn_risk": "low",
            "churn_risk_score": 0.07,
            "churn_reason": "",
            "recovery_priority": None,
            "recovery_action": "",
            "quality_score": 84,
            "quality": "good",
            "quality_criteria": ["purchasing_power", "loyal", "low_churn_risk"],
        }
        values.update(fields)
        return CustomerScore.objects.update_or_create(customer=customer, defaults=values)[0]

    return make
