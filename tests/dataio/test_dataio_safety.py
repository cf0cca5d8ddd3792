"""Exports that a spreadsheet cannot turn against its reader, and imports that keep every good
row, report every bad one and leave a full audit trail."""

import csv
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from openpyxl import load_workbook

from guanxi.audit.models import AuditEntry
from guanxi.cli import main as guanxi
from guanxi.customers.models import Customer
from guanxi.dataio.exports import safe_text
from guanxi.dataio.readers import read_table
from guanxi.dataio.services import import_customers

FORMULAS = {
    "name": "=1+1",
    "street": "@SUM(A1:A9)",
    "nickname": "-2+3",
    "company_name": "+cmd|' /C calc'!A0",
    "position": '\t=HYPERLINK("http://evil.example")',
}


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def table(content: str):
    return read_table(content.encode("utf-8"), "f.csv")


def download(client, url: str, **headers) -> bytes:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_csv_export_neutralises_formulas(client, rep1, customer_of):
    customer_of("rep1", mobile="13812345678", **FORMULAS)
    client.force_login(rep1)

    rows = list(csv.reader(io.StringIO(download(client, "/data/export/customers.csv").decode())))

    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["姓名"] == "'=1+1"
    assert row["地址"] == "'@SUM(A1:A9)"
    assert row["昵称"] == "'-2+3"
    assert row["工作单位"] == "'+cmd|' /C calc'!A0"
    assert row["职位"].startswith("'\t=")
    assert row["手机"] == "+8613812345678"  # a number, not a formula: left as it is


def test_xlsx_export_writes_formulas_as_text(client, rep1, customer_of):
    customer_of("rep1", **FORMULAS)
    client.force_login(rep1)

    sheet = load_workbook(io.BytesIO(download(client, "/data/export/customers.xlsx"))).active

    cells = {header.value: cell for header, cell in zip(sheet[1], sheet[2], strict=True)}
    assert (cells["姓名"].value, cells["姓名"].data_type) == ("=1+1", "s")
    assert all(c.data_type != "f" for c in sheet[2])
    assert cells["地址"].value == "@SUM(A1:A9)"


def test_formula_prefix_is_taken_off_on_import(manager, customer_of, tmp_path):
    customer_of("manager", mobile="13812345678", **FORMULAS)
    path = tmp_path / "c.csv"
    call_command("export_data", "customers", str(path))
    Customer.objects.all().delete()

    call_command("import_data", "customers", str(path))

    customer = Customer.objects.get()
    # (cells are trimmed on import, so the tab before the last one goes)
    assert {name: getattr(customer, name) for name in FORMULAS} == {
        **FORMULAS,
        "position": FORMULAS["position"].strip(),
    }


def test_negative_numbers_stay_numbers():
    assert safe_text("-5.00") == "-5.00"
    assert safe_text("-5.00+1") == "'-5.00+1"
    assert safe_text(-5) == -5


def test_money_is_a_number_in_xlsx(client, manager, customer_of, product):
    from guanxi.sales.services import create_order

    create_order(manager, customer_of("rep1"), {"number": "SO1"}, [{"product": product}])
    client.force_login(manager)

    sheet = load_workbook(io.BytesIO(download(client, "/data/export/orders.xlsx"))).active

    cells = {header.value: cell for header, cell in zip(sheet[1], sheet[2], strict=True)}
    assert cells["单价"].data_type == "n" and cells["金额"].data_type == "n"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_control_characters_never_break_an_export(client, manager, customer_of, fmt):
    # given data stored before control characters were refused (NUL: SQLite only)
    customer = customer_of("rep1", name="甲")
    bad = "坏\x01名\x1f" + ("\x00" if connection.vendor == "sqlite" else "")
    Customer.objects.filter(pk=customer.pk).update(name=bad, street="路\x0b1号")
    client.force_login(manager)

    body = download(client, f"/data/export/customers.{fmt}")

    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(body)).active
        values = [c.value for c in sheet[2]]
    else:
        values = next(csv.reader(io.StringIO(body.decode()[1:].split("\r\n", 1)[1])))
    assert values[3].startswith("坏\ufffd名\ufffd")
    assert "路\ufffd1号" in values


