"""404, 403 and 500 pages: in the user's language and the site's style, with DEBUG off."""

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def production_errors(settings):
    settings.DEBUG = False


@pytest.mark.parametrize(
    ("language", "title", "html_lang"),
    [("en", "Page not found", 'lang="en"'), ("zh-hans", "页面不存在", 'lang="zh-hans"')],
)
def test_404_page_in_the_users_language(language, title, html_lang, client_for):
    response = client_for("rep1", language=language).get("/customers/999999/")

    assert response.status_code == 404
    page = response.content.decode()
    assert title in page and html_lang in page
    assert "guanxi/app.css" in page and "site-header" in page  # the site's own layout
    assert "张伟" in page  # the header knows who is logged in


def test_404_for_someone_logged_out_and_for_the_api(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/no-such-page/")
    assert page.status_code == 404 and "页面不存在" in page.content.decode()

    api = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    ("language", "title", "reason"),
    [
        ("en", "Not allowed", "Only managers may administer the team."),
        ("zh-hans", "无权访问", "只有经理可以管理团队。"),
    ],
)
def test_403_page_says_why_in_the_users_language(language, title, reason, client_for):
    response = client_for("rep1", language=language).get("/team/")

    assert response.status_code == 403
    page = response.content.decode()
    assert title in page and reason in page and "site-header" in page


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Something went wrong"), ("zh-hans", "出错了")]
)
def test_500_page_without_a_request_context(language, title, settings, db):
    settings.ROOT_URLCONF = "tests.pages.error_urls"
    client = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)

    response = client.get("/test-failure/")

    assert response.status_code == 500
    page = response.content.decode()
    assert title in page and f'lang="{language}"' in page
    assert "guanxi/app.css" in page
    assert "boom" not in page and "Traceback" not in page


@pytest.mark.parametrize(
    ("language", "title"), [("en", "The form has expired"), ("zh-hans", "表单已过期")]
)
def test_a_form_sent_without_its_csrf_token_explains_what_to_do(language, title, personas):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(personas["manager"])

    response = client.post("/team/departments/new/", {"name": "无令牌"})

    assert response.status_code == 403
    page = response.content.decode()
    assert title in page and "guanxi/app.css" in page


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "larger than 2.5 MB, so nothing was saved"), ("zh-hans", "超过 2.5 MB")],
)
def test_a_form_post_over_the_limit_gets_a_translated_413(language, words, client_for, customer_of):
    """Hostile review: a form post over the upload limit got Django's bare English "Bad
    Request (400)" while the API answered a translated 413."""
    client = client_for("rep1", language)
    customer = customer_of("rep1", name="甲")
    body = {"description": "投" * (3 * 2**20)}  # over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
    response = client.post(f"/cases/new/?customer={customer.pk}", body)
    assert response.status_code == 413
    assert words in response.content.decode()


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "This address cannot be opened as a page"), ("zh-hans", "此地址不能作为页面打开")],
)
def test_a_get_at_a_form_only_address_is_a_translated_405_page(language, title, client_for):
    """New-user review #1: GET /account/password/ answered 405 with an empty body, which
    Chromium shows as its own "HTTP ERROR 405" page, a dead end."""
    response = client_for("rep1", language).get(
        "/account/password/", HTTP_REFERER="http://testserver/account/"
    )

    assert response.status_code == 405 and response["Allow"] == "POST"
    page = response.content.decode()
    assert title in page and f'lang="{language}"' in page and "site-header" in page
    # its language switch leaves the refused address: back to the page the link was on
    assert 'name="next" type="hidden" value="/account/"' in page


def test_a_405_stays_bare_for_the_api_and_htmx(client_for):
    client = client_for("rep1")
    fragment = client.get("/account/password/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 405 and fragment.content == b""
    api = client.get("/api/v1/auth/token")
    assert api.status_code == 405 and b"This address" not in api.content
