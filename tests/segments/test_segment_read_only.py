"""The read-only role reads its scope but changes nothing (accounts/scope.py), segments included:
a hostile review saved one as `viewer` (POST /segments/new/ -> 302) where every other write
answered 403. It opens the segments shared with it; it saves, changes and deletes none, on the
pages and in the API, and is offered no button to."""

from guanxi.audit.models import AuditEntry
from guanxi.segments import services
from guanxi.segments.models import Segment

REFUSAL = "A read-only account cannot save, change or delete segments."


def test_the_read_only_role_cannot_save_a_segment(client_for, api_as, customer_of):
    customer_of("rep1", name="甲一", level="A")
    page = client_for("viewer")

    posted = page.post("/segments/new/", {"name": "vseg", "query": "level=A"})
    form = page.get("/segments/new/", {"level": "A"})
    by_api = api_as("viewer").post("/segments", {"name": "vseg", "params": {"level": "A"}})
    in_chinese = api_as("viewer", lang="zh-hans").post("/segments", {"name": "vseg", "params": {}})

    assert posted.status_code == 403 and REFUSAL in posted.content.decode()
    assert form.status_code == 403
    assert by_api.status_code == 403 and by_api.json() == {"detail": REFUSAL}
    assert in_chinese.json() == {"detail": "只读账号不能保存、修改或删除细分。"}
    assert not Segment.objects.exists()
    assert not AuditEntry.objects.filter(model="segment").exists()


def test_the_read_only_role_reads_shared_segments_and_changes_none(
    client_for, api_as, personas, customer_of
):
    customer_of("rep1", name="甲一", level="A")
    shared = services.create_segment(
        personas["manager"], {"name": "共享", "params": {"level": "A"}, "shared": True}
    )
    # saved by the read-only account before the rule: still its own, no longer changeable
    own = Segment.objects.create(name="旧的", params={}, created_by=personas["viewer"])
    page, api = client_for("viewer"), api_as("viewer")

    detail = page.get(f"/segments/{shared.pk}/")
    assert detail.status_code == 200 and "甲一" in detail.content.decode()
    assert detail.context["editable"] is False
    assert f"/segments/{shared.pk}/edit/" not in detail.content.decode()
    assert api.get(f"/segments/{own.pk}").json()["editable"] is False
    for segment in (shared, own):
        assert page.post(f"/segments/{segment.pk}/edit/", {"name": "改"}).status_code == 403
        assert page.post(f"/segments/{segment.pk}/delete/").status_code == 403
        refused = api.patch(f"/segments/{segment.pk}", {"name": "改"})
        assert refused.status_code == 403 and refused.json() == {"detail": REFUSAL}
        assert api.delete(f"/segments/{segment.pk}").status_code == 403
    assert sorted(Segment.objects.values_list("name", flat=True)) == ["共享", "旧的"]


def test_the_read_only_role_is_offered_no_save_button(client_for, customer_of):
    customer_of("rep1", name="甲一", level="A")

    viewer_list = client_for("viewer").get("/customers/").content.decode()
    viewer_segments = client_for("viewer").get("/segments/").content.decode()
    rep_list = client_for("rep1").get("/customers/").content.decode()
    rep_segments = client_for("rep1").get("/segments/").content.decode()

    assert 'id="save-segment"' not in viewer_list and "Save as segment" not in viewer_list
    assert "Filter customers to save a segment" not in viewer_segments
    assert "No segments shared with you yet." in viewer_segments
    assert 'id="save-segment"' in rep_list
    assert "Filter customers to save a segment" in rep_segments
