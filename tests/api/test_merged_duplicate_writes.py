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


# What a hostile review of the read-only duplicate found --------------------------------------


def test_an_id_beyond_any_column_is_404_not_500(personas, customer_of):
    customer_of("rep1", name="甲")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["rep1"])
    for path in ("/customers/9223372036854775808/", "/customers/99999999999999999999/edit/"):
        assert client.get(path).status_code == 404, path


def test_open_opportunities_and_cases_move_with_the_merge_and_back(customer_of, personas):
    from guanxi.customers.merging import merges_of, undo_merge
    from guanxi.pipeline.models import Opportunity
    from guanxi.pipeline.services import create_opportunity, ensure_default_stages
    from guanxi.service.models import Case
    from guanxi.service.services import open_case

    ensure_default_stages(None)
    rep = personas["rep1"]
    keep = customer_of("rep1", name="乙公司")
    other = customer_of("rep1", name="乙公司（杭州）")
    deal = create_opportunity(rep, other.pk, {"name": "年度采购"})
    case = open_case(
        rep, other.pk, {"channel": "hotline", "cause": "product_quality", "subject": "受潮"}
    )
    merge_customers(rep, keep, other, {})
    assert Opportunity.objects.get(pk=deal.pk).customer_id == keep.pk
    assert Case.objects.get(pk=case.pk).customer_id == keep.pk
    undo_merge(rep, merges_of(keep).get())
    assert Opportunity.objects.get(pk=deal.pk).customer_id == other.pk
    assert Case.objects.get(pk=case.pk).customer_id == other.pk


def test_a_tag_with_control_characters_is_refused_on_every_path(customer_of, personas):
    from django.core.exceptions import ValidationError

    from guanxi.customers.services import add_tag

    customer = customer_of("rep1", name="丙")
    with pytest.raises(ValidationError) as refused:
        add_tag(personas["rep1"], customer, "A\x1fB\x1eC")
    assert "control characters" in " ".join(refused.value.messages)
    assert not customer.tags.exists()


def test_an_undo_is_refused_when_a_blocked_value_was_taken_meanwhile(
    customer_of, personas, settings
):
    from django.core.exceptions import ValidationError

    from guanxi.customers.merging import merges_of, undo_merge

    rep = personas["rep1"]
    settings.GUANXI_DUPLICATE_POLICY = {"mobile": "off", "email": "off"}
    keep = customer_of("rep1", name="丁", mobile="13911110002")
    other = customer_of("rep1", name="丁（旧）", mobile="13911110002")
    merge_customers(rep, keep, other, {})
    keep.mobile = ""  # the survivor gives the number up; a new customer takes it
    keep.save(update_fields=["mobile"])
    settings.GUANXI_DUPLICATE_POLICY = {"mobile": "block"}
    customer_of("rep1", name="戊", mobile="13911110002")
    with pytest.raises(ValidationError) as refused:
        undo_merge(rep, merges_of(keep).get())
    assert "cannot come back" in " ".join(refused.value.messages)
    assert Customer.objects.get(pk=other.pk).merged_into_id == keep.pk  # nothing undone


def test_an_erased_duplicates_merge_is_no_longer_offered_for_undo(dupe, api_as):
    survivor = dupe.merged_into_id
    rep = api_as("rep1")
    assert len(rep.get(f"/customers/{survivor}/merges").json()) == 1
    erased = api_as("manager").post(f"/customers/{dupe.pk}/erase", {"purpose": "erasure"})
    assert erased.status_code == 204
    assert rep.get(f"/customers/{survivor}/merges").json() == []


def test_a_merged_duplicate_is_not_invited_nor_matched_by_an_import(dupe, personas):
    from guanxi.accounts.scope import invitable_customers
    from guanxi.dataio.readers import read_table
    from guanxi.dataio.services import import_customers

    manager = personas["manager"]
    assert not invitable_customers(manager).filter(pk=dupe.pk).exists()
    row = f"姓名,手机\n甲公司（新）,{dupe.mobile}\n".encode()
    result = import_customers(manager, read_table(row, "f.csv"), on_duplicate="merge")
    assert (result.created, result.updated) == (0, 1), result
    dupe.refresh_from_db()
    assert dupe.name == "甲公司（上海）"  # the survivor took the row, not the duplicate
    assert Customer.objects.get(pk=dupe.merged_into_id).name == "甲公司（新）"
