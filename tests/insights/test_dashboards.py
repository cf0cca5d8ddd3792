"""The management dashboards: each page renders its charts from the current scores of the
user's scope only, says how it was computed, downloads as a formula-safe XLSX, and links every
cell to the customer list filtered with contract 9's GET names."""

import copy
import io
import json
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from guanxi.customers.models import Customer
from guanxi.insights.data import THEMES
from guanxi.sales.models import Order

from .factory import AS_OF, make_run, score

pytestmark = pytest.mark.django_db

# Losses are live data: the churn charts end in the current month; last month is the one before.
_first = timezone.localdate().replace(day=1)
LAST_MONTH = timezone.make_aware(
    datetime.combine((_first - timedelta(days=1)).replace(day=1), datetime.min.time())
)
LAST_LABEL = LAST_MONTH.strftime("%Y-%m")

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def world(customer_of):
    """Team A (rep1): two champions, one at high risk and lost to a competitor; team B
    (rep2): one customer in cells, tiers and quadrants no one of team A is in."""
    run = make_run()
    a1 = customer_of("rep1", name="甲一")
    a2 = customer_of("rep1", name=FORMULA)
    a3 = customer_of("rep1", name="甲三")
    b1 = customer_of("rep2", name="乙一")
    score(a1, run)
    score(a2, run, clv_predicted=Decimal("9000"))
    score(
        a3,
        run,
        r=1,
        f=2,
        monetary=Decimal("50"),
        rfm_segment="lost",
        abc_tier="C",
        pyramid_level="small",
        lifecycle_stage="decline",
        loyalty_step="purchase",
        loyalty_index=10.0,
        value_loyalty_quadrant="strangers",
        churn_risk="high",
        churn_reason="long_inactive",
        recency_days=400,
        recovery_priority=3,
        recovery_action="recover_if_opportunity",
        clv_predicted=None,
    )
    score(
        b1,
        run,
        r=1,
        f=1,
        monetary=Decimal("777777"),
        rfm_segment="hibernating",
        abc_tier="B",
        pyramid_level="inactive",
        lifecycle_stage="exploration",
        loyalty_step="expectation",
        loyalty_index=20.0,
        value_loyalty_quadrant="butterflies",
        churn_risk="high",
        churn_reason="overdue",
        recency_days=300,
        recovery_priority=1,
        recovery_action="recover_at_all_costs",
        clv_predicted=Decimal("999999"),
    )
    lost_on = LAST_MONTH + timedelta(days=14)
    Customer.objects.filter(pk=a3.pk).update(lost_at=lost_on, lost_reason="competitor")
    Customer.objects.filter(pk=b1.pk).update(lost_at=lost_on, lost_reason="price")
    return {"run": run, "a1": a1, "a2": a2, "a3": a3, "b1": b1}


