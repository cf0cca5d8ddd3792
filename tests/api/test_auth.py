"""Token auth: a username and password buy a bearer token; everything else needs one."""

from datetime import timedelta

from django.utils import timezone

from guanxi.accounts.models import ApiToken


def test_valid_credentials_return_a_token_that_authenticates(personas, anonymous):
    # when
    response = anonymous.post("/auth/token", {"username": "rep1", "password": "demo-pass"})

    # then
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.filter(
        user=personas["rep1"], key_hash=ApiToken.hash_key(token)
    ).exists()
    me = anonymous.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": personas["rep1"].pk,
        "username": "rep1",
        "display_name": "张伟",
        "role": "rep",
        "data_scope": "self",
        "department": "华东销售组",
        "can_write": True,
        "can_view_sensitive": False,
        "is_manager": False,
    }


def test_wrong_password_is_401_with_a_clear_message_and_no_token(personas, anonymous):
    response = anonymous.post("/auth/token", {"username": "rep1", "password": "wrong"})

    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password, or the account is disabled."}
    assert ApiToken.objects.count() == 0


def test_unknown_user_and_missing_fields(personas, anonymous):
    assert anonymous.post("/auth/token", {"username": "nobody", "password": "x"}).status_code == 401
    response = anonymous.post("/auth/token", {"username": "rep1"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["password"]


def test_disabled_account_gets_no_token_and_its_tokens_stop_working(personas, api_as):
    # given a token issued before the account was disabled
    api = api_as("rep2")
    rep2 = personas["rep2"]
    rep2.is_active = False
    rep2.save(update_fields=["is_active"])

    # then
    assert api.get("/me").status_code == 401
    response = api.post("/auth/token", {"username": "rep2", "password": "demo-pass"})
    assert response.status_code == 401


def test_requests_without_or_with_a_bad_token_are_401(personas, anonymous, api_as):
    response = anonymous.get("/customers")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication required: send “Authorization: Bearer <token>”."
    }
    bad = anonymous.client.get("/api/v1/customers", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_expired_token_is_refused(personas, api_as):
    api = api_as("rep1")
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert api.get("/me").status_code == 401


def test_openapi_schema_is_served(db, anonymous):
    response = anonymous.client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Guanxi CRM API"
    assert "/api/v1/customers/{customer_id}" in schema["paths"]
