"""Small hardening found by the hostile review (issue 7 follow-up): the token endpoint's
answer is never cached and sets no anonymous session; an oversized JSON body answers JSON;
a 403 is logged as one line, without a traceback."""

import io
import logging

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

TOKEN = "/api/v1/auth/token"


def test_the_token_answer_is_not_stored_and_sets_no_session(personas):
    client = Client()
    response = client.post(
        TOKEN, {"username": "rep1", "password": "demo-pass"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["token"]
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    wrong = client.post(
        TOKEN, {"username": "rep1", "password": "wrong"}, content_type="application/json"
    )
    assert wrong.status_code == 401
    assert "sessionid" not in wrong.cookies
    assert not Session.objects.exists()


def test_a_body_over_the_upload_limit_answers_json(settings, personas):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"username": "' + "x" * 2000 + '", "password": "p"}'
    response = Client().post(
        TOKEN, body, content_type="application/json", headers={"Accept-Language": "zh-hans"}
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == "请求内容过大：最多 1,000 字节。"


def test_a_403_is_logged_in_one_line_without_a_traceback(personas, customer_of):
    customer = customer_of("rep1", name="华茂贸易", mobile="13812345678")
    console = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and h.filters
    )
    stream = io.StringIO()
    # not setStream(): it flushes the old stream, which an earlier test's captured (and since
    # closed) stderr may be ("I/O operation on closed file" after tests/dataio)
    previous, console.stream = console.stream, stream
    try:
        viewer = Client()
        viewer.force_login(personas["viewer"])  # read-only: may see, may not change
        response = viewer.post(reverse("customers:edit", args=[customer.pk]), {"name": "改"})
        assert response.status_code == 403
        logged = stream.getvalue()
    finally:
        console.stream = previous
    assert f"Forbidden (Permission denied): /customers/{customer.pk}/edit/" in logged, logged
    assert "Traceback" not in logged
    assert "13812345678" not in logged and "华茂" not in logged
