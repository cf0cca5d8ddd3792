"""At 390 px, in both languages: open a case from the customer's 360 page, resolve it with a
compensation, find it in the case list, see the complaint charts; nothing scrolls sideways. Screenshots go to
var/screenshots/ (ignored)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanxi.service.models import Case, CaseStatus
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _no_sideways_scroll(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width} px wide at {PHONE['width']} px"


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_open_and_resolve_a_case_at_390px(
    transactional_db, live_server, browser, customer_of, locale
):
    customer = customer_of("rep1", name="张三", city="杭州市")
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")

        # from the 360 page: "Open a case", the customer preselected
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        page.locator("#more-actions > summary").click()  # folded on a phone
        page.locator(f"a[href='/cases/new/?customer={customer.pk}']").click()
        page.wait_for_url(f"{live_server.url}/cases/new/?customer={customer.pk}")
        _no_sideways_scroll(page, "the case form")
        page.fill("#id_subject", "茶叶受潮")
        page.select_option("#id_channel", "hotline")
        page.select_option("#id_cause", "product_quality")
        page.select_option("#id_priority", "urgent")
        page.fill("#id_description", "到货时包装破损，茶叶受潮")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/cases/*/")
        case = Case.objects.get()
        assert case.customer_id == customer.pk and case.priority == "urgent"
        expect(page.locator("h1")).to_contain_text("茶叶受潮")
        expect(page.locator("#expectations")).to_be_visible()
        _no_sideways_scroll(page, "the case page")

        # resolve it with a gift of added value
        page.locator("details:has(form[action$='/resolve/']) > summary").click()
        page.fill("#id_resolution", "换货并赠送新茶一罐")
        page.select_option("#id_compensation_kind", "gift")
        page.fill("#id_compensation_amount", "88")
        page.locator("form[action$='/resolve/'] button[type=submit]").click()
        expect(page.locator("main")).to_contain_text("换货并赠送新茶一罐")
        case.refresh_from_db()
        assert case.status == CaseStatus.RESOLVED and case.compensation_kind == "gift"
        expect(page.locator("#case-history li").first).to_be_visible()
        _no_sideways_scroll(page, "the resolved case page")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"case-{locale}.png"), full_page=True)

        # the list, filtered by status in place (htmx)
        page.goto(f"{live_server.url}/cases/")
        page.select_option("#id_status", "open")
        expect(page.locator("#results")).not_to_contain_text("茶叶受潮")
        page.select_option("#id_status", "resolved")
        expect(page.locator("#results")).to_contain_text("茶叶受潮")
        _no_sideways_scroll(page, "the case list")
        page.screenshot(path=str(SHOTS / f"cases-{locale}.png"), full_page=True)

        # the complaint charts draw (ECharts), and fit the phone
        page.goto(f"{live_server.url}/cases/charts/")
        expect(page.locator(".chart[data-rendered='1']")).to_have_count(3)
        _no_sideways_scroll(page, "the complaint charts")
        page.screenshot(path=str(SHOTS / f"case-charts-{locale}.png"), full_page=True)
        # twelve months on a phone: the labels stand up and are cut short rather than collide;
        # on a laptop (laid out again on resize) they lean 40° in full
        label_js = (
            "() => echarts.getInstanceByDom(document.querySelector('.chart'))"
            ".getOption().xAxis[0].axisLabel"
        )
        label = page.evaluate(label_js)
        assert (label["rotate"], label["overflow"]) == (90, "truncate"), label
        page.set_viewport_size({"width": 1280, "height": 900})
        page.wait_for_function(
            "() => echarts.getInstanceByDom(document.querySelector('.chart'))"
            ".getOption().xAxis[0].axisLabel.rotate === 40"
        )
        assert page.evaluate(label_js)["overflow"] == "none"
    finally:
        context.close()
