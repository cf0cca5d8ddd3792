"""Scores from the app's own orders (issue 9 item 2): equal to the engine's direct output on the
same orders, cancelled and refunded orders left out, every customer a row, the atomic swap, no
two runs at once, the command, the tasks on SqliteHuey and RedisHuey, the page's permissions.

Runs on SQLite (DuckDB in-process) and on PostgreSQL (push-down) alike: set DATABASE_URL.
"""

import datetime as dt
import os
import socket
import uuid
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from guanxi.analytics.abc import abc
from guanxi.analytics.churn import churn_risk
from guanxi.analytics.clv.pipeline import fit_clv
from guanxi.analytics.lifecycle import lifecycle
from guanxi.analytics.loyalty import loyalty
from guanxi.analytics.rfm import rfm
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.sales.models import Order
from guanxi.scoring import compute, services, tasks
from guanxi.scoring.compute import ScoringInputError
from guanxi.scoring.models import CustomerScore, RunStatus, ScoringRun

SHANGHAI = ZoneInfo("Asia/Shanghai")
CDNOW = Path(__file__).parent.parent / "data" / "cdnow" / "CDNOW_sample.txt"


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def add_orders(rows):
    """rows: (customer, date, total, status); bulk-created (the engine reads the table)."""
    Order.objects.bulk_create(
        Order(
            customer=customer,
            number=f"T-{uuid.uuid4().hex[:12]}",
            ordered_at=at(day),
            total=Decimal(str(total)),
            status=status,
        )
        for customer, day, total, status in rows
    )


# A small hand-checked case ---------------------------------------------------------------------

D = dt.date
AS_OF = D(2024, 4, 2)


@pytest.fixture
def shop(db):
    """a: 3 orders (10, 20, 30) + one cancelled (999) + one refunded (500); b: 2 orders (5, 5);
    c: 1 order (7) bought at 23:30 Shanghai on 2024-02-02 (15:30 UTC: the local date counts);
    d: no order; e: merged into a (not scored); f: one order after the as-of date only."""
    names = "abcdef"
    made = {n: Customer.objects.create(name=f"客户{n}") for n in names}
    made["e"].merged_into = made["a"]
    made["e"].save()
    add_orders(
        [
            (made["a"], D(2024, 1, 5), 10, "completed"),
            (made["a"], D(2024, 2, 1), 20, "completed"),
            (made["a"], D(2024, 4, 1), 30, "paid"),
            (made["a"], D(2024, 3, 1), 999, "cancelled"),
            (made["a"], D(2024, 3, 2), 500, "refunded"),
            (made["b"], D(2024, 1, 9), 5, "completed"),
            (made["b"], D(2024, 3, 3), 5, "shipped"),
            (made["e"], D(2024, 3, 3), 77, "completed"),
            (made["f"], D(2024, 5, 1), 50, "completed"),
        ]
    )
    Order.objects.create(
        customer=made["c"],
        number="T-late",
        ordered_at=dt.datetime(2024, 2, 2, 23, 30, tzinfo=SHANGHAI),
        total=Decimal("7"),
    )
    return made


