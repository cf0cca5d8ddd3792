"""In a real browser: past the 查重 rate limit the form shows the 429 message in place of the
matches (htmx leaves error answers unswapped unless app.js lets a 429 through)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]


def test_the_duplicate_check_shows_the_rate_limit_message(
    transactional_db, live_server, browser, customer_of, settings
):
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 1
    customer_of("rep1", name="华茂贸易", mobile="13812345678")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep2")
        page.goto(f"{live_server.url}/customers/new/")
        mobile = page.locator("input[name=mobile]")
        mobile.fill("13812345678")
        mobile.blur()
        expect(page.locator("#duplicates-mobile")).to_contain_text("张伟")  # the owner, named
        mobile.fill("13812345679")
        mobile.blur()
        expect(page.locator("#duplicates-mobile")).to_contain_text("查重过于频繁：每分钟最多 1 次")
    finally:
        context.close()
