"""Privacy tests: the API client of the API suite."""

from tests.api.conftest import api_as  # noqa: F401
