"""The 360 page's Reveal fold on a sensitive field, at 390 and 1280 px in both languages: the
purpose input and the Show button open below the summary with room to spare, the button's label
stays on one line ("显示", not "显/示"), and the summary does not jump when the fold opens."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

SHOW = {"zh-CN": "显示", "en-US": "Show"}

# where the summary is in its row (the page may scroll), and when the fold is open: the lines
# the button's text takes and where the input is
LAYOUT = """row => {
  const at = row.getBoundingClientRect();
  const summary = row.querySelector("summary").getBoundingClientRect();
  const layout = {summaryX: Math.round(summary.left - at.left), summaryY: Math.round(summary.top - at.top)};
  if (!row.querySelector("details").open) return layout;
  const range = document.createRange();
  range.selectNodeContents(row.querySelector("form button"));
  const input = row.querySelector("input[name=purpose]").getBoundingClientRect();
  return Object.assign(layout, {
    buttonLines: range.getClientRects().length,
    inputWidth: Math.round(input.width),
    inputBelow: Math.round(input.top - summary.bottom),
  });
}"""


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("locale", list(SHOW))
def test_reveal_form_opens_below_with_the_button_on_one_line(
    transactional_db, live_server, browser, customer_of, locale, width
):
    customer = customer_of("rep1", name="张三", id_number="110101199003074514", is_minor=True)
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "manager")
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        fold = page.locator("#profile-fold > summary")
        if fold.is_visible():  # a phone folds the profile
            fold.click()
        for field in ("id_number", "is_minor"):
            row = page.locator(f"#sensitive-{field}")
            summary = row.locator("summary")
            closed = row.evaluate(LAYOUT)
            summary.click()
            button = row.get_by_role("button", name=SHOW[locale])
            expect(button).to_be_visible()
            page.wait_for_timeout(250)  # Pico's chevron turns
            layout = row.evaluate(LAYOUT)
            assert layout["buttonLines"] == 1, f"{field}: the button's label wraps: {layout}"
            assert abs(layout["summaryX"] - closed["summaryX"]) <= 1, f"{field}: {layout}"
            assert abs(layout["summaryY"] - closed["summaryY"]) <= 1, f"{field}: {layout}"
            assert layout["inputBelow"] >= 0, f"{field}: {layout}"
            assert layout["inputWidth"] >= 90, f"{field}: the purpose is squeezed: {layout}"
    finally:
        context.close()
