"""The analysis settings preview names every row: the customers the scoring gives no code (no
orders yet) are a labelled row, not a bare "—", in both languages."""

import re

import pytest
from django.utils import translation

from guanxi.segments import preview

from .test_analysis_settings import VALID


def test_the_row_without_a_code_is_named():
    with translation.override("en"):
        tables = preview.comparison({"rfm_segment": {"": 3, "champions": 2}}, None)
    rows = {
        row["code"]: row
        for row in next(t for t in tables if t["dimension"] == "rfm_segment")["rows"]
    }
    assert rows[""]["label"] == "No orders yet (not scored)"
    assert rows[""]["current"] == 3 and rows["champions"]["current"] == 2


@pytest.mark.parametrize(
    ("language", "label"), [("en", "No orders yet (not scored)"), ("zh-hans", "尚无订单（未评分）")]
)
def test_the_preview_page_labels_customers_without_orders(
    transactional_db, client_for, customer_of, scored, language, label
):
    # committed data: on PostgreSQL the dry run reads over its own connection
    # given two customers without orders, scored as the scoring run leaves them (no codes)
    for name in ("甲", "乙"):
        scored(customer_of("rep1", name=name), rfm_segment="", abc_tier="")

    # when the manager previews the settings (the request's language left behind after it)
    with translation.override(language):
        response = client_for("manager", language).post(
            "/analytics/settings/", {**VALID, "action": "preview"}
        )
    html = response.content.decode()

    # then each dimension's row of those customers has a name, with both counts
    table = re.search(r'<table[^>]*data-dimension="rfm_segment".*?</table>', html, re.S)[0]
    first_cells = re.findall(r"<tr>\s*<td>([^<]*)</td>", table)
    assert first_cells == [label]
    assert "<td>—</td>" not in table
    assert re.search(rf"<td>{re.escape(label)}</td>\s*<td[^>]*>2</td>\s*<td[^>]*>2</td>", table)
