"""Order life tests use the API and page helpers of tests/api and tests/pages."""

from tests.api.conftest import api_as  # noqa: F401
from tests.pages.conftest import client_for, htmx  # noqa: F401
