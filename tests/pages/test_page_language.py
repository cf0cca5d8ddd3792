"""Language: Accept-Language picks the default; the switcher changes it both ways."""

import pytest

pytestmark = pytest.mark.django_db


def test_accept_language_picks_the_default(client, personas):
    client.force_login(personas["rep1"])
    assert (
        '<html lang="en"' in client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    html = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "客户" in html and "我的任务" in html


def test_switcher_changes_language_both_ways(client, personas):
    client.force_login(personas["rep1"])
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/customers/"}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert response.status_code == 302 and response["Location"] == "/customers/"
    html = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en"' in html and "My tasks" in html and "New customer" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/customers/"})
    html = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans"' in html and "我的任务" in html and "新建客户" in html


def test_login_page_in_both_languages(client):
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Log in" in english and "Customers, orders and follow-ups in one place." in english
    assert "登录" in chinese and "客户、订单与跟进，一处管理。" in chinese
    assert "textbook" not in english and "教材" not in chinese


def test_every_page_renders_in_chinese_for_every_role(client, personas, customer_of, product):
    customer = customer_of("rep1", name="张三", kind="organisation", category="company")
    pages = [
        "/customers/",
        f"/customers/{customer.pk}/",
        "/tasks/",
        "/sales/orders/",
        "/sales/products/",
    ]
    english = english_phrases()
    # the detector finds English phrases where they belong (so its silence below means something)
    client.force_login(personas["rep1"])
    en_text = visible_text(client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert any(phrase in en_text for phrase in english)
    for username in ["manager", "lead_a", "rep1", "viewer"]:
        client.force_login(personas[username])
        for url in pages:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN")
            assert response.status_code == 200, (username, url)
            html = response.content.decode()
            assert '<html lang="zh-hans"' in html, (username, url)
            # no phrase we translate shows up in English on the Chinese page
            text = visible_text(html)
            left = sorted(phrase for phrase in english if phrase in text)
            assert not left, (username, url, left)


def english_phrases() -> set[str]:
    """The English source phrases (two words or more) that have a Chinese translation."""
    from django.utils import translation
    from django.utils.translation import trans_real

    with translation.override("zh-hans"):
        catalog = trans_real.translation("zh-hans")._catalog
        return {
            key
            for key, value in catalog.items()
            if isinstance(key, str)
            and " " in key.strip()
            and "%" not in key
            and "{" not in key
            and value != key
        }


def visible_text(html: str) -> str:
    """The page's text as a reader sees it: no tags, scripts, styles or attribute values."""
    import re

    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", html))
