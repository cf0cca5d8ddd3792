from tests.pages.conftest import client_for, htmx  # noqa: F401  (the page tests' fixtures)
