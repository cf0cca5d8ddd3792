"""Pipeline tests use the API clients and the logged-in page clients of the other suites."""

import pytest

from tests.api.conftest import anonymous, api_as  # noqa: F401
from tests.pages.conftest import client_for, htmx  # noqa: F401


@pytest.fixture
def stages(db):
    """The 5As, as the migration made them (again after a transactional test emptied the
    tables): {key: Stage}."""
    from guanxi.pipeline.models import Stage
    from guanxi.pipeline.services import ensure_default_stages

    ensure_default_stages(None)
    return {s.key: s for s in Stage.objects.filter(active=True)}


@pytest.fixture
def open_opportunity(personas, customer_of, stages):
    """open_opportunity(username="rep1", customer=None, **data): an opportunity of a new
    customer of that persona, in the first stage unless `stage` is given."""
    from guanxi.pipeline.services import create_opportunity

    def make(username: str = "rep1", customer=None, **data):
        customer = customer or customer_of(username, name="华茂贸易", kind="organisation")
        data.setdefault("name", "年度茶礼采购")
        return create_opportunity(personas[username], customer.pk, data)

    return make
