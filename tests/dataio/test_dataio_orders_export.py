"""Importing orders (lines grouped by order number) and exporting what a user may see."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from guanxi.cli import main as guanxi
from guanxi.customers.models import Customer
from guanxi.dataio.readers import read_table
from guanxi.dataio.services import import_customers, import_orders
from guanxi.privacy.models import RevealLog
from guanxi.sales.models import Order, OrderLine
from guanxi.sales.services import create_product

ORDERS = (
    "订单号,客户外部编号,客户手机,下单时间,商品编码,数量,单价,状态\n"
    "SO1,M1,,2024年3月5日 14:30,TEA-001,2,100,已完成\n"
    "SO2,,13812345678,2024/3/6,TEA-001,1,,已付款\n"
    "SO1,M1,,2024年3月5日 14:30,TEA-002,1,58.5,已完成\n"
)


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    """`guanxi ...` closes every database connection when it ends, as a command should; in a
    test that would close the connection holding the test's transaction (on PostgreSQL)."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.fixture
def shop(product, customer_of):
    create_product(None, {"sku": "TEA-002", "name": "普洱", "price": Decimal("60")})
    return {
        "m1": customer_of("rep1", name="甲", external_id="M1"),
        "mobile": customer_of("rep1", name="乙", mobile="13812345678"),
    }


def table(content: str, name: str = "o.csv"):
    return read_table(content.encode("utf-8"), name)


