"""Layout points from a new user's review of the demo, in a real browser in both languages:
the lead page's buttons line up, and at 390 px (a phone) the customer and lead lists neither
cut nor break their labels, and fold the bulk actions until a row is ticked."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
LOCALES = ["zh-CN", "en-US"]

# per button of the page head's actions (a form's button, or the link itself): top and height
HEAD_BUTTONS = """() => [...document.querySelectorAll('.page-head .actions > *')].map(e => {
  const b = e.matches('form') ? e.querySelector('button') : e;
  const r = b.getBoundingClientRect();
  return {text: b.textContent.trim(), top: Math.round(r.top), height: Math.round(r.height)};
})"""


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("locale", LOCALES)
def test_lead_claim_and_release_line_up_with_convert_and_edit(
    transactional_db, live_server, browser, personas, locale, width
):
    from guanxi.leads.services import create_lead

    pooled = create_lead(personas["manager"], {"name": "池中线索", "mobile": "13900000002"})
    owned = create_lead(
        personas["manager"], {"name": "我的线索", "mobile": "13900000003"}, owner=personas["rep1"]
    )
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "manager")
        for lead in (pooled, owned):  # Claim / Release to the pool beside Convert and Edit
            page.goto(f"{live_server.url}/leads/{lead.pk}/")
            buttons = page.evaluate(HEAD_BUTTONS)
            assert len(buttons) == 3, buttons
            assert len({b["height"] for b in buttons}) == 1, f"heights differ: {buttons}"
            # two buttons side by side (a phone may wrap them) have one top
            for a in buttons:
                for b in buttons:
                    if abs(a["top"] - b["top"]) < a["height"]:
                        assert abs(a["top"] - b["top"]) <= 1, f"offset: {buttons}"
    finally:
        context.close()


# Does a text fit its box? The text's width in the element's font, and the box's inner width.
FITS = """(el, text) => {
  const cs = getComputedStyle(el);
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  return {text, width: Math.ceil(ctx.measureText(text).width), room: Math.floor(room)};
}"""
# the lines each link of the sort line takes
LINK_LINES = """p => [...p.querySelectorAll("a")].map(a => {
  const range = document.createRange();
  range.selectNodeContents(a);
  return [a.textContent, range.getClientRects().length];
})"""


def _fits(element, text):
    fit = element.evaluate(FITS, text)
    assert fit["width"] <= fit["room"], f"cut off: {fit}"


@pytest.mark.parametrize("locale", LOCALES)
def test_phone_customer_list_labels_fit_and_bulk_actions_fold(
    transactional_db, live_server, browser, customer_of, locale
):
    for name in ("欧阳娜娜", "白兰"):
        customer_of("rep1", name=name, mobile="13800138000" if name == "白兰" else "")
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/")
        # the search says what it finds, whole
        search = page.locator("#id_q")
        _fits(search, search.get_attribute("placeholder"))
        # no sort link breaks inside (净收入, not 净收/入)
        lines = page.locator("p.score-sorts").evaluate(LINK_LINES)
        assert all(n == 1 for _text, n in lines), lines
        # the bulk actions are one folded line: the first customer shows on the first screen
        action = page.locator("#bulk select[name=action]")
        expect(action).to_be_hidden()
        first = page.locator("#results tbody tr").first
        box = first.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], box
        # ticking a row opens them
        first.locator("input[name=ids]").check()
        expect(action).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_phone_leads_sort_menu_shows_its_whole_label(
    transactional_db, live_server, browser, personas, locale
):
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "manager")
        page.goto(f"{live_server.url}/leads/")
        sort = page.locator("select[name=sort]")
        for value in ("-score", "score", "-created", "created"):
            sort.select_option(value)
            _fits(sort, sort.evaluate("s => s.options[s.selectedIndex].text"))
    finally:
        context.close()
