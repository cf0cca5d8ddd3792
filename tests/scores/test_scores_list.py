"""The customer list filtered and sorted by scores: queries, page (both languages, GET
parameters as contract9 names them) and API; filters only narrow the user's scope, and the
default list never joins the score table."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.customers import retention
from guanxi.customers.queries import customer_list

pytestmark = pytest.mark.django_db


def names(qs):
    return [c.name for c in qs]


@pytest.fixture
def scored(customer_of, score_for):
    """Three scored customers of rep1, one unscored, and one scored customer of rep2."""
    a = customer_of("rep1", name="阿明")
    b = customer_of("rep1", name="白兰")
    c = customer_of("rep1", name="陈晨")
    customer_of("rep1", name="丁一")  # not scored
    e = customer_of("rep2", name="鄂二")
    score_for(
        a,
        rfm_segment="champions",
        abc_tier="A",
        clv_predicted=Decimal("900"),
        p_alive=0.9,
        loyalty_index=80,
        churn_risk="low",
        churn_risk_score=0.1,
        monetary=Decimal("5000"),
        r=5,
        f=5,
        m=5,
        loyalty_type_suggested="super_value",
    )
    score_for(
        b,
        rfm_segment="at_risk",
        abc_tier="B",
        clv_predicted=Decimal("300"),
        p_alive=0.4,
        loyalty_index=40,
        churn_risk="high",
        churn_risk_score=0.8,
        monetary=Decimal("1200"),
        r=2,
        f=3,
        m=3,
        loyalty_type_suggested="price",
        value_loyalty_quadrant="butterflies",
    )
    score_for(
        c,
        rfm_segment="at_risk",
        abc_tier="C",
        clv_predicted=None,
        p_alive=None,
        loyalty_index=20,
        churn_risk="medium",
        churn_risk_score=0.5,
        monetary=Decimal("80"),
        r=1,
        f=3,
        m=1,
        loyalty_type_suggested="price",
        value_loyalty_quadrant="strangers",
        quality="poor",
    )
    score_for(
        e,
        rfm_segment="at_risk",
        abc_tier="A",
        clv_predicted=Decimal("5000"),
        p_alive=0.3,
        churn_risk="high",
        churn_risk_score=0.9,
        monetary=Decimal("9000"),
    )
    return {"a": a, "b": b, "c": c, "e": e}


def test_filters_by_codes_scores_and_ranges(personas, scored):
    rep1 = personas["rep1"]
    assert names(customer_list(rep1, rfm_segment="at_risk", sort="name")) == ["白兰", "陈晨"]
    assert names(customer_list(rep1, abc_tier="A")) == ["阿明"]
    assert names(customer_list(rep1, churn_risk="high")) == ["白兰"]
    assert names(customer_list(rep1, f=3, sort="name")) == ["白兰", "陈晨"]
    assert names(customer_list(rep1, r=2, m=3)) == ["白兰"]
    assert names(customer_list(rep1, p_alive_max=0.5)) == ["白兰"]  # unscored P(alive) no match
    assert names(customer_list(rep1, p_alive_min=0.4, sort="name")) == ["阿明", "白兰"]
    assert names(customer_list(rep1, clv_min=Decimal("500"))) == ["阿明"]
    assert names(customer_list(rep1, value_loyalty_quadrant="strangers", quality="poor")) == [
        "陈晨"
    ]


def test_score_filters_never_widen_the_scope(personas, scored):
    # rep2's at-risk A customer stays out of rep1's list, and rep1's out of rep2's
    assert "鄂二" not in names(customer_list(personas["rep1"], rfm_segment="at_risk"))
    assert names(customer_list(personas["rep2"], rfm_segment="at_risk")) == ["鄂二"]
    assert names(customer_list(personas["rep2"], lost=False)) == ["鄂二"]
    assert names(customer_list(personas["manager"], abc_tier="A", sort="name")) == ["阿明", "鄂二"]


def test_sorts_by_scores_with_the_unscored_last(personas, scored):
    rep1 = personas["rep1"]
    assert names(customer_list(rep1, sort="-clv_predicted")) == ["阿明", "白兰", "丁一", "陈晨"]
    assert names(customer_list(rep1, sort="clv_predicted")) == ["白兰", "阿明", "陈晨", "丁一"]
    assert names(customer_list(rep1, sort="-churn_risk_score"))[:3] == ["白兰", "陈晨", "阿明"]
    assert names(customer_list(rep1, sort="p_alive"))[:2] == ["白兰", "阿明"]
    assert names(customer_list(rep1, sort="-loyalty_index"))[:3] == ["阿明", "白兰", "陈晨"]
    assert names(customer_list(rep1, sort="monetary"))[:3] == ["陈晨", "白兰", "阿明"]


def test_loyalty_type_filter_takes_the_reps_choice_over_the_suggestion(personas, scored):
    rep1 = personas["rep1"]
    retention.set_loyalty_type(rep1, scored["c"], "inertia")

    assert names(customer_list(rep1, loyalty_type="price")) == ["白兰"]
    assert names(customer_list(rep1, loyalty_type="inertia")) == ["陈晨"]


def test_lost_filters(personas, scored):
    rep1 = personas["rep1"]
    retention.mark_lost(rep1, scored["b"], "competitor")

    assert names(customer_list(rep1, lost=True)) == ["白兰"]
    assert names(customer_list(rep1, lost_reason="competitor")) == ["白兰"]
    assert "白兰" not in names(customer_list(rep1, lost=False))
    assert len(customer_list(rep1, lost=False)) == 3


def test_the_default_list_does_not_join_the_score_table(personas, scored):
    rep1 = personas["rep1"]
    with CaptureQueriesContext(connection) as plain:
        list(customer_list(rep1))
    with CaptureQueriesContext(connection) as filtered:
        list(customer_list(rep1, rfm_segment="at_risk"))

    assert not any("scoring_customerscore" in q["sql"] for q in plain.captured_queries)
    assert any("scoring_customerscore" in q["sql"] for q in filtered.captured_queries)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_filters_sorts_and_shows_the_score_column(client_for, scored, language):
    client = client_for("rep1", language)

    html = client.get("/customers/", {"rfm_segment": "at_risk", "sort": "-monetary"}).content
    html = html.decode()

    assert html.index("白兰") < html.index("陈晨") and "阿明" not in html
    assert 'id="score-filters"' in html and "open" in html.split('id="score-filters"')[1][:20]
    if language == "en":
        assert "At risk" in html and "Churn risk: High" in html and "Scores" in html
    else:
        assert "有流失风险" in html and "流失风险：高" in html and "评分" in html


@pytest.mark.parametrize(
    ("sort", "label", "value_a", "value_b"),
    [
        ("-clv_predicted", "predicted CLV", "¥900.00", "¥300.00"),
        ("p_alive", "P(alive)", "90%", "40%"),
        ("-loyalty_index", "loyalty index", "80 / 100", "40 / 100"),
        ("churn_risk_score", "churn risk score", "0.10", "0.80"),
        ("monetary", "net revenue", "¥5,000.00", "¥1,200.00"),
    ],
)
def test_sorted_by_a_score_each_row_shows_that_score(
    client_for, scored, sort, label, value_a, value_b
):
    html = client_for("rep1").get("/customers/", {"sort": sort}).content.decode()
    rows = {
        name: html.split(f">{name}</a>")[1].split("</tr>")[0] for name in ("阿明", "白兰", "丁一")
    }
    assert f"{label}: <strong>{value_a}</strong>" in rows["阿明"]
    assert f"{label}: <strong>{value_b}</strong>" in rows["白兰"]
    assert f"{label}: <strong>—</strong>" in rows["丁一"]  # not scored
    assert 'class="sort-value"' not in client_for("rep1").get("/customers/").content.decode()


def test_sorted_by_a_score_the_label_is_translated(client_for, scored):
    html = client_for("rep1", "zh-hans").get("/customers/", {"sort": "p_alive"}).content.decode()
    assert "P(活跃)：<strong>90%</strong>" in html  # with Chinese punctuation (a review)


def test_the_page_refuses_bad_score_parameters_in_the_users_language(client_for, scored):
    html = client_for("rep1", "zh-hans").get("/customers/", {"r": "9", "abc_tier": "Z"}).content
    html = html.decode()

    assert 'class="errorlist"' in html
    assert "阿明" in html  # the list falls back to no filter rather than guessing


def test_the_default_page_shows_scores_without_joining(client_for, scored):
    client = client_for("rep1")
    with CaptureQueriesContext(connection) as page:
        html = client.get("/customers/").content.decode()
    assert "Champions" in html
    listing = [q["sql"] for q in page.captured_queries if "customers_customer" in q["sql"]]
    assert not any("scoring_customerscore" in sql for sql in listing)


def test_the_api_list_takes_the_same_filters(api_as, scored):
    api = api_as("rep1")

    at_risk = api.get("/customers", rfm_segment="at_risk", sort="-clv_predicted").json()
    assert [c["name"] for c in at_risk["items"]] == ["白兰", "陈晨"]
    assert [c["name"] for c in api.get("/customers", p_alive_max=0.5).json()["items"]] == ["白兰"]
    assert api.get("/customers", lost=True).json()["count"] == 0

    bad = api_as("rep1", lang="zh-hans").get("/customers", rfm_segment="vip", r=3)
    assert bad.status_code == 422
    assert "rfm_segment" in bad.json()["errors"]
    assert "有效" in bad.json()["errors"]["rfm_segment"][0]  # 选择一个有效的选项
    assert api.get("/customers", r=6).status_code == 422
