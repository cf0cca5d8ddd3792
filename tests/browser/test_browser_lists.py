"""In a real browser, in both languages: sort by a column header, filter, the URL keeps both
(htmx pushes it), and a bulk action on ticked rows."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

WORDS = {
    "zh-CN": {"name": "姓名", "count": "2 位客户", "added": "已为 1 位客户添加标签"},
    "en-US": {"name": "Name", "count": "2 customers", "added": "added to 1 customer"},
}


@pytest.mark.parametrize("locale", list(WORDS))
def test_sort_by_header_filter_and_bulk_tag(
    transactional_db, live_server, browser, customer_of, screenshot_dir, locale
):
    words = WORDS[locale]
    customer_of("rep1", name="阿明", level="A")
    customer_of("rep1", name="丁一", level="A")
    customer_of("rep1", name="白兰", level="C")
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/")

        results = page.locator("#results")
        results.locator("thead").get_by_role("link", name=words["name"]).click()
        expect(page).to_have_url(re.compile(r"[?&]sort=name(&|$)"))
        expect(results.locator("tbody tr").first).to_contain_text("阿明")

        # a filter keeps the sort chosen by the header, and both stay in the URL
        page.select_option("select[name=level]", "A")
        expect(page).to_have_url(re.compile(r"level=A"))
        expect(page).to_have_url(re.compile(r"sort=name"))
        expect(results).to_contain_text(words["count"])
        expect(results).not_to_contain_text("白兰")
        expect(results.locator("tbody tr").first).to_contain_text("阿明")

        # "select all on this page" ticks every row, and unticks them again
        results.locator("thead input[type=checkbox]").check()
        expect(results.locator("tbody input[type=checkbox]:checked")).to_have_count(2)
        results.locator("thead input[type=checkbox]").uncheck()
        expect(results.locator("tbody input[type=checkbox]:checked")).to_have_count(0)

        # tick one row, add a tag: the list comes back with the same filters
        results.locator("tbody tr").first.locator("input[type=checkbox]").check()
        page.fill("#bulk input[name=tag]", "回访")
        page.locator("#bulk button[type=submit]").click()
        expect(page.locator(".messages")).to_contain_text(words["added"])
        expect(page).to_have_url(re.compile(r"level=A"))
        expect(results.locator("tbody tr").first).to_contain_text("回访")
        if locale == "zh-CN":
            page.screenshot(path=str(screenshot_dir / "customer-list-zh-hans.png"))
    finally:
        context.close()


def test_search_pushes_only_the_filters_that_are_set(
    transactional_db, live_server, browser, customer_of
):
    # given two customers, when a search is typed: the address bar holds the search and none of
    # the ~30 empty filter fields (lists.js drops them from the htmx request)
    customer_of("rep1", name="阿明")
    customer_of("rep1", name="白兰")
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/")
        page.fill("#id_q", "白兰")
        expect(page).to_have_url(re.compile(r"[?&]q=%E7%99%BD%E5%85%B0"))
        expect(page.locator("#results")).not_to_contain_text("阿明")
        assert "tag=" not in page.url
        assert "level=" not in page.url
        page.select_option("select[name=level]", "A")
        expect(page).to_have_url(re.compile(r"level=A"))
        assert "tag=" not in page.url
    finally:
        context.close()


def test_back_shows_the_search_typed_and_keeps_no_page_in_local_storage(
    transactional_db, live_server, browser, customer_of
):
    """A new-user review typed a search, paged on, opened a customer and went Back: the list
    was still filtered but the search box stood empty (htmx restored a snapshot of the page,
    in which a typed value is not an attribute). htmx keeps no snapshot now (none of the
    pages' personal data in localStorage either): Back reloads the address, search included.
    The review's race too: the box's change event on leaving it for "Next page →" sent the
    search again, whose late answer could put the first page back."""
    from guanxi.customers import views

    for n in range(views.PAGE_SIZE + 2):
        customer_of("rep1", name=f"王{n:02d}")
    customer_of("rep1", name="白兰")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/")
        page.fill("#id_q", "王")
        expect(page).to_have_url(re.compile(r"[?&]q=%E7%8E%8B"))
        expect(page.locator("#results")).not_to_contain_text("白兰")
        # leaving the box for "Next page →" sends nothing more (its change event stops in
        # lists.js): a late search answer replaced the next page with the first
        sent = []
        page.on("request", lambda request: sent.append(request.url))
        page.locator(".pager a[href*='after=']").first.click()
        expect(page).to_have_url(re.compile(r"after="))
        expect(page.locator("#results")).to_contain_text("王00")
        lists = [url for url in sent if "/customers/?" in url]
        assert lists and all("after=" in url for url in lists), lists
        page.locator("#results tbody tr a").first.click()
        expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
        page.go_back()
        expect(page).to_have_url(re.compile(r"after="))
        expect(page.locator("#id_q")).to_have_value("王")
        page.go_back()
        expect(page).not_to_have_url(re.compile(r"after="))
        expect(page.locator("#id_q")).to_have_value("王")
        expect(page.locator("#results")).not_to_contain_text("白兰")
        stored = page.evaluate("Object.keys(window.localStorage)")
        assert "htmx-history-cache" not in stored
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_phone_gets_the_next_page_beside_the_count(
    transactional_db, live_server, browser, customer_of, width
):
    """At 390 px the rows are cards, ~8,000 px of them, and the pager was only below them (a
    new-user review). The count line offers the next page on a phone; a wide screen keeps one
    pager, under the table."""
    from guanxi.customers import views

    for n in range(views.PAGE_SIZE + 2):
        customer_of("rep1", name=f"王{n:02d}")
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/")
        top = page.locator(".list-count .pager-top")
        if width > 640:
            expect(top).to_be_hidden()
            return
        expect(top).to_be_visible()
        assert top.bounding_box()["y"] < page.locator("#results tbody tr").first.bounding_box()["y"]
        top.click()
        expect(page).to_have_url(re.compile(r"after="))
        expect(page.locator("#results tbody tr")).to_have_count(2)
        expect(page.locator(".list-count .pager-top")).to_have_count(0)  # the last page
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_pager_under_the_list_opens_the_next_page_at_its_top(
    transactional_db, live_server, browser, customer_of, width
):
    """A new-user review tapped "Next page →" under the list and was left ~7,000 px down, the
    new page's first rows out of sight; and a 200-letter name without a space stretched the
    table past the screen, the other columns out of sight."""
    from guanxi.customers import views

    customer_of("rep1", name="x" * 200)
    for n in range(views.PAGE_SIZE + 2):
        customer_of("rep1", name=f"王{n:02d}")
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/")
        page.locator(".pager a[href*='after=']").scroll_into_view_if_needed()
        page.locator(".pager a[href*='after=']").click()
        expect(page).to_have_url(re.compile(r"after="))
        first = page.locator("#results tbody tr").first
        expect(first).to_be_in_viewport()
        expect(first).to_contain_text("王01")
        expect(page.locator("#results tbody tr").last).to_contain_text("x" * 20)
        widths = page.evaluate(
            "[document.querySelector('#results table').scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1], widths
    finally:
        context.close()