def client_for(username: str, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    assert client.login(username=username, password="demo-pass")
    return client


def charts(response) -> list[dict]:
    html = response.content.decode()
    ids = re.findall(r'data-chart="([^"]+)"', html)
    assert ids, "no chart on the page"
    return [
        json.loads(
            re.search(rf'<script id="{i}" type="application/json">(.*?)</script>', html, re.S)[1]
        )
        for i in ids
    ]


def test_index_links_every_theme_and_the_scoring_page(world):
    response = client_for("rep1").get("/analytics/")
    assert response.status_code == 200
    for theme in THEMES:
        assert f'href="/analytics/{theme}/"' in response.content.decode()
    assert 'href="/analytics/scoring/"' in response.content.decode()


def test_nav_has_analytics_in_both_languages(world):
    # the Analytics menu (a summary since the navigation has menus) holds the dashboards
    english = client_for("rep1").get("/analytics/").content.decode()
    chinese = client_for("rep1", "zh-hans").get("/analytics/").content.decode()
    assert 'href="/analytics/" aria-current="page">Dashboards</a>' in english
    assert ">Analytics</summary>" in english or ">Analytics<" in english
    assert ">分析<" in chinese and "数据看板</a>" in chinese


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_every_dashboard_renders_with_method_and_chart_data(world, theme, lang):
    response = client_for("manager", lang).get(f"/analytics/{theme}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert AS_OF.isoformat() in html  # the as-of date of the run
    assert f'href="/analytics/{theme}/xlsx/' in html
    specs = charts(response)
    for spec in specs:
        items = spec.get("data") or [d for s in spec.get("series", []) for d in s["data"]]
        assert items, f"{theme}: empty chart {spec['title']}"


def test_rfm_counts_only_the_scope(world):
    rep = charts(client_for("rep1").get("/analytics/rfm/"))[0]["data"]
    boss = charts(client_for("manager").get("/analytics/rfm/"))[0]["data"]

    def cell(data, r, f):
        return next(d for d in data if d["value"][:2] == [f - 1, r - 1])

    assert cell(rep, 5, 5)["value"][2] == 2
    assert cell(rep, 5, 5)["revenue"] == 2000
    assert cell(rep, 5, 5)["url"] == "/customers/?r=5&f=5"
    assert cell(rep, 1, 1)["value"][2] == 0  # team B's customer is not counted
    assert cell(boss, 1, 1)["value"][2] == 1
    assert cell(boss, 1, 1)["revenue"] == 777777


def test_params_of_the_run_are_shown(world):
    html = client_for("rep1").get("/analytics/abc/").content.decode()
    assert "ABC: revenue share of class A" in html and "0.7" in html


@pytest.mark.parametrize(
    "theme, hidden",
    [
        ("pyramid", "pyramid_level=inactive"),
        ("quadrants", "value_loyalty_quadrant=butterflies"),
        ("lifecycle", "lifecycle_stage=exploration"),
    ],
)
def test_team_b_never_counted(world, theme, hidden):
    """The link to team B's cell exists (every level is listed) but counts nobody for rep1."""
    for username, expected in (("rep1", 0), ("manager", 1)):
        specs = charts(client_for(username).get(f"/analytics/{theme}/"))
        items = [
            d
            for spec in specs
            for d in (spec.get("data") or [x for s in spec.get("series", []) for x in s["data"]])
        ]
        counts = [
            (d["value"][2] if isinstance(d["value"], list) else d["value"])
            for d in items
            if d.get("url", "").endswith(hidden)
        ]
        assert sum(counts) == expected, (username, counts)


def test_pareto_curve_ends_at_100_and_tiers(world):
    spec = charts(client_for("rep1").get("/analytics/abc/"))[0]
    points = spec["data"]
    assert points[0]["value"] == [0, 0]
    assert points[-1]["value"] == [100.0, 100.0]
    # three buyers: 1000, 1000 and 50 -> after the first third 1000/2050 of the revenue
    assert points[1]["value"] == [33.33, 48.78]
    assert points[1]["url"] == "/customers/?abc_tier=A"


def test_clv_top_customers_in_scope_only(world):
    html = client_for("rep1").get("/analytics/clv/").content.decode()
    assert "乙一" not in html
    assert f'href="/customers/{world["a2"].pk}/"' in html
    bars = charts(client_for("rep1").get("/analytics/clv/"))[0]["series"][0]["data"]
    assert sum(b["value"] for b in bars) == 2  # a3 has no prediction, b1 is team B's
    # the bars cover the data's range only (1,500 and 9,000), each with customers
    assert bars == [
        {"value": 1, "url": "/customers/?clv_min=1000&clv_max=1999.99"},
        {"value": 1, "url": "/customers/?clv_min=2000&clv_max=9999.99"},
    ]


def test_churn_warnings_list_scope_reason_action_owner(world):
    response = client_for("rep1").get("/analytics/warnings/")
    html = response.content.decode()
    assert "甲三" in html and "乙一" not in html
    assert "no purchase for 400 days (recency score 1/5)" in html
    assert "Small customer: recover as opportunity allows" in html
    assert "张伟" in html  # the owner
    boss = client_for("manager").get("/analytics/warnings/").content.decode()
    # most urgent first: priority 1 (team B's key customer) before priority 3
    assert boss.index("乙一") < boss.index("甲三")
    zh = client_for("rep1", "zh-hans").get("/analytics/warnings/").content.decode()
    assert "小客户：见机挽回，控制成本。" in zh


def test_warnings_bars_of_unowned_customers_link_nowhere(world):
    """The customer list has no "no owner" filter: a "(no owner)" bar must not open the list of
    every customer at that risk; an owner's bar opens that owner's customers at that risk."""
    Customer.objects.filter(pk=world["b1"].pk).update(owner=None)
    spec = charts(client_for("manager").get("/analytics/warnings/"))[0]
    at = spec["categories"].index("(no owner)")
    high = next(s for s in spec["series"] if s["name"] == "High risk")
    assert high["data"][at] == {"value": 1}
    owned = [d for i, d in enumerate(high["data"]) if i != at and d["value"]]
    assert owned and all(re.search(r"churn_risk=high&owner=\d+$", d["url"]) for d in owned)


def test_churn_by_reason_in_scope(world):
    specs = charts(client_for("rep1").get("/analytics/churn/"))
    names = [s["name"] for s in specs[0]["series"]]
    assert names == ["Taken by a competitor"]
    assert specs[0]["categories"][-2] == LAST_LABEL
    last = specs[0]["series"][0]["data"][-2]
    month_end = (LAST_MONTH + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    assert last == {
        "value": 1,
        "url": "/customers/?lost=1&lost_reason=competitor"
        f"&lost_from={LAST_MONTH.date().isoformat()}&lost_to={month_end.date().isoformat()}",
    }
    assert specs[1]["series"][0]["data"][-2]["value"] == 50.0
    # churn rate last month: 1 lost of 3 customers at its start... the customers were created
    # today (after that month), so the base is 0 and the rate 0 rather than a division by zero
    assert specs[0]["line"]["data"][-2] == 0
    assert len(specs) == 2  # the engine's company-wide series is for who sees every customer
    boss = charts(client_for("manager").get("/analytics/churn/"))
    assert sorted(s["name"] for s in boss[0]["series"]) == ["Price", "Taken by a competitor"]
    assert [d["value"] for d in boss[2]["series"][0]["data"]] == [3, 1]


def test_churn_with_no_customer_lost_says_so_in_both_languages(world):
    Customer.objects.update(lost_at=None, lost_reason="")
    html = client_for("rep1").get("/analytics/churn/").content.decode()
    assert 'data-empty="no-lost"' in html and "No customers marked lost yet." in html
    assert "data-chart=" not in html  # no flat 0 % line, no blank canvas
    zh = client_for("rep1", "zh-hans").get("/analytics/churn/").content.decode()
    assert "尚无标记为流失的客户。" in zh
    # who sees everyone keeps the engine's chart of lapsed customers under the message
    boss = client_for("manager").get("/analytics/churn/").content.decode()
    assert 'data-empty="no-lost"' in boss
    specs = charts(client_for("manager").get("/analytics/churn/"))
    assert len(specs) == 1 and specs[0]["title"].startswith("Customers who stopped buying")
    # a loss recorded: the charts are back, the message gone (rep2: a scope not yet cached)
    Customer.objects.filter(pk=world["b1"].pk).update(lost_at=LAST_MONTH, lost_reason="price")
    html = client_for("rep2").get("/analytics/churn/").content.decode()
    assert 'data-empty="no-lost"' not in html and len(charts_of(html)) == 2


def charts_of(html: str) -> list[str]:
    return re.findall(r'data-chart="([^"]+)"', html)


def test_churn_rate_base(world):
    month_start = LAST_MONTH
    Customer.objects.filter(pk__in=[world["a1"].pk, world["a2"].pk, world["a3"].pk]).update(
        created_at=month_start - timedelta(days=30)
    )
    spec = charts(client_for("rep1").get("/analytics/churn/"))[0]
    assert spec["line"]["data"][-2] == pytest.approx(33.33)  # 1 of 3 lost last month


def test_cohorts_from_orders_in_scope_and_summary_for_all(world):
    a1 = world["a1"]
    Order.objects.create(
        customer=a1,
        number="C-1",
        ordered_at=timezone.make_aware(datetime(2026, 9, 3)),
        total=Decimal("10"),
    )
    Order.objects.create(
        customer=a1,
        number="C-2",
        ordered_at=timezone.make_aware(datetime(2026, 10, 3)),
        total=Decimal("10"),
    )
    scores = type(world["a1"].score).objects
    scores.filter(customer=a1).update(first_order_on=datetime(2026, 9, 3).date())
    scores.exclude(customer=a1).update(first_order_on=datetime(2026, 7, 3).date())
    rep = charts(client_for("rep1").get("/analytics/cohorts/"))[0]
    september = rep["y"].index("2026-09")
    cells = {tuple(d["value"][:2]): d["value"][2] for d in rep["data"]}
    assert cells[(0, september)] == 100.0 and cells[(1, september)] == 100.0
    boss = charts(client_for("manager").get("/analytics/cohorts/"))[0]
    assert boss["y"] == ["2026-09", "2026-10"]
    assert {tuple(d["value"]) for d in boss["data"]} == {(0, 0, 100.0), (1, 0, 50.0), (0, 1, 100.0)}


def test_xlsx_download_is_formula_safe_and_scoped(world):
    response = client_for("rep1").get("/analytics/clv/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "Method"
    method = [row for row in book["Method"].iter_rows(values_only=True)]
    assert ("As of", "2026-11-01") in method
    top = book["Top 20 customers by predicted C"]
    names = [row[0].value for row in top.iter_rows(min_row=2)]
    assert FORMULA in names and "乙一" not in names
    cell = next(row[0] for row in top.iter_rows(min_row=2) if row[0].value == FORMULA)
    assert cell.data_type == "s"  # text, never a formula


@pytest.mark.parametrize("theme", list(THEMES))
def test_every_xlsx(world, theme):
    response = client_for("rep1", "zh-hans").get(f"/analytics/{theme}/xlsx/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) >= 2


def test_warnings_xlsx_lists_the_customers(world):
    book = load_workbook(io.BytesIO(client_for("rep1").get("/analytics/warnings/xlsx/").content))
    rows = list(book["Customers at risk"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["甲三"]
    assert "P(alive)" in rows[0]


def test_the_chinese_xlsx_headers_match_the_page(world):
    """The page says P(活跃): so do the Chinese workbooks' headers."""
    zh = client_for("rep1", "zh-hans")
    book = load_workbook(io.BytesIO(zh.get("/analytics/warnings/xlsx/").content))
    headers = [cell.value for cell in next(book.worksheets[-1].iter_rows())]
    assert "P(活跃)" in headers and "P(alive)" not in headers
    book = load_workbook(io.BytesIO(zh.get("/analytics/clv/xlsx/").content))
    headers = [c for sheet in book.worksheets[1:] for c in next(sheet.iter_rows(values_only=True))]
    assert "P(活跃)" in headers and "P(alive)" not in headers


def test_without_a_run_pages_say_so(personas):
    response = client_for("rep1").get("/analytics/rfm/")
    assert response.status_code == 200
    assert "No scores have been computed yet" in response.content.decode()
    assert client_for("rep1").get("/analytics/rfm/xlsx/").status_code == 200


def test_login_required(world):
    response = Client().get("/analytics/rfm/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_cached_per_scope_and_refreshed_by_a_new_run(world, django_assert_max_num_queries):
    client = client_for("rep1")
    client.get("/analytics/rfm/")
    customer = world["a1"]
    type(customer.score).objects.filter(customer=customer).update(r=1, f=1)
    # the same run: cached figures
    data = charts(client.get("/analytics/rfm/"))[0]["data"]
    assert next(d for d in data if d["value"][:2] == [4, 4])["value"][2] == 2
    # rep2 sees its own scope, not rep1's cached figures
    data = charts(client_for("rep2").get("/analytics/rfm/"))[0]["data"]
    assert next(d for d in data if d["value"][:2] == [4, 4])["value"][2] == 0
    # a new run: computed again
    make_run()
    data = charts(client.get("/analytics/rfm/"))[0]["data"]
    assert next(d for d in data if d["value"][:2] == [4, 4])["value"][2] == 1


def test_warnings_pages_past_the_cached_ids(world, customer_of, monkeypatch):
    """Pages within the cached ids and beyond them list the same order as the live query."""
    from guanxi.insights import data

    monkeypatch.setattr(data, "WARNING_IDS", 2)
    monkeypatch.setattr("guanxi.insights.views.PER_PAGE", 1)
    run = world["run"]
    for i in range(3):
        score(
            customer_of("rep1", name=f"风险{i}"),
            run,
            churn_risk="high",
            recovery_priority=2,
            monetary=Decimal(100 * (i + 1)),
            churn_reason="overdue",
            recency_days=99,
        )
    client = client_for("rep1")
    names = []
    for page in range(1, 5):
        html = client.get(f"/analytics/warnings/?page={page}").content.decode()
        assert f"Page {page} of 4" in html
        names.append(re.search(r'<td><a href="/customers/\d+/">([^<]+)</a>', html)[1])
    # priority 2 first (most revenue first), then a3 with priority 3
    assert names == ["风险2", "风险1", "风险0", "甲三"]


def test_warm_precomputes_each_wider_scope_once(world, manager, django_assert_max_num_queries):
    from django.contrib.auth import get_user_model

    from guanxi.insights import data

    users = get_user_model().objects.filter(username__in=["manager", "lead_a", "rep1"])
    assert data.warm(users) == 3
    get_user_model().objects.filter(pk=manager.pk).update(last_login=timezone.now())
    assert [u.username for u in data.users_to_warm()] == ["manager"]  # reps see only their own
    client = client_for("manager", "zh-hans")
    # served from the cache: the session, the user, the run, the profile, no aggregation
    with django_assert_max_num_queries(8):
        response = client.get("/analytics/rfm/")
    assert response.status_code == 200


def test_warm_after_a_run_covers_every_scope_in_use(world, django_assert_max_num_queries):
    """The receiver of scoring_finished enqueues warm_after_run; it computes the dashboards of
    every scope in use (the reps' too), so the first visit after a run is served cached."""
    from django.contrib.auth import get_user_model

    from guanxi.insights import tasks
    from guanxi.scoring.signals import scoring_finished

    users = get_user_model().objects.filter(username__in=["manager", "lead_a", "rep1"])
    users.update(last_login=timezone.now())
    assert tasks.warm_after_run.call_local(world["run"].pk) == 3
    assert tasks.warm_after_run.call_local(world["run"].pk + 1000) == 0  # no such run
    for username in ("rep1", "manager"):
        client = client_for(username, "zh-hans")
        with django_assert_max_num_queries(8):  # session, user, run, profile: no aggregation
            assert client.get("/analytics/rfm/").status_code == 200
    receivers = [r[0][0] for r in scoring_finished.receivers]
    assert "insights-warm-after-run" in receivers and "home-indicators-after-run" in receivers


def test_rfm_tables_write_money_as_every_page_does(world):
    # the one money format (guanxi.formats.money) in the grid's cells and the revenue column
    html = client_for("manager").get("/analytics/rfm/").content.decode()
    assert "1 · ¥777,777.00</a>" in html  # R1 F1: one customer and its revenue
    segments = html[html.index('data-table="segments"') :].split("</table>")[0]
    assert "<td>¥777,777.00</td>" in segments, segments


def test_cohort_table_shows_every_share_with_one_decimal(world):
    # the run's summary: 100 % and 50 % (and 19.2 % of a cohort) are 100.0, 50.0 and 19.2, not
    # 100, 50 and 19.20 side by side in one column
    run = world["run"]
    run.summary = copy.deepcopy(run.summary)  # not the factory's own SUMMARY
    run.summary["cohorts"]["retention"] = [[1.0, 0.5], [1.0, 0.192]]
    run.save(update_fields=["summary"])
    html = client_for("manager").get("/analytics/cohorts/").content.decode()
    table = html[html.index('data-table="retention"') :].split("</table>")[0]
    assert "<td>2026-09</td><td>100.0</td><td>50.0</td>" in table, table
    assert "<td>2026-10</td><td>100.0</td><td>19.2</td>" in table, table
