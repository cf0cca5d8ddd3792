"""The lead page's 查重 panel and the user's 查重 budget (GUANXI_DUPLICATE_CHECKS_PER_MINUTE).

Hostile review (issue 7, Trust): every view of a lead's page counted against the limit, so
reloading a lead a few times used up the checks the user needed for the 查重 form. The page
checks the lead's own stored values: once checked for a user (on saving, or on a first view),
showing them again costs nothing; what the user types into the 查重 form or the API still
counts every time."""

from django.test import Client

from guanxi.accounts.models import ApiToken

SKIPPED = "The duplicate check (查重) is skipped for now"


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_viewing_a_lead_again_does_not_spend_the_users_checks(
    settings, personas, customer_of, lead_of
):
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 2
    customer_of("rep2", name="李四", mobile="13812345678")
    lead = lead_of("rep1", mobile="13812345678")
    client = signed_in(personas["rep1"])

    # when rep1 opens the lead's page five times
    pages = [client.get(f"/leads/{lead.pk}/").content.decode() for _ in range(5)]

    # then each shows the match (owner named), none is skipped
    assert all("张伟" in page and SKIPPED not in page for page in pages)
    # and one of the two checks a minute is left for the 查重 form, which counts every time
    probe = {"mobile": "13900000009"}
    assert client.get("/leads/duplicates/", probe).status_code == 200
    assert client.get("/leads/duplicates/", probe).status_code == 429
    # the page still shows its panel: its values were checked already
    assert SKIPPED not in client.get(f"/leads/{lead.pk}/").content.decode()


def test_the_api_probe_counts_and_a_lead_page_view_does_not(
    settings, personas, customer_of, lead_of
):
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 1
    lead = lead_of("rep1", mobile="13812345678")
    client = signed_in(personas["rep1"])
    api = Client()
    headers = {"Authorization": f"Bearer {ApiToken.issue(personas['rep1'], 1)}"}
    client.get(f"/leads/{lead.pk}/")  # the first view of these values: the one check

    answers = [
        api.get("/api/v1/lead-duplicates", {"mobile": "13900000009"}, headers=headers)
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [429, 429]
    for _ in range(3):  # the page is not held up by the spent budget
        assert SKIPPED not in client.get(f"/leads/{lead.pk}/").content.decode()


def test_leads_whose_values_nobody_checked_for_the_user_are_no_free_probes(
    settings, personas, lead_of
):
    """Leads entered without a check (e.g. imported with made-up numbers) cannot be opened one
    after another as free 查重 probes: the first view of new values counts."""
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 2
    leads = [lead_of("rep1", mobile=f"1391234567{i}", company="") for i in range(3)]
    client = signed_in(personas["rep1"])

    pages = [client.get(f"/leads/{lead.pk}/").content.decode() for lead in leads]

    assert [SKIPPED in page for page in pages] == [False, False, True]
