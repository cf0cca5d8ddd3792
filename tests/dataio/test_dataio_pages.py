"""The import page and the export downloads: scoped, masked, refused to read-only users."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from guanxi.customers.models import Customer
from guanxi.privacy.models import RevealLog


def upload(content: str, name: str = "c.csv", encoding: str = "utf-8"):
    return SimpleUploadedFile(name, content.encode(encoding), content_type="text/csv")


def test_import_page_shows_the_form(client, rep1):
    client.force_login(rep1)
    response = client.get("/data/import/")
    assert response.status_code == 200
    assert b'name="file"' in response.content
    assert b"/data/export/customers.csv" in response.content


def test_import_through_the_page(client, rep1):
    client.force_login(rep1)

    # when
    response = client.post(
        "/data/import/",
        {"kind": "customers", "file": upload("姓名,手机\n张三,13812345678\n", encoding="gb18030")},
    )

    # then
    assert response.status_code == 200
    assert response.context["result"].created == 1
    assert Customer.objects.get().owner == rep1


def test_bad_rows_import_nothing_and_show_the_report(client, rep1):
    client.force_login(rep1)
    response = client.post(
        "/data/import/",
        {"kind": "customers", "file": upload("姓名,手机\n好,13812345678\n坏,123\n")},
    )
    assert response.status_code == 422
    assert Customer.objects.count() == 0
    html = response.content.decode()
    assert "<td>3</td><td>手机</td>" in html


def test_skip_invalid_and_merge_from_the_page(client, rep1, customer_of):
    existing = customer_of("rep1", name="旧名", mobile="13812345678")
    client.force_login(rep1)
    response = client.post(
        "/data/import/",
        {
            "kind": "customers",
            "file": upload("姓名,手机\n新名,13812345678\n坏,123\n"),
            "on_duplicate": "merge",
            "skip_invalid": "on",
        },
    )
    assert response.status_code == 200
    existing.refresh_from_db()
    assert existing.name == "新名"


def test_orders_through_the_page(client, rep1, customer_of, product):
    customer_of("rep1", name="甲", external_id="M1")
    client.force_login(rep1)
    content = "订单号,客户外部编号,下单时间,商品编码,数量\nSO1,M1,2024-03-05,TEA-001,2\n"
    response = client.post("/data/import/", {"kind": "orders", "file": upload(content)})
    assert response.context["result"].created == 1


def test_read_only_user_cannot_import(client, personas):
    client.force_login(personas["viewer"])
    assert client.get("/data/import/").status_code == 403
    response = client.post("/data/import/", {"kind": "customers", "file": upload("姓名\n甲\n")})
    assert response.status_code == 403
    assert Customer.objects.count() == 0


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/data/export/customers.csv")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_export_csv_is_scoped_and_masked(client, rep1, customer_of):
    customer_of("rep1", name="我的", id_number="110101199003071234")
    customer_of("rep2", name="别人的")
    client.force_login(rep1)

    response = client.get("/data/export/customers.csv")

    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff外部编号")
    assert "我的" in body and "别人的" not in body
    assert "110101199003071234" not in body and "••••34" in body


def test_export_xlsx(client, manager, customer_of):
    customer_of("rep1", name="甲")
    client.force_login(manager)
    response = client.get("/data/export/customers.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet[2]][3] == "甲"


def test_sensitive_export_from_the_page(client, personas, customer_of):
    c = customer_of("rep1", name="甲", id_number="110101199003071234")

    url = "/data/export/customers.xlsx"
    client.force_login(personas["rep1"])
    assert client.post(url, {"sensitive": "1", "purpose": "核对资料"}).status_code == 403

    client.force_login(personas["manager"])
    assert client.post(url, {"sensitive": "1"}).status_code == 400
    response = client.post(url, {"sensitive": "1", "purpose": "核对资料"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert "110101199003071234" in [c.value for c in sheet[2]]
    assert list(RevealLog.objects.values_list("customer", "field")) == [(c.pk, "id_number")]


def test_orders_export_is_scoped(client, rep2, rep1, customer_of, product):
    from guanxi.sales.services import create_order

    mine = customer_of("rep2", name="乙")
    theirs = customer_of("rep1", name="甲")
    create_order(rep2, mine, {"number": "MINE"}, [{"product": product, "quantity": 1}])
    create_order(rep1, theirs, {"number": "THEIRS"}, [{"product": product, "quantity": 1}])
    client.force_login(rep2)
    body = b"".join(client.get("/data/export/orders.csv").streaming_content).decode()
    assert "MINE" in body and "THEIRS" not in body


def test_a_sensitive_export_is_never_a_get_and_needs_the_csrf_token(personas, customer_of):
    from django.test import Client

    customer_of("rep1", name="甲", id_number="110101199003071234")
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["manager"])
    url = "/data/export/customers.csv"

    # a link or an image on another site: 405, nothing logged
    response = client.get(url, {"sensitive": "1", "purpose": "attacker's purpose"})
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    # a cross-site form post has no token: 403, nothing logged
    assert client.post(url, {"sensitive": "1", "purpose": "核对资料"}).status_code == 403
    assert not RevealLog.objects.exists()
    # the page's own form carries the token
    page = client.get("/data/import/").content.decode()
    assert 'method="post" action="/data/export/customers.xlsx"' in page
    assert "csrfmiddlewaretoken" in page


def test_import_page_states_the_limits_in_the_users_language(client, rep1):
    client.force_login(rep1)
    html = client.get("/data/import/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "文件最多 100,000 行、500 列" in html


def test_a_refused_file_is_explained_in_chinese(client, rep1):
    client.force_login(rep1)
    response = client.post(
        "/data/import/",
        {"kind": "customers", "file": upload('姓名,手机\n"张三,13812345678\n')},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 422
    assert "第 2 行：引号" in response.content.decode()


def test_a_locked_database_is_a_busy_message_not_a_500(client, rep1, monkeypatch):
    # given another process holding SQLite's write lock past the wait (simulated at the edge)
    from django.db import OperationalError

    from guanxi.dataio.services import customers

    def locked(self):
        raise OperationalError("database is locked")

    monkeypatch.setattr(customers.NewCustomers, "save", locked)
    client.force_login(rep1)

    response = client.post(
        "/data/import/",
        {"kind": "customers", "file": upload("姓名,手机\n张三,13812345678\n")},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 503
    assert "数据库正忙" in response.content.decode()
    assert Customer.objects.count() == 0


def test_a_sensitive_export_unmasks_only_what_a_single_reveal_would(
    client, personas, customer_of, tmp_path
):
    """A hostile review: a rep allowed to see sensitive data exported the ID number and health
    notes of another team's customer merely shared with them (协作人), which a single reveal
    refuses. The export (page and command) unmasks only scope.revealable_customers and logs
    only those reveals."""
    import csv

    from django.core.management import call_command

    from guanxi.accounts.models import Profile
    from guanxi.customers.services import share_customer

    rep1, rep2 = personas["rep1"], personas["rep2"]
    Profile.objects.filter(user=rep2).update(can_view_sensitive=True)
    shared = customer_of("rep1", name="共享的", id_number="110101199003071234")
    share_customer(rep1, shared, rep2, access="write", expires_at=None)
    own = customer_of("rep2", name="自己的", id_number="440101199001011234")
    client.force_login(rep2)
    assert (
        client.post(
            f"/customers/{shared.pk}/reveal/", {"field": "id_number", "purpose": "核对资料"}
        ).status_code
        == 403
    )

    response = client.post("/data/export/customers.csv", {"sensitive": "1", "purpose": "核对资料"})
    body = b"".join(response.streaming_content).decode("utf-8")
    path = tmp_path / "c.csv"
    call_command(
        "export_data", "customers", str(path), "--user", "rep2", "--include-sensitive",
        "--purpose", "季度审计",
    )  # fmt: skip
    by_command = path.read_text(encoding="utf-8-sig")

    for exported in (body, by_command):
        rows = {row[3]: row for row in csv.reader(exported.lstrip("\ufeff").splitlines())}
        assert "440101199001011234" in rows["自己的"]
        assert "110101199003071234" not in exported
        assert "••••34" in rows["共享的"]
    logged = RevealLog.objects.values_list("customer", "field", "route")
    assert sorted(logged) == [(own.pk, "id_number", "export")] * 2


def test_the_import_button_has_room_above_the_columns_help(client, rep1):
    """The Import button stood flush on "Which columns are read?" (a review, zh at 1280)."""
    from pathlib import Path

    import guanxi

    client.force_login(rep1)
    page = client.get("/data/import/").content.decode()
    css = (Path(guanxi.__file__).parent / "static" / "guanxi" / "app.css").read_text()

    assert '<details class="import-columns">' in page
    assert "details.import-columns { margin-top: 1.5rem; }" in css
