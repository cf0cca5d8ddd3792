"""On a 390 px phone, in both languages: the task inbox as cards, a filter kept in the URL,
"select all" over the checkbox column, and a bulk "mark done" with its confirmation."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

WORDS = {
    "zh-CN": {"kind": "跟进", "done": "已将 2 个任务标记为完成。", "count": "1 个待办任务"},
    "en-US": {"kind": "Follow-up", "done": "2 tasks marked done.", "count": "1 open task"},
}


@pytest.mark.parametrize("locale", list(WORDS))
def test_filter_and_bulk_mark_done_at_390px(
    transactional_db, live_server, browser, personas, customer_of, screenshot_dir, locale
):
    from guanxi.activities.models import Task
    from guanxi.activities.services import create_task

    words = WORDS[locale]
    rep1 = personas["rep1"]
    customer = customer_of("rep1", name="茗香茶庄")
    soon = timezone.now() + timedelta(days=2)
    for title in ("回访电话", "上门拜访"):
        create_task(rep1, {"title": title, "due_at": soon, "kind": "follow_up"}, customer=customer)
    create_task(rep1, {"title": "写周报", "due_at": soon})
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    page = context.new_page()
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/tasks/")

        # a filter goes into the URL (htmx pushes it) and narrows the cards
        page.select_option("select[name=kind]", "follow_up")
        expect(page).to_have_url(re.compile(r"kind=follow_up"))
        inbox = page.locator("#inbox")
        expect(inbox.locator("tbody tr")).to_have_count(2)
        expect(inbox).not_to_contain_text("写周报")
        expect(inbox.locator("tbody tr").first).to_contain_text(words["kind"])

        # the list is cards at 390 px: no sideways scrolling, each row's box reachable
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide"
        boxes = inbox.locator("tbody input[type=checkbox]")
        expect(boxes.first).to_be_visible()

        inbox.locator("thead input[type=checkbox]").check()
        expect(inbox.locator("tbody input[type=checkbox]:checked")).to_have_count(2)
        page.select_option("#bulk select[name=action]", "done")
        page.locator("#bulk button[type=submit]").click()
        expect(page.locator(".messages")).to_contain_text(words["done"])
        expect(page).to_have_url(re.compile(r"kind=follow_up"))
        expect(page.locator("main")).to_contain_text(
            "No open task matches these filters." if locale == "en-US" else "没有符合这些筛选条件"
        )
        assert Task.objects.filter(done_at__isnull=False).count() == 2

        page.select_option("select[name=kind]", "")
        expect(page).not_to_have_url(re.compile(r"kind=follow_up"), timeout=15000)
        expect(page.locator(".list-count")).to_contain_text(words["count"], timeout=15000)
        assert not csp, csp
        page.screenshot(path=str(screenshot_dir / f"task-bulk-390-{locale}.png"), full_page=True)
    finally:
        context.close()
