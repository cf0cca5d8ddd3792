"""A merged duplicate (合并后的重复客户) is kept, hidden, only so its merge can be undone.

A review found its owner could still add a note to it (the note then sat on a record nobody
finds): writes to it are refused on pages and the API alike (scope.scoped, write=True),
managing it too (share, transfer, delete, consent), while reading it, undoing the merge and
answering its data subject's requests (export, erasure) still work.
"""

import pytest
from django.test import Client

from guanxi.activities.models import Note
from guanxi.customers.merging import merge_customers
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db

MERGED = "merged into another one"


@pytest.fixture
def dupe(customer_of, personas, settings):
    settings.GUANXI_DUPLICATE_POLICY = {"mobile": "off", "email": "off"}
    keep = customer_of("rep1", name="甲公司", mobile="13812345678")
    dupe = customer_of("rep1", name="甲公司（上海）", mobile="13812345678")
    merge_customers(personas["rep1"], keep, dupe, {})
    dupe.refresh_from_db()
    assert dupe.merged_into_id == keep.pk
    return dupe


def test_the_owner_cannot_write_to_a_merged_duplicate(dupe, api_as, personas):
    api = api_as("rep1")
    notes = Note.objects.count()
    for method, path, body in [
        ("post", f"/customers/{dupe.pk}/notes", {"body": "lands nowhere"}),
        ("patch", f"/customers/{dupe.pk}", {"city": "杭州"}),
        ("post", f"/customers/{dupe.pk}/contacts", {"name": "李四"}),
        ("post", f"/customers/{dupe.pk}/consents", {"purpose": "marketing", "granted": True}),
        ("post", f"/customers/{dupe.pk}/lost", {"reason": "price"}),
        ("delete", f"/customers/{dupe.pk}", None),
    ]:
        response = getattr(api, method)(path, body)
        assert response.status_code == 403, (method, path, response.content)
        assert MERGED in response.json()["detail"], (method, path)
    assert Note.objects.count() == notes
    dupe.refresh_from_db()
    assert dupe.city != "杭州" and dupe.lost_at is None
    assert api.get(f"/customers/{dupe.pk}").status_code == 200  # still readable


def test_the_360_page_of_a_merged_duplicate_offers_no_forms(dupe, personas):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["rep1"])
    page = client.get(f"/customers/{dupe.pk}/").content.decode()
    assert "merged" in page.lower()
    assert f'action="/customers/{dupe.pk}/interactions/new/"' not in page
    assert f'href="/customers/{dupe.pk}/edit/"' not in page
    posted = client.post(f"/customers/{dupe.pk}/notes/new/", {"body": "lands nowhere"})
    assert posted.status_code == 403
    assert not Note.objects.filter(customer=dupe).exists()


def test_undo_and_the_data_subjects_requests_still_work(dupe, api_as):
    manager = api_as("manager")
    exported = manager.post(f"/customers/{dupe.pk}/personal-data", {"purpose": "subject access"})
    assert exported.status_code == 200 and exported.json()["customer"]["name"] == "甲公司（上海）"

    rep = api_as("rep1")
    merges = rep.get(f"/customers/{dupe.merged_into_id}/merges").json()
    undone = rep.post(f"/customers/{dupe.merged_into_id}/merges/{merges[0]['id']}/undo")
    assert undone.status_code == 200
    assert rep.post(f"/customers/{dupe.pk}/notes", {"body": "back again"}).status_code == 201


def test_a_merged_duplicate_can_be_erased_on_request(dupe, api_as):
    response = api_as("manager").post(f"/customers/{dupe.pk}/erase", {"purpose": "erasure"})
    assert response.status_code == 204
    assert Customer.objects.get(pk=dupe.pk).erased_at is not None
