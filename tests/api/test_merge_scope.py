"""Merging needs more than write access to the customer merged away: it is hidden and all it
holds moves to the survivor (a delete and a transfer in one), so only who may manage it may.
A write collaborator from another team must not pull the shared customer into their own."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.customers.models import Contact, Customer, MergeRecord
from guanxi.customers.services import create_contact, share_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(customer_of, personas, settings):
    """rep1's customer, shared for writing with rep2 (other team), and rep2's own lookalike."""
    settings.GUANXI_DUPLICATE_POLICY = {"mobile": "off", "email": "off"}
    theirs = customer_of("rep1", name="甲公司", kind="organisation", mobile="13812345678")
    create_contact(personas["rep1"], theirs, {"name": "李四"})
    expires = timezone.now() + timedelta(days=7)
    share_customer(personas["rep1"], theirs, personas["rep2"], access="write", expires_at=expires)
    mine = customer_of("rep2", name="甲公司", kind="organisation", mobile="13812345678")
    return theirs, mine


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_write_collaborator_cannot_merge_the_shared_customer_into_their_own(
    shared, personas, api_as
):
    theirs, mine = shared
    api = api_as("rep2")
    page = page_client(personas["rep2"])

    by_api = api.post(f"/customers/{mine.pk}/merge", {"other_id": theirs.pk})
    by_page = page.post(f"/customers/{mine.pk}/merge/", {"other": theirs.pk})
    compare = page.get(f"/customers/{mine.pk}/merge/", {"other": theirs.pk})
    candidates = page.get(f"/customers/{mine.pk}/merge/")

    assert by_api.status_code == 403
    assert "merge it away" in by_api.json()["detail"]
    in_chinese = api_as("rep2", lang="zh-hans").post(
        f"/customers/{mine.pk}/merge", {"other_id": theirs.pk}
    )
    assert in_chinese.json()["detail"] == (
        "只有“甲公司”的负责人或数据权限覆盖该客户的同事才能把它合并进其他客户。"
    )
    assert by_page.status_code == 403
    assert compare.status_code == 403
    assert candidates.status_code == 200
    assert f"?other={theirs.pk}" not in candidates.content.decode()
    theirs.refresh_from_db()
    assert theirs.merged_into_id is None
    assert Contact.objects.get(name="李四").customer_id == theirs.pk
    assert not MergeRecord.objects.exists()


def test_a_write_collaborator_may_merge_their_own_customer_into_the_shared_one(
    shared, personas, api_as
):
    theirs, mine = shared

    response = api_as("rep2").post(f"/customers/{theirs.pk}/merge", {"other_id": mine.pk})

    assert response.status_code == 201
    assert Customer.objects.get(pk=mine.pk).merged_into_id == theirs.pk


def test_the_owner_merges_a_duplicate_away(shared, personas, customer_of):
    theirs, _mine = shared
    dupe = customer_of("rep1", name="甲公司（上海）", kind="organisation")

    response = page_client(personas["rep1"]).post(
        f"/customers/{theirs.pk}/merge/", {"other": dupe.pk}
    )

    assert response.status_code == 302
    assert Customer.objects.get(pk=dupe.pk).merged_into_id == theirs.pk


def test_the_duplicate_check_offers_merge_only_for_customers_the_user_may_merge_away(
    shared, personas, customer_of
):
    theirs, mine = shared
    dupe = customer_of("rep2", name="甲公司", kind="organisation")
    query = {"name": "甲公司", "exclude": mine.pk}

    html = (
        page_client(personas["rep2"])
        .get("/customers/duplicates/", query, headers={"HX-Request": "true"})
        .content.decode()
    )

    assert f"/customers/{theirs.pk}/" in html  # rep2 may open the shared customer ...
    assert f"?other={theirs.pk}" not in html  # ... but not merge it away
    assert f"/customers/{mine.pk}/merge/?other={dupe.pk}" in html
