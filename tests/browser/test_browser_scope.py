"""In a real browser: the owner shares a customer from the 360 page (a refused date says why)
and removes the share; the sensitive export is a form POST that carries the CSRF token and
downloads the file."""

import pytest
from playwright.sync_api import expect

from guanxi.customers.models import Collaborator
from guanxi.privacy.models import RevealLog
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]


def test_owner_shares_and_unshares_from_the_360_page(
    transactional_db, live_server, browser, customer_of, personas, screenshot_dir
):
    customer = customer_of("rep2", name="乙方客户")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep2")
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        card = page.locator("#collaborators")
        expect(card).to_contain_text("尚未与任何人共享。")

        # a date in the past: the card shows why nothing was shared (htmx swaps the 400 answer;
        # a review saw it ignored without a word)
        card.get_by_text("与同事共享").click()
        card.locator("select[name=user]").select_option(label="张伟")
        card.locator("input[name=expires_at]").fill("2020-01-01T10:00")
        card.get_by_role("button", name="共享", exact=True).click()
        expect(page.locator("#collaborators")).to_contain_text("请选择一个将来的时间")
        assert not Collaborator.objects.filter(customer=customer).exists()

        # share with rep1 (张伟), read-write, until a date: the card updates in place (htmx)
        card = page.locator("#collaborators")
        card.locator("select[name=user]").select_option(label="张伟")
        card.locator("select[name=access]").select_option("write")
        card.locator("input[name=expires_at]").fill("2030-01-01T09:00")
        card.get_by_role("button", name="共享", exact=True).click()
        expect(page.locator("#collaborators tr[data-user=rep1]")).to_contain_text("读写")
        expect(page.locator("#collaborators tr[data-user=rep1]")).to_contain_text("2030-01-01")
        assert page.url == f"{live_server.url}/customers/{customer.pk}/"
        assert Collaborator.objects.filter(customer=customer, user__username="rep1").exists()

        # remove it again
        page.locator("#collaborators tr[data-user=rep1]").get_by_role("button").click()
        expect(page.locator("#collaborators")).to_contain_text("尚未与任何人共享。")
        assert not Collaborator.objects.filter(customer=customer).exists()
        page.screenshot(path=str(screenshot_dir / "collaborators-zh.png"), full_page=True)
    finally:
        context.close()


def test_sensitive_export_is_a_post_from_the_page(
    transactional_db, live_server, browser, customer_of, personas
):
    customer_of("rep1", name="甲", id_number="110101199003074514")
    context = browser.new_context(locale="en-US", accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "manager")
        page.goto(f"{live_server.url}/data/import/")
        page.get_by_text("Export customers with sensitive personal data").click()
        page.fill("#export-purpose", "核对客户资料")
        with page.expect_download() as download:
            page.get_by_role("button", name="Export XLSX with sensitive data").click()
        assert download.value.suggested_filename.endswith(".xlsx")
        assert list(RevealLog.objects.values_list("field", "purpose", "route")) == [
            ("id_number", "核对客户资料", "export")
        ]
    finally:
        context.close()
