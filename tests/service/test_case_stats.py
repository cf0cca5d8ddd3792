"""Complaint charts: cases per month and cause, resolution time, complaint rate per team,
counted in the viewer's scope."""

import json
from datetime import timedelta

from django.utils import timezone, translation

from guanxi.service import services, stats
from guanxi.service.models import Case


def test_figures_per_cause_team_and_month_in_scope(personas, customer_of, open_case):
    quality = open_case(cause="product_quality")
    open_case(cause="product_quality")
    price = open_case(cause="product_price")
    open_case("rep2", cause="service_attitude")  # another team's: not counted for rep1
    customer_of("rep1", name="没投诉")
    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0)
    opened = max(now - timedelta(hours=10), month_start + timedelta(minutes=1))  # this month
    took = (now - opened).total_seconds() / 3600
    Case.objects.filter(pk__in=[quality.pk, price.pk]).update(opened_at=opened)
    services.resolve_case(personas["rep1"], quality.pk, {"resolution": "ok"})

    with translation.override("en"):  # not whatever language an earlier test left active
        figures = stats.charts(personas["rep1"])
    assert figures["cases"] == 3 and figures["customers"] == 4
    assert figures["rate"] == 75.0  # 3 of rep1's 4 customers complained
    by_month, by_cause, by_team = figures["charts"]
    this_month = timezone.localtime().strftime("%Y-%m")
    assert by_month["categories"][-1] == this_month and len(by_month["categories"]) == 12
    totals = {s["name"]: s["data"][-1] for s in by_month["series"]}
    assert totals == {"Product: price": 1, "Product: quality": 2}
    assert abs(by_month["line"]["data"][-1] - took) <= 0.1  # the one resolved
    assert by_cause["categories"] == ["Product: price", "Product: quality"]
    assert by_cause["series"][0]["data"] == [1, 2]
    assert by_cause["line"]["data"][0] is None
    assert abs(by_cause["line"]["data"][1] - took) <= 0.1
    assert by_team["categories"] == ["华东销售组"] and by_team["series"][0]["data"] == [75.0]
    assert stats.charts(personas["manager"])["cases"] == 4


def test_the_page_carries_the_chart_specs(client_for, open_case):
    open_case(cause="product_packaging")
    for language in ("en", "zh-hans"):
        page = client_for("rep1", language).get("/cases/charts/")
        assert page.status_code == 200
    html = client_for("rep1").get("/cases/charts/").content.decode()
    start = html.index('<script id="case-chart-1" type="application/json">')
    spec = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert spec["categories"] == ["Product: packaging"] and spec["series"][0]["data"] == [1]
    assert "insights/dashboards" in html
