"""Answering a survey through its link on a phone (390 px), in both languages, and the
results page drawing its charts. Selectors are the form's names, not its words, so the test
holds in either language."""

from pathlib import Path

import pytest

from guanxi.surveys.models import Response
from tests.browser.conftest import log_in
from tests.surveys import conftest as surveys
from tests.surveys.conftest import answers_for, as_service_data

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# the survey suite's fixtures: an open survey of every question kind, customers, their links
survey, customers, links = surveys.survey, surveys.customers, surveys.links


def _fill(page, form):
    for name, value in form.items():
        if name.endswith("_text"):
            page.fill(f"textarea[name={name}]", value)
        elif name.endswith("_choice"):
            page.select_option(f"select[name={name}]", value)
        else:
            page.locator(f"input[name={name}][value='{value}']").check()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_answer_through_the_link_on_a_phone(browser, live_server, survey, links, customers, locale):
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        token = links[customers["a"][0].pk]
        page.goto(f"{live_server.url}/s/{token}/")
        assert page.evaluate("document.documentElement.lang") == (
            "zh-hans" if locale == "zh-CN" else "en"
        )
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the survey page is {width} px wide"
        assert customers["a"][0].name not in page.content()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"survey-answer-{locale}.png"), full_page=True)
        # an answer out of range is refused and nothing is saved
        form = answers_for(survey, text="很好")
        _fill(page, {k: v for k, v in form.items() if not k.endswith("_2")})
        page.click("main form button[type=submit]")
        assert page.locator("[role=alert]").count() >= 2
        assert not Response.objects.exists()
        _fill(page, form)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/s/thanks/")
        assert Response.objects.get().answers.get(question__kind="text").text == "很好"
        page.goto(f"{live_server.url}/s/{token}/")  # single use
        assert page.locator("[role=status]").count() == 1
    finally:
        context.close()


def test_results_page_draws_its_charts(browser, live_server, survey, links, customers):
    from guanxi.surveys import services

    for customer in customers["a"]:
        services.submit_answers(links[customer.pk], as_service_data(survey, answers_for(survey)))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        log_in(page, live_server.url, "manager")
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/surveys/{survey.pk}/results/")
        page.wait_for_selector(".chart[data-kano][data-rendered='1']")
        assert page.locator(".chart[data-chart][data-rendered='1']").count() >= 2
        assert not errors
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "survey-results.png"), full_page=True)
    finally:
        context.close()
