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