def test_small_shop_hand_checked(shop):
    run = services.run_scoring("command", as_of=AS_OF)
    assert run.status == RunStatus.SUCCEEDED
    scores = {s.customer.name[-1]: s for s in CustomerScore.objects.select_related("customer")}
    # every live customer has a row, the merged-away one none
    assert sorted(scores) == ["a", "b", "c", "d", "f"]
    a, b, c, d, f = (scores[k] for k in "abcdf")
    # a: cancelled (999) and refunded (500) left out: 3 orders, 60 net
    assert (a.frequency, a.monetary, a.recency_days) == (3, Decimal("60.00"), 1)
    assert (a.first_order_on, a.last_order_on) == (D(2024, 1, 5), D(2024, 4, 1))
    assert a.clv_historical == Decimal("60.00")
    assert (b.frequency, b.monetary, b.recency_days) == (2, Decimal("10.00"), 30)
    # c's order at 23:30 local time is on 2 February (local date), recency 60
    assert (c.first_order_on, c.recency_days) == (D(2024, 2, 2), 60)
    # RFM scores among a, b, c: 1 + floor(5 W / 3), W = customers with a strictly worse value
    assert (a.r, a.f, a.m) == (4, 4, 4)
    assert (b.r, b.f, b.m) == (2, 2, 2)
    assert (c.r, c.f, c.m) == (1, 1, 1)
    assert (a.rfm_segment, b.rfm_segment, c.rfm_segment) == ("loyal", "hibernating", "lost")
    # ABC at 70/20/10: a has 60 of 77 (78 %): the customer crossing the 70 % line is A
    assert (a.abc_tier, b.abc_tier, c.abc_tier) == ("A", "B", "C")
    # the customers with no order (d; f, whose only order is after the as-of date)
    for nobody in (d, f):
        assert (nobody.frequency, nobody.r, nobody.rfm_segment, nobody.abc_tier) == (0, 0, "", "")
        assert nobody.customer_status == "potential"
        assert nobody.pyramid_level == "suspects"  # no interaction recorded
        assert nobody.loyalty_step == "stranger"
        assert nobody.quality == "" and nobody.quality_score is None
        assert nobody.churn_risk == "" and nobody.p_alive is None
    assert a.customer_status == "new" and a.lifecycle_stage == "formation"
    assert c.lifecycle_stage == "exploration"
    assert a.quality in {"good", "ordinary", "poor"} and a.quality_criteria
    assert run.customers == 5 and run.orders == 6
    totals = run.summary["totals"]
    assert totals == {"customers": 5, "buyers": 3, "orders": 6, "revenue": 77.0}
    assert set(run.summary) >= {"cohorts", "churn_by_month", "clv_model", "totals"}
    cohorts = run.summary["cohorts"]
    assert cohorts["cohorts"] == ["2024-01", "2024-02"]
    assert cohorts["periods"] == [0, 1, 2, 3]
    # January cohort (a, b): both in January, a in February, b in March, a in April
    assert cohorts["retention"][0] == [1.0, 0.5, 0.5, 0.5]
    assert cohorts["retention"][1] == [1.0, 0.0, 0.0, None]
    months = {row["month"]: row for row in run.summary["churn_by_month"]}
    # b bought in January, not in February: lost in February with its January revenue (5)
    assert months["2024-02"]["lost"] == 1 and months["2024-02"]["revenue_lost"] == 5.0
    assert months["2024-02"]["start"] == 2  # a and b bought in January: the rate's base
    assert all(s.as_of == AS_OF and s.run_id == run.pk for s in scores.values())


def test_lost_reason_sets_the_churn_kind_and_recovery(shop):
    """A lost customer's reason feeds the churn kind: own circumstances is natural churn (no
    recovery), a competitor is profit-seeking (recovered by tier)."""
    shop["b"].lost_reason = "own_circumstances"
    shop["b"].save()
    shop["c"].lost_reason = "competitor"
    shop["c"].save()
    services.run_scoring("command", as_of=D(2025, 4, 2))  # a year on: both lapsing
    b = CustomerScore.objects.get(customer=shop["b"])
    c = CustomerScore.objects.get(customer=shop["c"])
    # b: the least recent of the repeat buyers by P(alive); c: one purchase long ago (RFM)
    assert b.churn_risk in {"medium", "high"} and c.churn_risk in {"medium", "high"}
    assert (b.recovery_priority, b.recovery_action) == (5, "no_recovery")
    assert (c.recovery_priority, c.recovery_action) == (3, "recover_if_opportunity")


def test_dry_run_writes_nothing_and_counts(shop):
    result = services.preview({"abc_a_share": 0.5, "abc_b_share": 0.3})
    assert not CustomerScore.objects.exists() and not ScoringRun.objects.exists()
    dist = result["distribution"]
    assert sum(dist["rfm_segment"].values()) == 5
    assert dist["customer_status"]["potential"] == 1  # as of today f has bought
    assert set(dist) >= {
        "rfm_segment",
        "abc_tier",
        "value_loyalty_quadrant",
        "churn_risk",
        "lifecycle_stage",
    }
    with pytest.raises(ScoringInputError):
        services.preview({"abc_a_share": 0.9, "abc_b_share": 0.2})
    with pytest.raises(ScoringInputError):
        services.preview({"rfm_bins": 4})


