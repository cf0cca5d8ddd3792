"""Every API operation says in the schema what it does (its handler's docstring)."""

import pytest


@pytest.mark.django_db
def test_every_operation_in_the_schema_has_a_description(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    operations = [
        (method.upper(), path, operation)
        for path, by_method in paths.items()
        for method, operation in by_method.items()
    ]
    assert len(operations) > 50  # the whole API, not an empty schema
    missing = [
        f"{method} {path}"
        for method, path, operation in operations
        if len((operation.get("description") or "").strip()) < 20
    ]
    assert not missing, f"operations without a description (add a docstring): {missing}"


def test_every_schema_of_the_api_has_its_own_name():
    """OpenAPI names a schema by its class name: two apps' `LineOut` became one component, so
    an order's lines were documented (and fuzzed) with a contract line's fields. Every schema
    class of the API's modules is named once."""
    import importlib
    import inspect
    import pkgutil

    from ninja import Schema

    import guanxi

    seen: dict[str, str] = {}
    clashes = []
    for info in pkgutil.walk_packages(guanxi.__path__, "guanxi."):
        if not info.name.endswith((".api", ".schemas", ".team_api")):
            continue
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == module.__name__:
                if name in seen and seen[name] != module.__name__:
                    clashes.append(f"{name}: {seen[name]} and {module.__name__}")
                seen.setdefault(name, module.__name__)
    assert not clashes, clashes


@pytest.mark.django_db
def test_the_schema_is_built_once_per_language(client, monkeypatch):
    """openapi.json cost ~1.3 s of CPU a request, for anyone, signed in or not (new-user
    review): it is built once per process, path prefix and language."""
    import ninja.main

    from guanxi.api import api

    api.__dict__.pop("_schemas", None)
    built = []
    real = ninja.main.get_schema
    monkeypatch.setattr(ninja.main, "get_schema", lambda **kw: built.append(1) or real(**kw))

    first = client.get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="en")
    again = client.get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and len(built) == 1
    client.get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert len(built) == 2
