"""Page-test helpers: a logged-in client per persona, English unless a test says otherwise."""

import pytest
from django.test import Client


@pytest.fixture
def client_for(personas):
    """client_for("rep1") is a Client logged in as that persona (Accept-Language: en)."""

    def make(username: str, language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(personas[username])
        return client

    return make


@pytest.fixture
def htmx():
    """Headers htmx sends with a request."""
    return {"HTTP_HX_REQUEST": "true"}
