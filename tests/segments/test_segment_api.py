"""GET/POST /api/v1/segments, GET/PATCH/DELETE /segments/{id}, GET /segments/{id}/customers."""

from guanxi.segments import services
from guanxi.segments.models import Segment


def test_create_list_read_change_delete(api_as, customer_of):
    api = api_as("lead_a")  # a lead: may share with everyone
    created = api.post("/segments", {"name": "A 类", "params": {"level": "A"}})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["params"] == {"level": "A"} and body["editable"] and not body["shared"]

    listed = api.get("/segments").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert api.get(f"/segments/{body['id']}").json()["name"] == "A 类"

    changed = api.patch(f"/segments/{body['id']}", {"shared": True, "params": {"level": "B"}})
    assert changed.status_code == 200
    assert changed.json()["shared"] and changed.json()["params"] == {"level": "B"}

    assert api.delete(f"/segments/{body['id']}").status_code == 204
    assert not Segment.objects.exists()


def test_customers_of_a_segment_in_the_callers_scope(api_as, personas, customer_of):
    customer_of("rep1", name="甲一", level="A")
    customer_of("rep1", name="甲二", level="A")
    customer_of("rep2", name="乙一", level="A")
    segment = services.create_segment(
        personas["lead_a"],
        {"name": "A 类", "params": {"level": "A", "sort": "name"}, "shared": True},
    )

    page = api_as("rep1").get(f"/segments/{segment.pk}/customers", limit=1).json()
    assert page["count"] == 2 and page["count_exact"]
    assert [c["name"] for c in page["items"]] == ["甲二"]  # pinyin order: jia'er < jiayi
    second = api_as("rep1").get(f"/segments/{segment.pk}/customers", limit=1, offset=1).json()
    assert [c["name"] for c in second["items"]] == ["甲一"]
    theirs = api_as("rep2").get(f"/segments/{segment.pk}/customers").json()
    assert [c["name"] for c in theirs["items"]] == ["乙一"]
    everyone = api_as("manager").get(f"/segments/{segment.pk}/customers").json()
    assert everyone["count"] == 3


def test_refusals_in_the_callers_language(api_as, rep1, personas):
    private = services.create_segment(rep1, {"name": "私有", "params": {}})
    shared = services.create_segment(
        personas["lead_a"], {"name": "共享", "params": {}, "shared": True}
    )
    zh = api_as("rep2", lang="zh-hans")

    # unknown filter, bad level, unknown field: 422 with the field named
    bad = zh.post("/segments", {"name": "坏", "params": {"colour": "red"}})
    assert bad.status_code == 422 and "不是客户列表的筛选条件" in bad.json()["detail"]
    bad = zh.post("/segments", {"name": "坏", "params": {"level": "Z"}})
    assert bad.status_code == 422 and "level" in bad.json()["errors"]
    bad = zh.post("/segments", {"name": "坏", "owner_id": 1})
    assert bad.status_code == 422 and "owner_id" in bad.json()["errors"]
    # a private segment of another: 404; a shared one: readable, 403 to change
    assert zh.get(f"/segments/{private.pk}").status_code == 404
    assert zh.get(f"/segments/{private.pk}/customers").status_code == 404
    assert zh.delete(f"/segments/{private.pk}").status_code == 404
    assert zh.get(f"/segments/{shared.pk}").json()["editable"] is False
    refused = zh.patch(f"/segments/{shared.pk}", {"name": "改"})
    assert refused.status_code == 403 and "创建者或经理" in refused.json()["detail"]
    # a manager may change a shared segment
    assert api_as("manager").patch(f"/segments/{shared.pk}", {"name": "改"}).status_code == 200


def test_the_last_snapshot_size_is_only_for_who_sees_everyone(api_as, rep1, personas, customer_of):
    customer_of("rep1", name="甲一")
    segment = services.create_segment(
        personas["lead_a"], {"name": "全部", "params": {}, "shared": True}
    )
    services.take_snapshot(segment, actor=rep1)
    assert api_as("rep1").get(f"/segments/{segment.pk}").json()["last_snapshot"] is None
    shot = api_as("manager").get(f"/segments/{segment.pk}").json()["last_snapshot"]
    assert shot["size"] == 1 and shot["trigger"] == "manual"


def test_anonymous_callers_are_refused(anonymous):
    assert anonymous.get("/segments").status_code == 401


def test_a_rep_may_not_share_with_everyone(api_as, rep1):
    # a rep's POST asking to share: 403 with the reason, in the caller's language; nothing made
    api = api_as("rep1", lang="zh-hans")
    refused = api.post("/segments", {"name": "全公司", "params": {}, "shared": True})
    assert refused.status_code == 403 and "数据范围覆盖同事" in refused.json()["detail"]
    assert not Segment.objects.exists()
    # nor by a PATCH: nothing changes
    mine = services.create_segment(rep1, {"name": "我的", "params": {"level": "A"}})
    refused = api_as("rep1").patch(f"/segments/{mine.pk}", {"shared": True, "name": "改"})
    assert refused.status_code == 403 and "covers colleagues" in refused.json()["detail"]
    mine.refresh_from_db()
    assert not mine.shared and mine.name == "我的"
    # a lead may
    made = api_as("lead_a").post("/segments", {"name": "全公司", "params": {}, "shared": True})
    assert made.status_code == 201 and made.json()["shared"]
