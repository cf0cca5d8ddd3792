"""Results: the page and the API show what the engines (guanxi.analytics) compute, within the
viewer's scope; the API's shapes."""

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from guanxi.analytics.kano import as_records, kano
from guanxi.analytics.satisfaction import nps, satisfaction_gap
from guanxi.surveys import services

from .conftest import answers_for, as_service_data

# (customer team, index, answers): NPS 10, 9, 6, 8, 3 -> 2 promoters, 1 passive, 2 detractors
RESPONDENTS = [
    ("a", 0, {"nps": 10, "rating": 5, "gap": ((4, 5), (5, 6)), "kano": (1, 5), "text": "SECRET-A"}),
    ("a", 1, {"nps": 9, "rating": 4, "gap": ((5, 3), (6, 6)), "kano": (2, 5)}),
    ("a", 2, {"nps": 6, "rating": 2, "gap": ((3, 3), (4, 2)), "kano": (1, 3), "peak": ("下单", 2)}),
    ("b", 0, {"nps": 8, "rating": 3, "gap": ((4, 2), (7, 1)), "kano": (5, 1), "text": "SECRET-B"}),
    ("b", 1, {"nps": 3, "rating": 1, "gap": ((2, 4), (3, 3)), "kano": (3, 3)}),
]


@pytest.fixture
def answered(survey, links, customers):
    for team, index, given in RESPONDENTS:
        token = links[customers[team][index].pk]
        services.submit_answers(token, as_service_data(survey, answers_for(survey, **given)))
    return survey


def expected_gap(teams):
    rows = []
    for team, _i, given in RESPONDENTS:
        if team in teams:
            (qe, qp), (pe, pp) = given["gap"]
            rows += [
                {"attribute": "quality", "expected": qe, "perceived": qp},
                {"attribute": "price", "expected": pe, "perceived": pp},
            ]
    return satisfaction_gap(pd.DataFrame(rows))


def expected_kano(teams):
    rows = [
        {
            "respondent": str(n),
            "feature": "免费送货",
            "functional": g["kano"][0],
            "dysfunctional": g["kano"][1],
        }
        for n, (team, _i, g) in enumerate(RESPONDENTS)
        if team in teams
    ]
    return as_records(kano(pd.DataFrame(rows)))


def test_results_page_matches_the_engines_for_a_manager(answered, client_for):
    page = client_for("manager").get(f"/surveys/{answered.pk}/results/")
    assert page.status_code == 200
    body = page.content.decode()
    score = nps([10, 9, 6, 8, 3])
    assert score.nps == 0.0
    nps_q = answered.questions.get(kind="nps")
    assert f'data-value="nps-{nps_q.pk}">NPS {round(score.nps, 1)}<' in body
    gap = expected_gap({"a", "b"}).set_index("attribute")
    assert f'data-value="gap-quality">{round(gap.loc["quality", "gap"], 2)}<' in body
    assert f'data-value="ratio-price">{round(gap.loc["price", "ratio"], 3)}<' in body
    assert 'data-value="response-rate">100.0%<' in body
    assert "SECRET-A" in body and "SECRET-B" in body
    assert 'data-kano="chart-kano"' in body and "echarts.min.js" in body


def test_results_are_scoped_to_the_viewer(answered, client_for, customers):
    page = client_for("rep1").get(f"/surveys/{answered.pk}/results/")
    body = page.content.decode()
    assert "SECRET-A" in body and "SECRET-B" not in body
    score = nps([10, 9, 6])
    nps_q = answered.questions.get(kind="nps")
    assert f'data-value="nps-{nps_q.pk}">NPS {round(score.nps, 1)}<' in body
    gap = expected_gap({"a"}).set_index("attribute")
    assert f'data-value="gap-quality">{round(gap.loc["quality", "gap"], 2)}<' in body
    assert 'data-value="invited">3<' in body
    detail = client_for("rep1").get(f"/surveys/{answered.pk}/").content.decode()
    assert customers["a"][0].name in detail and customers["b"][0].name not in detail


def test_invitation_of_another_team_is_404(answered, customers, client_for, manager):
    from guanxi.accounts.scope import get_survey_record_or_404
    from guanxi.surveys.models import Invitation

    other = Invitation.objects.get(customer=customers["b"][0])
    with pytest.raises(Exception) as exc:
        get_survey_record_or_404(customers["a"][0].owner, Invitation.objects.all(), other.pk)
    assert type(exc.value).__name__ == "Http404"
    # a rep may not make links at all; the manager can
    assert client_for("rep1").post(f"/surveys/invitations/{other.pk}/link/").status_code == 403


def test_segment_comparison_uses_the_engines_by_group(answered, manager, client_for, customers):
    from guanxi.segments.services import create_segment

    segment = create_segment(
        manager, {"name": "华东", "params": {"owner": str(customers["a"][0].owner_id)}}
    )
    page = client_for("manager").get(f"/surveys/{answered.pk}/results/?segment={segment.pk}")
    assert page.status_code == 200
    assert "华东" in page.content.decode()
    api = client_for("manager")
    assert api.get(f"/surveys/{answered.pk}/results/?segment=999999").status_code == 404


