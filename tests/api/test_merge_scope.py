"""Merging needs more than write access: the customer merged away is hidden and all it holds
moves to the survivor (a delete and a transfer in one), and the survivor receives its
collaborators and consent decisions, so only who may manage both customers may merge (and undo).
A write collaborator from another team must not pull the shared customer into their own, nor
push their own into the shared one."""

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


def test_a_write_collaborator_cannot_merge_their_own_customer_into_the_shared_one(
    shared, personas, api_as, customer_of
):
    """A hostile review: the merge moved the own customer's collaborators (协作人) and consent
    decisions onto the shared customer, so a collaborator handed it to a colleague of their
    choice and overrode the customer's withdrawn consent, neither of which they may do."""
    from guanxi.customers.models import Collaborator
    from guanxi.privacy.services import consent_state, record_consent

    theirs, mine = shared
    record_consent(personas["rep1"], theirs, "marketing", False, "phone")  # withdrawn
    record_consent(personas["rep2"], mine, "marketing", True, "phone")
    outsider = personas["lead_a"]
    share_customer(personas["rep2"], mine, outsider, access="write", expires_at=None)
    before = consent_state(theirs)
    page = page_client(personas["rep2"])

    by_api = api_as("rep2").post(f"/customers/{theirs.pk}/merge", {"other_id": mine.pk})
    by_page = page.post(f"/customers/{theirs.pk}/merge/", {"other": mine.pk})
    compare = page.get(f"/customers/{theirs.pk}/merge/", {"other": mine.pk})
    candidates = page.get(f"/customers/{theirs.pk}/merge/")

    assert by_api.status_code == 403
    assert by_api.json()["detail"] == (
        "Only the owner of “甲公司” or a colleague whose data scope covers it may merge "
        "customers into it or undo its merges."
    )
    in_chinese = api_as("rep2", lang="zh-hans").post(
        f"/customers/{theirs.pk}/merge", {"other_id": mine.pk}
    )
    assert in_chinese.json()["detail"] == (
        "只有“甲公司”的负责人或数据权限覆盖该客户的同事才能把其他客户合并进来或撤销合并。"
    )
    for response in (by_page, compare, candidates):
        assert response.status_code == 403
        assert "may merge customers into it" in response.content.decode()
    assert Customer.objects.get(pk=mine.pk).merged_into_id is None
    assert not MergeRecord.objects.exists()
    assert not Collaborator.objects.filter(customer=theirs, user=outsider).exists()
    assert consent_state(theirs) == before
    assert consent_state(theirs)["marketing"] is False


def test_the_owners_side_may_merge_into_the_shared_customer_and_undo_it(
    shared, personas, api_as, customer_of
):
    """The owner's side decides: the manager (scope all) merges rep2's customer into rep1's
    shared one, which the collaborator cannot undo, and the manager can."""
    theirs, mine = shared

    response = api_as("manager").post(f"/customers/{theirs.pk}/merge", {"other_id": mine.pk})

    assert response.status_code == 201
    assert Customer.objects.get(pk=mine.pk).merged_into_id == theirs.pk
    merge = response.json()["id"]
    refused = api_as("rep2").post(f"/customers/{theirs.pk}/merges/{merge}/undo")
    assert refused.status_code == 403
    assert "undo its merges" in refused.json()["detail"]
    refused_page = page_client(personas["rep2"]).post(
        f"/customers/{theirs.pk}/merges/{merge}/undo/"
    )
    assert refused_page.status_code == 403
    assert Customer.objects.get(pk=mine.pk).merged_into_id == theirs.pk
    # rep1 owns the survivor but not the duplicate (rep2's): the undo is not theirs either
    by_owner = api_as("rep1").post(f"/customers/{theirs.pk}/merges/{merge}/undo")
    assert by_owner.status_code == 404  # the duplicate is out of their sight
    assert api_as("manager").post(f"/customers/{theirs.pk}/merges/{merge}/undo").status_code == 200
    assert Customer.objects.get(pk=mine.pk).merged_into_id is None


def test_the_360_page_offers_merging_only_to_who_may_merge(shared, personas):
    """The page's "Merge a duplicate" and "Undo merge" follow scope.mergeable_pair (may_merge
    in its context): not for a write collaborator, who may still edit."""
    theirs, _mine = shared

    as_collaborator = page_client(personas["rep2"]).get(f"/customers/{theirs.pk}/")
    as_owner = page_client(personas["rep1"]).get(f"/customers/{theirs.pk}/")

    assert as_collaborator.context["writable"] is True
    assert as_collaborator.context["may_merge"] is False
    assert as_owner.context["may_merge"] is True
    merge_url = f'href="/customers/{theirs.pk}/merge/"'
    assert merge_url not in as_collaborator.content.decode()
    assert f'href="/customers/{theirs.pk}/edit/"' in as_collaborator.content.decode()
    assert merge_url in as_owner.content.decode()


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


def test_undoing_a_merge_needs_manage_rights_on_the_duplicate_too(shared, personas, api_as):
    """A merge made before the rule (or by the service directly): the survivor's owner, a write
    collaborator on the duplicate only, may not bring it back; its owner's side may."""
    from guanxi.customers.merging import merge_customers

    theirs, mine = shared
    share_customer(personas["rep2"], mine, personas["rep1"], access="write", expires_at=None)
    record = merge_customers(personas["rep2"], theirs, mine)

    refused = api_as("rep1").post(f"/customers/{theirs.pk}/merges/{record.pk}/undo")
    page = page_client(personas["rep1"]).post(f"/customers/{theirs.pk}/merges/{record.pk}/undo/")

    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Only the owner of “甲公司” or a colleague whose data scope covers it may undo its merge."
    )
    assert page.status_code == 403
    assert Customer.objects.get(pk=mine.pk).merged_into_id == theirs.pk
    undone = api_as("manager").post(f"/customers/{theirs.pk}/merges/{record.pk}/undo")
    assert undone.status_code == 200