def test_no_orders_at_all_gives_every_customer_a_row(db):
    Customer.objects.create(name="甲")
    Customer.objects.create(name="乙")
    run = services.run_scoring("command", as_of=AS_OF)
    assert run.customers == 2 and run.orders == 0
    assert set(CustomerScore.objects.values_list("customer_status", flat=True)) == {"potential"}


# Equal to the engine on CDNOW ------------------------------------------------------------------


def cdnow() -> pd.DataFrame:
    frame = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["customer_id", "master_id", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d").dt.date
    return frame


def test_scores_equal_the_engine_on_cdnow(db):
    """The CDNOW 1/10 sample (2,357 customers, 6,919 purchases; Fader, Hardie & Lee 2005) loaded
    as orders: every score equals the engine called directly on the same log."""
    frame = cdnow()
    customers = Customer.objects.bulk_create(
        Customer(name=f"CD{key}", external_id=key) for key in frame["customer_id"].unique()
    )
    ids = {c.external_id: c.pk for c in customers}
    frame["customer_id"] = frame["customer_id"].map(ids).astype("int64")
    Order.objects.bulk_create(
        Order(
            customer_id=int(row.customer_id),
            number=f"CD-{i}",
            ordered_at=at(row.date),
            total=Decimal(str(row.amount)),
        )
        for i, row in enumerate(frame.itertuples())
    )
    as_of = D(1997, 9, 30)  # the end of the published 39-week calibration period
    run = services.run_scoring("command", as_of=as_of)
    assert run.customers == 2357 and run.orders == (frame["date"] <= as_of).sum()
    got = pd.DataFrame(list(CustomerScore.objects.values())).set_index("customer_id").sort_index()

    log = ibis.memtable(frame[["customer_id", "date", "amount"]])
    r = rfm(log, as_of=as_of).to_pyarrow().to_pandas().set_index("customer_id").sort_index()
    assert got["r"].tolist() == r["r_score"].tolist()
    assert got["f"].tolist() == r["f_score"].tolist()
    assert got["m"].tolist() == r["m_score"].tolist()
    assert got["rfm_segment"].tolist() == r["segment"].tolist()
    assert got["frequency"].tolist() == r["frequency"].tolist()
    np.testing.assert_allclose(got["monetary"].astype(float), r["monetary"], atol=0.005)
    a = abc(log, as_of=as_of).to_pyarrow().to_pandas().set_index("customer_id").sort_index()
    assert got["abc_tier"].tolist() == a["abc_class"].tolist()
    life = lifecycle(log, as_of=as_of).to_pyarrow().to_pandas().set_index("customer_id")
    life = life.sort_index()
    assert got["lifecycle_stage"].tolist() == life["stage"].tolist()
    assert got["customer_status"].tolist() == life["status"].tolist()
    attributes = ibis.memtable(
        pd.DataFrame({"customer_id": r.index.to_numpy(), "mention_rate": 0.0})
    )
    loy = loyalty(log, as_of=as_of, attributes=attributes).to_pyarrow().to_pandas()
    loy = loy.set_index("customer_id").sort_index()
    np.testing.assert_allclose(got["loyalty_index"], loy["loyalty_index"], rtol=1e-12)
    assert got["value_loyalty_quadrant"].tolist() == loy["quadrant"].tolist()
    assert got["loyalty_step"].tolist() == loy["ladder"].tolist()
    clv = fit_clv(log, calibration_end=as_of).customers.set_index("customer_id").sort_index()
    np.testing.assert_allclose(got["p_alive"], clv["p_alive"], rtol=1e-9)
    np.testing.assert_allclose(got["clv_predicted"].astype(float), clv["clv"], atol=0.006)
    assert run.summary["clv_model"]["repeat_customers"] == 946  # the published input
    # P(alive) of the repeat buyers only: BG/NBD gives 1 to everyone else
    alive = ibis.memtable(clv.loc[clv["frequency"] > 0, ["p_alive"]].reset_index())
    churn = churn_risk(log, as_of=as_of, p_alive=alive).to_pyarrow().to_pandas()
    churn = churn.set_index("customer_id").sort_index()
    assert got["churn_risk"].tolist() == churn["risk"].tolist()
    assert got["churn_reason"].tolist() == churn["reason_code"].tolist()
    np.testing.assert_allclose(got["churn_risk_score"], churn["risk_score"], rtol=1e-9)
    # expected purchases in 90 days: P(alive) times the alive customer's expectation, finite
    assert np.isfinite(got["expected_purchases_90d"]).all()
    assert (got["expected_purchases_90d"] >= 0).all()


def test_both_engines_give_the_same_scores(shop):
    """On PostgreSQL the analyses run in DuckDB on the copied log (default) or pushed down into
    PostgreSQL (engine="postgres"): the same scores either way. On SQLite both are DuckDB."""
    copied = compute.compute_scores(AS_OF, {}, engine="duckdb")
    pushed = compute.compute_scores(AS_OF, {}, engine="postgres")
    pd.testing.assert_frame_equal(
        copied.frame.sort_index(), pushed.frame.sort_index(), check_dtype=False, rtol=1e-9
    )
    assert copied.summary == pushed.summary and copied.orders == pushed.orders == 6
    with pytest.raises(ValueError, match="unknown scoring engine"):
        compute.compute_scores(AS_OF, {}, engine="spark")


def test_the_engine_reads_the_callers_uncommitted_orders(shop):
    """The orders are read over Django's own connection: rows written in the caller's open
    transaction (here the test's, never committed) are seen, and the order and refund counts
    come from the same pass (a: 4 uncancelled orders, one of them refunded)."""
    a = Customer.objects.get(name="客户a")
    computed = compute.compute_scores(AS_OF, {})
    assert computed.frame.loc[a.pk, "frequency"] == 3
    add_orders([(a, D(2024, 4, 2), 40, "completed"), (a, D(2024, 4, 2), 1, "refunded")])
    computed = compute.compute_scores(AS_OF, {})
    assert computed.frame.loc[a.pk, "frequency"] == 4
    assert computed.frame.loc[a.pk, "monetary"] == 100.0
    facts = compute.customer_facts()
    assert (facts.loc[a.pk, "orders_all"], facts.loc[a.pk, "refunded_orders"]) == (6, 2)
    source = compute.open_source(AS_OF, facts.index)
    try:
        counts = source.counts if source.counts is not None else facts
        assert (counts.loc[a.pk, "orders_all"], counts.loc[a.pk, "refunded_orders"]) == (6, 2)
    finally:
        source.close()


# The swap, the guard ---------------------------------------------------------------------------


def test_a_failed_run_leaves_the_previous_scores(shop, monkeypatch):
    first = services.run_scoring("command", as_of=AS_OF)
    before = sorted(CustomerScore.objects.values_list("customer_id", "run_id", "frequency"))
    calls = []

    def fail_second(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args)

    if connection.vendor == "postgresql":
        real = services._copy_chunk
        monkeypatch.setattr(services, "COPY_CHUNK", 2)
        monkeypatch.setattr(services, "_copy_chunk", fail_second)
    else:
        real = services._write_batch
        monkeypatch.setattr(services, "BATCH", 2)
        monkeypatch.setattr(services, "_write_batch", fail_second)
    with pytest.raises(RuntimeError, match="disk full"):
        services.run_scoring("command", as_of=D(2024, 5, 2))
    assert len(calls) == 2  # it failed half-way through the write
    assert sorted(CustomerScore.objects.values_list("customer_id", "run_id", "frequency")) == before
    failed = ScoringRun.objects.latest("id")
    assert failed.status == RunStatus.FAILED and failed.error == "RuntimeError: disk full"
    assert ScoringRun.objects.get(pk=first.pk).status == RunStatus.SUCCEEDED
    assert AuditEntry.objects.filter(model="scoringrun", object_id=str(failed.pk)).count() == 2


def test_a_view_on_the_scores_survives_the_swap(shop):
    """The PostgreSQL swap drops and renames the score table; when something depends on it
    (here a view; another table's foreign key likewise) the staged rows replace its rows
    instead. Either way the scores are the new run's and the view reads them."""
    services.run_scoring("command", as_of=AS_OF)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIEW gx_test_scores AS SELECT customer_id, run_id FROM scoring_customerscore"
        )
    second = services.run_scoring("command", as_of=D(2024, 5, 2))
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT run_id FROM gx_test_scores")
        assert cursor.fetchall() == [(second.pk,)]
        cursor.execute("SELECT count(*) FROM gx_test_scores")
        assert cursor.fetchone()[0] == 5
        cursor.execute("DROP VIEW gx_test_scores")


