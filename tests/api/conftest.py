"""API fixtures: a JSON client per persona, authenticated with a real bearer token."""

import json

import pytest
from django.test import Client


class ApiClient:
    """Requests to /api/v1/ as one user; `lang` sets Accept-Language."""

    def __init__(self, token: str | None, lang: str = "en"):
        self.client = Client()
        self.headers = {"Accept-Language": lang}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, body=None, **kwargs):
        kwargs.setdefault("headers", dict(self.headers))
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, headers=dict(self.headers))

    def post(self, path, body=None, **kwargs):
        return self._call("post", path, body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self._call("put", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self._call("patch", path, body, **kwargs)

    def delete(self, path, body=None, **kwargs):
        return self._call("delete", path, body, **kwargs)


@pytest.fixture
def api_as(personas):
    """api_as("rep1", lang="zh-hans") is a client holding a token for that persona."""
    from guanxi.accounts.models import ApiToken

    def make(username: str, lang: str = "en") -> ApiClient:
        return ApiClient(ApiToken.issue(personas[username], 1), lang=lang)

    return make


@pytest.fixture
def anonymous(db):
    return ApiClient(None)
