"""Money on the pages (format_money, the |money filter) and the total in capital numerals
(大写金额) on printed contracts and quotes.

The capitals follow the People's Bank of China's rules for filling in bills (正确填写票据和
结算凭证的基本规定): 整 after 元 when there are no jiao or fen, one 零 for skipped places, none
needed after 角. The cases are the edges of those rules."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from guanxi.formats.money import format_money, rmb_capitals


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100", "壹佰元整"),
        ("100.00", "壹佰元整"),
        ("10.05", "壹拾元零伍分"),  # a skipped jiao: 零
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("0.5", "伍角"),  # below one yuan: no 元, no 整 after 角
        ("1000000", "壹佰万元整"),
        ("10001.01", "壹万零壹元零壹分"),  # skipped places between digits: one 零 each run
        ("1010", "壹仟零壹拾元整"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("100000001", "壹亿零壹元整"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_capitals_follow_the_rules_for_bills(amount, expected):
    assert rmb_capitals(Decimal(amount)) == expected


def test_the_amount_is_rounded_half_up_to_the_fen_first():
    # cn2an alone drops the third place (1.005 would read 壹元整)
    assert rmb_capitals(Decimal("1.005")) == "壹元零壹分"
    assert rmb_capitals(Decimal("1.004")) == "壹元整"


# The one money format of every page (format_money and the |money filter) -------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("1146.6"), "CNY", "¥1,146.60"),
        (Decimal("1146.60"), "USD", "USD\u00a01,146.60"),  # other currencies by their code
        (Decimal("-12"), "CNY", "-¥12.00"),  # the minus before the sign
        (Decimal("-1146.6"), "USD", "-USD\u00a01,146.60"),
        (Decimal("999999999999.99"), "CNY", "¥999,999,999,999.99"),  # the largest amount stored
        (Decimal("0"), "CNY", "¥0.00"),
        (176500, "CNY", "¥176,500.00"),  # a whole number gets its two places
        ("3.5", "CNY", "¥3.50"),  # a figure sent as text (the reports' JSON)
        (Decimal("1E+3"), "CNY", "¥1,000.00"),  # an exponent is written out
        (Decimal("1234.5678"), None, "¥1,234.57"),  # no currency: the default one
        (Decimal("1234.5678"), "", "¥1,234.57"),
        (Decimal("1234.5678"), "usd", "USD\u00a01,234.57"),
    ],
)
def test_money_is_grouped_with_two_places_and_its_currency(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_more_places_are_rounded_half_up_in_decimal():
    assert format_money(Decimal("1.005")) == "¥1.01"  # a float would make it 1.00
    assert format_money(Decimal("1.0049999")) == "¥1.00"
    assert format_money(Decimal("-2.675")) == "-¥2.68"  # half up: away from zero
    assert format_money(Decimal("-0.004")) == "¥0.00"  # no minus on a zero
    assert format_money(0.1 + 0.2) == "¥0.30"  # a float read through its shortest repr


@pytest.mark.parametrize("empty", [None, ""])
def test_no_amount_is_empty_and_the_page_decides(empty):
    assert format_money(empty) == "" and format_money(empty, "USD") == ""


@pytest.mark.parametrize("bad", ["abc", Decimal("NaN"), float("inf"), object()])
def test_what_is_not_an_amount_is_refused(bad):
    with pytest.raises(ValueError, match="not an amount of money"):
        format_money(bad)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_both_languages_write_money_alike(language):
    with translation.override(language):
        assert format_money(Decimal("1234567.891")) == "¥1,234,567.89"


def test_a_language_with_other_separators_gets_them_from_django():
    # German writes 1.234.567,89: Django's format module for it, not ours, decides
    with translation.override("de"):
        assert format_money(Decimal("-1234567.891"), "EUR") == "-EUR\u00a01.234.567,89"


def test_the_filter_formats_and_leaves_what_is_not_money_as_it_is():
    page = Template(
        '{% load guanxi_ui %}{{ a|money }}|{{ b|money:"USD" }}|{{ c|money|default:"—" }}|{{ d|money }}'
    )
    html = page.render(Context({"a": Decimal("1146.6"), "b": -3, "c": None, "d": "n/a"}))
    assert html == "¥1,146.60|-USD\u00a03.00|—|n/a"
