"""A small builder of scoring runs and scores for the dashboard tests: rows written directly,
as the scoring run would leave them (the computation itself is tested with the scoring app)."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from guanxi.scoring.models import CustomerScore, RunStatus, RunTrigger, ScoringRun

AS_OF = date(2026, 11, 1)

SUMMARY = {
    "cohorts": {
        "cohorts": ["2026-09", "2026-10"],
        "periods": [0, 1],
        "retention": [[1.0, 0.5], [1.0, None]],
    },
    "churn_by_month": [
        {"month": "2026-09", "lost": 3, "revenue_lost": 1200.5},
        {"month": "2026-10", "lost": 1, "revenue_lost": 300},
    ],
    "clv_model": {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4},
    "totals": {"customers": 3, "buyers": 3, "revenue": 5000},
}

PARAMS = {
    "rfm_bins": 5,
    "abc_a_share": 0.7,
    "abc_b_share": 0.2,
    "loyalty_weights": {"A11": 0.3, "A21": 0.25},  # sub-indicator codes, as runs store them
    "high_loyalty": 50.0,
    "clv_horizon_months": 12,
    "clv_discount_rate": 0.01,
    "clv_margin": 1.0,
    "churn_high_p_alive": 0.3,
    "decline_after_days": 180,
    "stability_after_days": 365,
    "new_within_days": 90,
}


def make_run(**fields) -> ScoringRun:
    fields.setdefault("summary", SUMMARY)
    fields.setdefault("params", PARAMS)
    return ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED,
        trigger=RunTrigger.COMMAND,
        as_of=AS_OF,
        finished_at=timezone.now(),
        **fields,
    )


DEFAULTS = {
    "r": 5,
    "f": 5,
    "m": 5,
    "frequency": 8,
    "monetary": Decimal("1000"),
    "clv_historical": Decimal("1000"),
    "clv_predicted": Decimal("1500"),
    "p_alive": 0.9,
    "rfm_segment": "champions",
    "abc_tier": "A",
    "pyramid_level": "top",
    "lifecycle_stage": "stability",
    "customer_status": "old",
    "loyalty_index": 80.0,
    "loyalty_step": "advocate",
    "value_loyalty_quadrant": "true_friends",
    "churn_risk": "low",
    "churn_risk_score": 0.1,
    "churn_reason": "active",
    "recency_days": 10,
}


def score(customer, run: ScoringRun, **fields) -> CustomerScore:
    values = {**DEFAULTS, **fields}
    values.setdefault("first_order_on", AS_OF - timedelta(days=60))
    values.setdefault("last_order_on", AS_OF - timedelta(days=values["recency_days"]))
    return CustomerScore.objects.create(
        customer=customer, run=run, as_of=run.as_of, model_version=run.model_version, **values
    )
