"""The home dashboard on a 390 px phone in both languages: login lands there; a manager's
indicator opens the customer list behind it; a rep sees their at-risk customer with the reason
and the action, and an upcoming birthday. Screenshots go to test-results/ (ignored)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanxi.sales.models import Order
from guanxi.scoring.models import CustomerScore, RunStatus, RunTrigger, ScoringRun
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

WORDS = {
    "zh-CN": {
        "kpis": "您的范围内的关键指标",
        "active": "活跃客户",
        "risk": "我的有流失风险的客户",
        "action": "关键客户：不惜一切代价挽回",
        "reason": "已 200 天未购买",
        "money": "¥12,345.60",
    },
    "en-US": {
        "kpis": "Key indicators of your scope",
        "active": "Active customers",
        "risk": "My customers at risk of churning",
        "action": "Key customer: recover at all costs",
        "reason": "no purchase for 200 days",
        "money": "¥12,345.60",
    },
}


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        """() => [...document.querySelectorAll("main, main *")].every(
            (e) => e.getBoundingClientRect().right <= window.innerWidth + 1)"""
    )


@pytest.mark.parametrize("locale", list(WORDS))
def test_home_for_manager_and_rep_on_a_phone(
    transactional_db, live_server, browser, personas, customer_of, screenshot_dir, locale
):
    words = WORDS[locale]
    today = timezone.localdate()
    buyer = customer_of(
        "rep1", name="王大客户", birthday=(today + dt.timedelta(days=2)).replace(year=1988)
    )
    Order.objects.create(
        customer=buyer,
        number="SO-HOME-1",
        ordered_at=timezone.now(),
        total=Decimal("12345.60"),
        owner=personas["rep1"],
    )
    run = ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED, trigger=RunTrigger.DEMO, as_of=today
    )
    CustomerScore.objects.create(
        customer=buyer,
        run=run,
        as_of=today,
        model_version="test",
        churn_risk="high",
        churn_reason="long_inactive",
        recency_days=200,
        r=1,
        abc_tier="A",
        recovery_action="recover_at_all_costs",
        recovery_priority=1,
    )
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        # the manager: the indicators, each a link to the rows behind it
        log_in(page, live_server.url, "manager")
        expect(page.locator("#kpi-head")).to_have_text(words["kpis"])
        expect(page.locator("#kpi-revenue")).to_contain_text(words["money"])
        assert no_sideways_scroll(page)
        page.screenshot(path=str(screenshot_dir / f"home-manager-390-{locale}.png"), full_page=True)
        page.locator("#kpi-active").click()
        page.wait_for_url("**/customers/?last_order_from=*")
        expect(page.locator("#results")).to_contain_text("王大客户")

        # the rep: at-risk customer with reason and action, the birthday in two days
        context.clear_cookies()
        log_in(page, live_server.url, "rep1")
        risk = page.locator(".home-risk")
        expect(risk).to_contain_text(words["risk"])
        expect(risk).to_contain_text(words["reason"])
        expect(risk).to_contain_text(words["action"])
        expect(page.locator(".home-dates")).to_contain_text("王大客户")
        assert no_sideways_scroll(page)
        page.screenshot(path=str(screenshot_dir / f"home-rep-390-{locale}.png"), full_page=True)
    finally:
        context.close()
