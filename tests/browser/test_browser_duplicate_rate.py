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


def test_a_refused_duplicate_shows_the_existing_customer_with_its_link_after_the_save(
    transactional_db, live_server, browser, customer_of
):
    """A new-user review: the 查重 hint linked the existing customer while typing, but once the
    save was refused the page came back with the error and no link."""
    existing = customer_of("rep1", name="杨燕", mobile="13705679036")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/new/")
        page.locator("input[name=name]").fill("杨燕")
        page.locator("input[name=mobile]").fill("137 0567 9036")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
        expect(page.locator("#id_mobile_error")).to_contain_text("已被登记")
        panel = page.locator("#duplicates-mobile")
        expect(panel.locator(f'a[href="/customers/{existing.pk}/"]')).to_be_visible()
    finally:
        context.close()