def test_scoring_finished_is_sent_once_per_succeeded_run_only(shop, monkeypatch):
    from guanxi.scoring.signals import scoring_finished

    got = []

    def receiver(sender, run, **kwargs):
        got.append((run.pk, run.status, CustomerScore.objects.filter(run=run).count()))

    scoring_finished.connect(receiver, dispatch_uid="test-receiver")
    try:
        run = services.run_scoring("command", as_of=AS_OF)
        assert got == [(run.pk, RunStatus.SUCCEEDED, run.customers)]  # after the scores are in
        monkeypatch.setattr(services.compute, "compute_scores", _boom)
        with pytest.raises(RuntimeError):
            services.run_scoring("command", as_of=AS_OF)
        assert len(got) == 1  # a failed run sends nothing
    finally:
        scoring_finished.disconnect(dispatch_uid="test-receiver")


def _boom(*args, **kwargs):
    raise RuntimeError("boom")


def test_a_second_run_is_refused_while_one_runs(shop):
    if connection.vendor == "postgresql":
        import psycopg

        db = connection.settings_dict
        other = psycopg.connect(
            host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
        )
        other.execute("SELECT pg_advisory_lock(%s)", [services.ADVISORY_LOCK_KEY])
        try:
            with pytest.raises(services.ScoringBusy):
                services.run_scoring("command", as_of=AS_OF)
        finally:
            other.close()
    else:
        ScoringRun.objects.create(
            status=RunStatus.RUNNING,
            trigger="command",
            summary={"host": socket.gethostname(), "pid": os.getpid()},
            started_at=dt.datetime.now(dt.UTC),
        )
        with pytest.raises(services.ScoringBusy, match="正在进行|in progress"):
            services.run_scoring("command", as_of=AS_OF)
    assert not CustomerScore.objects.exists()
    # the refused run is recorded as failed, not left queued
    assert ScoringRun.objects.filter(status=RunStatus.QUEUED).count() == 0


