"""Every API list pages through guanxi.api_common.paginate: one rule for count and page size."""

import ast
from pathlib import Path

import pytest

import guanxi
from guanxi.api_common import MAX_PAGE, paginate
from guanxi.customers.models import Customer
from guanxi.customers.queries import capped_count


@pytest.mark.django_db
def test_count_is_all_rows_and_a_page_is_at_most_max_page(customer_of):
    for i in range(MAX_PAGE + 3):
        customer_of("rep1", name=f"客户{i:03d}")
    qs = Customer.objects.order_by("pk")
    body = paginate(qs, limit=10**6, offset=0, item=lambda c: c.name)
    assert body["count"] == MAX_PAGE + 3
    assert len(body["items"]) == MAX_PAGE
    assert body["items"][0] == "客户000"
    tail = paginate(qs, limit=5, offset=MAX_PAGE + 1, item=lambda c: c.name)
    assert tail["items"] == ["客户101", "客户102"]
    assert "count_exact" not in tail


@pytest.mark.django_db
def test_a_capped_count_says_whether_it_is_exact(customer_of):
    for i in range(4):
        customer_of("rep1", name=f"客户{i}")
    qs = Customer.objects.order_by("pk")
    exact = paginate(qs, 2, 0, count=capped_count)
    assert (exact["count"], exact["count_exact"], len(exact["items"])) == (4, True, 2)
    capped = paginate(qs, 2, 0, count=lambda q: capped_count(q, cap=3))
    assert (capped["count"], capped["count_exact"]) == (3, False)


def test_no_router_builds_a_list_body_by_hand():
    """A {"count": ..., "items": ...} literal in a router means a second pagination rule."""
    root = Path(guanxi.__file__).parent
    by_hand = []
    for path in root.rglob("*api.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if {"count", "items"} <= keys:
                    by_hand.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not by_hand, by_hand
