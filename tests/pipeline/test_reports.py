"""The sales report's figures on a small dataset whose numbers are counted by hand here.

Five opportunities of rep1 (stages: opening 10 %, needs 25 %, FAB 45 %, objections 65 %,
closing 85 %):
- A: opening → needs → FAB → closing, won 10 days after opening, ¥1,000 (won 2026-12-05);
- B: opening → needs, lost;
- C: opening, open, ¥2,000 expected 2026-12-20;
- D: opening → needs → FAB → objections, open, ¥4,000 expected 2027-01-15;
- F: opened in needs, won 20 days later, ¥500 (won 2026-11-21).
Reached (entered the stage or a later one, or won): opening 5, needs 4 (all but C), FAB 3
(A, D, F), objections 3 (A, D, F), closing 2 (A, F). Conversion to the next stage: 4/5 = 80 %,
3/4 = 75 %, 3/3 = 100 %, 2/3 = 66.7 %, and closing → won 2/2 = 100 %. Win rate: 2 won of 3
closed = 66.7 %. Cycle time: median of 10 and 20 days = 15 days. Forecast from December 2026:
December 2,000 × 10 % = 200, January 4,000 × 65 % = 2,600; won in December 1,000; rep1's
December target 5,000.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from guanxi.pipeline import reports, services


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=4, tzinfo=UTC)  # noon in Shanghai


@pytest.fixture
def dataset(personas, customer_of, stages):
    rep1 = personas["rep1"]
    customer = customer_of("rep1", name="华茂贸易", kind="organisation")

    def new(name, start, stage="opening", **data):
        return services.create_opportunity(
            rep1, customer.pk, {"name": name, "stage": stages[stage].pk, **data}, now=at(start)
        )

    def walk(opportunity, keys, start):
        for i, key in enumerate(keys, start=1):
            when = at(start) + timedelta(days=i)
            services.move_opportunity(rep1, opportunity.pk, stages[key].pk, now=when)

    a = new("A", "2026-11-25", amount="1000", expected_close="2026-12-05")
    walk(a, ["needs", "fab", "closing"], "2026-11-25")
    services.win_opportunity(rep1, a.pk, now=at("2026-12-05"))
    b = new("B", "2026-11-20")
    walk(b, ["needs"], "2026-11-20")
    services.log_objection(rep1, b.pk, {"kind": "financial", "statement": "没预算"})
    services.lose_opportunity(rep1, b.pk, "no_budget", now=at("2026-11-28"))
    new("C", "2026-11-30", amount="2000", expected_close="2026-12-20")
    d = new("D", "2026-11-10", amount="4000", expected_close="2027-01-15")
    walk(d, ["needs"], "2026-11-10")
    services.log_objection(rep1, d.pk, {"kind": "price", "statement": "太贵"})
    walk(d, ["fab", "objections"], "2026-11-12")
    services.log_objection(rep1, d.pk, {"kind": "price", "statement": "还是贵"})
    services.log_objection(rep1, d.pk, {"kind": "authority", "statement": "要问老板"})
    f = new("F", "2026-11-01", stage="needs", amount="500")
    services.win_opportunity(rep1, f.pk, now=at("2026-11-21"))
    services.save_sales_target(
        personas["manager"], {"user": rep1.pk, "month": "2026-12", "sales_target": "5000"}
    )
    return personas


def test_funnel_win_rate_and_cycle_time(dataset):
    data = reports.figures(dataset["manager"], today=date(2026, 12, 10))

    assert [(f["reached"], f["conversion"]) for f in data["funnel"]] == [
        (5, 80.0),
        (4, 75.0),
        (3, 100.0),
        (3, 66.7),
        (2, 100.0),
    ]
    assert (data["opportunities"], data["won"], data["lost"], data["win_rate"]) == (5, 2, 1, 66.7)
    assert data["cycle_days_median"] == 15.0
    [rep] = data["reps"]
    assert (rep["owner_id"], rep["opportunities"], rep["won"], rep["lost"], rep["win_rate"]) == (
        dataset["rep1"].pk,
        5,
        2,
        1,
        66.7,
    )
    assert rep["reached"] == [5, 4, 3, 3, 2]


def test_objections_by_stage(dataset):
    data = reports.figures(dataset["manager"], today=date(2026, 12, 10))

    counts = {
        row["stage"]: {k: n for k, n in row["counts"].items() if n} for row in data["objections"]
    }
    names = [row["stage"] for row in data["objections"]]
    assert counts[names[0]] == {}
    assert counts[names[1]] == {"financial": 1, "price": 1}
    assert counts[names[3]] == {"price": 1, "authority": 1}


def test_forecast_is_the_weighted_pipeline_against_the_targets(dataset):
    data = reports.figures(dataset["manager"], today=date(2026, 12, 10))

    december, january = data["forecast"][:2]
    assert [m["month"] for m in data["forecast"]] == [
        "2026-12",
        "2027-01",
        "2027-02",
        "2027-03",
        "2027-04",
        "2027-05",
    ]
    assert (december["weighted"], december["won"], december["sales_target"]) == (
        "200.00",
        "1000.00",
        "5000.00",
    )
    assert (january["weighted"], january["won"], january["sales_target"]) == (
        "2600.00",
        "0.00",
        None,
    )
    assert december["collected"] == "0.00"  # collections (the contracts app): no payment here


def test_a_registered_collections_provider_adds_its_series(dataset, monkeypatch):
    monkeypatch.setattr(reports, "_COLLECTION_PROVIDERS", [])
    reports.register_collections_provider(
        lambda user, months, owner, team: {date(2026, 12, 1): Decimal("750")}
    )

    data = reports.figures(dataset["manager"], today=date(2026, 12, 10))

    assert data["forecast"][0]["collected"] == "750.00"
    assert data["forecast"][1]["collected"] == "0.00"
    assert len(reports.charts(data)[1]["series"]) == 5  # pipeline, won, target, collections, target


def test_the_report_covers_only_the_viewers_scope(dataset):
    theirs = reports.figures(dataset["rep2"], today=date(2026, 12, 10))
    filtered = reports.figures(
        dataset["manager"], owner=dataset["rep2"].pk, today=date(2026, 12, 10)
    )

    assert theirs["opportunities"] == 0 and theirs["funnel"][0]["reached"] == 0
    assert theirs["forecast"][0]["weighted"] == "0.00"
    assert filtered["opportunities"] == 0


def test_the_close_month_filter(dataset):
    data = reports.figures(
        dataset["manager"], close_month=date(2027, 1, 1), today=date(2026, 12, 10)
    )

    assert data["opportunities"] == 1  # D
    assert data["forecast"][1]["weighted"] == "2600.00"
