"""Bulk actions on the products list (managers only, like a product edit): mark active or
inactive through sales.services.update_product (audited), export the selection."""

import csv
import io
from decimal import Decimal

import pytest

from guanxi.audit.models import AuditEntry
from guanxi.sales.models import Product

pytestmark = pytest.mark.django_db

BULK = "/sales/products/bulk/"


@pytest.fixture
def three(product):
    from guanxi.sales.services import create_product

    more = [
        create_product(None, {"sku": f"TEA-00{i}", "name": name, "price": Decimal("10")})
        for i, name in [(2, "=SUM(1)"), (3, "普洱")]
    ]
    return [product, *more]


def active(products):
    return [Product.objects.get(pk=p.pk).active for p in products]


def test_only_a_manager_sees_the_bulk_bar(client_for, three):
    html = client_for("manager").get("/sales/products/", {"category": ""}).content.decode()
    assert f'name="ids" value="{three[1].pk}" form="bulk"' in html
    assert 'action="/sales/products/bulk/"' in html and "data-select-all" in html
    rep = client_for("rep1").get("/sales/products/").content.decode()
    assert 'name="ids"' not in rep and "/sales/products/bulk/" not in rep


def test_mark_inactive_and_active_through_the_service_audited(client_for, three):
    ids = [three[0].pk, three[1].pk]
    response = client_for("manager").post(
        BULK, {"action": "deactivate", "ids": ids, "query": "active=1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/sales/products/?active=1"
    assert "2 products marked inactive." in response.content.decode()
    assert active(three) == [False, False, True]
    entries = AuditEntry.objects.filter(model="product", action="update")
    assert sorted(e.object_id for e in entries) == sorted(str(pk) for pk in ids)
    assert all(e.changes["active"] == [True, False] for e in entries)
    zh = client_for("manager", "zh-hans").post(
        BULK, {"action": "activate", "ids": [three[0].pk]}, follow=True
    )
    assert "已将 1 个商品设为在售。" in zh.content.decode()
    assert active(three) == [True, False, True]


def test_a_rep_is_refused_and_nothing_changes(client_for, three):
    for action in ("deactivate", "export"):
        response = client_for("rep1").post(BULK, {"action": action, "ids": [three[0].pk]})
        assert response.status_code == 302
    refused = client_for("rep1", "zh-hans").post(
        BULK, {"action": "deactivate", "ids": [three[0].pk]}, follow=True
    )
    assert "只有经理可以修改商品目录。" in refused.content.decode()
    assert active(three) == [True, True, True]
    assert not AuditEntry.objects.filter(model="product", action="update").exists()


def test_a_selection_naming_a_missing_product_changes_nothing(client_for, three):
    ids = [three[0].pk, 999999]
    response = client_for("manager").post(BULK, {"action": "deactivate", "ids": ids}, follow=True)
    assert "1 selected product no longer exists; nothing was changed." in (
        response.content.decode()
    )
    assert active(three) == [True, True, True]
    none = client_for("manager").post(BULK, {"action": "deactivate"}, follow=True)
    assert "Select at least one product." in none.content.decode()
    odd = client_for("manager").post(BULK, {"action": "delete", "ids": ids[:1]}, follow=True)
    assert "Choose what to do with the selected products." in odd.content.decode()


def test_export_of_a_selection_is_formula_safe_and_translated(client_for, three):
    response = client_for("manager", "zh-hans").post(
        BULK, {"action": "export", "ids": [three[1].pk, three[2].pk]}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [rows[0][0].lstrip("\ufeff"), rows[0][1], rows[0][5]] == ["商品编码", "名称", "状态"]
    assert [r[0] for r in rows[1:]] == ["TEA-002", "TEA-003"]
    assert rows[1][1] == "'=SUM(1)" and rows[2][5] == "在售"