def test_results_xlsx(answered, client_for):
    response = client_for("rep1").get(f"/surveys/{answered.pk}/results.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert {"NPS", "KANO"} <= set(book.sheetnames)
    nps_rows = list(book["NPS"].iter_rows(values_only=True))
    assert nps_rows[1][1] == 3  # rep1's scope: three respondents


def test_api_shapes(answered, api_as):
    client = api_as("rep1")
    listing = client.get("/surveys")
    assert listing.status_code == 200
    assert listing.json()["items"][0]["questions"][0]["kind"] == "rating"
    results = client.get(f"/surveys/{answered.pk}/results")
    assert results.status_code == 200
    body = results.json()
    assert body["features"] == expected_kano({"a"})
    assert set(body["features"][0]) == {"feature", "category", "counts", "better", "worse"}
    assert body["nps"][0]["nps"] == round(nps([10, 9, 6]).nps, 1)
    assert body["responses"] == 3 and body["invited"] == 3
    responses = client.get(f"/surveys/{answered.pk}/responses").json()
    assert responses["count"] == 3
    assert {a["question_id"] for a in responses["items"][0]["answers"]}
    invitations = client.get(f"/surveys/{answered.pk}/invitations").json()
    assert invitations["count"] == 3
    assert client.get("/surveys/999999").status_code == 404


def test_api_builds_and_invites_for_managers_only(api_as, customers, rep1):
    body = {
        "title": "KANO 调查",
        "kind": "kano",
        "questions": [{"kind": "kano", "feature": "在线客服"}, {"kind": "nps", "text": "推荐？"}],
    }
    assert api_as("rep1").post("/surveys", body).status_code == 403
    manager = api_as("manager")
    made = manager.post("/surveys", body)
    assert made.status_code == 201, made.json()
    survey_id = made.json()["id"]
    bad = manager.post(f"/surveys/{survey_id}/questions", {"kind": "gap", "text": "质量"})
    assert bad.status_code == 422 and "attribute" in bad.json()["errors"]
    assert manager.post(f"/surveys/{survey_id}/open").status_code == 200
    links = manager.post(
        f"/surveys/{survey_id}/invitations", {"customer_ids": [customers["a"][0].pk]}
    )
    assert links.status_code == 201
    [link] = links.json()
    assert "/s/" in link["url"] and link["customer_id"] == customers["a"][0].pk
    assert api_as("rep1").post(f"/surveys/{survey_id}/close").status_code == 403
    assert manager.post(f"/surveys/{survey_id}/close").json()["status"] == "closed"


def test_customer_delivered_value(survey, links, customers, api_as, client_for):
    """Total customer value (mean of product, service, personnel, image) − total customer cost
    (mean of money, time, energy, physical effort), per respondent, then averaged."""
    given = {0: (5, 4, 4, 3, 2, 2, 1, 3), 1: (2, 2, 3, 1, 4, 5, 4, 3)}
    for index, parts in given.items():
        token = links[customers["a"][index].pk]
        form = answers_for(survey, value=parts)
        services.submit_answers(token, as_service_data(survey, form))
    first = (5 + 4 + 4 + 3) / 4 - (2 + 2 + 1 + 3) / 4  # 2.0
    second = (2 + 2 + 3 + 1) / 4 - (4 + 5 + 4 + 3) / 4  # -2.0
    body = api_as("rep1").get(f"/surveys/{survey.pk}/results").json()
    value = body["delivered_value"]
    assert value["respondents"] == 2
    assert value["delivered_value"] == round((first + second) / 2, 2)
    assert value["positive_share"] == 50.0
    assert {p["part"]: p["mean"] for p in value["parts"]}["money"] == 3.0
    page = client_for("rep1").get(f"/surveys/{survey.pk}/results/").content.decode()
    assert 'data-value="delivered-value">0.0<' in page
    responses = api_as("rep1").get(f"/surveys/{survey.pk}/responses").json()
    parts = [a["parts"] for r in responses["items"] for a in r["answers"] if a["parts"]]
    assert sorted(p["product"] for p in parts) == [2, 5]


@pytest.mark.parametrize(
    "language, title",
    [("en", "Net Promoter Score: 您会推荐吗？"), ("zh-hans", "净推荐值（NPS）：您会推荐吗？")],
)
def test_the_nps_chart_title_joins_label_and_question_by_the_languages_colon(language, title):
    from django.utils import translation

    from guanxi.surveys.results import charts

    item = {"question": "您会推荐吗？", "respondents": 3, "detractors": 1, "passives": 1}
    with translation.override(language):
        specs = charts({"nps": [{**item, "promoters": 1}], "ratings": []})
    assert specs[0]["spec"]["title"] == title
