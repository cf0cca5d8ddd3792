"""A new user's review of the dashboards: the settings page is linked, the two churn measures
are named apart and the month's bars drill down to that month, words that clashed are told
apart, the notes say what the code does, CLV's margin and bins."""

import re
from datetime import timedelta

import pytest

from guanxi.analytics.abc import PYRAMID_TIERS
from guanxi.analytics.loyalty import LOYALTY_LADDER, VALUE_LOYALTY_QUADRANTS
from guanxi.analytics.segments import SEGMENTS
from guanxi.customers.models import Customer
from guanxi.insights import data

from . import test_dashboards
from .factory import PARAMS, make_run
from .test_dashboards import LAST_LABEL, LAST_MONTH, charts, client_for

pytestmark = pytest.mark.django_db

world = test_dashboards.world  # the same customers, scores and losses

SETTINGS_LINK = 'href="/analytics/settings/"'


# 1. The analysis settings page is linked for who may change it, and only for them.


@pytest.mark.parametrize("page", ["/analytics/", "/analytics/scoring/"])
def test_settings_linked_for_who_may_change_them_only(world, page):
    assert SETTINGS_LINK in client_for("manager").get(page).content.decode()
    for who in ("rep1", "lead_a", "viewer"):
        assert SETTINGS_LINK not in client_for(who).get(page).content.decode()
        assert client_for(who).get("/analytics/settings/").status_code == 403


# 2. Marked lost by reps vs stopped buying.


def test_churn_names_both_measures_and_says_which_is_which(world):
    response = client_for("manager").get("/analytics/churn/")
    html = response.content.decode()
    specs = charts(response)
    assert specs[0]["title"] == "Customers marked lost by reps per month, by reason"
    assert specs[0]["line"]["name"] == "Marked lost by reps, share of customers %"
    assert specs[2]["series"][0]["name"] == "Stopped buying"
    assert "Which churn is which" in html and "Read the company&#x27;s churn from the second" in (
        html
    )
    board = data.dashboard(world["a1"].owner, "churn", world["run"])
    rate = next(t for t in board["tables"] if t["name"] == "rate")
    assert "Marked lost by reps" in [str(h) for h in rate["headers"]]


def test_churn_table_has_the_stopped_buying_rate_per_month_for_who_sees_all(world, personas):
    run = make_run(
        summary={
            "churn_by_month": [{"month": LAST_LABEL, "lost": 150, "revenue_lost": 1, "start": 600}]
        }
    )
    board = data.dashboard(personas["manager"], "churn", run)
    rate = next(t for t in board["tables"] if t["name"] == "rate")
    headers = [str(h) for h in rate["headers"]]
    row = next(r for r in rate["rows"] if r[0] == LAST_LABEL)
    assert row[headers.index("Stopped buying")] == 150
    assert row[headers.index("Stopped buying, share of the month before's buyers %")] == 25.0
    assert row[headers.index("Marked lost by reps")] == 2  # a3 and b1, marked last month
    # a rep's scope: no engine figures, and a sentence saying why
    rep = data.dashboard(personas["rep1"], "churn", run)
    assert "Stopped buying" not in [str(h) for h in next(
        t for t in rep["tables"] if t["name"] == "rate")["headers"]]  # fmt: skip
    assert any("shown only to users who see every customer" in n for n in rep["notes"])


# 3. A month's bar drills down to the customers marked lost in that month.


def list_count(html: str) -> int:
    return int(re.search(r'class="list-count"[^>]*>(\d+) customer', html)[1])


def test_a_months_bar_drills_down_to_that_month_only(world):
    # a second loss for the same reason two months before: the all-months link counted it
    earlier = LAST_MONTH - timedelta(days=40)
    Customer.objects.filter(pk=world["a1"].pk).update(lost_at=earlier, lost_reason="competitor")
    spec = charts(client_for("rep1").get("/analytics/churn/"))[0]
    series = spec["series"][0]
    for label, bar in zip(spec["categories"], series["data"], strict=True):
        if not bar["value"]:
            continue
        assert "lost_from=" in bar["url"] and "lost_to=" in bar["url"]
        html = client_for("rep1").get(bar["url"]).content.decode()
        assert list_count(html) == bar["value"], label
    last = series["data"][spec["categories"].index(LAST_LABEL)]
    html = client_for("rep1").get(last["url"]).content.decode()
    assert "甲三" in html and "甲一" not in html


