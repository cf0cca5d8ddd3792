"""`guanxi analyze churn` on the app's order export gives the app's churn risk (the review
found 563 high / 384 medium / 879 low on the demo against the app's 398 / 458 / 970, and no
P(alive)): the same as-of for the model and the risk, BG/NBD P(alive) in weeks deciding the
repeat buyers' risk, the RFM rules the one-time buyers'. Checked on the CDNOW sample loaded as
orders, scored by the app, exported by `guanxi export orders` and analysed."""

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.core.management import call_command

from guanxi.analytics import cli as analytics_cli
from guanxi.analytics.cli import main as analyze
from guanxi.customers.models import Customer
from guanxi.sales.models import Order, OrderLine
from guanxi.scoring import compute, services
from guanxi.scoring.models import CustomerScore

pytestmark = pytest.mark.django_db

CDNOW = Path(__file__).parent.parent / "data" / "cdnow" / "CDNOW_sample.txt"
AS_OF = dt.date(1997, 9, 30)


def test_the_cli_defaults_are_the_apps():
    assert analytics_cli.P_ALIVE_PERIOD == compute.CLV_PERIOD
    assert compute.DEFAULTS["churn_high_p_alive"] == analytics_cli.CHURN_HIGH_P_ALIVE
    assert analytics_cli.CHURN_MEDIUM_P_ALIVE == compute.CHURN_MEDIUM_P_ALIVE


@pytest.fixture
def cdnow_shop(personas, product, monkeypatch):
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test's connection
    frame = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["customer_id", "master_id", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    frame = frame[frame["amount"] > 0]
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d").dt.date
    frame = frame[frame["date"] <= AS_OF]
    customers = Customer.objects.bulk_create(
        Customer(name=f"CD{key}", external_id=key) for key in frame["customer_id"].unique()
    )
    ids = {c.external_id: c.pk for c in customers}
    shanghai = ZoneInfo("Asia/Shanghai")
    orders = Order.objects.bulk_create(
        Order(
            customer_id=ids[row.customer_id],
            number=f"CD-{i}",
            ordered_at=dt.datetime.combine(row.date, dt.time(12), tzinfo=shanghai),
            total=Decimal(str(row.amount)),
        )
        for i, row in enumerate(frame.itertuples())
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=o, product=product, quantity=1, unit_price=o.total, amount=o.total)
        for o in orders
    )
    services.run_scoring("command", as_of=AS_OF)
    return frame


@pytest.mark.parametrize(("language", "fmt"), [("en", "csv"), ("zh-hans", "xlsx")])
def test_churn_on_the_export_is_the_apps(cdnow_shop, tmp_path, capsys, language, fmt):
    path = tmp_path / f"orders.{fmt}"
    # the export command itself (not `guanxi export`, whose Django entry point would set Django
    # up again in this process and rebind logging to this test's captured stderr)
    call_command("export_data", "orders", str(path), "--user", "manager", "--language", language)
    capsys.readouterr()

    status = analyze(["churn", "--input", str(path), "--as-of", AS_OF.isoformat(), "--json"])

    captured = capsys.readouterr()
    assert status == 0, captured.err
    got = {row["customer_id"]: row for row in json.loads(captured.out)}
    app = {s.customer_id: s for s in CustomerScore.objects.exclude(churn_risk="")}
    assert set(got) == set(app)
    assert Counter(r["risk"] for r in got.values()) == Counter(s.churn_risk for s in app.values())
    for customer_id, score in app.items():
        row = got[customer_id]
        assert (row["risk"], row["reason_code"]) == (score.churn_risk, score.churn_reason)
        assert row["risk_score"] == pytest.approx(score.churn_risk_score, rel=1e-9)
        # every buyer's P(alive), 1 for a one-time buyer, as the app shows it
        assert row["p_alive"] == pytest.approx(score.p_alive, rel=1e-9), customer_id
