"""In a real browser, in both languages: log in, find a customer by pinyin, record a visit."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

LANGUAGES = {
    # browser locale → (Accept-Language it sends, words the page must show)
    "zh-CN": {"nav": "客户", "save": "保存互动记录", "timeline": "时间线", "channel": "拜访"},
    "en-US": {
        "nav": "Customers",
        "save": "Save interaction",
        "timeline": "Timeline",
        "channel": "Visit",
    },
}


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_login_search_by_pinyin_and_record_an_interaction(
    transactional_db, live_server, browser, customer_of, screenshot_dir, locale
):
    words = LANGUAGES[locale]
    customer = customer_of(
        "rep1",
        name="张三",
        mobile="13812345678",
        city="杭州市",
        level="A",
        tags=["茶友"],
        id_number="110101199003074514",
    )
    customer_of("rep1", name="李四", mobile="13900000000")
    customer_of("rep2", name="张珊", mobile="13700000000")  # another team's: never found
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        # log in
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/")
        expect(page.locator("header nav")).to_contain_text(words["nav"])

        # search by full pinyin, then by initials: the results fragment updates live
        results = page.locator("#results")
        for term in ["zhangsan", "zs"]:
            page.fill("input[name=q]", term)
            expect(page).to_have_url(re.compile(rf"[?&]q={term}(&|$)"))
            expect(results).to_contain_text("张三")
            expect(results).not_to_contain_text("李四")
            expect(results).not_to_contain_text("张珊")

        # open the 360 page
        results.get_by_role("link", name="张三").click()
        page.wait_for_url(f"{live_server.url}/customers/{customer.pk}/")
        expect(page.locator("h1")).to_contain_text("张三")
        expect(page.locator("body")).not_to_contain_text("110101199003074514")

        # record a visit: it appears at the top of the timeline without a page load
        subject = f"上门拜访 {locale}"
        form = page.locator("#interaction-form")
        expect(form).to_be_visible()  # open from the start on a laptop
        form.locator("select[name=channel]").select_option("visit")
        form.locator("select[name=direction]").select_option("outbound")
        form.locator("input[name=subject]").fill(subject)
        form.locator("textarea[name=content]").fill("带了新茶样品，客户很满意。")
        page.get_by_role("button", name=words["save"]).click()
        first = page.locator("#timeline li").first
        expect(first).to_contain_text(subject)
        expect(first).to_contain_text(words["channel"])
        expect(page.locator("#interaction-form input[name=subject]")).to_have_value("")
        if locale == "zh-CN":
            page.screenshot(path=str(screenshot_dir / "customer360-zh-hans.png"), full_page=True)
    finally:
        context.close()


def test_manager_reveals_a_sensitive_field_with_a_purpose(
    transactional_db, live_server, browser, customer_of
):
    from guanxi.privacy.models import RevealLog

    customer = customer_of("rep1", name="张三", id_number="110101199003074514")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, live_server.url, "manager")
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        row = page.locator("#sensitive-id_number")
        expect(row).to_contain_text("••••14")
        row.locator("summary").click()
        row.locator("input[name=purpose]").fill("核对开票信息")
        row.get_by_role("button", name="显示").click()
        # htmx sent the CSRF token from <body hx-headers>, the reveal was logged
        expect(page.locator("#sensitive-id_number")).to_contain_text("110101199003074514")
        assert RevealLog.objects.get().purpose == "核对开票信息"
    finally:
        context.close()
