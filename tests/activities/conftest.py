"""Activities tests use the API clients and the logged-in page clients of the other suites."""

from tests.api.conftest import api_as  # noqa: F401
from tests.pages.conftest import client_for  # noqa: F401
