"""Pool tests: the personas of tests/conftest.py, the API and page clients, and a pool whose
member team is rep1's (华东销售组) with rules for every level."""

import pytest
from django.utils import translation

from tests.api.conftest import anonymous, api_as  # noqa: F401
from tests.pages.conftest import client_for, htmx  # noqa: F401


@pytest.fixture(autouse=True)
def in_english():
    """Service messages in English (the site's default is Chinese); clients set their own."""
    with translation.override("en"):
        yield


@pytest.fixture
def make_pool(personas, teams):
    from guanxi.pool.services import save_pool

    def make(name="门店公海", teams_=("a",), rules=None, **settings):
        data = {
            "name": name,
            "department_ids": [teams[t].pk for t in teams_],
            "exempt_won": False,
            "exempt_locked": True,
            "won_days": 90,
            "reclaim_bar_days": 0,
            "remind_days": 3,
            "rules": rules
            if rules is not None
            else {level: {"follow_up_days": 30} for level in ("A", "B", "C")},
        }
        data.update(settings)
        return save_pool(personas["manager"], data)

    return make


@pytest.fixture
def pooled(personas):
    """pooled(pool, name=...): a customer waiting in `pool` (created by rep2's manager side,
    released), its previous owner rep2 unless given."""
    from guanxi.customers.services import create_customer
    from guanxi.pool.services import release_customer

    def make(pool, name="公海客户", owner="rep2", **fields):
        customer = create_customer(personas[owner], {"name": name, **fields}, owner=personas[owner])
        return release_customer(personas["manager"], customer.pk, pool_id=pool.pk)

    return make
