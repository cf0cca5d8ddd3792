"""At 390 px, in both languages: the 360 page's scores panel (a scored customer, with the
recommended actions and the loyalty type's advice), marking the customer lost with a reason
in place (htmx), the lost state shown, and the list filtered to lost customers."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

WORDS = {
    "zh-CN": {
        "segment": "冠军客户",
        "advice": "邀请推荐",
        "not_scored": "尚未评分",
        "mark": "标记为流失",
        "required": "请选择客户流失的原因",
        "lost": "自",
        "reason": "竞争对手抢夺",
        "done": "已标记为流失。",
    },
    "en-US": {
        "segment": "Champions",
        "advice": "ask for referrals",
        "not_scored": "Not scored yet",
        "mark": "Mark as lost",
        "required": "Choose why the customer was lost.",
        "lost": "Lost since",
        "reason": "Taken by a competitor",
        "done": "Marked lost.",
    },
}


@pytest.mark.parametrize("locale", list(WORDS))
def test_scores_panel_and_marking_lost_at_390px(
    transactional_db, live_server, browser, personas, customer_of, screenshot_dir, locale
):
    from guanxi.customers.models import Customer
    from guanxi.scoring.models import MODEL_VERSION, CustomerScore, ScoringRun

    words = WORDS[locale]
    customer = customer_of("rep1", name="茗香茶庄")
    unscored = customer_of("rep1", name="新客户甲")
    run = ScoringRun.objects.create(status="succeeded", trigger="command")
    CustomerScore.objects.create(
        customer=customer,
        run=run,
        as_of="2026-11-29",
        model_version=MODEL_VERSION,
        r=5,
        f=5,
        m=4,
        rfm_segment="champions",
        abc_tier="A",
        pyramid_level="top",
        lifecycle_stage="stability",
        loyalty_index=81,
        loyalty_step="advocate",
        value_loyalty_quadrant="true_friends",
        loyalty_type_suggested="super_value",
        clv_historical=Decimal("8800"),
        clv_predicted=Decimal("4100"),
        p_alive=0.95,
        churn_risk="low",
        quality="good",
        quality_score=88,
        quality_criteria=["loyal"],
    )
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    page = context.new_page()
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    try:
        log_in(page, live_server.url, "rep1")

        # an unscored customer says so
        page.goto(f"{live_server.url}/customers/{unscored.pk}/")
        expect(page.locator("#not-scored")).to_contain_text(words["not_scored"])

        # the scored customer's panel: segment, action, loyalty advice, fits the phone
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        panel = page.locator("#scores")
        expect(panel).to_contain_text(words["segment"])
        expect(panel).to_contain_text(words["advice"])
        expect(panel).to_contain_text("2026-11-29")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide"

        # marking lost without a reason is refused by the browser or the server, in place
        panel.locator("#mark-lost summary").click()
        page.evaluate("document.querySelector('#id_lost_reason').removeAttribute('required')")
        panel.locator("#mark-lost button[type=submit]").click()
        expect(page.locator("#scores")).to_contain_text(words["required"])
        assert Customer.objects.get(pk=customer.pk).lost_at is None

        # with a reason and a note it is marked lost, shown at once
        # (the panel came back with the form open and the error next to the reason)
        page.select_option("#id_lost_reason", "competitor")
        page.fill("#id_lost_note", "被对手低价挖走")
        page.locator("#mark-lost button[type=submit]").click()
        banner = page.locator("#lost-state")
        expect(banner).to_contain_text(words["reason"])
        expect(banner).to_contain_text(words["lost"])
        expect(page.locator(".messages")).to_contain_text(words["done"])
        assert Customer.objects.get(pk=customer.pk).lost_reason == "competitor"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide"
        page.screenshot(path=str(screenshot_dir / f"scores-360-390-{locale}.png"), full_page=True)

        # the list filtered to lost customers shows it with its badge
        page.goto(f"{live_server.url}/customers/?lost=1")
        results = page.locator("#results")
        expect(results.locator(".lost-badge")).to_have_count(1)
        expect(results).to_contain_text("茗香茶庄")
        expect(results).not_to_contain_text("新客户甲")
        expect(page).to_have_url(re.compile(r"lost=1"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the list is {width}px wide"
        assert not csp, csp
    finally:
        context.close()
