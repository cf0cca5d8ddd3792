"""The printed contract at 390 px and at 1280 px, in both languages: the parties stack on a
phone and stand side by side on a desk, the capitals (Chinese only) wrap, nothing scrolls
sideways."""

import pytest
from playwright.sync_api import expect

from guanxi.contracts import services
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_contract_printout_fits(
    transactional_db, live_server, browser, customer_of, product, rep1, locale, width, settings
):
    settings.COMPANY_ADDRESS = "浙江省杭州市西湖区龙井路 1 号茗香茶业大厦 18 楼"
    customer = customer_of("rep1", name="华茂贸易有限公司", kind="organisation", city="杭州市")
    quote = services.create_quote(rep1, customer, {}, [{"product": product, "quantity": 98765}])
    contract = services.accept_quote(rep1, quote)
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/contracts/{contract.pk}/print/")
        chinese = locale == "zh-CN"
        expect(page.locator("#party-a")).to_have_text("甲方" if chinese else "Party A (customer)")
        expect(page.locator("td.capitals")).to_have_count(1 if chinese else 0)
        width_now = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
            f" > {width + 1}).slice(0, 8).map(e => e.tagName + '.' + e.className + ':' +"
            " Math.round(e.getBoundingClientRect().width) + ':' + e.textContent.slice(0, 30))"
        )
        assert width_now <= width, f"the printout is {width_now} px wide at {width} px: {wide}"
        a = page.locator(".parties section").nth(0).bounding_box()
        b = page.locator(".parties section").nth(1).bounding_box()
        side_by_side = abs(a["y"] - b["y"]) < 1
        assert side_by_side == (width == 1280)
    finally:
        context.close()
