"""change_rows: amounts in the one money format, no "0.00 → 0" rows, every label in Chinese
(a new-user review found "Amount — → 25373.60", "Received 0.00 → 0" three times and
"Instalments" in English on the Chinese 360 page)."""

import pytest
from django.utils import translation

from guanxi.audit.models import AuditEntry
from guanxi.audit.services import SENSITIVE_PLACEHOLDER
from guanxi.customers.templatetags.guanxi_ui import change_rows

pytestmark = pytest.mark.django_db


def _rows(entry) -> list[tuple]:
    """The rows with their labels in the active language (labels are lazy)."""
    return [(str(label), old, new) for label, old, new in change_rows(entry)]


def _entry(model: str, changes: dict, object_id: str = "0") -> AuditEntry:
    return AuditEntry(action="update", model=model, object_id=object_id, changes=changes)


def test_money_fields_lines_and_instalments_use_the_money_format():
    entry = _entry(
        "contract",
        {
            "amount": [None, "25373.60"],
            "currency": ["CNY", "USD"],
            "instalments": [[], ["2026-12-31 25373.60"]],
            "lines": [None, ["GW-01 × 36 @ 168.00 −0.00%", "GW-02 × 2 @ 1200.00 −5.50%"]],
        },
    )

    with translation.override("en"):
        rows = _rows(entry)

    assert rows[0] == ("amount", "—", "USD\u00a025,373.60")
    assert rows[2] == ("instalments", "—", "2026-12-31 USD\u00a025,373.60")
    assert rows[3] == (
        "contract lines",
        "—",
        "GW-01 × 36 @ USD\u00a0168.00, GW-02 × 2 @ USD\u00a01,200.00 −5.5%",
    )


def test_an_amount_without_a_currency_is_yuan():
    entry = _entry("order", {"total": ["0", "99.5"], "lines": [None, ["TEA × 1 @ 99.50"]]})

    with translation.override("en"):
        rows = _rows(entry)

    assert rows == [("total", "¥0.00", "¥99.50"), ("order lines", "—", "TEA × 1 @ ¥99.50")]


def test_changes_that_change_nothing_are_left_out():
    entry = _entry(
        "instalment",
        {
            "received": ["0.00", "0"],
            "amount": ["100", "100.00"],
            "paid_on": ["", None],
            "status": ["due", "partly_paid"],
        },
    )

    with translation.override("en"):
        rows = _rows(entry)

    assert [label for label, _old, _new in rows] == ["status"]


def test_text_that_only_looks_like_a_number_is_compared_as_text():
    entry = _entry("customer", {"external_id": ["007", "7"]})

    with translation.override("en"):
        assert _rows(entry) == [("external ID", "007", "7")]


def test_a_sensitive_change_still_shows_though_both_sides_are_hidden():
    entry = _entry("customer", {"id_number": [SENSITIVE_PLACEHOLDER, SENSITIVE_PLACEHOLDER]})

    assert len(change_rows(entry)) == 1


def test_every_label_is_chinese_in_chinese():
    entry = _entry(
        "contract",
        {
            "instalments": [[], ["2026-12-31 1.00"]],
            "lines": [None, ["A × 1 @ 1.00 −0.00%"]],
            "received": ["0", "1"],
            "amount": ["0", "1"],
        },
    )
    order = _entry("order", {"lines": [None, ["A × 1 @ 1.00"]]})

    with translation.override("zh-hans"):
        labels = [label for label, _o, _n in _rows(entry) + _rows(order)]

    assert labels == ["回款期", "合同明细", "已回款", "金额", "订单明细"]


def test_the_currency_is_the_records_when_the_entry_does_not_say(customer_of, rep1, product):
    from guanxi.sales.services import create_order

    order = create_order(
        rep1, customer_of("rep1"), {"currency": "USD"}, [{"product": product, "quantity": 1}]
    )
    entry = _entry("order", {"total": ["0", "12.5"]}, object_id=str(order.pk))

    assert _rows(entry)[0][1:] == ("USD\u00a00.00", "USD\u00a012.50")
