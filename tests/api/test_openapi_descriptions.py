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
