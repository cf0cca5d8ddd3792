"""Every main page passes the Content-Security-Policy in a real browser (no inline script or
style, nothing from another origin), the 360 page's in-place (htmx) updates do too, and the API
docs render with no network beyond the app."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

# An inline handler (onchange="") is only reported when its event fires: every visited page is
# also searched for one. (A style attribute may be there: a script's CSSOM writes, allowed, make
# one; a style="" in the HTML is reported as it is parsed.)
INLINE_HANDLERS = """
() => [...document.querySelectorAll("*")].flatMap((el) =>
  [...el.attributes].filter((a) => a.name.startsWith("on"))
    .map((a) => `${el.tagName.toLowerCase()}[${a.name}]`))
"""

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
    # Chromium reports a blocked inline style or handler on the console only (the event is
    # not always fired for it), so both are watched.
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    def violations():
        return page.evaluate("window.__csp") + console + page.evaluate(INLINE_HANDLERS)

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
        "/quotes/",
        "/contracts/",
        "/contracts/collections/",
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


@pytest.mark.parametrize("path", ["/quotes/", "/contracts/"])
def test_a_status_filter_applies_itself_without_an_inline_handler(
    transactional_db, live_server, watched, personas, path
):
    page, violations, outside = watched
    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}{path}")

    page.select_option("select[name=status]", index=1)

    page.wait_for_url(re.compile(r"[?&]status=\w+"))
    assert page.locator("select[name=status]").evaluate("s => s.selectedIndex") == 1
    assert violations() == [], path
    assert outside == []


def test_the_360_pages_htmx_updates_pass_the_content_security_policy(
    transactional_db, live_server, watched, customer_of
):
    """Each update swaps the timeline, a fresh form and the messages in place; htmx settles
    them and the confirmation fades: none of it may apply an inline style.

    (A Playwright screenshot taken here would: it hides the text caret by setting
    style="caret-color: transparent" on every input, and Chromium logs "Applying inline style
    violates ... style-src 'self'" for each one, unless it is called with caret="initial".)"""
    page, violations, outside = watched
    customer = customer_of("manager", name="张三", mobile="13812345678")
    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.wait_for_load_state("networkidle")
    assert violations() == [], "360 page"
    timeline = page.locator("#timeline")

    # given the interaction form (open on a laptop): record a visit
    form = page.locator("#interaction-form")
    form.locator("select[name=channel]").select_option("visit")
    form.locator("input[name=subject]").fill("上门拜访")
    form.locator("button[type=submit]").click()
    expect(timeline.locator("li").first).to_contain_text("上门拜访")
    expect(page.locator("#messages .message")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert violations() == [], "interaction"

    # a note: its form is fetched when its <details> opens
    page.locator("details:has(#note-form) > summary").click()
    form = page.locator("#note-form form")
    form.locator("textarea[name=body]").fill("喜欢龙井")
    form.locator("button[type=submit]").click()
    expect(timeline).to_contain_text("喜欢龙井")
    page.wait_for_load_state("networkidle")
    assert violations() == [], "note"

    # a task, then mark it done (the confirmation carries an Undo button)
    page.locator("details:has(#task-form) > summary").click()
    form = page.locator("#task-form form")
    form.locator("input[name=title]").fill("寄茶样")
    form.locator("input[name=due_at]").fill("2030-01-02T10:00")
    form.locator("button[type=submit]").click()
    task = timeline.locator("li", has_text="寄茶样")
    expect(task.locator("form button")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert violations() == [], "task"
    task.locator("form button").click()
    expect(page.locator("#messages form.undo")).to_be_visible()
    expect(timeline.locator("li", has_text="寄茶样").locator("form")).to_have_count(0)
    page.wait_for_load_state("networkidle")

    # and the confirmations fade away (app.js) without an inline style either
    page.wait_for_timeout(7000)
    assert violations() == [], "task done"
    assert outside == []


def test_api_docs_render_offline_from_vendored_files(transactional_db, live_server, watched):
    page, violations, outside = watched

    response = page.goto(f"{live_server.url}/api/v1/docs")

    html = response.text()
    assert "cdn" not in html.lower() and "https://" not in html
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Guanxi CRM API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 20
    # open an operation and its "Try it out": Swagger UI's own handlers must not be inline
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert violations() == []
    assert outside == []
