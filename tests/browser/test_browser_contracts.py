"""At 390 px, in both languages: a rep makes a quote from the customer's 360 page, the
customer accepts it (a contract), the rep submits it, a manager approves it, the rep records
a payment and the manager confirms it: the instalment is paid. Nothing scrolls sideways."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanxi.contracts.models import Contract, ContractStatus, InstalmentStatus, Quote
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _no_sideways_scroll(page, what: str) -> None:
    # measured once htmx's swaps are over (one run saw 830 px with nothing wide in the page)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > 391).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert width <= PHONE["width"], f"{what} is {width} px wide at {PHONE['width']} px: {wide}"


def _login(browser, live_server, username, locale):
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_server.url, username)
    return context, page


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_quote_contract_approval_and_payment_at_390px(
    transactional_db, live_server, browser, customer_of, product, locale
):
    customer = customer_of("rep1", name="华茂贸易", kind="organisation")
    rep_context, rep = _login(browser, live_server, "rep1", locale)
    boss_context, boss = _login(browser, live_server, "manager", locale)
    try:
        # the quote, from the 360 page
        rep.goto(f"{live_server.url}/customers/{customer.pk}/")
        rep.locator("#more-actions > summary").click()  # folded on a phone
        rep.locator(f"a[href='/quotes/new/?customer={customer.pk}']").click()
        rep.wait_for_url(f"{live_server.url}/quotes/new/?customer={customer.pk}")
        rep.select_option("#id_lines-0-product", str(product.pk))
        rep.fill("#id_lines-0-quantity", "10")
        rep.fill("#id_lines-0-discount", "5")
        _no_sideways_scroll(rep, "the quote form")
        # a card per line: the product across it, the numbers below within the screen (not a
        # table scrolling sideways in its frame)
        product_box = rep.locator("#id_lines-0-product").bounding_box()
        discount_box = rep.locator("#id_lines-0-discount").bounding_box()
        assert product_box["width"] > 250, product_box
        assert discount_box["y"] > product_box["y"] + product_box["height"], discount_box
        assert discount_box["x"] + discount_box["width"] <= PHONE["width"], discount_box
        rep.click("main form button[type=submit]")
        rep.wait_for_url(f"{live_server.url}/quotes/*/")
        quote = Quote.objects.get()
        assert quote.total == Decimal("1216.00")  # 10 × 128 less 5 per cent
        expect(rep.locator("main")).to_contain_text("¥1,216.00")
        _no_sideways_scroll(rep, "the quote page")

        # accepted: a contract, submitted for approval
        rep.click("button[data-action=accept]")
        rep.wait_for_url(f"{live_server.url}/contracts/*/")
        contract = Contract.objects.get()
        rep.click("button[data-action=submit]")
        expect(rep.locator("button[data-action=approve]")).to_have_count(0)  # not their own
        contract.refresh_from_db()
        assert contract.status == ContractStatus.PENDING

        # the manager approves
        boss.goto(f"{live_server.url}/contracts/?status=pending")
        boss.locator(f"a[href='/contracts/{contract.pk}/']").click()
        boss.click("button[data-action=approve]")
        expect(boss.locator("#contract-status")).to_contain_text(
            "已审批" if locale == "zh-CN" else "Approved"
        )

        # the rep records the payment, the manager confirms it
        rep.goto(f"{live_server.url}/contracts/{contract.pk}/")
        rep.fill("#id_amount", "1216.00")
        rep.select_option("#id_method", "wechat_pay")
        rep.fill("#id_reference", "WX20261130")
        rep.click("#record-payment button[type=submit]")
        expect(rep.locator("#payments tr[data-status=pending]")).to_have_count(1)
        _no_sideways_scroll(rep, "the contract page")
        boss.goto(f"{live_server.url}/contracts/{contract.pk}/")
        boss.click("button[data-action=confirm-payment]")
        expect(boss.locator("#instalments tr[data-status=paid]")).to_have_count(1)
        expect(boss.locator("#contract-outstanding")).to_contain_text("0.00")
        assert contract.instalments.get().status == InstalmentStatus.PAID
        _no_sideways_scroll(boss, "the paid contract")
        SHOTS.mkdir(parents=True, exist_ok=True)
        boss.screenshot(path=str(SHOTS / f"contract-{locale}.png"), full_page=True)

        boss.goto(f"{live_server.url}/contracts/collections/")
        expect(boss.locator("main")).to_contain_text("¥1,216.00")  # grouped, with its sign
        _no_sideways_scroll(boss, "the collections page")
    finally:
        rep_context.close()
        boss_context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_quotes_lines_are_cards_on_a_phone(
    transactional_db, live_server, browser, customer_of, product, rep1, locale
):
    from guanxi.contracts import services

    customer = customer_of("rep1", name="华茂贸易", kind="organisation")
    quote = services.create_quote(
        rep1, customer, {}, [{"product": product, "quantity": 60}, {"product": product}]
    )
    context, page = _login(browser, live_server, "rep1", locale)
    try:
        page.goto(f"{live_server.url}/quotes/{quote.pk}/")
        _no_sideways_scroll(page, "the quote page")
        name = page.locator("table.lines tbody tr").first.locator("td").first
        assert name.bounding_box()["width"] > 250  # the product's name on its own line
        total = page.locator("table.lines tfoot td")
        expect(total).to_contain_text("¥7,808.00")  # 61 × 128.00
        assert total.bounding_box()["x"] + total.bounding_box()["width"] <= PHONE["width"]
        # the tabs grouped on the left, not spread over the width
        tabs = page.locator("nav.tabs a")
        first, last = tabs.nth(0).bounding_box(), tabs.nth(2).bounding_box()
        assert last["x"] + last["width"] < PHONE["width"] - 60, (first, last)
    finally:
        context.close()
