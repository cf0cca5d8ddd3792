"""At 390 px, in both languages: import a file of theme-park reviews on the import page, land
on the findings (the keyword chart drawn by ECharts), follow a keyword to the reviews behind
it; nothing scrolls sideways. Selectors are structural, so the test holds in either language."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanxi.voice.models import ReviewSet
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ROWS = ["评论,评分,来源"]
ROWS += ["排队太久，门票太贵,1,携程"] * 10 + ["过山车刺激，服务态度好,5,大众点评"] * 10


def _no_sideways_scroll(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width} px wide at {PHONE['width']} px"


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_import_reviews_and_follow_a_keyword_at_390px(
    transactional_db, live_server, browser, personas, locale, tmp_path
):
    source = tmp_path / "parks.csv"
    source.write_text("\n".join(ROWS), encoding="utf-8")
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")

        page.goto(f"{live_server.url}/reviews/import/")
        page.fill("input[name=name]", "乐园点评")
        page.set_input_files("input[name=file]", str(source))
        _no_sideways_scroll(page, "the import page")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/reviews/*/")

        review_set = ReviewSet.objects.get()
        assert review_set.status == "done"
        expect(page.locator("h1")).to_contain_text("乐园点评")
        expect(page.locator(".chart[data-chart=chart-keywords]")).to_have_attribute(
            "data-rendered", "1"
        )
        expect(page.locator("[data-table=factors]")).to_contain_text("排队")
        _no_sideways_scroll(page, "the findings")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"reviews-{locale}.png"), full_page=True)

        page.locator("[data-table=factors] a", has_text="排队").first.click()
        page.wait_for_url(f"{live_server.url}/reviews/{review_set.pk}/reviews/?*")
        reviews = page.locator("[data-list=reviews] > li")
        expect(reviews).to_have_count(10)
        expect(page.locator("[data-list=reviews]")).not_to_contain_text("过山车")
        _no_sideways_scroll(page, "the review list")
    finally:
        context.close()