def test_a_stale_running_row_does_not_block(shop):
    """A run whose process died (its pid is gone) or that started too long ago is stale."""
    gone = ScoringRun.objects.create(
        status=RunStatus.RUNNING,
        trigger="schedule",
        summary={"host": socket.gethostname(), "pid": 2**22 + 12345},
        started_at=dt.datetime.now(dt.UTC),
    )
    old = ScoringRun.objects.create(
        status=RunStatus.RUNNING,
        trigger="schedule",
        summary={"host": "elsewhere", "pid": 1},
        started_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=7),
    )
    run = services.run_scoring("command", as_of=AS_OF)
    assert run.status == RunStatus.SUCCEEDED
    for stale in (gone, old):
        stale.refresh_from_db()
        assert stale.status == RunStatus.FAILED and stale.error


# The command, the tasks ------------------------------------------------------------------------


def test_score_command(shop, capsys):
    call_command("score", "--as-of", "2024-04-02")
    out = capsys.readouterr().out
    assert "Scored 5 customers from 6 orders as of 2024-04-02" in out
    assert ScoringRun.objects.get().trigger == "command"
    with pytest.raises(CommandError, match="not a date"):
        call_command("score", "--as-of", "2024-13-01")


def _exercise(huey, shop):
    queued = ScoringRun.objects.create(status=RunStatus.QUEUED, trigger="page")
    task = huey.task()(tasks.run_queued)
    task(queued.pk)
    assert huey.pending_count() == 1
    message = huey.dequeue()
    result = huey.execute(message)
    queued.refresh_from_db()
    assert queued.status == RunStatus.SUCCEEDED and result == queued.pk
    assert CustomerScore.objects.filter(run=queued).count() == 5
    assert huey.pending_count() == 0


