"""A list's filter form is a search landmark (role="search") holding many fields: Pico must not
draw it as one pill-shaped search group (an outline around the whole form when the search box
has focus, pill selects, a round checkbox)."""

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

# the form's box-shadow, and the border radius of its first select and of its first checkbox
STYLES = """() => {
  const form = document.querySelector('form.filters[role=search]');
  const px = (el) => el ? parseFloat(getComputedStyle(el).borderTopLeftRadius) : null;
  return {
    formShadow: getComputedStyle(form).boxShadow,
    formRadius: parseFloat(getComputedStyle(form).borderTopLeftRadius),
    selectRadius: px(form.querySelector('select')),
    selectRightRadius: form.querySelector('select')
      ? parseFloat(getComputedStyle(form.querySelector('select')).borderTopRightRadius) : null,
    checkboxRadius: px(form.querySelector('input[type=checkbox]')),
    focused: document.activeElement && document.activeElement.name,
    searchShadow: getComputedStyle(document.activeElement).boxShadow,
    searchRadii: ['borderTopLeftRadius', 'borderTopRightRadius'].map(
      (side) => parseFloat(getComputedStyle(document.activeElement)[side])),
  };
}"""


@pytest.mark.parametrize("path", ["/customers/", "/tasks/"])
def test_filter_form_is_not_a_pill_search_group(
    transactional_db, live_server, browser, customer_of, screenshot_dir, path
):
    customer_of("rep1", name="阿明")
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "rep1")
        page.goto(f"{live_server.url}{path}")
        page.locator("form.filters[role=search] input[name=q]").focus()
        page.wait_for_timeout(400)  # past Pico's box-shadow transition
        styles = page.evaluate(STYLES)
        assert styles["focused"] == "q"
        # no outline drawn around the whole form, and the form itself is not rounded
        assert styles["formShadow"] == "none", styles
        assert styles["formRadius"] == 0, styles
        # the search box draws its own focus ring, and is rounded alike on both sides
        assert styles["searchShadow"] != "none", styles
        assert styles["searchRadii"][0] == styles["searchRadii"][1], styles
        # ... and square like the selects beside it, not Pico's search pill (a second review)
        assert 0 < styles["searchRadii"][0] <= 6, styles
        # a select keeps Pico's normal small radius (0.25rem) on both sides, not a 5rem pill
        assert 0 < styles["selectRadius"] <= 6, styles
        assert 0 < styles["selectRightRadius"] <= 6, styles
        if styles["checkboxRadius"] is not None:
            # a checkbox looks like a checkbox, not a radio button
            assert styles["checkboxRadius"] <= 6, styles
        page.screenshot(path=str(screenshot_dir / f"filters-focus{path.replace('/', '-')}.png"))
    finally:
        context.close()
