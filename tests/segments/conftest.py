"""Segment tests use the API clients and the logged-in page clients of the other suites."""

from decimal import Decimal

import pytest

from tests.api.conftest import anonymous, api_as  # noqa: F401
from tests.pages.conftest import client_for  # noqa: F401


@pytest.fixture
def scored(db):
    """score(customer, monetary=..., clv=..., **codes): a current score row for the customer,
    as the scoring run writes it (one succeeded run for all of them)."""
    from django.utils import timezone

    from guanxi.scoring.models import CustomerScore, RunStatus, ScoringRun

    run = ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED, trigger="command", as_of=timezone.localdate()
    )

    def score(customer, monetary="0", clv=None, **codes):
        return CustomerScore.objects.update_or_create(
            customer=customer,
            defaults={
                "run": run,
                "as_of": run.as_of,
                "model_version": "test",
                "monetary": Decimal(monetary),
                "clv_predicted": Decimal(clv) if clv is not None else None,
                **codes,
            },
        )[0]

    score.run = run
    return score
