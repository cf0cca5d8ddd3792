"""Team administration on a 390 px phone, in both languages: no sideways scrolling, and a
manager deactivates a rep and hands over the customers from the phone."""

import pytest
from playwright.sync_api import expect

from guanxi.customers.models import Customer
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

WORDS = {
    "zh-CN": {"team": "团队", "deactivate": "停用", "done": "已停用"},
    "en-US": {"team": "Team", "deactivate": "Deactivate", "done": "is deactivated"},
}


def no_sideways_scroll(page) -> bool:
    """Nothing in the page's content reaches past the screen's right edge. (The header's
    navigation is the phone-layout work's: it collapses there.)"""
    return page.evaluate(
        """() => [...document.querySelectorAll("main, main *")].every(
            (e) => e.getBoundingClientRect().right <= window.innerWidth + 1)"""
    )


@pytest.mark.parametrize("locale", list(WORDS))
def test_manager_deactivates_a_rep_on_a_phone(
    transactional_db, live_server, browser, personas, customer_of, screenshot_dir, locale
):
    words = WORDS[locale]
    customer = customer_of("rep1", name="张三")
    rep1, rep2 = personas["rep1"], personas["rep2"]
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "manager")

        page.goto(f"{live_server.url}/team/")
        expect(page.locator("h1")).to_have_text(words["team"])
        expect(page.locator("main")).to_contain_text("张伟")
        assert no_sideways_scroll(page)
        page.screenshot(path=str(screenshot_dir / f"team-390-{locale}.png"), full_page=True)

        page.get_by_role("link", name="张伟").click()
        page.wait_for_url(f"{live_server.url}/team/users/{rep1.pk}/")
        assert no_sideways_scroll(page)
        page.screenshot(path=str(screenshot_dir / f"team-user-390-{locale}.png"), full_page=True)
        page.get_by_role("button", name=words["deactivate"]).click()  # a link styled as one
        page.wait_for_url(f"{live_server.url}/team/users/{rep1.pk}/deactivate/")
        assert no_sideways_scroll(page)
        page.select_option("select[name=transfer_to]", str(rep2.pk))
        page.get_by_role("button", name=words["deactivate"]).click()
        page.wait_for_url(f"{live_server.url}/team/")
        expect(page.locator(".messages")).to_contain_text(words["done"])
    finally:
        context.close()

    rep1.refresh_from_db()
    assert not rep1.is_active
    assert Customer.objects.get(pk=customer.pk).owner == rep2
