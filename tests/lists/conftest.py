from tests.api.conftest import api_as  # noqa: F401  (the API tests' fixture)
from tests.pages.conftest import client_for, htmx  # noqa: F401  (the page tests' fixtures)
