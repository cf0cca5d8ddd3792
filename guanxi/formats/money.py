"""Money as the pages write it (one formatter for every page) and as Chinese documents write
it: the amount in capital numerals (大写金额)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.signals import setting_changed
from django.dispatch import receiver

CENT = Decimal("0.01")
DEFAULT_CURRENCY = "CNY"
# Currencies shown by their sign; any other is shown by its ISO code ("USD 1,146.60"). Only
# the yuan: ¥ alone would also read as the Japanese yen, so JPY keeps its code.
SYMBOLS = {"CNY": "¥"}
# Between a currency code and the figures: a no-break space, so a narrow table cell never
# puts the code and the number on two lines.
CODE_GAP = "\u00a0"
# {language: (DECIMAL_SEPARATOR, NUMBER_GROUPING, THOUSAND_SEPARATOR)}, see _separators.
_SEPARATORS: dict = {}


@receiver(setting_changed)
def _forget_separators(**kwargs) -> None:
    # as Django's own format cache is reset when a test overrides a setting
    _SEPARATORS.clear()


def _separators() -> tuple:
    """The active language's separators and grouping from Django's format modules (ours in
    guanxi/formats/<language>/, then Django's), looked up once per language: get_format costs
    about 1.5 µs a call and a page may print hundreds of amounts."""
    from django.utils.formats import get_format
    from django.utils.translation import get_language

    language = get_language()
    found = _SEPARATORS.get(language)
    if found is None:
        found = _SEPARATORS[language] = tuple(
            get_format(name, language)
            for name in ("DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR")
        )
    return found


def format_money(amount, currency: str | None = DEFAULT_CURRENCY) -> str:
    """An amount as every page shows it: "¥1,146.60", "USD\u00a01,146.60", "-¥12.00".

    Exactly two decimals, rounded half up to the fen in Decimal (a float is read through its
    shortest repr, so 0.1 + 0.2 shows 0.30, never a binary artefact); the figures are grouped
    by Django's number formatting in the active language (its THOUSAND_SEPARATOR,
    NUMBER_GROUPING and DECIMAL_SEPARATOR, grouped whatever USE_THOUSAND_SEPARATOR says).
    The minus goes before the sign; an amount that rounds to zero has none. An empty currency
    is the default one (CNY). None or "" gives "": the page decides what an empty amount
    shows. Anything that is not a finite number raises ValueError.

    >>> format_money(Decimal("1146.6"))
    '¥1,146.60'
    >>> format_money(Decimal("-12"), "CNY")
    '-¥12.00'
    >>> format_money(None)
    ''
    """
    if amount is None or amount == "":
        return ""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
        value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(f"not an amount of money: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount of money: {amount!r}")
    decimal, grouping, thousands = _separators()
    if (decimal, grouping, thousands) == (".", 3, ","):
        # English and Chinese: Python's own format spec writes exactly what Django's
        # numberformat would, about 15 times faster (the 360 timeline prints up to 200)
        figures = f"{abs(value):,.2f}"
    else:
        from django.utils import numberformat

        # Django's formatter cuts extra places off instead of rounding: the value is already
        # quantized above, so it only groups and localises the separators.
        figures = numberformat.format(
            abs(value), decimal, 2, grouping, thousands, force_grouping=True
        )
    code = (currency or DEFAULT_CURRENCY).strip().upper()
    unit = SYMBOLS.get(code, code + CODE_GAP)
    return f"{'-' if value < 0 else ''}{unit}{figures}"


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
