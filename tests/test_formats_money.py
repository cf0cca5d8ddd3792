"""The total in capital numerals (大写金额) on printed contracts and quotes.

Expected values follow the People's Bank of China's rules for filling in bills (正确填写票据和
结算凭证的基本规定): 整 after 元 when there are no jiao or fen, one 零 for skipped places, none
needed after 角. The cases are the edges of those rules."""

from decimal import Decimal

import pytest

from guanxi.formats.money import rmb_capitals


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
