"""Review mining over the API: list and upload sets, read the findings, list the reviews of
a keyword; customers named only within the caller's scope."""

from guanxi.voice.models import ReviewSet

from .conftest import PARK_CSV, csv_upload


def upload(api, body: str, **fields):
    data = {"name": "接口导入", "file": csv_upload(body), **fields}
    return api.client.post("/api/v1/review-sets", data, headers=api.headers)


def test_a_set_is_uploaded_and_its_findings_read(api_as):
    api = api_as("rep1")
    response = upload(api, PARK_CSV, source="携程")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "done" and created["review_count"] == 5
    assert created["source"] == "携程" and created["language"] == "zh"

    found = api_as("rep2").get(f"/review-sets/{created['id']}").json()
    assert found["reviews"] == 5 and found["low_reviews"] == 2
    assert found["keywords"][0] == {"keyword": "太久", "reviews": 3, "count": 3}
    assert found["pairs"][0]["lift"] == 2.5
    assert found["negative_factors"] == []
    assert found["as_of"] is not None

    listed = api_as("rep2").get("/review-sets").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == created["id"]


def test_bad_rows_answer_422_with_every_row_and_nothing_written(api_as):
    response = upload(api_as("rep1"), "评论,评分\n很好,9\n,3\n")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"row 2", "row 3"}
    assert errors["row 2"][0].startswith("评分: ")
    assert not ReviewSet.objects.exists()


def test_bad_rows_in_chinese_join_column_and_message_by_the_full_width_colon(api_as):
    response = upload(api_as("rep1", lang="zh-hans"), "评论,评分\n很好,9\n")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == ["第 2 行"]
    assert errors["第 2 行"][0].startswith("评分：") and ": " not in errors["第 2 行"][0]


def test_an_unreadable_file_answers_422(api_as):
    api = api_as("rep1")
    response = api.client.post(
        "/api/v1/review-sets",
        {"name": "x", "file": csv_upload("x", name="r.pdf")},
        headers=api.headers,
    )
    assert response.status_code == 422
    assert "file" in response.json()["errors"]


def test_the_read_only_role_may_not_upload(api_as):
    assert upload(api_as("viewer"), PARK_CSV).status_code == 403


def test_reviews_are_filtered_by_keyword_and_name_customers_in_scope(api_as, rep1, customer_of):
    own = customer_of("rep1", name="华东客户甲")
    body = f"评论,评分,客户编号\n门票太贵,1,{own.pk}\n排队太久,2,\n"
    set_id = upload(api_as("rep1"), body).json()["id"]
    mine = api_as("rep1").get(f"/review-sets/{set_id}/reviews", keyword="门票").json()
    assert mine["count"] == 1
    assert mine["items"][0]["customer_name"] == "华东客户甲"
    assert mine["items"][0]["customer_id"] == own.pk
    theirs = api_as("rep2").get(f"/review-sets/{set_id}/reviews", keyword="门票").json()
    assert theirs["items"][0]["text"] == "门票太贵"
    assert theirs["items"][0]["customer_name"] is None
    assert theirs["items"][0]["customer_id"] is None
    assert api_as("rep2").get(f"/review-sets/{set_id}/reviews", rating="bad").status_code == 422
    assert api_as("rep2").get("/review-sets/999999").status_code == 404
