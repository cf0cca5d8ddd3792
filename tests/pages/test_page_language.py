"""Language: Accept-Language picks the default; the switcher changes it both ways and keeps a
signed-in user's choice on their profile, which a new browser then opens in."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from guanxi.accounts.models import ApiToken, Profile
from guanxi.accounts.preferences import set_own_language
from guanxi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
COOKIE = settings.LANGUAGE_COOKIE_NAME


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


def test_the_switch_stores_a_signed_in_users_choice_with_one_audit_entry(client, personas):
    # given
    rep1 = personas["rep1"]
    client.force_login(rep1)
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    # when
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/tasks/"}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    )

    # then: Django's redirect and cookie, and the choice on the profile
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert response.cookies[COOKIE].value == "en"
    assert Profile.objects.get(user=rep1).language == "en"
    entry = AuditEntry.objects.get(id__gt=last)
    assert (entry.actor, entry.action, entry.model, entry.object_id, entry.changes) == (
        rep1,
        "update",
        "user",
        str(rep1.pk),
        {"language": ["", "en"]},
    )
    # the same choice again changes nothing and records nothing
    client.post("/i18n/setlang/", {"language": "en", "next": "/tasks/"})
    assert AuditEntry.objects.filter(id__gt=last).count() == 1


def test_the_switch_stores_nothing_for_a_visitor_a_get_or_an_unknown_language(client, personas):
    rep1 = personas["rep1"]
    # a visitor on the login page: the cookie only
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response.cookies[COOKIE].value == "en"
    client.force_login(rep1)
    # a GET changes nothing (as Django's view), nor a language the site does not offer
    assert client.get("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert Profile.objects.get(user=rep1).language == ""
    assert not AuditEntry.objects.filter(model="user", object_id=str(rep1.pk)).exists()


def test_a_new_browser_opens_in_the_stored_language(personas):
    # given: rep1 chose English on another browser
    set_own_language(personas["rep1"], "en")

    # when: they sign in on a browser that sends no Accept-Language and has no cookie
    browser = Client()
    response = browser.post("/login/", {"username": "rep1", "password": "demo-pass"})
    assert response.status_code == 302
    page = browser.get("/tasks/")

    # then: the page is in English, and the browser keeps it with the cookie (set at log-in)
    html = page.content.decode()
    assert '<html lang="en"' in html and "My tasks" in html
    assert response.cookies[COOKIE].value == "en"
    assert browser.post("/logout/").status_code == 302
    assert '<html lang="en"' in browser.get("/login/").content.decode()  # the cookie stays


def test_a_stored_choice_beats_the_browsers_language_but_not_this_browsers_cookie(personas):
    set_own_language(personas["rep2"], "zh-hans")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(personas["rep2"])
    assert '<html lang="zh-hans"' in browser.get("/customers/").content.decode()

    browser.cookies[COOKIE] = "en"  # chosen on this browser before signing in
    assert '<html lang="en"' in browser.get("/customers/").content.decode()


def test_without_a_stored_choice_the_browser_decides_and_no_cookie_is_set(client, personas):
    client.force_login(personas["rep1"])
    response = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en"' in response.content.decode()
    assert COOKIE not in response.cookies


def test_the_api_answers_in_accept_language_whatever_the_stored_choice(client, personas):
    set_own_language(personas["rep1"], "en")
    client.force_login(personas["rep1"])  # a session too: the API must still not follow it
    key = ApiToken.issue(personas["rep1"], 1)
    response = client.get(
        "/api/v1/customers/999999999",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    with translation.override("zh-hans"):
        chinese = gettext("Not found.")
    assert response.status_code == 404 and response.json()["detail"] == chinese != "Not found."
    assert COOKIE not in response.cookies


def test_the_account_page_offers_the_switch(client_for):
    html = client_for("rep1").get("/account/").content.decode()
    assert 'id="language-title"' in html and "tasks the system writes for you" in html
    assert 'name="language" value="zh-hans"' in html and 'action="/i18n/setlang/"' in html


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


def test_at_log_in_the_stored_language_replaces_the_browsers_cookie(personas):
    # given: rep2 chose Chinese; this browser's last user (or the login page) chose English
    set_own_language(personas["rep2"], "zh-hans")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert '<html lang="en"' in browser.get("/login/").content.decode()

    # when
    response = browser.post("/login/", {"username": "rep2", "password": "demo-pass"})

    # then: the account's choice, on this answer's cookie and on the pages after it
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "zh-hans"
    assert '<html lang="zh-hans"' in browser.get("/account/").content.decode()


def test_logging_in_without_a_stored_language_keeps_the_browsers_choice(personas):
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    browser.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    response = browser.post("/login/", {"username": "rep1", "password": "demo-pass"})

    assert response.status_code == 302 and COOKIE not in response.cookies
    assert '<html lang="en"' in browser.get("/account/").content.decode()


def test_switching_back_and_forth_does_not_push_other_changes_out_of_the_team_history(
    client, personas
):
    # given: a manager's change to rep1's account
    rep1, manager = personas["rep1"], personas["manager"]
    from guanxi.audit import services as audit

    audit.record(manager, AuditEntry.Action.UPDATE, rep1, changes={"email": ["", "r@x.cn"]})
    client.force_login(rep1)

    # when: rep1 switches 22 times
    for i in range(22):
        client.post("/i18n/setlang/", {"language": ("en", "zh-hans")[i % 2], "next": "/"})

    # then: every switch is in the trail, none in the team page's history
    from guanxi.accounts.team_services import history

    assert AuditEntry.objects.filter(model="user", changes__has_key="language").count() == 22
    shown = history(rep1)
    assert [entry["actor"] for entry in shown][:1] == [str(manager.profile)]
    assert len(shown) == 1


def switch_next(html: str) -> str:
    import re

    return re.search(r'name="next" type="hidden" value="([^"]*)"', html).group(1)


BAD_PASSWORD = {"old_password": "nope", "new_password1": "a", "new_password2": "b"}


def test_the_switch_on_a_form_answered_at_a_post_only_address_returns_to_the_forms_page(
    client_for,
):
    """New-user review #1: a failed password change is shown at /account/password/ (POST
    only); the switch sent the user back there, to a 405."""
    client = client_for("rep1")
    referer = "http://testserver/account/"

    failed = client.post("/account/password/", BAD_PASSWORD, HTTP_REFERER=referer)
    assert failed.status_code == 422
    assert switch_next(failed.content.decode()) == "/account/"

    # sent again from the error page (its Referer is the POST-only address itself), or
    # without a Referer, or with one from another site: the address above it
    for again in ("http://testserver/account/password/", None, "https://evil.example/account/"):
        extra = {"HTTP_REFERER": again} if again else {}
        page = client.post("/account/password/", BAD_PASSWORD, **extra).content.decode()
        assert switch_next(page) == "/account/"

    switched = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/account/"})
    assert switched["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_the_switch_on_a_get_page_and_on_a_form_answered_at_its_own_page(client_for):
    client = client_for("rep1")
    assert switch_next(client.get("/customers/?q=x").content.decode()) == "/customers/?q=x"
    # a form that re-renders at its own page (it answers GET): that page
    page = client.post("/customers/new/", {}, HTTP_REFERER="http://testserver/customers/new/")
    assert page.status_code in (200, 422)
    assert switch_next(page.content.decode()) == "/customers/new/"


def test_answers_get_reads_djangos_method_decorators():
    from guanxi.accounts import views
    from guanxi.workspace.templatetags.nav_tags import _answers_get, return_path

    assert not _answers_get(views.password_change)  # login_required(require_POST(...))
    assert _answers_get(views.account)
    assert return_path(None, "/x/") == "/x/"