# 4. Words that clashed.


def test_rfm_lost_quadrant_strangers_and_ladder_prospect_are_told_apart():
    assert SEGMENTS["lost"].name == {"en": "Lost (RFM)", "zh-hans": "流失客户（RFM）"}
    assert VALUE_LOYALTY_QUADRANTS["strangers"]["name"] == {
        "en": "Strangers (quadrant)",
        "zh-hans": "陌生人（象限）",
    }
    assert LOYALTY_LADDER["expectation"]["en"] == "Prospect"
    assert LOYALTY_LADDER["expectation"]["zh-hans"] == "期望者"  # the Chinese term stays


@pytest.mark.parametrize("theme", ["pyramid", "loyalty"])
def test_pyramid_and_ladder_say_both_no_order_groups_are_the_same_customers(world, theme):
    html = client_for("manager").get(f"/analytics/{theme}/").content.decode()
    assert "Customers without orders appear under each model&#x27;s own name" in html
    assert str(PYRAMID_TIERS["suspects"]["en"]).lower() in html


# 5. Help texts that say what the code does.


def test_pyramid_states_the_inactive_rule_and_period(world):
    from guanxi.scoring.compute import PYRAMID_INACTIVE_DAYS

    assert data.PYRAMID_INACTIVE_DAYS == PYRAMID_INACTIVE_DAYS
    html = client_for("manager").get("/analytics/pyramid/").content.decode()
    assert "more than 365 days before the as-of date" in html
    assert "keep the revenue of their past orders" in html
    assert "customers without orders in the period are inactive" not in html


def test_clv_note_says_every_buyer_has_a_prediction(world):
    html = client_for("manager").get("/analytics/clv/").content.decode()
    assert "Every customer with at least one order has a prediction" in html
    assert "no repeat purchase to fit on) are left out" not in html


# 6. CLV in revenue while the margin is 100 %.


def test_clv_says_it_is_revenue_while_the_margin_is_one(world, personas):
    html = client_for("manager").get("/analytics/clv/").content.decode()
    assert "Profit margin 100 %: the CLV shown is revenue" in html
    run = make_run(params={**PARAMS, "clv_margin": 0.3})
    assert "the CLV shown is revenue" not in data.clv_method(run)
    assert "the CLV shown is revenue" in data.clv_method(make_run(params={}))


# 7. CLV bins from the data; the axis name below the labels.


def test_clv_bars_cover_the_datas_range_and_none_is_empty():
    edge = data.CLV_EDGES.index
    # two customers at 300 and 40,000: 2 bars, not 14 with 12 empty
    bars = data.clv_bars({edge(200): (1, 300), edge(20000): (1, 40000)})
    assert [(low, high, n) for low, high, n, _v in bars] == [(200, 500, 1), (500, 50000, 1)]
    # many fine bins: at most CLV_BARS bars, each with customers, contiguous, all counted
    fine = {i: (i + 1, 10.0 * i) for i in range(2, 25)}
    bars = data.clv_bars(fine)
    assert len(bars) <= data.CLV_BARS and all(n > 0 for _l, _h, n, _v in bars)
    assert sum(n for _l, _h, n, _v in bars) == sum(n for n, _s in fine.values())
    assert all(bars[i][1] == bars[i + 1][0] for i in range(len(bars) - 1))
    assert data.clv_bars({}) == []
    # the top open-ended bin
    assert data.clv_bars({len(data.CLV_EDGES) - 1: (1, 9e9)})[0][1] is None


def test_clv_axis_name_sits_below_the_turned_labels():
    short = data.x_name_gap(["1–2", "2–5"])
    long = data.x_name_gap([f"{10**i:,}–{2 * 10**i:,}" for i in range(3, 11)])
    assert long > short and long > 48  # the old fixed gap overlapped these labels
