"""At 390 px, in both languages: filter the customer list, save the filters as a segment from
the list's small form, open the segment and find its live members; nothing scrolls sideways.
Screenshots go to var/screenshots/ (ignored)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanxi.segments.models import Segment
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WORDS = {
    "zh-CN": {"save_as": "保存为细分", "save": "保存细分", "members": "成员", "saved": "已保存"},
    "en-US": {
        "save_as": "Save as segment",
        "save": "Save segment",
        "members": "Members",
        "saved": "saved",
    },
}


def _no_sideways_scroll(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width} px wide at {PHONE['width']} px"


@pytest.mark.parametrize("locale", list(WORDS))
def test_save_a_segment_from_the_list_and_open_it_at_390px(
    transactional_db, live_server, browser, customer_of, locale
):
    words = WORDS[locale]
    customer_of("rep1", name="张三", level="A", city="杭州市")
    customer_of("rep1", name="李四", level="B", city="杭州市")
    customer_of("rep2", name="王五", level="A")  # another team's: never a member for rep1
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/")

        # filter by level A: the list updates in place (htmx), the save form follows it
        page.select_option("select[name=level]", "A")
        results = page.locator("#results")
        expect(results).not_to_contain_text("李四")
        expect(results.locator("input[form=save-segment]")).to_have_value(
            re.compile(r"(^|&)level=A(&|$)")
        )

        # save the filters as a segment from the list's small form
        page.get_by_text(words["save_as"]).click()
        page.fill("#id_segment_name", "杭州 A 类")
        _no_sideways_scroll(page, "the customer list with the save form")
        page.get_by_role("button", name=words["save"]).click()
        page.wait_for_url(f"{live_server.url}/segments/*/")

        # the segment page: its live members in rep1's scope
        segment = Segment.objects.get()
        assert segment.params == {"level": "A"}
        expect(page.locator("h1")).to_contain_text("杭州 A 类")
        expect(page.locator("#messages")).to_contain_text(words["saved"])
        members = page.locator("#members")
        expect(members).to_contain_text("张三")
        expect(members).not_to_contain_text("李四")
        expect(members).not_to_contain_text("王五")
        expect(page.get_by_role("heading", name=words["members"])).to_be_visible()
        _no_sideways_scroll(page, "the segment page")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"segment-{locale}.png"), full_page=True)

        # and it is listed under Segments
        page.goto(f"{live_server.url}/segments/")
        expect(page.locator("main")).to_contain_text("杭州 A 类")
        _no_sideways_scroll(page, "the segment list")
    finally:
        context.close()
