"""The scoring page for a new user: a run's progress (percentage and step, recorded by
run_scoring at each step and shown as a progress bar refreshed by the page's polling), and the
customers scored counted over the user's own data scope, the company's totals only for who
sees every customer."""

import datetime as dt
import re

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client

from guanxi.scoring import services
from guanxi.scoring.models import RunStage, RunStatus, ScoringRun
from tests.insights.factory import make_run, score

pytestmark = pytest.mark.django_db


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_stages_are_the_runs_steps():
    assert [code for code, _label in RunStage.choices] == list(services.STEPS)


def read_progress() -> tuple[int, str]:
    """The run row as the page's request would read it: on PostgreSQL over another connection
    (the run computes inside one REPEATABLE READ transaction, which sees only its snapshot)."""
    if connection.vendor != "postgresql":
        return ScoringRun.objects.values_list("progress", "stage").get()
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute(f"SELECT progress, stage FROM {ScoringRun._meta.db_table}")  # noqa: S608
            return cursor.fetchone()
    finally:
        other.close()


def test_run_scoring_records_its_progress_at_each_step(transactional_db):
    # given a customer with an order (committed: on PostgreSQL the progress is written over a
    # connection of its own), and a caller following the steps (as the command does)
    from guanxi.customers.models import Customer
    from tests.scoring.test_scoring import AS_OF, add_orders

    add_orders([(Customer.objects.create(name="甲"), dt.date(2024, 3, 1), 10, "completed")])
    seen = []

    def report(step):
        # what the page would read from the run row when the step is done
        progress, stage = read_progress()
        seen.append((step, progress, stage))

    # when the run goes
    run = services.run_scoring("command", as_of=AS_OF, progress=report)

    # then every step moved the bar on and named the next one, and the run ends at 100 %
    steps = list(services.STEPS)
    assert [s for s, _p, _st in seen] == steps
    assert seen[0] == ("customers", 11, "orders")
    assert seen[3] == ("pyramid_lifecycle", 44, "loyalty")
    assert seen[7] == ("combine", 89, "write")
    percents = [p for _s, p, _st in seen]
    assert percents == sorted(percents)
    run.refresh_from_db()
    assert (run.status, run.progress, run.stage) == (RunStatus.SUCCEEDED, 100, "")


def test_progress_inside_the_callers_transaction(db):
    """A caller's own transaction (here the test's): the progress is written in it, where the
    second run finds the first one's table locks (its swap) and must not wait on them."""
    from guanxi.customers.models import Customer
    from tests.scoring.test_scoring import AS_OF, add_orders

    add_orders([(Customer.objects.create(name="甲"), dt.date(2024, 3, 1), 10, "completed")])
    services.run_scoring("command", as_of=AS_OF)
    seen = []

    def report(step):
        seen.append(ScoringRun.objects.order_by("-pk").values_list("progress", "stage")[0])

    services.run_scoring("command", as_of=AS_OF, progress=report)
    assert seen[0] == (11, "orders") and seen[7] == (89, "write")
    assert ScoringRun.objects.order_by("-pk").values_list("progress", "stage")[0] == (100, "")


def test_the_page_shows_a_running_runs_progress_and_polls(personas):
    ScoringRun.objects.create(
        status=RunStatus.RUNNING,
        trigger="page",
        started_at=dt.datetime.now(dt.UTC),
        progress=44,
        stage=RunStage.LOYALTY,
    )
    for url in ("/analytics/scoring/", "/analytics/scoring/status/"):
        html = client_for(personas["rep1"]).get(url).content.decode()
        assert 'hx-trigger="every 3s"' in html
        assert re.search(r'<progress id="scoring-progress" value="44" max="100">', html)
        assert "Step: Loyalty index (44 % done)" in html
    zh = client_for(personas["rep1"], "zh-hans").get("/analytics/scoring/").content.decode()
    assert "当前步骤：忠诚度指数（已完成 44%）" in zh


def test_a_queued_run_shows_a_waiting_bar(personas):
    ScoringRun.objects.create(status=RunStatus.QUEUED, trigger="page")
    html = client_for(personas["manager"]).get("/analytics/scoring/").content.decode()
    assert 'hx-trigger="every 3s"' in html
    assert '<progress id="scoring-progress"></progress>' in html  # no value: indeterminate
    assert "Waiting for the worker to start it." in html


def test_after_the_run_no_bar_and_no_polling(personas):
    make_run(customers=5, orders=9)
    html = client_for(personas["manager"]).get("/analytics/scoring/").content.decode()
    assert "<progress" not in html and "every 3s" not in html


def test_each_user_sees_the_customers_scored_in_their_own_scope(personas, customer_of):
    # given a run over the company (1,234 customers, 5,678 orders read), two of whose scored
    # customers are rep1's and one rep2's
    run = make_run(customers=1234, orders=5678)
    for owner in ("rep1", "rep1", "rep2"):
        score(customer_of(owner), run)

    # a rep sees the two of their scope, never the company's totals
    rep = client_for(personas["rep1"]).get("/analytics/scoring/").content.decode()
    assert "2 customers of your data scope scored." in rep
    assert "1234" not in rep and "5678" not in rep
    zh = client_for(personas["rep1"], "zh-hans").get("/analytics/scoring/").content.decode()
    assert "您数据权限内已评分客户 2 位" in zh and "1234" not in zh
    # the team lead sees team A's two (rep1 reports to lead_a)
    lead = client_for(personas["lead_a"]).get("/analytics/scoring/status/").content.decode()
    assert "2 customers of your data scope scored." in lead and "1234" not in lead
    # who sees every customer sees the company's totals, in the status and in the runs
    boss = client_for(personas["manager"]).get("/analytics/scoring/").content.decode()
    assert "1234 customers)." in boss
    assert re.search(r"data-label=\"Customers\">1234<", boss)
    assert re.search(r"data-label=\"Orders\">5678<", boss)
