"""In a real browser: a confirmation goes as soon as the next answer brings an error or a newer
message, not after its 6 s (a new-user review saw "Interaction saved." next to the next save's
errors)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

WORDS = {
    "zh-CN": {
        "save": "保存互动记录",
        "saved": "互动记录已保存。",
        "no_subject": "请填写互动记录的主题。",
    },
    "en-US": {
        "save": "Save interaction",
        "saved": "Interaction saved.",
        "no_subject": "Give the interaction a subject.",
    },
}


@pytest.mark.parametrize("locale", list(WORDS))
def test_an_error_removes_the_earlier_confirmation_at_once(
    transactional_db, live_server, browser, customer_of, screenshot_dir, locale
):
    words = WORDS[locale]
    customer = customer_of("rep1", name="张三", mobile="13812345678")
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        form = page.locator("#interaction-form")
        confirmations = page.locator("#messages .message")

        # given an interaction saved: its confirmation shows
        form.locator("input[name=subject]").fill("电话回访")
        page.get_by_role("button", name=words["save"]).click()
        expect(confirmations).to_have_text([words["saved"]])

        # when the next save fails (no subject), well within the confirmation's 6 s
        page.get_by_role("button", name=words["save"]).click()

        # then the error is shown and the confirmation is gone at once
        expect(page.locator("#interaction-form")).to_contain_text(words["no_subject"])
        expect(confirmations).to_have_count(0, timeout=1000)
        page.screenshot(path=str(screenshot_dir / f"messages-error-{locale}.png"))

        # and a newer confirmation is shown alone
        page.locator("#interaction-form input[name=subject]").fill("再次回访")
        page.get_by_role("button", name=words["save"]).click()
        expect(confirmations).to_have_text([words["saved"]])
    finally:
        context.close()
