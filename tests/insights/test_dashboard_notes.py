"""What the dashboards explain to a new user: why an RFM band is empty (ties at the quintile
cut-offs, computed from the data), why P(alive) is 100 % for one-time buyers, the ABC tier
(by revenue) apart from the rep's customer level, the loyalty index's weights by name, and how
fresh the figures are (in step with the worker's schedule)."""

import re
from datetime import datetime

import pytest
from django.test import Client

from guanxi.insights import data, tasks

from .factory import PARAMS, make_run, score

pytestmark = pytest.mark.django_db


def client_for(username: str, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    assert client.login(username=username, password="demo-pass")
    return client


def method_box(html: str) -> str:
    """The "How this is computed" box, tags removed and spaces collapsed."""
    box = re.search(r'<details class="card method".*?</details>', html, re.S)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", box))


@pytest.fixture
def ties(customer_of):
    """Eleven buyers: rep1's ten, two in each R band and F scores 1 ×6, 3 ×2, 4, 5 (most bought
    once: the tie fills F1 beyond its fifth and F2 stays empty), and rep2's one in R1 F1."""
    run = make_run()
    f_scores = [1, 1, 1, 1, 1, 1, 3, 3, 4, 5]
    for i, f in enumerate(f_scores):
        score(customer_of("rep1", name=f"甲{i}"), run, r=i // 2 + 1, f=f)
    score(customer_of("rep2", name="乙"), run, r=1, f=1)
    return run


def test_rfm_names_the_bands_left_empty_by_ties_in_both_languages(ties):
    # who sees every customer: F2 is empty over everyone (a tie), no R band is
    box = method_box(client_for("manager").get("/analytics/rfm/").content.decode())
    assert "Empty frequency bands: F2." in box
    assert "quantile cut-offs cannot split equal values" in box
    assert "F1 holds 64 % of the customers counted here." in box  # 7 of 11
    assert "Empty recency bands" not in box and "No customer of your data scope" not in box
    zh = method_box(client_for("manager", "zh-hans").get("/analytics/rfm/").content.decode())
    assert "频率分段为空：F2。" in zh and "分位点无法拆分相同的值" in zh
    assert "F1 占此处所计客户的 64%。" in zh


def test_rfm_tells_a_scope_its_own_empty_bands_from_the_ties(ties):
    # rep2's one customer is in R1 F1: F2 is a tie over everyone, the others hold other
    # customers (whose counts the rep is not shown)
    box = method_box(client_for("rep2").get("/analytics/rfm/").content.decode())
    assert "Empty frequency bands: F2." in box
    assert "F1 holds 100 % of the customers counted here." in box
    assert "No customer of your data scope is in F3, F4, F5" in box
    assert "No customer of your data scope is in R2, R3, R4, R5" in box
    assert "Empty recency bands" not in box


def test_rfm_without_empty_bands_has_no_such_note(ties, customer_of):
    score(customer_of("rep1", name="甲二"), ties, r=3, f=2)
    box = method_box(client_for("manager").get("/analytics/rfm/").content.decode())
    assert "Empty frequency bands" not in box and "quantile cut-offs" not in box


def test_rfm_with_the_lowest_band_empty_answers_and_names_it(customer_of):
    """Scores a run did not write (imported, or edited) can leave F1 empty, with no band below
    it to hold its tie: the page answered 500 (max() of nothing) where it now names the band."""
    run = make_run()
    for i in range(10):
        score(customer_of("rep1", name=f"丙{i}"), run, r=i // 2 + 1, f=2 + i % 4)
    response = client_for("manager").get("/analytics/rfm/")
    assert response.status_code == 200
    assert "Empty frequency bands: F1." in method_box(response.content.decode())


@pytest.mark.parametrize("theme", ["clv", "quadrants"])
def test_p_alive_of_one_time_buyers_is_explained(ties, theme):
    box = method_box(client_for("rep1").get(f"/analytics/{theme}/").content.decode())
    assert "P(alive) is 100 % for a customer without a repeat purchase" in box
    assert "the churn risk of these customers uses recency instead" in box
    zh = method_box(client_for("rep1", "zh-hans").get(f"/analytics/{theme}/").content.decode())
    assert "没有重复购买的客户，P(活跃) 为 100%" in zh


def test_the_abc_tier_is_labelled_apart_from_the_customer_level(ties):
    html = client_for("rep1").get("/analytics/abc/").content.decode()
    assert '<th scope="col">ABC tier (by revenue)</th>' in html
    assert "It is not the customer level (A key, B ordinary, C non-priority customer)" in html
    clv = client_for("rep1").get("/analytics/clv/").content.decode()
    assert "ABC tier (by revenue)</th>" in clv
    zh = client_for("rep1", "zh-hans").get("/analytics/abc/").content.decode()
    assert "ABC 分类（按收入）</th>" in zh and "不是销售人员在客户档案上设置的客户等级" in zh


def params_of(html: str) -> dict[str, str]:
    box = re.search(r'<dl class="params">(.*?)</dl>', html, re.S)[1]
    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", box))


@pytest.mark.parametrize("theme", ["quadrants", "loyalty"])
def test_the_loyalty_weights_are_listed_by_name_and_weight(ties, theme):
    # the run's own weights over the engine's defaults (A11 0.3 and A21 0.25 set)
    params = params_of(client_for("rep1").get(f"/analytics/{theme}/").content.decode())
    assert params["Loyalty weight A1 (purchase behaviour)"] == (
        "0.55 = A11 purchase duration 0.3 + A12 purchase frequency 0.15 + A13 frequency trend 0.1"
    )
    assert params["Loyalty weight A2 (spending)"] == (
        "0.4 = A21 share of wallet 0.25 + A22 cross-selling 0.15"
    )
    assert params["Loyalty weight A3 (attitude and emotion)"] == (
        "0.3 = A31 mention rate 0.075 + A32 price sensitivity 0.075 + "
        "A33 voluntariness 0.075 + A34 satisfaction 0.075"
    )
    assert "" not in params.values()
    zh = params_of(client_for("rep1", "zh-hans").get(f"/analytics/{theme}/").content.decode())
    assert zh["忠诚度权重 A2（消费）"] == "0.4 = A21 钱包份额 0.25 + A22 交叉销售 0.15"


def test_default_loyalty_weights_are_shown_not_an_empty_value(customer_of):
    # a run with the settings' default (no weights set): the engine's defaults, by name
    run = make_run(params={**PARAMS, "loyalty_weights": {}})
    score(customer_of("rep1"), run)
    params = params_of(client_for("rep1").get("/analytics/quadrants/").content.decode())
    assert params["Loyalty weight A1 (purchase behaviour)"].startswith("0.4 = A11 purchase")
    assert "" not in params.values()


def test_the_freshness_sentence_matches_the_worker(ties):
    # the worker's schedule and the cache's lifetime are the ones the pages state
    assert tasks.warm_dashboards.s().validate_datetime(datetime(2026, 11, 1, 9, 10))
    assert not tasks.warm_dashboards.s().validate_datetime(datetime(2026, 11, 1, 9, 15))
    assert data.WARM_MINUTES * 60 < data.CACHE_SECONDS  # theirs never expire between runs
    html = client_for("manager").get("/analytics/rfm/").content.decode()
    sentence = re.sub(r"\s+", " ", re.search(r'id="freshness">(.*?)</p>', html, re.S)[1])
    assert re.search(r"Figures computed at \d\d:\d\d from the latest scoring run", sentence)
    assert "kept for at most 15 minutes" in sentence and "every 10 minutes" in sentence
    assert "fifteen" not in sentence and "at least" not in sentence
    zh = client_for("manager", "zh-hans").get("/analytics/rfm/").content.decode()
    assert "最多保留 15 分钟" in zh and "每 10 分钟" in zh
