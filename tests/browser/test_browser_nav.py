"""The header's navigation in both languages: one row on a 1280 px laptop with the links grouped
in menus (one open at a time, closed by a click elsewhere), and every link within reach in the
fold-out menu of a 390 px phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

WORDS = {
    "zh-CN": {"orders": "订单", "service": "服务", "cases": "工单", "leads": "线索"},
    "en-US": {
        "orders": "Orders",
        "service": "Service",
        "cases": "Cases",
        "leads": "Leads",
    },
}
# the header's row: the brand, each top-level link or menu name, the language, name and log-out
ROW = ".site-header .nav-brand > li, .site-header .nav-links > li, .site-header .nav-tools > li"


@pytest.mark.parametrize("locale", list(WORDS))
def test_laptop_nav_is_one_row_and_its_menus_reach_their_pages(
    transactional_db, live_server, browser, personas, screenshot_dir, locale
):
    words = WORDS[locale]
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "manager")  # the longest row: with the More menu
        boxes = page.evaluate(
            f"""() => [...document.querySelectorAll({ROW!r})].map((e) => {{
                const r = e.getBoundingClientRect(); return [r.top, r.bottom]; }})"""
        )
        assert len(boxes) >= 10
        middles = [(top + bottom) / 2 for top, bottom in boxes]
        assert max(middles) - min(middles) < 6, f"the header wraps: {boxes}"
        assert page.locator(".site-header nav").bounding_box()["height"] < 90  # two rows: 125
        # one row with Pico's own paddings was 98 px tall
        assert page.locator(".site-header").bounding_box()["height"] < 70

        sales, service = page.locator("#nav-sales"), page.locator("#nav-service")
        orders = sales.get_by_role("link", name=words["orders"], exact=True)
        cases = service.get_by_role("link", name=words["cases"], exact=True)
        expect(orders).to_be_hidden()
        sales.locator("summary").click()
        expect(orders).to_be_visible()
        page.screenshot(path=str(screenshot_dir / f"nav-1280-{locale}.png"))
        service.locator("summary").click()  # one click: the other menu closes, this one opens
        expect(cases).to_be_visible()
        expect(orders).to_be_hidden()
        page.locator("main h1").click()  # a click elsewhere closes it
        expect(cases).to_be_hidden()

        sales.locator("summary").click()
        orders.click()
        page.wait_for_url(f"{live_server.url}/sales/orders/")
        expect(sales.locator("summary")).to_have_attribute("aria-current", "true")
        # (a closed menu's links are out of the accessibility tree: found by their address)
        expect(sales.locator("a[href='/sales/orders/']")).to_have_attribute("aria-current", "page")
        expect(service.locator("summary")).not_to_have_attribute("aria-current", "true")
    finally:
        context.close()


@pytest.mark.parametrize("locale", list(WORDS))
def test_phone_fold_menu_lists_every_link_by_menu(
    transactional_db, live_server, browser, personas, screenshot_dir, locale
):
    words = WORDS[locale]
    context = browser.new_context(
        locale=locale, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        menu = page.locator("#nav-menu")
        cases = menu.get_by_role("link", name=words["cases"], exact=True)
        expect(cases).to_be_hidden()
        menu.locator("> summary").tap()
        # every link shows at once, under its menu's name: no second menu to open
        expect(cases).to_be_visible()
        expect(menu.get_by_role("link", name=words["leads"], exact=True)).to_be_visible()
        expect(page.locator("#nav-service > summary")).to_have_text(words["service"])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the open menu is {width} px wide"
        page.screenshot(path=str(screenshot_dir / f"nav-390-{locale}.png"))
        cases.tap()
        page.wait_for_url(f"{live_server.url}/cases/")
        menu.locator("> summary").tap()
        expect(page.locator("#nav-service > summary")).to_have_attribute("aria-current", "true")
        expect(cases).to_have_attribute("aria-current", "page")
    finally:
        context.close()