def test_on_demand_task_on_sqlite_huey(shop, tmp_path):
    from huey import SqliteHuey

    huey = SqliteHuey(name=f"gx-test-{uuid.uuid4().hex[:8]}", filename=str(tmp_path / "q.db"))
    _exercise(huey, shop)


def test_on_demand_task_on_redis_huey(shop):
    from huey import RedisHuey

    name = f"gx-scoring-test-{uuid.uuid4().hex[:8]}"
    huey = RedisHuey(name=name, url="redis://127.0.0.1:6379/0", results=False)
    try:
        _exercise(huey, shop)
    finally:
        # only this test's own keys (never a flush of the shared Redis)
        storage = huey.storage
        storage.conn.delete(storage.queue_key, storage.schedule_key, storage.result_key)


def test_nightly_check_runs_at_the_nightly_hour_once(shop):
    from guanxi.scoring.models import AnalysisSettings

    settings = AnalysisSettings.current()
    settings.nightly_hour = 3
    settings.save()
    assert tasks.nightly_check(dt.datetime(2024, 4, 2, 4, 0, tzinfo=SHANGHAI)) is None
    run = tasks.nightly_check(dt.datetime(2024, 4, 2, 3, 0, tzinfo=SHANGHAI))
    assert run.status == RunStatus.SUCCEEDED and run.trigger == "schedule"
    assert tasks.nightly_check(dt.datetime(2024, 4, 2, 3, 30, tzinfo=SHANGHAI)) is None
    assert ScoringRun.objects.count() == 1


def test_the_site_queue_has_both_tasks():
    assert callable(tasks.nightly_scoring) and callable(tasks.score_on_demand)
    from huey.contrib.djhuey import HUEY

    assert "guanxi.scoring.tasks.nightly_scoring" in HUEY._registry._registry
    assert "guanxi.scoring.tasks.score_on_demand" in HUEY._registry._registry


# The page ------------------------------------------------------------------------------------


def test_page_and_recompute_permissions(personas, shop, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "score_on_demand", lambda run_id: queued.append(run_id))
    rep = Client(HTTP_ACCEPT_LANGUAGE="en")
    rep.force_login(personas["rep1"])
    page = rep.get("/analytics/scoring/")
    assert page.status_code == 200 and "Recompute now" not in page.content.decode()
    assert rep.post("/analytics/scoring/recompute/").status_code == 403
    assert rep.post("/analytics/score/").status_code == 403
    assert not ScoringRun.objects.exists()

    boss = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    boss.force_login(personas["manager"])
    assert "立即重新计算" in boss.get("/analytics/scoring/").content.decode()
    answer = boss.post("/analytics/scoring/recompute/", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    run = ScoringRun.objects.get()
    assert run.status == RunStatus.QUEUED and queued == [run.pk]
    assert 'hx-trigger="every 3s"' in answer.content.decode()  # polls while queued
    # a second click while queued queues nothing more
    boss.post("/analytics/scoring/recompute/")
    assert ScoringRun.objects.count() == 1 and queued == [run.pk]
    tasks.run_queued(run.pk)  # what the worker does
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.requested_by == personas["manager"]
    done = boss.get("/analytics/scoring/status/").content.decode()
    assert "every 3s" not in done and "评分截至 2" in done
    assert GET_only(boss, "/analytics/scoring/recompute/") == 405


def GET_only(client, url):
    return client.get(url).status_code


def test_demo_computes_scores(db):
    call_command("demo", "--size", "60", "--no-serve", "--seed", "5")
    assert ScoringRun.objects.filter(status=RunStatus.SUCCEEDED, trigger="demo").count() == 1
    assert CustomerScore.objects.count() == Customer.objects.filter(merged_into=None).count()
    assert CustomerScore.objects.exclude(clv_predicted=None).exists()
