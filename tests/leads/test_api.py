"""The leads API: scope, masking, 查重 matches, claim (200 / 409), convert, lead forms."""

import pytest
from django.test import Client

from guanxi.accounts.models import ApiToken
from guanxi.leads.models import Lead


def api(user):
    client = Client()
    headers = {"Authorization": f"Bearer {ApiToken.issue(user, 1)}", "Accept-Language": "en"}

    def call(method, path, data=None):
        if method == "GET":
            return client.get("/api/v1" + path, data or {}, headers=headers)
        return getattr(client, method.lower())(
            "/api/v1" + path, data=data or {}, content_type="application/json", headers=headers
        )

    return call


def test_create_returns_matches_and_list_masks_pool_leads(personas, customer_of):
    customer_of("rep2", name="老客户", mobile="13900000001")
    rep1 = api(personas["rep1"])
    created = rep1("POST", "/leads", {"name": "张三", "mobile": "13900000001", "pool": True})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["owner"] is None
    assert body["matches"] == [{"kind": "customer", "field": "mobile", "owner": "刘芳", "id": None}]
    assert body["mobile"] == "139 •••• 0001"  # a pool lead: masked until claimed
    listed = rep1("GET", "/leads", {"owner": "pool"}).json()
    assert listed["count"] == 1 and listed["items"][0]["mobile"] == "139 •••• 0001"


def test_claim_200_for_the_winner_409_for_the_next(personas, lead_of):
    lead = lead_of(None)
    first = api(personas["rep1"])("POST", f"/leads/{lead.pk}/claim")
    second = api(personas["lead_a"])("POST", f"/leads/{lead.pk}/claim")
    # another team's rep no longer sees it at all: rep1's lead now
    third = api(personas["rep2"])("POST", f"/leads/{lead.pk}/claim")
    assert third.status_code == 404
    assert first.status_code == 200 and first.json()["mobile"] == "+8613900000001"
    assert second.status_code == 409
    assert second.json()["detail"].startswith("Someone else claimed this lead")
    assert Lead.objects.get(pk=lead.pk).owner == personas["rep1"]


def test_another_teams_lead_is_404_everywhere(personas, lead_of):
    theirs = lead_of("rep2")
    rep1 = api(personas["rep1"])
    for method, path in [
        ("GET", f"/leads/{theirs.pk}"),
        ("PATCH", f"/leads/{theirs.pk}"),
        ("POST", f"/leads/{theirs.pk}/claim"),
        ("POST", f"/leads/{theirs.pk}/convert"),
    ]:
        assert rep1(method, path, {}).status_code == 404, (method, path)


def test_convert_over_the_api(personas, lead_of):
    lead = lead_of("rep1", kind="organisation", company="龙井茶业")
    response = api(personas["rep1"])(
        "POST",
        f"/leads/{lead.pk}/convert",
        {"opportunity": {"name": "首单", "amount": "1000"}, "version": 1},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["contact_id"] is not None and body["lead"]["status"] == "converted"
    assert body["lead"]["converted_customer_id"] == body["customer_id"]


def test_patch_status_and_stale_version(personas, lead_of):
    lead = lead_of("rep1")
    rep1 = api(personas["rep1"])
    ok = rep1("PATCH", f"/leads/{lead.pk}", {"status": "qualified", "version": 1})
    assert ok.status_code == 200 and ok.json()["status"] == "qualified"
    stale = rep1("PATCH", f"/leads/{lead.pk}", {"title": "经理", "version": 1})
    assert stale.status_code == 409


@pytest.mark.parametrize("who", ["rep1", "manager"])
def test_lead_forms_are_for_managers(personas, who):
    call = api(personas[who])
    data = {"name": "展会", "title": "留下联系方式", "consent_purpose": "用于联系您"}
    created = call("POST", "/lead-forms", data)
    listed = call("GET", "/lead-forms")
    if who == "rep1":
        assert (created.status_code, listed.status_code) == (403, 403)
    else:
        assert created.status_code == 201 and "/l/" in created.json()["url"]
        assert listed.json()["count"] == 1


def test_the_customer_duplicate_check_reports_leads(personas, lead_of):
    own = lead_of("rep1", mobile="13900000004")
    found = api(personas["rep1"])("GET", "/customers/duplicates", {"mobile": "13900000004"})
    assert found.status_code == 200
    assert found.json() == [
        {
            "field": "mobile",
            "owner": "张伟",
            "customer_id": None,
            "kind": "lead",
            "record_id": own.pk,
        }
    ]


def test_a_manager_may_not_give_a_lead_to_the_read_only_role(personas):
    response = api(personas["manager"])(
        "POST", "/leads", {"name": "甲", "wechat": "w", "owner_id": personas["viewer"].pk}
    )
    assert response.status_code == 422 and "owner" in response.json()["errors"]
    assert api(personas["manager"])("GET", "/leads", {"min_score": 2}).status_code == 422
