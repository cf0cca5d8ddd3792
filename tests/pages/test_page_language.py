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
    assert "Log in" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


def test_every_page_renders_in_chinese_for_every_role(client, personas, customer_of, product):
    customer = customer_of("rep1", name="张三", kind="organisation", category="company")
    pages = [
        "/customers/",
        f"/customers/{customer.pk}/",
        "/tasks/",
        "/sales/orders/",
        "/sales/products/",
    ]
    for username in ["manager", "lead_a", "rep1", "viewer"]:
        client.force_login(personas[username])
        for url in pages:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN")
            assert response.status_code == 200, (username, url)
