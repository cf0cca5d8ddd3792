"""Layout points from a new user's review of the demo, in a real browser in both languages:
the lead page's buttons line up."""

import pytest

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
