"""In a real browser: a save that lost a race shows both values; merging and undoing it."""

import pytest
from playwright.sync_api import expect

from guanxi.customers.models import Customer
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]


def test_stale_save_then_merge_and_undo(
    transactional_db, live_server, browser, customer_of, personas, screenshot_dir
):
    from guanxi.customers.services import update_customer

    keep = customer_of("rep1", name="张三", city="杭州")
    dupe = customer_of("rep1", name="张三", city="上海", email="zs@example.com")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")

        # the edit form is open while a colleague saves another city
        page.goto(f"{live_server.url}/customers/{keep.pk}/edit/")
        update_customer(personas["lead_a"], Customer.objects.get(pk=keep.pk), {"city": "苏州"})
        page.fill("input[name=city]", "南京")
        page.click("main form button[type=submit]")
        expect(page.locator(".form-errors")).to_contain_text("李组长")
        expect(page.locator(".field.has-error")).to_contain_text("当前保存的值：苏州")
        expect(page.locator("input[name=city]")).to_have_value("南京")
        page.screenshot(path=str(screenshot_dir / "customer-edit-conflict.png"), full_page=True)
        page.click("main form button[type=submit]")  # saving again keeps the user's value
        page.wait_for_url(f"{live_server.url}/customers/{keep.pk}/")
        assert Customer.objects.get(pk=keep.pk).city == "南京"

        # merge the duplicate from the 360 page
        page.get_by_role("button", name="合并重复客户").click()
        page.locator("#merge-candidates").get_by_role("link", name="张三").click()
        page.check("input[name=take_email][value=other]")
        page.screenshot(path=str(screenshot_dir / "customer-merge.png"), full_page=True)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/customers/{keep.pk}/")
        expect(page.locator("#merges")).to_contain_text("张三")
        assert Customer.objects.get(pk=dupe.pk).merged_into_id == keep.pk

        # and undo it
        page.get_by_role("button", name="撤销合并").click()
        page.wait_for_url(f"{live_server.url}/customers/{keep.pk}/")
        expect(page.locator("#merges")).to_have_count(0)
        assert Customer.objects.get(pk=dupe.pk).merged_into_id is None
        assert Customer.objects.get(pk=keep.pk).email == ""
    finally:
        context.close()
