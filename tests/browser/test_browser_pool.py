"""On a 390 px phone, in both languages: a rep claims a customer from the public pool (and a
second claim of it is told someone was first); a manager transfers a leaving rep's customers
with their open tasks."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

WORDS = {
    "zh-CN": {
        "claim": "领取",
        "claimed": "现在是您的客户",
        "transfer": "转移",
        "transferred": "已转移 2 个客户。",
        "nav": "公海",
    },
    "en-US": {
        "claim": "Claim",
        "claimed": "is now your customer",
        "transfer": "Transfer",
        "transferred": "2 customers transferred.",
        "nav": "Public pool",
    },
}


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide"


@pytest.mark.parametrize("locale", list(WORDS))
def test_a_rep_claims_from_the_pool_at_390px(
    transactional_db, live_server, browser, personas, teams, customer_of, screenshot_dir, locale
):
    from guanxi.customers.models import Customer
    from guanxi.pool.services import claim_customer, release_customer, save_pool

    words = WORDS[locale]
    pool = save_pool(
        personas["manager"],
        {
            "name": "门店公海",
            "department_ids": [teams["a"].pk],
            "won_days": 90,
            "reclaim_bar_days": 0,
            "remind_days": 3,
            "rules": {"B": {"follow_up_days": 30}},
        },
    )
    waiting = customer_of("rep2", name="公海茶庄", city="杭州")
    release_customer(personas["manager"], waiting.pk, pool_id=pool.pk)
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/pool/")
        table = page.locator("#pool-customers")
        expect(table).to_contain_text("公海茶庄")
        expect(table).to_contain_text("杭州")
        _no_sideways_scroll(page)
        page.screenshot(path=screenshot_dir / f"pool-{locale}.png", full_page=True)

        # someone else takes it first: the page still shows it, the claim says so
        claim_customer(personas["lead_a"], waiting.pk)
        table.get_by_role("button", name=words["claim"]).first.click()
        expect(page.locator("main")).to_contain_text(
            "已被他人领取" if locale == "zh-CN" else "Someone else has just claimed"
        )
        Customer.objects.filter(pk=waiting.pk).update(owner=None)

        page.goto(f"{live_server.url}/pool/")
        page.locator("#pool-customers").get_by_role("button", name=words["claim"]).first.click()
        expect(page.locator("main")).to_contain_text(words["claimed"])
        expect(page.locator("#pool-panel")).to_contain_text("30")  # days until return
        _no_sideways_scroll(page)
        assert Customer.objects.get(pk=waiting.pk).owner == personas["rep1"]
    finally:
        context.close()


@pytest.mark.parametrize("locale", list(WORDS))
def test_a_manager_transfers_a_leaving_reps_customers_at_390px(
    transactional_db, live_server, browser, personas, customer_of, screenshot_dir, locale
):
    from guanxi.activities.models import Task
    from guanxi.activities.services import create_task
    from guanxi.customers.models import Collaborator, Customer

    words = WORDS[locale]
    rep1, rep2 = personas["rep1"], personas["rep2"]
    first = customer_of("rep1", name="离职交接甲")
    customer_of("rep1", name="离职交接乙")
    task = create_task(rep1, {"title": "回访", "due_at": timezone.now()}, customer=first)
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "manager")
        page.goto(f"{live_server.url}/pool/transfer/")
        _no_sideways_scroll(page)
        page.select_option("select[name=from_user]", str(rep1.pk))
        page.select_option("select[name=to_user]", str(rep2.pk))
        page.check("input[name=move][value=tasks]")
        page.check("input[name=keep_read]")
        page.screenshot(path=screenshot_dir / f"transfer-{locale}.png", full_page=True)
        page.once("dialog", lambda dialog: dialog.accept())  # "Transfer these customers now?"
        page.locator("#transfer-form").get_by_role("button", name=words["transfer"]).click()
        expect(page.locator("main")).to_contain_text(words["transferred"])

        assert Customer.objects.filter(owner=rep2).count() == 2
        assert Task.objects.get(pk=task.pk).assignee == rep2
        assert Collaborator.objects.filter(user=rep1, access="read").count() == 2
    finally:
        context.close()
