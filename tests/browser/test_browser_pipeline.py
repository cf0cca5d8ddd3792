"""The pipeline board in both languages: on a wide screen drag a card to the next stage (HTML5
drag and drop, posted by htmx), see a stage refuse a card without its required fields; at 390
px move a card with its "move to" select, log an objection on the opportunity page; nothing
scrolls sideways."""

import pytest
from playwright.sync_api import expect

from guanxi.pipeline.models import Objection, Opportunity
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1400, "height": 900}


def _no_sideways_scroll(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width} px wide at {PHONE['width']} px"


@pytest.fixture
def two_cards(transactional_db, personas, customer_of):
    from guanxi.pipeline import services

    services.ensure_default_stages(personas["manager"])
    customer = customer_of("rep1", name="华茂贸易", kind="organisation")
    first = services.create_opportunity(personas["rep1"], customer.pk, {"name": "年度茶礼"})
    second = services.create_opportunity(personas["rep1"], customer.pk, {"name": "会议室用茶"})
    stages = {s.key: s for s in services.active_stages()}
    return first, second, stages


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_drag_a_card_to_the_next_stage(live_server, browser, two_cards, locale):
    first, second, stages = two_cards
    context = browser.new_context(locale=locale, viewport=WIDE)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/pipeline/")
        expect(page.locator(".board-column")).to_have_count(5)
        expect(page.locator(f"#card-{first.pk}")).to_be_visible()

        card = page.locator(f"#card-{first.pk}")
        card.drag_to(page.locator(f".board-column[data-stage='{stages['needs'].pk}']"))

        target = page.locator(f".board-column[data-stage='{stages['needs'].pk}'] #card-{first.pk}")
        expect(target).to_be_visible()
        assert Opportunity.objects.get(pk=first.pk).stage_id == stages["needs"].pk

        # closing needs an amount and a close date: the card stays and the board says why
        page.locator(f"#card-{second.pk}").drag_to(
            page.locator(f".board-column[data-stage='{stages['closing'].pk}']")
        )
        expect(page.locator("#messages .message.error")).to_be_visible()
        assert Opportunity.objects.get(pk=second.pk).stage_id == stages["opening"].pk
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_move_with_the_select_and_log_an_objection_at_390px(
    live_server, browser, two_cards, locale
):
    first, _second, stages = two_cards
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/pipeline/")
        _no_sideways_scroll(page, "the board")

        page.select_option(f"#move-{first.pk}", str(stages["fab"].pk))
        expect(
            page.locator(f".board-column[data-stage='{stages['fab'].pk}'] #card-{first.pk}")
        ).to_be_visible()
        assert Opportunity.objects.get(pk=first.pk).stage_id == stages["fab"].pk
        _no_sideways_scroll(page, "the board after the move")

        page.goto(f"{live_server.url}/pipeline/{first.pk}/")
        _no_sideways_scroll(page, "the opportunity page")
        page.locator("#log-objection > summary").click()
        page.select_option("#log-objection select[name=kind]", "price")
        page.fill("#log-objection textarea[name=statement]", "比别家贵了一成")
        page.fill("#log-objection textarea[name=response]", "用每杯成本说明价值")
        page.locator("#log-objection button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/pipeline/{first.pk}/")
        expect(page.locator("#objections")).to_contain_text("比别家贵了一成")
        objection = Objection.objects.get()
        assert (objection.kind, objection.stage_id) == ("price", stages["fab"].pk)
        _no_sideways_scroll(page, "the opportunity page with an objection")
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_visit_records_body_language_at_390px(
    transactional_db, live_server, browser, customer_of, locale
):
    from guanxi.activities.models import Interaction

    customer = customer_of("rep1", name="华茂贸易", kind="organisation")
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        page.locator("#record details:has(#interaction-form) > summary").click()
        form = page.locator("#interaction-form")
        signals = form.locator("fieldset.body-language")
        form.locator("select[name=channel]").select_option("phone")
        expect(signals).to_be_hidden()  # read face to face only
        form.locator("select[name=channel]").select_option("visit")
        expect(signals).to_be_visible()
        form.locator("input[name=subject]").fill("上门品茶")
        form.locator("input[value=steepled_fingers]").check()
        form.locator("button[type=submit]").click()
        expect(page.locator("#timeline")).to_contain_text("上门品茶")
        expect(page.locator("#timeline .body-language-signals")).to_be_visible()
        assert Interaction.objects.get().body_language == ["steepled_fingers"]
        _no_sideways_scroll(page, "the 360 page with a visit")
    finally:
        context.close()
