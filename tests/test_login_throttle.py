"""Wrong passwords are throttled (django-axes) on the login page, the token endpoint and the
admin: after the limit, that username from that address is locked out with a clear, translated
message, even with the right password; another username or address is not affected."""

import pytest
from django.test import Client

from guanxi.accounts.models import ApiToken

LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def token(client, username, password, lang="en", addr="127.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        headers={"Accept-Language": lang},
        REMOTE_ADDR=addr,
    )


def test_token_endpoint_locks_out_after_the_limit(personas):
    client = Client()
    for _ in range(LIMIT - 1):
        assert token(client, "rep1", "wrong").status_code == 401

    # the attempt that reaches the limit, and every one after it, is 429 with a message
    locked = token(client, "rep1", "wrong")
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.json()["detail"]
    right = token(client, "rep1", "demo-pass", lang="zh-hans")
    assert right.status_code == 429
    assert "密码错误次数过多" in right.json()["detail"]
    assert not ApiToken.objects.filter(user=personas["rep1"]).exists()

    # another user from the same address, and the same user from elsewhere, still get in
    assert token(client, "rep2", "demo-pass").status_code == 200
    assert token(client, "rep1", "demo-pass", addr="10.0.0.7").status_code == 200


def test_a_success_before_the_limit_resets_the_count(personas):
    client = Client()
    for _ in range(LIMIT - 1):
        assert token(client, "rep1", "wrong").status_code == 401
    assert token(client, "rep1", "demo-pass").status_code == 200
    for _ in range(LIMIT - 1):
        assert token(client, "rep1", "wrong").status_code == 401
    assert token(client, "rep1", "demo-pass").status_code == 200


def test_login_page_locks_out_with_a_translated_message(personas):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(LIMIT - 1):
        response = client.post("/login/", {"username": "rep1", "password": "wrong"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    assert client.post("/login/", {"username": "rep1", "password": "wrong"}).status_code == 429
    locked = client.post("/login/", {"username": "rep1", "password": "demo-pass"})
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "密码错误次数过多" in page
    assert 'name="username"' in page and 'value="rep1"' in page
    assert "_auth_user_id" not in client.session


def test_admin_login_is_throttled_too(personas):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "manager", "password": "wrong"})

    locked = client.post("/admin/login/", {"username": "manager", "password": "demo-pass"})
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_administrator_sees_lockouts_in_the_admin_in_chinese_and_can_lift_them(personas):
    # given rep1 locked out
    for _ in range(LIMIT):
        token(Client(), "rep1", "wrong")
    assert token(Client(), "rep1", "demo-pass").status_code == 429
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="a-long-secret-1")
    manager = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    manager.force_login(admin)

    # when the administrator opens the lock-out records (admin) and deletes rep1's
    page = manager.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert "登录尝试" in page.content.decode() and "rep1" in page.content.decode()
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="rep1")
    manager.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    # then rep1 gets in again
    assert token(Client(), "rep1", "demo-pass").status_code == 200


def test_guessing_the_current_password_on_a_password_change_locks_out_too(personas):
    """A stolen token must not be a way to guess the password: wrong current passwords on the
    change-password operation count like wrong log-ins."""
    client = Client()
    bearer = {"Authorization": f"Bearer {token(client, 'rep1', 'demo-pass').json()['token']}"}

    def change(old):
        return client.post(
            "/api/v1/auth/password",
            {"old_password": old, "new_password": "a-much-longer-pass-2026"},
            content_type="application/json",
            headers={**bearer, "Accept-Language": "en"},
        )

    for _ in range(LIMIT - 1):
        assert change("wrong").status_code == 422
    assert change("wrong").status_code == 429
    # locked: even the right current password changes nothing
    assert change("demo-pass").status_code == 429
    personas["rep1"].refresh_from_db()
    assert personas["rep1"].check_password("demo-pass")
