"""查重 names the owner of any team's customer, so a user may check only so often: a sweep of
number ranges (60 requests in 0.7 s on the demo) gets 429 with a translated message, on the
API and the page alike; other users are not held up."""

from django.test import Client
from django.urls import reverse

from guanxi.accounts.models import ApiToken

MESSAGE_ZH = "查重过于频繁"


def api(user):
    headers = {"Authorization": f"Bearer {ApiToken.issue(user, 1)}", "Accept-Language": "zh-hans"}
    client = Client()
    return lambda mobile: client.get(
        "/api/v1/customers/duplicates", {"mobile": mobile}, headers=headers
    )


def test_the_api_answers_429_past_the_limit(settings, personas, customer_of):
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 5
    customer_of("rep1", name="华茂贸易", mobile="13812345678")
    check = api(personas["rep2"])
    answers = [check(f"1381234567{i}") for i in range(8)]
    assert [r.status_code for r in answers] == [200] * 5 + [429] * 3
    assert answers[4].json() == []  # 13812345674: nobody's
    assert answers[-1].json()["detail"].startswith(MESSAGE_ZH)
    assert "5" in answers[-1].json()["detail"]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    # a colleague is not held up by the sweeper
    assert api(personas["manager"])("13812345678").json()[0]["owner"] == "张伟"


def test_the_default_is_30_a_minute(personas):
    check = api(personas["rep2"])
    statuses = [check(f"1391234{i:04d}").status_code for i in range(31)]
    assert statuses == [200] * 30 + [429]


def test_the_page_answers_429_with_the_message(settings, personas):
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 2
    client = Client()
    client.force_login(personas["rep2"])
    url = reverse("customers:duplicates")
    headers = {"HX-Request": "true", "Accept-Language": "zh-hans"}
    statuses = [
        client.get(url, {"mobile": f"1381234567{i}"}, headers=headers).status_code for i in range(2)
    ]
    assert statuses == [200, 200]
    response = client.get(url, {"mobile": "13812345679"}, headers=headers)
    assert response.status_code == 429
    assert MESSAGE_ZH in response.content.decode()


def test_with_redis_the_limit_is_counted_in_redis(settings, personas):
    """With REDIS_URL the cache is Redis (settings.py), one count for every server process.
    The counters expire on their own (70 s); a clear() here would flush the shared database."""
    import uuid

    import redis

    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 2
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        }
    }
    check = api(personas["rep2"])
    assert [check("13812345678").status_code for _ in range(3)] == [200, 200, 429]
    server = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = server.keys(f"{prefix}:*rate:duplicates*")
    assert len(keys) == 1
    assert 0 < server.ttl(keys[0]) <= 70
