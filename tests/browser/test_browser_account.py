"""The account page at 390 × 844 (a phone), in both languages: "Create a token" shows the new
token once, whole and selectable inside the screen, with the note to copy it now (new-user
review #8)."""

import pytest
from playwright.sync_api import expect

from guanxi.accounts.models import ApiToken
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
WORDS = {
    "zh-CN": {"create": "生成令牌", "note": "请立即复制：它不会再次显示。"},
    "en-US": {"create": "Create a token", "note": "Copy it now: it will not be shown again."},
}


@pytest.mark.parametrize("locale", list(WORDS))
def test_create_a_token_on_a_phone(transactional_db, live_server, browser, rep1, locale):
    words = WORDS[locale]
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/account/")
        button = page.get_by_role("button", name=words["create"])
        lines = button.evaluate(
            "b => { const r = document.createRange(); r.selectNodeContents(b);"
            " return r.getClientRects().length; }"
        )
        assert lines == 1  # its label on one line

        button.click()

        box = page.locator("#new-token")
        expect(box).to_contain_text(words["note"])
        key = box.locator("code").inner_text().strip()
        assert ApiToken.hash_key(key) == ApiToken.objects.get(user=rep1).key_hash
        code = box.locator("code").bounding_box()
        assert code["x"] >= 0 and code["x"] + code["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        expect(page.locator("table code", has_text=key[:6])).to_be_visible()
        revoke = page.locator("table button").first  # whole words, on one line
        assert revoke.evaluate(
            "b => b.scrollHeight < 2 * parseFloat(getComputedStyle(b).lineHeight) + 20"
        )
        # each token a card: Revoke inside the screen, not behind a sideways scroll (a review
        # could not see it at 390 px)
        for locator in (revoke, page.locator("table tbody td").nth(3)):
            found = locator.bounding_box()
            assert found["x"] >= 0 and found["x"] + found["width"] <= PHONE["width"]
    finally:
        context.close()


def test_the_new_token_has_a_copy_button(transactional_db, live_server, browser, rep1):
    """A review had to select the 40-character token by hand: Copy puts it on the clipboard
    and says so."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    try:
        page = context.new_page()
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/account/")
        page.get_by_role("button", name=WORDS["zh-CN"]["create"]).click()
        key = page.locator("#new-token code").inner_text().strip()

        copy = page.locator("#new-token").get_by_role("button", name="复制")
        copy.click()

        expect(page.locator("#new-token button[data-copy]")).to_have_text("已复制")
        assert page.evaluate("navigator.clipboard.readText()") == key
        assert ApiToken.hash_key(key) == ApiToken.objects.get(user=rep1).key_hash
    finally:
        context.close()
