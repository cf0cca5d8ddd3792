"""Every main page passes the Content-Security-Policy in a real browser (no inline script or
style, nothing from another origin), and the API docs render with no network beyond the app."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(browser, live_server):
    """A page that records CSP violations and refuses (and records) any request off the app."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    app = urlsplit(live_server.url).netloc
    outside, console = [], []

    def only_the_app(route):
        if urlsplit(route.request.url).netloc in (app, ""):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_app)
    page = context.new_page()
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    def violations():
        return page.evaluate("window.__csp") + console

    yield page, violations, outside
    context.close()


def test_main_pages_pass_the_content_security_policy(
    transactional_db, live_server, watched, customer_of, product
):
    page, violations, outside = watched
    customer = customer_of("manager", name="张三", mobile="13812345678", tags=["茶友"])

    page.goto(f"{live_server.url}/login/")
    assert violations() == [], "/login/"
    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/customers/")

    # an htmx swap under the policy: live search replaces the results fragment
    page.fill("input[name=q]", "zhangsan")
    expect(page.locator("#results")).to_contain_text("张三")
    assert violations() == [], "/customers/"

    for path in [
        f"/customers/{customer.pk}/",
        "/customers/new/",
        f"/customers/{customer.pk}/edit/",
        "/tasks/",
        "/sales/orders/",
        "/sales/orders/new/",
        "/sales/products/",
        "/data/import/",
        "/account/",
        "/admin/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert violations() == [], path

    assert outside == []


def test_api_docs_render_offline_from_vendored_files(transactional_db, live_server, watched):
    page, violations, outside = watched

    response = page.goto(f"{live_server.url}/api/v1/docs")

    html = response.text()
    assert "cdn" not in html.lower() and "https://" not in html
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Guanxi CRM API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 20
    assert violations() == []
    assert outside == []
