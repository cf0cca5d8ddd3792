"""A visitor sends the public lead form on a phone (390 px), then a rep finds the lead in the
pool, claims and converts it, in both languages. Selectors are names and addresses, not words,
so the test holds in either language."""

from pathlib import Path

import pytest

from guanxi.customers.models import Customer
from guanxi.leads import webforms
from guanxi.leads.models import Lead
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_public_form_then_claim_and_convert(browser, live_server, personas, locale):
    web_form = webforms.create_lead_form(
        personas["manager"],
        {"name": "官网", "title": "预约品鉴", "consent_purpose": "用于联系您"},
    )
    language = "zh-hans" if locale == "zh-CN" else "en"
    SHOTS.mkdir(parents=True, exist_ok=True)
    visitor = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = visitor.new_page()
        page.goto(f"{live_server.url}/l/{web_form.slug}/")
        assert page.evaluate("document.documentElement.lang") == language
        assert _width(page) <= PHONE["width"]
        honeypot = page.locator("input[name=website]").bounding_box()
        assert honeypot["x"] + honeypot["width"] < 0  # out of sight for people
        # without consent and a way to reach them: refused, nothing saved
        page.fill("input[name=name]", "陈先生")
        page.click("main form button[type=submit]")
        assert page.locator("[role=alert]").count() >= 2
        assert not Lead.objects.exists()
        page.fill("input[name=mobile]", "13912345678")
        page.fill("input[name=company]", "西湖茶楼")
        page.check("input[name=consent]")
        page.screenshot(path=str(SHOTS / f"lead-form-{locale}.png"), full_page=True)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/l/thanks/")
    finally:
        visitor.close()
    lead = Lead.objects.get()
    assert lead.owner is None and lead.consent_purpose == "用于联系您"

    rep = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = rep.new_page()
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/leads/pool/")
        assert _width(page) <= PHONE["width"], "the lead pool scrolls sideways"
        assert "139 •••• 5678" in page.content() and "13912345678" not in page.content()
        page.click(f"form[action='/leads/{lead.pk}/claim/'] button")
        page.wait_for_url(f"{live_server.url}/leads/{lead.pk}/")
        assert "+8613912345678" in page.content()
        page.click(f"a[href='/leads/{lead.pk}/convert/']")
        page.wait_for_url(f"{live_server.url}/leads/{lead.pk}/convert/")
        assert _width(page) <= PHONE["width"]
        page.fill("input[name=opportunity_name]", "品鉴会")
        page.fill("input[name=opportunity_amount]", "3000")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/customers/*/")
        page.screenshot(path=str(SHOTS / f"lead-converted-{locale}.png"), full_page=True)
    finally:
        rep.close()
    lead.refresh_from_db()
    customer = Customer.objects.get(pk=lead.converted_customer_id)
    assert lead.status == "converted" and customer.owner == personas["rep1"]
    assert customer.name == "西湖茶楼" and customer.contacts.get().name == "陈先生"
