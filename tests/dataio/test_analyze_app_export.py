"""`guanxi analyze` reads the app's own order export (issue 9 item 8): the CSV or XLSX that
/data/export/ writes, in either language, with no column options; keyed on the customer id
(two customers here share a name), cancelled and refunded orders left out. The numbers equal
the engine's on the same orders taken straight from the database."""

import datetime as dt
import json
from decimal import Decimal

import ibis
import pytest
from django.utils import timezone, translation

from guanxi.analytics import app_export
from guanxi.analytics.cli import main as analyze
from guanxi.analytics.rfm import rfm
from guanxi.dataio.columns import ORDER_COLUMNS, export_headers
from guanxi.sales.models import Order, OrderStatus
from guanxi.sales.services import create_order, create_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(personas):
    from django.test import Client

    def make(username: str, language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(personas[username])
        return client

    return make


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_engines_header_constants_are_the_exporters(language):
    with translation.override(language):
        headers = export_headers(ORDER_COLUMNS)
    positions = app_export.app_export_columns(headers)
    assert positions is not None, headers
    index = 0 if language == "en" else 1
    for field, names in app_export.APP_ORDER_EXPORT_HEADERS.items():
        assert headers[positions[field]] == names[index]


@pytest.fixture
def shop(personas, customer_of, product):
    """Orders of three customers, two of them both called 张伟, over a few months."""
    rep1 = personas["rep1"]
    tea = create_product(None, {"sku": "TEA-002", "name": "普洱", "price": Decimal("60")})
    first = customer_of("rep1", name="张伟", mobile="13800000001")
    second = customer_of("rep1", name="张伟", mobile="13800000002")
    third = customer_of("rep1", name="李娜", mobile="13800000003")
    plan = [
        (first, "2025-01-05 10:00", [(product, 2, "128.00"), (tea, 1, "60.00")], "completed"),
        (first, "2025-03-01 23:30", [(tea, 3, "55.50")], "paid"),  # 23:30 local, same day
        (first, "2025-04-10 09:00", [(product, 1, "128.00")], "cancelled"),
        (second, "2025-02-14 12:00", [(product, 5, "120.00")], "completed"),
        (second, "2025-05-20 08:15", [(tea, 1, "60.00")], "refunded"),
        (second, "2025-06-01 08:00", [(tea, 2, "60.00")], "shipped"),
        (third, "2025-06-02 00:30", [(tea, 1, "0.00")], "completed"),  # a gift: no spend
    ]
    for number, (customer, when, lines, status) in enumerate(plan, start=1):
        create_order(
            rep1,
            customer,
            {
                "number": f"SO-{number}",
                "ordered_at": timezone.make_aware(dt.datetime.fromisoformat(when)),
                "status": status,
            },
            [{"product": p, "quantity": q, "unit_price": Decimal(u)} for p, q, u in lines],
        )
    return {"first": first, "second": second, "third": third}


def engine_rfm(as_of: str) -> dict:
    """The engine's RFM on the database's orders: cancelled and refunded out, the local date."""
    rows = [
        {
            "customer_id": o.customer_id,
            "date": timezone.localtime(o.ordered_at).date(),
            "amount": float(o.total),
        }
        for o in Order.objects.exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.REFUNDED])
    ]
    table = rfm(ibis.memtable(rows), as_of=as_of).to_pyarrow().to_pylist()
    return {row["customer_id"]: row for row in table}