def test_orders_grouped_by_number(rep1, shop):
    # when
    result = import_orders(rep1, table(ORDERS))

    # then two orders, SO1 with both of its (non-adjacent) lines
    assert (result.created, result.lines, result.errors) == (2, 3, [])
    so1 = Order.objects.get(number="SO1")
    assert so1.customer == shop["m1"]
    assert so1.ordered_at == datetime(2024, 3, 5, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert [(li.product.sku, li.quantity, li.unit_price) for li in so1.lines.all()] == [
        ("TEA-001", 2, Decimal("100.00")),
        ("TEA-002", 1, Decimal("58.50")),
    ]
    assert so1.total == Decimal("258.50")
    so2 = Order.objects.get(number="SO2")
    assert (so2.customer, so2.status, so2.total) == (shop["mobile"], "paid", Decimal("128.00"))


def test_unknown_product_or_customer_rejects_the_whole_file(rep1, shop, tmp_path, capsys):
    content = ORDERS + (
        "SO3,M1,,2024-03-07,NOPE,1,,\n"  # unknown product
        "SO4,M404,,2024-03-07,TEA-001,1,,\n"  # unknown customer
    )
    path = tmp_path / "orders.csv"
    path.write_text(content, encoding="utf-8-sig")

    # when
    status = guanxi(["import", "orders", str(path), "--user", "rep1"])

    # then nothing is imported and both problems are reported
    assert status == 1
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    out = capsys.readouterr().out
    assert "row 5 [商品编码]" in out and "row 6 [客户外部编号]" in out


def test_an_order_is_never_half_imported(rep1, shop):
    # given an order whose second line is bad
    content = ORDERS + "SO1,M1,,2024年3月5日 14:30,TEA-001,0,1,已完成\n"

    # when skipping invalid rows
    result = import_orders(rep1, table(content), skip_invalid=True)

    # then SO1 is left out completely, SO2 is imported
    assert list(Order.objects.values_list("number", flat=True)) == ["SO2"]
    assert OrderLine.objects.count() == 1
    assert [(e.row, e.column) for e in result.errors] == [(5, "数量")]
    assert result.rejected == 1


def test_rep_cannot_import_orders_for_another_reps_customer(rep2, shop):
    result = import_orders(rep2, table(ORDERS))
    assert result.failed and Order.objects.count() == 0


def test_existing_orders_are_skipped(rep1, shop):
    import_orders(rep1, table(ORDERS))
    again = import_orders(rep1, table(ORDERS))
    assert (again.created, again.skipped, again.errors) == (0, 2, [])
    assert Order.objects.count() == 2


def read_csv_export(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8 Chinese
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_rep_exports_only_own_customers(rep1, customer_of, tmp_path):
    customer_of("rep1", name="我的客户", mobile="13812345678")
    customer_of("rep2", name="别人的客户", mobile="13912345678")
    path = tmp_path / "mine.csv"

    # when
    call_command("export_data", "customers", str(path), "--user", "rep1")

    # then
    rows = read_csv_export(path)
    assert [r["姓名"] for r in rows] == ["我的客户"]
    assert rows[0]["手机"] == "+8613812345678"


def test_export_masks_sensitive_fields_by_default(manager, customer_of, tmp_path):
    customer_of("rep1", name="甲", id_number="110101199003071234", health_notes="糖尿病")
    path = tmp_path / "all.csv"

    call_command("export_data", "customers", str(path))

    row = read_csv_export(path)[0]
    assert row["身份证号"] == "••••34"
    assert row["健康信息"] == "••••"
    assert RevealLog.objects.count() == 0


def test_sensitive_export_needs_permission_purpose_and_is_logged(personas, customer_of, tmp_path):
    from django.core.management.base import CommandError

    c = customer_of("rep1", name="甲", id_number="110101199003071234")
    customer_of("rep1", name="乙")
    path = tmp_path / "s.csv"

    # a rep without the permission is refused; a manager without a purpose too
    with pytest.raises(CommandError):
        call_command(
            "export_data",
            "customers",
            str(path),
            "--user",
            "rep1",
            "--include-sensitive",
            "--purpose",
            "审计核查",
        )
    with pytest.raises(CommandError):
        call_command("export_data", "customers", str(path), "--include-sensitive")

    # when the manager states a purpose
    call_command(
        "export_data", "customers", str(path), "--include-sensitive", "--purpose", "审计核查"
    )

    # then the values are there and each revealed value is logged
    rows = {r["姓名"]: r for r in read_csv_export(path)}
    assert rows["甲"]["身份证号"] == "110101199003071234"
    assert list(RevealLog.objects.values_list("customer", "field", "purpose", "route")) == [
        (c.pk, "id_number", "审计核查", "export")
    ]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_import_round_trip(manager, customer_of, shop, tmp_path, suffix, rep1):
    # given customers with most fields set, and orders
    customer_of(
        "rep1",
        name="张三",
        mobile="13812345670",
        email="zs@example.com",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        street="文三路1号",
        birthday="1990-03-05",
        gender="male",
        level="A",
        source="referral",
        tags=["茶友", "老客户"],
        points=120,
        member_level="金卡",
        external_id="Z1",
        id_number="110101199003071234",
    )
    customer_of("rep1", name="某某茶业有限公司", kind="organisation", uscc="91350100M000100Y43")
    assert import_orders(rep1, table(ORDERS)).created == 2
    customers_file = tmp_path / f"customers.{suffix}"
    orders_file = tmp_path / f"orders.{suffix}"
    call_command("export_data", "customers", str(customers_file))
    call_command("export_data", "orders", str(orders_file))
    if suffix == "xlsx":
        sheet = load_workbook(customers_file).active
        assert sheet.cell(1, 4).value == "姓名"

    fields = [
        "name", "mobile", "email", "province", "city", "district", "street", "birthday",
        "gender", "level", "source", "points", "member_level", "external_id", "kind", "uscc",
        "owner__username",
    ]  # fmt: skip
    before = sorted(Customer.objects.values_list(*fields))
    before_tags = sorted(
        Customer.objects.filter(tags__isnull=False).values_list("name", "tags__name")
    )
    before_orders = sorted(
        OrderLine.objects.values_list(
            "order__number", "order__customer__name", "order__ordered_at", "order__status",
            "product__sku", "quantity", "unit_price", "order__total",
        )
    )  # fmt: skip

    # when everything is deleted and the files imported again
    OrderLine.objects.all().delete()
    Order.objects.all().delete()
    Customer.objects.all().delete()
    assert guanxi(["import", "customers", str(customers_file)]) == 0
    assert guanxi(["import", "orders", str(orders_file)]) == 0

    # then the same data is back (the masked id number is not written back as a mask)
    assert sorted(Customer.objects.values_list(*fields)) == before
    assert (
        sorted(Customer.objects.filter(tags__isnull=False).values_list("name", "tags__name"))
        == before_tags
    )
    assert sorted(OrderLine.objects.values_list(
        "order__number", "order__customer__name", "order__ordered_at", "order__status",
        "product__sku", "quantity", "unit_price", "order__total",
    )) == before_orders  # fmt: skip
    assert Customer.objects.get(name="张三").id_number == ""


def test_export_then_import_into_the_same_database_skips_everything(manager, customer_of, tmp_path):
    customer_of("manager", name="甲", mobile="13812345678")
    path = tmp_path / "c.csv"
    call_command("export_data", "customers", str(path))
    result = import_customers(manager, read_table(path.read_bytes(), "c.csv"))
    assert (result.created, result.skipped) == (0, 1)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Pending", "Paid", "Shipped", "Completed", "Cancelled", "Refunded"]),
        ("zh-hans", ["待付款", "已付款", "已发货", "已完成", "已取消", "已退款"]),
    ],
)
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_status_is_written_in_the_exports_language_and_read_back(
    manager, rep1, shop, tmp_path, language, words, suffix
):
    # given an order in every status
    from guanxi.sales.models import OrderStatus

    codes = ["pending", "paid", "shipped", "completed", "cancelled", "refunded"]
    lines = "".join(
        f"SO-{code},M1,,2024/3/{day},TEA-001,1,10,{code}\n"
        for day, code in enumerate(codes, start=1)
    )
    assert (
        import_orders(
            rep1, table("订单号,客户外部编号,客户手机,下单时间,商品编码,数量,单价,状态\n" + lines)
        ).created
        == 6
    )
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)

    # when exported in `language`
    path = tmp_path / f"orders.{suffix}"
    assert guanxi(["export", "orders", str(path), "--language", language]) == 0

    # then the status column holds that language's words
    rows = read_table(path.read_bytes(), path.name).rows
    exported = {cells[0]: cells[11] for _number, cells in rows}
    assert [exported[f"SO-{code}"] for code in codes] == words

    # and the file imports back with the same statuses
    OrderLine.objects.all().delete()
    Order.objects.all().delete()
    assert guanxi(["import", "orders", str(path)]) == 0
    assert dict(Order.objects.values_list("number", "status")) == {f"SO-{c}": c for c in codes}
