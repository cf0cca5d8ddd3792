"""Dates in list tables never break across lines: the Chinese customer list at 1280 px showed
"2026-12-" / "02" in 创建日期 when the row's other columns (tags, source) were long."""

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

# how many lines each date in the results takes
LINES = """() => [...document.querySelectorAll('#results tbody td[data-label="创建日期"]')].map((td) => {
  const range = document.createRange();
  range.selectNodeContents(td);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
})"""


def test_created_date_stays_on_one_line_in_the_zh_customer_list(
    transactional_db, live_server, browser, customer_of, screenshot_dir
):
    customer_of(
        "rep1",
        name="无锡新锐律师事务所",
        mobile="13912345678",
        city="无锡市",
        source="exhibition",
        # enough tags to take every spare pixel: the other columns shrink to their narrowest
        tags=[f"{word}{n}" for n in range(4) for word in ("喜欢绿茶", "礼品需求", "茶艺课学员")],
    )
    customer_of("rep1", name="王小明", tags=["新客", "茶友", "高潜力"])
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/")
        lines = page.evaluate(LINES)
        assert lines == [1, 1], lines
        page.screenshot(path=str(screenshot_dir / "customer-list-dates-zh-1280.png"))
    finally:
        context.close()
