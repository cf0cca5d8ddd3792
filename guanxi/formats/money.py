"""Money as it is written on Chinese documents: the amount in capital numerals (大写金额)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def rmb_capitals(amount) -> str:
    """The amount in yuan written in capital numerals, as on a contract or a cheque.

    The rules are the People's Bank of China's for bills and settlement vouchers (正确填写票据和
    结算凭证的基本规定): 元 and then 整 when there are no jiao or fen, 零 for skipped places
    between digits, no 整 after 角. The amount is first rounded half up to the fen; cn2an's
    "rmb" mode writes the rest (checked on 0, 0.5, 10.05, 100, 1234.56, 1,000,000 and
    10,001.01 in tests/test_formats_money.py). cn2an is imported on first use: it costs
    about 0.1 s, which only a printout should pay.

    >>> rmb_capitals(Decimal("1234.56"))
    '壹仟贰佰叁拾肆元伍角陆分'
    >>> rmb_capitals(Decimal("100"))
    '壹佰元整'
    """
    import cn2an

    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    return cn2an.an2cn(str(value), "rmb")