def download(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_analyze_gives_the_engines_numbers(
    client_for, shop, tmp_path, capsys, language, fmt
):
    # given the rep's own order export, as the page serves it
    path = tmp_path / f"orders.{fmt}"
    path.write_bytes(download(client_for("rep1", language), f"/data/export/orders.{fmt}"))

    # when analysed with no column options
    status = analyze(["rfm", "--input", str(path), "--as-of", "2025-07-01", "--json"])

    # then one row per customer id (the two 张伟 apart), the engine's numbers
    captured = capsys.readouterr()
    assert status == 0, captured.err
    got = {row["customer_id"]: row for row in json.loads(captured.out)}
    expected = engine_rfm("2025-07-01")
    assert set(got) == {c.pk for c in shop.values()}
    for customer_id, row in expected.items():
        for column in ("recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"):
            assert got[customer_id][column] == pytest.approx(row[column]), (customer_id, column)
    # hand-checked: the first 张伟 bought twice (cancelled left out), 2×128 + 60 + 3×55.5
    first = got[shop["first"].pk]
    assert (first["frequency"], first["monetary"]) == (2, pytest.approx(482.5))
    second = got[shop["second"].pk]  # the refunded order left out
    assert (second["frequency"], second["monetary"]) == (2, pytest.approx(720.0))
    assert got[shop["third"].pk]["recency_days"] == 29  # 2 June local time, not 1 June UTC


def test_clv_reads_the_export_too(client_for, shop, tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_bytes(download(client_for("rep1"), "/data/export/orders.csv"))
    status = analyze(["churn", "--input", str(path), "--as-of", "2025-07-01", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert status == 0 and {r["customer_id"] for r in rows} == {c.pk for c in shop.values()}


def test_a_broken_export_is_one_clear_line(tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_text(
        "订单号,客户ID,下单时间,金额,状态\nSO-1,张伟,2025-01-05 10:00:00,10,已完成\n",
        encoding="utf-8-sig",
    )
    assert analyze(["rfm", "--input", str(path)]) == 2
    err = capsys.readouterr().err
    assert "row 2: customer id '张伟' is not a number" in err


def test_other_files_still_need_their_columns(tmp_path, capsys):
    path = tmp_path / "log.csv"
    path.write_text("cust,day,amt\n1,2025-01-01,5\n", encoding="utf-8")
    assert analyze(["rfm", "--input", str(path)]) == 2
    assert "missing columns" in capsys.readouterr().err


def export_with_the_command(tmp_path, language: str, fmt: str) -> "Path":  # noqa: F821
    """The order export as `guanxi export orders FILE --language L` writes it."""
    from guanxi.cli import main as guanxi

    path = tmp_path / f"orders-{language}.{fmt}"
    assert guanxi(["export", "orders", str(path), "--user", "manager", "--language", language]) == 0
    return path


def resave(path, encoding: str):
    """The CSV saved again in `encoding` (Excel on a Chinese Windows writes GB18030)."""
    text = path.read_bytes().decode("utf-8-sig")
    copy = path.with_name(f"{path.stem}-{encoding}{path.suffix}")
    copy.write_bytes(text.encode(encoding))
    return copy


@pytest.mark.parametrize(
    ("language", "fmt", "encoding"),
    [
        ("zh-hans", "csv", None),  # UTF-8 with the BOM the exporter writes
        ("zh-hans", "csv", "utf-8"),  # the BOM lost
        ("zh-hans", "csv", "gb18030"),
        ("zh-hans", "xlsx", None),
        ("en", "csv", "gb18030"),
        ("en", "xlsx", None),
    ],
)
def test_every_method_reads_the_commands_export(shop, tmp_path, capsys, language, fmt, encoding):
    path = export_with_the_command(tmp_path, language, fmt)
    if encoding:
        path = resave(path, encoding)
    capsys.readouterr()
    ids = {c.pk for c in shop.values()}
    for method in ("rfm", "abc", "pyramid", "lifecycle", "loyalty", "churn"):
        status = analyze([method, "--input", str(path), "--as-of", "2025-07-01", "--json"])
        captured = capsys.readouterr()
        assert status == 0, (method, captured.err)
        rows = json.loads(captured.out)
        assert {r["customer_id"] for r in rows} == ids, method
        if method == "rfm":
            first = next(r for r in rows if r["customer_id"] == shop["first"].pk)
            # the cancelled order left out; the refunded one of the second 张伟 too
            assert (first["frequency"], first["monetary"]) == (2, pytest.approx(482.5))
            second = next(r for r in rows if r["customer_id"] == shop["second"].pk)
            assert (second["frequency"], second["monetary"]) == (2, pytest.approx(720.0))
    status = analyze(["cohorts", "--input", str(path), "--as-of", "2025-07-01", "--json"])
    assert status == 0, capsys.readouterr().err


def test_a_partial_refund_counts_the_net_as_the_apps_scores(client_for, shop, tmp_path, capsys):
    # given a partial refund (the order stays "completed") of the first 张伟's first order
    from guanxi.sales.services import refund_order
    from guanxi.scoring import services as scoring
    from guanxi.scoring.models import CustomerScore

    order = Order.objects.get(number="SO-1")
    refund_order(order.owner, order, reason="破损", amount=Decimal("100.00"))
    scoring.run_scoring("command", as_of=dt.date(2025, 7, 1))
    app = CustomerScore.objects.get(customer=shop["first"])

    # when its export is analysed, in either language
    for language in ("en", "zh-hans"):
        path = tmp_path / f"orders-{language}.csv"
        path.write_bytes(download(client_for("rep1", language), "/data/export/orders.csv"))
        assert analyze(["rfm", "--input", str(path), "--as-of", "2025-07-01", "--json"]) == 0
        got = {r["customer_id"]: r for r in json.loads(capsys.readouterr().out)}

        # then the net spend, the app's: 482.5 less the 100 refunded, counted once (2 lines)
        assert got[shop["first"].pk]["monetary"] == pytest.approx(382.5)
        assert got[shop["first"].pk]["monetary"] == pytest.approx(float(app.monetary))
