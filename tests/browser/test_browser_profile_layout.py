"""In a real browser: the 360 page's profile reads as one table, every value starting at the
same place in every group, in English as in Chinese (a new-user review saw the English values
stand ragged: each group's longest label set its own column)."""

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_profiles_values_start_at_one_place(
    transactional_db, live_server, browser, customer_of, screenshot_dir, locale, width
):
    # given a customer with values in several groups, labels of very different lengths
    customer = customer_of(
        "rep1",
        name="胡强",
        external_id="M0000500",
        gender="male",
        birthday="2009-04-02",
        street="东风大道200号",
        mobile="13050740746",
        level="C",
        source="other",
    )
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        page.evaluate("document.getElementById('profile-fold').open = true")  # folded on phones
        values = page.locator("#profile dl.profile dd")
        # then every value, in every group, starts at the same x
        starts = {round(box["x"]) for box in (dd.bounding_box() for dd in values.all())}
        assert values.count() >= 6 and len(starts) == 1, starts
        labels = page.locator("#profile dl.profile dt")
        assert len({round(dt.bounding_box()["x"]) for dt in labels.all()}) == 1
        page.locator("#profile").screenshot(
            path=str(screenshot_dir / f"profile-{locale}-{width}.png")
        )
    finally:
        context.close()
