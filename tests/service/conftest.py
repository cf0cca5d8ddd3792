"""Case tests use the API clients and the logged-in page clients of the other suites."""

import pytest

from tests.api.conftest import anonymous, api_as  # noqa: F401
from tests.pages.conftest import client_for, htmx  # noqa: F401
from tests.segments.conftest import scored  # noqa: F401


@pytest.fixture
def open_case(personas, customer_of):
    """open_case(username="rep1", **data): a case on a new customer of that persona."""
    from guanxi.service.services import open_case as open_it

    def make(username: str = "rep1", customer=None, **data):
        customer = customer or customer_of(username, name="投诉客户")
        data.setdefault("channel", "hotline")
        data.setdefault("cause", "product_quality")
        data.setdefault("subject", "茶叶受潮")
        return open_it(personas[username], customer.pk, data)

    return make