def test_headers_in_the_users_language_and_read_back(manager, customer_of, tmp_path):
    customer_of("manager", name="甲", mobile="13812345678", gender="male")
    path = tmp_path / "en.csv"

    call_command("export_data", "customers", str(path), "--language", "en")

    headers = next(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    assert headers[:4] == ["External ID", "Kind", "Category", "Name"]
    Customer.objects.all().delete()
    call_command("import_data", "customers", str(path))
    assert Customer.objects.get().name == "甲"


def test_export_page_headers_follow_the_language(client, rep1):
    client.force_login(rep1)
    with translation.override("zh-hans"):  # the page activates English; restore afterwards
        english = download(client, "/data/export/customers.csv", HTTP_ACCEPT_LANGUAGE="en")
    chinese = download(client, "/data/export/customers.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.decode("utf-8-sig").startswith("External ID,Kind,")
    assert chinese.decode("utf-8-sig").startswith("外部编号,类型,")


@pytest.mark.parametrize(
    ("language", "gender", "level"),
    [
        (
            "en",
            "“x” is not one of: Female, Male.",
            "“Z” is not one of: A key customer, B ordinary customer, C non-priority customer.",
        ),
        (
            "zh-hans",
            "“x”不在可选值中：女、男。",
            "“Z”不在可选值中：A 重点客户、B 普通客户、C 非优先客户。",
        ),
    ],
)
def test_choice_errors_list_each_choice_once_as_the_user_reads_it(manager, language, gender, level):
    with translation.override(language):
        result = import_customers(manager, table("姓名,性别,客户等级\n甲,x,Z\n"))
    assert [e.message for e in result.errors] == [gender, level]


def test_every_listed_choice_is_accepted_in_either_language(manager):
    with translation.override("zh-hans"):
        result = import_customers(
            manager, table("姓名,来源,性别,客户等级\n甲,上门,男,B 普通客户\n乙,Walk-in,Male,C\n")
        )
    assert not result.errors
    imported = Customer.objects.filter(name__in=["甲", "乙"]).order_by("level")
    assert [(c.source, c.gender, c.level) for c in imported] == [
        ("walk_in", "male", "B"),
        ("walk_in", "male", "C"),
    ]


def test_a_row_the_database_refuses_loses_no_good_row(manager, tmp_path, capsys):
    # given a database that refuses one name (a trigger: a real refusal, as a constraint gives)
    refuse_name(Customer._meta.db_table, "炸")
    content = "姓名,手机\n好一,13812345678\n炸,13912345678\n好二,13712345678\n"
    path = tmp_path / "c.csv"
    path.write_text(content, encoding="utf-8")

    # when imported all-or-nothing: nothing is written, the row is named
    assert guanxi(["import", "customers", str(path)]) != 0
    assert Customer.objects.count() == 0 and AuditEntry.objects.count() == 0
    assert "row 3" in capsys.readouterr().out

    # when imported with --skip-invalid: every good row is kept, the bad one reported
    assert guanxi(["import", "customers", str(path), "--skip-invalid"]) == 0
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["好一", "好二"]
    out = capsys.readouterr().out
    assert "row 3" in out and "Imported 2 new customers" in out


def refuse_name(table_name: str, name: str, column: str = "name") -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table_name} "
                f"WHEN NEW.{column} = '{name}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.{column} = '{name}' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table_name} "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )


def test_bulk_import_is_audited_and_tagged(manager):
    result = import_customers(
        manager, table("姓名,手机,标签\n甲,13812345678,茶友、VIP\n乙,13912345678,\n丙,,茶友\n")
    )

    assert result.created == 3
    customers = {c.name: c for c in Customer.objects.all()}
    entries = AuditEntry.objects.filter(action="create", model="customer")
    assert sorted((e.object_id, e.customer_id, e.actor_id) for e in entries) == sorted(
        (str(c.pk), c.pk, manager.pk) for c in customers.values()
    )
    assert entries.get(customer_id=customers["甲"].pk).changes["name"] == [None, "甲"]
    assert sorted(customers["甲"].tags.values_list("name", flat=True)) == ["VIP", "茶友"]
    assert list(customers["丙"].tags.values_list("name", flat=True)) == ["茶友"]
    assert customers["甲"].name_pinyin == "jia"


def test_a_later_row_merges_into_a_customer_the_file_creates(manager):
    result = import_customers(
        manager,
        table("姓名,手机,标签\n张三,13812345678,甲\n张三丰,13812345678,乙\n"),
        on_duplicate="merge",
    )

    assert (result.created, result.updated, result.errors) == (1, 1, [])
    customer = Customer.objects.get()
    assert customer.name == "张三丰"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["乙", "甲"]


def test_bulk_import_never_reuses_the_id_of_a_deleted_customer(manager, customer_of):
    from guanxi.customers.services import delete_customer

    last = customer_of("manager", name="旧")
    deleted = last.pk
    delete_customer(manager, last)

    import_customers(manager, table("姓名\n新一\n新二\n"))
    customer_of("manager", name="之后")

    ids = dict(Customer.objects.values_list("name", "pk"))
    assert deleted < ids["新一"] < ids["新二"] < ids["之后"]


def test_an_order_the_database_refuses_loses_no_good_order(rep1, customer_of, product):
    from guanxi.dataio.services import import_orders
    from guanxi.sales.models import Order

    customer_of("rep1", name="甲", external_id="M1")
    refuse_name(Order._meta.db_table, "BAD", column="number")
    content = (
        "订单号,客户外部编号,下单时间,商品编码,数量\n"
        f"SO1,M1,2024-03-05,{product.sku},2\nBAD,M1,2024-03-05,{product.sku},1\n"
        f"SO2,M1,2024-03-06,{product.sku},1\nSO2,M1,2024-03-06,{product.sku},3\n"
    )

    result = import_orders(rep1, table(content))
    assert not result.committed and Order.objects.count() == 0
    assert [e.row for e in result.errors] == [3]

    result = import_orders(rep1, table(content), skip_invalid=True)
    assert (result.created, result.lines, [e.row for e in result.errors]) == (2, 3, [3])
    assert sorted(Order.objects.values_list("number", flat=True)) == ["SO1", "SO2"]
    assert AuditEntry.objects.filter(model="order", action="create").count() == 2
    assert Order.objects.get(number="SO2").lines.count() == 2
