"""The coding API: a whole project through it, its checks, and its scope answers."""

import pytest
from django.test import Client

from guanxi.accounts.models import ApiToken
from guanxi.coding.models import CodedFragment, CodingProject, OpenCode

from .conftest import INTERVIEW


def api(user):
    client = Client()
    headers = {"Authorization": f"Bearer {ApiToken.issue(user, 1)}", "Accept-Language": "en"}

    def call(method, path, body=None, **query):
        url = "/api/v1" + path
        if method == "get":
            return client.get(url, query, headers=headers)
        return getattr(client, method)(
            url, body or {}, content_type="application/json", headers=headers
        )

    return call


def test_a_project_coded_end_to_end_through_the_api(personas):
    call = api(personas["rep1"])
    project = call("post", "/coding/projects", {"title": "为什么老客户不再来"})
    assert project.status_code == 201
    pid = project.json()["id"]
    doc = call(
        "post",
        f"/coding/projects/{pid}/documents",
        {"title": "访谈一", "interviewee": "客户A", "text": INTERVIEW},
    ).json()
    start = INTERVIEW.index("客服回复太慢")
    fragment = call(
        "post",
        f"/coding/documents/{doc['id']}/fragments",
        {"quote": "客服回复太慢", "start": start, "end": start + 6, "new_codes": ["回复慢"]},
    )
    assert fragment.status_code == 201, fragment.content
    [code_id] = fragment.json()["codes"]
    category = call("post", f"/coding/projects/{pid}/categories", {"name": "服务失误"}).json()
    other = call("post", f"/coding/projects/{pid}/categories", {"name": "转投竞品"}).json()
    moved = call("patch", f"/coding/codes/{code_id}", {"category": category["id"]})
    assert moved.json()["category_id"] == category["id"]
    prop = call(
        "post",
        f"/coding/categories/{category['id']}/properties",
        {"name": "响应速度", "dimension_from": "快", "dimension_to": "慢"},
    )
    assert prop.status_code == 201
    relation = call(
        "post",
        f"/coding/projects/{pid}/relations",
        {"source": category["id"], "target": other["id"], "kind": "consequence"},
    )
    assert relation.status_code == 201
    core = call(
        "put",
        f"/coding/projects/{pid}/core",
        {"core_category": category["id"], "story_line": "服务失误让老客户转投竞品。"},
    )
    assert core.status_code == 200 and core.json()["core_category_id"] == category["id"]

    tree = call("get", f"/coding/projects/{pid}/tree").json()
    first = tree["categories"][0]
    assert first["name"] == "服务失误" and first["core"] is True
    assert first["codes"][0]["count"] == 1 and first["fragment_count"] == 1
    codes = call("get", f"/coding/projects/{pid}/codes").json()
    assert codes == {
        "count": 1,
        "items": [
            {
                "id": code_id,
                "project_id": pid,
                "name": "回复慢",
                "memo": "",
                "category_id": category["id"],
                "count": 1,
                "version": 2,
            }
        ],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quote": "客服", "start": 0, "end": 2, "new_codes": ["x"]}, "quote"),
        ({"quote": "客服", "start": 10, "end": 9999, "new_codes": ["x"]}, "start"),
        ({"quote": "没有这句话", "new_codes": ["x"]}, "quote"),
    ],
)
def test_a_fragment_that_does_not_match_the_text_is_a_422(personas, interview, body, field):
    response = api(personas["rep1"])("post", f"/coding/documents/{interview.pk}/fragments", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not CodedFragment.objects.exists()


def test_the_same_code_name_twice_is_a_422(personas, project):
    call = api(personas["rep1"])
    assert (
        call("post", f"/coding/projects/{project.pk}/codes", {"name": "Price"}).status_code == 201
    )
    again = call("post", f"/coding/projects/{project.pk}/codes", {"name": " PRICE "})
    assert again.status_code == 422
    assert OpenCode.objects.count() == 1


def test_another_reps_private_project_is_a_404_and_stays_unchanged(personas, interview):
    project = interview.project
    call = api(personas["rep2"])
    assert call("get", f"/coding/projects/{project.pk}").status_code == 404
    assert call("get", f"/coding/documents/{interview.pk}").status_code == 404
    assert call("patch", f"/coding/projects/{project.pk}", {"title": "HACKED"}).status_code == 404
    assert call("delete", f"/coding/projects/{project.pk}").status_code == 404
    assert call("get", "/coding/projects").json() == {"count": 0, "items": []}
    assert CodingProject.objects.get().title == "为什么老客户不再来"


def test_a_read_only_user_reads_a_shared_project_and_writes_nothing(personas, interview):
    project = interview.project
    CodingProject.objects.filter(pk=project.pk).update(shared=True)
    call = api(personas["viewer"])
    assert call("get", f"/coding/projects/{project.pk}/tree").status_code == 200
    refused = call(
        "post", f"/coding/documents/{interview.pk}/fragments", {"quote": "客服", "new_codes": ["x"]}
    )
    assert refused.status_code == 403 and refused.json()["detail"]
    assert not CodedFragment.objects.exists()


def test_a_stale_version_is_a_409(personas, project):
    call = api(personas["rep1"])
    assert (
        call("patch", f"/coding/projects/{project.pk}", {"title": "一", "version": 1}).status_code
        == 200
    )
    stale = call("patch", f"/coding/projects/{project.pk}", {"title": "二", "version": 1})
    assert stale.status_code == 409
    project.refresh_from_db()
    assert project.title == "一"


def test_the_lists_cost_the_same_few_queries_for_many_rows(
    personas, interview, django_assert_max_num_queries
):
    # given ten codes in five categories, each code on its own fragment
    from guanxi.coding import services

    rep1, project = personas["rep1"], interview.project
    categories = [services.create_category(rep1, project, {"name": f"范畴{i}"}) for i in range(5)]
    for i in range(10):
        fragment = services.code_fragment(
            rep1, interview, {"quote": INTERVIEW[i : i + 2], "new_codes": f"码{i}"}
        )
        services.update_code(rep1, fragment.codes.get(), {"category": categories[i % 5].pk})
    call = api(rep1)

    # when / then: one count and one page (plus the token and the prefetch) per list
    for path in ("codes", "categories", "documents", "relations"):
        with django_assert_max_num_queries(8):
            response = call("get", f"/coding/projects/{project.pk}/{path}", limit=100)
        assert response.status_code == 200
    with django_assert_max_num_queries(8):
        fragments = call("get", f"/coding/documents/{interview.pk}/fragments", limit=100)
    assert fragments.json()["count"] == 10
    categories_body = call("get", f"/coding/projects/{project.pk}/categories").json()
    assert [(c["code_count"], c["fragment_count"]) for c in categories_body["items"]] == [
        (2, 2)
    ] * 5
