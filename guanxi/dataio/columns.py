"""Column headers (Chinese and English) and how a cell's text becomes a field value.

Import and export share these tables, so whatever `guanxi export` writes, `guanxi import`
reads back. Headers are matched case-insensitively after trimming spaces, underscores and
the full-width colon; the first alias of each column is the header exports write.
"""

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from guanxi.customers.models import (
    CustomerCategory,
    CustomerKind,
    CustomerLevel,
    CustomerSource,
    Gender,
    MaritalStatus,
)
from guanxi.privacy.sensitive import MASK
from guanxi.sales.models import OrderStatus
from guanxi.validation import check_number_text


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the user next to the column."""


# (field, aliases); the first alias is the exported header.
CUSTOMER_COLUMNS: list[tuple[str, tuple[str, ...]]] = [
    ("external_id", ("外部编号", "external_id", "external id", "客户编号", "会员卡号")),
    ("kind", ("类型", "kind", "客户类型")),
    ("category", ("客户类别", "category")),
    ("name", ("姓名", "name", "名称", "客户名称", "客户姓名", "公司名称")),
    ("gender", ("性别", "gender", "sex")),
    ("birthday", ("生日", "birthday", "出生日期", "date of birth")),
    ("marital_status", ("婚姻状况", "marital status")),
    ("mobile", ("手机", "mobile", "手机号", "手机号码", "mobile phone", "cell")),
    ("phone", ("电话", "phone", "座机", "固定电话", "landline")),
    ("email", ("邮箱", "email", "e-mail", "电子邮件", "电子邮箱")),
    ("province", ("省", "province", "省份")),
    ("city", ("市", "city", "城市")),
    ("district", ("区", "district", "区县", "县区")),
    ("street", ("地址", "street", "街道", "街道地址", "详细地址", "address")),
    ("level", ("客户等级", "level", "customer level", "等级")),
    ("source", ("来源", "source", "客户来源")),
    ("tags", ("标签", "tags", "tag")),
    ("member_level", ("会员等级", "member level", "member_level")),
    ("points", ("积分", "points")),
    ("nickname", ("昵称", "nickname")),
    ("wechat", ("微信", "wechat", "微信号")),
    ("qq", ("QQ", "qq号")),
    ("uscc", ("统一社会信用代码", "uscc", "unified social credit code", "信用代码")),
    ("company_name", ("工作单位", "company", "company name", "单位")),
    ("position", ("职位", "position", "职务", "title")),
    ("delivery_address", ("收货地址", "delivery address")),
    ("do_not_contact", ("请勿联系", "do not contact", "do_not_contact")),
    ("owner", ("负责人", "owner")),
    ("id_number", ("身份证号", "id number", "id_number", "证件号码")),
    ("bank_account", ("银行账号", "bank account", "bank_account")),
    ("health_notes", ("健康信息", "health notes", "health_notes")),
    ("precise_location", ("精确位置", "precise location", "precise_location")),
    ("is_minor", ("未成年", "minor", "is_minor")),
]

ORDER_COLUMNS: list[tuple[str, tuple[str, ...]]] = [
    ("number", ("订单号", "order number", "order_number", "order no", "订单编号")),
    # The app's own id of the customer: what `guanxi analyze` keys on (informative on import,
    # where customers are matched by external id or mobile, as across installations ids differ)
    ("customer_id", ("客户ID", "customer id", "customer_id")),
    ("customer_external_id", ("客户外部编号", "customer external id", "customer_external_id")),
    ("customer_mobile", ("客户手机", "customer mobile", "customer_mobile", "customer")),
    ("customer_name", ("客户姓名", "customer name")),  # informative only: never used to match
    ("ordered_at", ("下单时间", "ordered at", "ordered_at", "order date", "下单日期")),
    ("sku", ("商品编码", "sku", "product code", "商品编号")),
    ("product_name", ("商品名称", "product name")),  # informative only
    ("quantity", ("数量", "quantity", "qty")),
    ("unit_price", ("单价", "unit price", "unit_price", "price")),
    ("amount", ("金额", "amount")),  # informative only: recomputed from quantity × unit price
    ("status", ("状态", "status", "订单状态")),
    ("currency", ("币种", "currency")),
    # The order's refunds so far (sales.Order.refunded_total), on each of its lines; informative
    # on import, read by `guanxi analyze`, which counts the net as the app's scores do
    ("refunded", ("已退款金额", "refunded amount", "refunded_total", "退款金额")),
]
INFORMATIVE_ORDER_FIELDS = {"customer_id", "customer_name", "product_name", "amount", "refunded"}

# The header an export writes, in the user's language (the Chinese one is each column's first
# alias): (English header, its translation). Imports accept both, as well as every alias.
COLUMN_LABELS = {
    "external_id": ("External ID", pgettext_lazy("spreadsheet column", "External ID")),
    "kind": ("Kind", pgettext_lazy("spreadsheet column", "Kind")),
    "category": ("Category", pgettext_lazy("spreadsheet column", "Category")),
    "name": ("Name", pgettext_lazy("spreadsheet column", "Name")),
    "gender": ("Gender", pgettext_lazy("spreadsheet column", "Gender")),
    "birthday": ("Birthday", pgettext_lazy("spreadsheet column", "Birthday")),
    "marital_status": ("Marital status", pgettext_lazy("spreadsheet column", "Marital status")),
    "mobile": ("Mobile", pgettext_lazy("spreadsheet column", "Mobile")),
    "phone": ("Phone", pgettext_lazy("spreadsheet column", "Phone")),
    "email": ("E-mail", pgettext_lazy("spreadsheet column", "E-mail")),
    "province": ("Province", pgettext_lazy("spreadsheet column", "Province")),
    "city": ("City", pgettext_lazy("spreadsheet column", "City")),
    "district": ("District", pgettext_lazy("spreadsheet column", "District")),
    "street": ("Street", pgettext_lazy("spreadsheet column", "Street")),
    "level": ("Customer level", pgettext_lazy("spreadsheet column", "Customer level")),
    "source": ("Source", pgettext_lazy("spreadsheet column", "Source")),
    "tags": ("Tags", pgettext_lazy("spreadsheet column", "Tags")),
    "member_level": ("Member level", pgettext_lazy("spreadsheet column", "Member level")),
    "points": ("Points", pgettext_lazy("spreadsheet column", "Points")),
    "nickname": ("Nickname", pgettext_lazy("spreadsheet column", "Nickname")),
    "wechat": ("WeChat", pgettext_lazy("spreadsheet column", "WeChat")),
    "qq": ("QQ", pgettext_lazy("spreadsheet column", "QQ")),
    "uscc": ("USCC", pgettext_lazy("spreadsheet column", "USCC")),
    "company_name": ("Company", pgettext_lazy("spreadsheet column", "Company")),
    "position": ("Position", pgettext_lazy("spreadsheet column", "Position")),
    "delivery_address": (
        "Delivery address",
        pgettext_lazy("spreadsheet column", "Delivery address"),
    ),
    "do_not_contact": ("Do not contact", pgettext_lazy("spreadsheet column", "Do not contact")),
    "owner": ("Owner", pgettext_lazy("spreadsheet column", "Owner")),
    "id_number": ("ID number", pgettext_lazy("spreadsheet column", "ID number")),
    "bank_account": ("Bank account", pgettext_lazy("spreadsheet column", "Bank account")),
    "health_notes": ("Health notes", pgettext_lazy("spreadsheet column", "Health notes")),
    "precise_location": (
        "Precise location",
        pgettext_lazy("spreadsheet column", "Precise location"),
    ),
    "is_minor": ("Minor", pgettext_lazy("spreadsheet column", "Minor")),
    "number": ("Order number", pgettext_lazy("spreadsheet column", "Order number")),
    "customer_id": ("Customer ID", pgettext_lazy("spreadsheet column", "Customer ID")),
    "customer_external_id": (
        "Customer external ID",
        pgettext_lazy("spreadsheet column", "Customer external ID"),
    ),
    "customer_mobile": ("Customer mobile", pgettext_lazy("spreadsheet column", "Customer mobile")),
    "customer_name": ("Customer name", pgettext_lazy("spreadsheet column", "Customer name")),
    "ordered_at": ("Ordered at", pgettext_lazy("spreadsheet column", "Ordered at")),
    "sku": ("SKU", pgettext_lazy("spreadsheet column", "SKU")),
    "product_name": ("Product name", pgettext_lazy("spreadsheet column", "Product name")),
    "quantity": ("Quantity", pgettext_lazy("spreadsheet column", "Quantity")),
    "unit_price": ("Unit price", pgettext_lazy("spreadsheet column", "Unit price")),
    "amount": ("Amount", pgettext_lazy("spreadsheet column", "Amount")),
    "status": ("Status", pgettext_lazy("spreadsheet column", "Status")),
    "currency": ("Currency", pgettext_lazy("spreadsheet column", "Currency")),
    "refunded": ("Refunded amount", pgettext_lazy("spreadsheet column", "Refunded amount")),
}


def _key(header: str) -> str:
    return re.sub(r"[\s_:：*]+", " ", str(header or "")).strip().lower()


def header_map(columns) -> dict[str, str]:
    known = {_key(alias): field for field, aliases in columns for alias in aliases}
    for field, _aliases in columns:
        if field in COLUMN_LABELS:
            english, translated = COLUMN_LABELS[field]
            known.setdefault(_key(english), field)
            known.setdefault(_key(str(translated)), field)
    return known


def export_headers(columns) -> list[str]:
    """The headers an export writes, in the user's language; the import reads both."""
    return [
        str(COLUMN_LABELS[field][1]) if field in COLUMN_LABELS else aliases[0]
        for field, aliases in columns
    ]


def match_headers(headers: list[str], columns, extra: dict[str, str] | None = None):
    """Map each header position to a field; returns (positions, unknown headers)."""
    known = header_map(columns)
    for label, key in (extra or {}).items():
        known.setdefault(_key(label), key)
    positions, unknown = {}, []
    for index, header in enumerate(headers):
        field = known.get(_key(header))
        if field is None:
            if str(header or "").strip():
                unknown.append(str(header))
            continue
        positions.setdefault(field, index)
    return positions, unknown


def column_header(headers: list[str], positions: dict[str, int], name: str) -> str:
    """The file's own header of field `name`'s column (as the user sees it in their file), for
    error reports; "" for an error of the row as a whole ("__all__"), the name itself for a
    field the file has no column for."""
    index = positions.get(name)
    if index is not None:
        return str(headers[index]).strip()
    return "" if name == "__all__" else name


# Value parsing ---------------------------------------------------------------------------


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores 13812345678 as a number; never write it back as 13812345678.0.
        value = int(value)
    return str(value).strip()


def is_masked(value: str) -> bool:
    return MASK in value


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$")


def parse_date(value) -> date | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日 or 20240305; Excel dates as they come."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    if not raw:
        return None
    raw = raw.split(" ")[0].split("T")[0] if re.match(r"^\d{4}-\d", raw) else raw
    for pattern in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                break
    raise CellError(
        _("“%(value)s” is not a date (use 2024-03-05, 2024/3/5 or 2024年3月5日).") % {"value": raw}
    )


def parse_datetime(value) -> datetime | None:
    """A date with an optional time (14:30 or 14:30:00), in the shop's time zone if naive."""
    if isinstance(value, datetime):
        moment = value
    else:
        raw = text(value)
        if not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            parts = raw.replace("T", " ").split()
            day = parse_date(parts[0] if parts else raw)
            clock = time(0, 0)
            if len(parts) > 1:
                match = _TIME.match(parts[1])
                if not match or len(parts) > 2:
                    raise CellError(
                        _("“%(value)s” is not a date and time.") % {"value": raw}
                    ) from None
                hour, minute, second = (int(g or 0) for g in match.groups())
                try:
                    clock = time(hour, minute, second)
                except ValueError:
                    raise CellError(
                        _("“%(value)s” is not a date and time.") % {"value": raw}
                    ) from None
            moment = datetime.combine(day, clock)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def _number_text(raw: str) -> str:
    """The cell's text if validation.check_number_text takes it (no "1_000"), else CellError
    with its message: imports read numbers by the rule pages and the API follow."""
    try:
        return check_number_text(raw)
    except ValueError as exc:
        raise CellError(str(exc)) from None


# Spreadsheets write thousands as 1,000 or 1,234,567.89, and an import takes them; a comma
# anywhere else ("1,5", a European decimal, or "10,00") would silently become another number
# once removed, so it is refused, naming the value.
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def _ungrouped(raw: str) -> str:
    if "," not in raw:
        return raw
    if not _GROUPED.fullmatch(raw):
        raise CellError(
            _("“%(value)s” is not a number: a comma may only group thousands (1,000).")
            % {"value": raw}
        )
    return raw.replace(",", "")


def parse_int(value, *, minimum: int | None = None) -> int | None:
    raw = _ungrouped(text(value))
    if not raw:
        return None
    _number_text(raw)
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": raw}) from None
    if not number.is_finite() or number != number.to_integral_value():  # NaN, Infinity
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": raw})
    if minimum is not None and number < minimum:
        raise CellError(_("The number must be at least %(min)d.") % {"min": minimum})
    return int(number)


def parse_money(value) -> Decimal | None:
    raw = _ungrouped(text(value).replace("¥", "").replace("￥", "").strip())
    if not raw:
        return None
    _number_text(raw)
    try:
        amount = Decimal(raw)
        if not amount.is_finite():  # NaN, Infinity: Decimal reads them, no amount is one
            raise InvalidOperation
        amount = amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise CellError(_("“%(value)s” is not an amount of money.") % {"value": raw}) from None
    if amount < 0:
        raise CellError(_("An amount cannot be negative."))
    return amount


def parse_bool(value) -> bool | None:
    raw = text(value).lower()
    if not raw:
        return None
    if raw in {"1", "true", "yes", "y", "是", "对", "√"}:
        return True
    if raw in {"0", "false", "no", "n", "否", "不是"}:
        return False
    raise CellError(_("“%(value)s” is not yes or no (是/否).") % {"value": raw})


def split_tags(value) -> list[str]:
    return [t.strip() for t in re.split(r"[,，、;；|]", text(value)) if t.strip()]


def _choice_parser(aliases: dict[str, str], choices):
    table = {k.lower(): v for k, v in aliases.items()}
    table.update({str(v).lower(): v for v in choices.values})
    with translation.override("en"):
        table.update({str(label).lower(): v for v, label in choices.choices})

    def labels() -> dict[str, str]:
        """The choices as the user reads them, in the user's language: {label: value}."""
        return {str(label): v for v, label in choices.choices if v}

    def parse(value):
        raw = text(value)
        if not raw:
            return None
        shown = labels()
        found = table.get(raw.lower())
        if found is None:
            found = {label.lower(): v for label, v in shown.items()}.get(raw.lower())
        if found is None:
            separator = "、" if (translation.get_language() or "").startswith("zh") else ", "
            raise CellError(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": raw, "allowed": separator.join(shown)}
            )
        return found

    return parse


GENDER_LABELS = {
    "男": Gender.MALE,
    "女": Gender.FEMALE,
    "未知": Gender.UNKNOWN,
    "m": Gender.MALE,
    "f": Gender.FEMALE,
}
KIND_LABELS = {
    "个人": CustomerKind.PERSON,
    "企业": CustomerKind.ORGANISATION,
    "组织": CustomerKind.ORGANISATION,
    "单位": CustomerKind.ORGANISATION,
    "公司": CustomerKind.ORGANISATION,
    "organization": CustomerKind.ORGANISATION,
}
CATEGORY_LABELS = {
    "消费者": CustomerCategory.CONSUMER,
    "渠道成员": CustomerCategory.CHANNEL,
    "企业客户": CustomerCategory.COMPANY,
    "内部客户": CustomerCategory.INTERNAL,
    "社会特殊利益成员": CustomerCategory.SPECIAL,
}
LEVEL_LABELS = {
    "重点客户": CustomerLevel.A,
    "a 重点客户": CustomerLevel.A,
    "普通客户": CustomerLevel.B,
    "b 普通客户": CustomerLevel.B,
    "非优先客户": CustomerLevel.C,
    "c 非优先客户": CustomerLevel.C,
}
SOURCE_LABELS = {
    "转介绍": CustomerSource.REFERRAL,
    "老客户介绍": CustomerSource.REFERRAL,
    "陌生拜访": CustomerSource.COLD_VISIT,
    "网络咨询": CustomerSource.ONLINE_INQUIRY,
    "电话咨询": CustomerSource.PHONE_INQUIRY,
    "展会活动": CustomerSource.EXHIBITION,
    "展会": CustomerSource.EXHIBITION,
    "广告": CustomerSource.ADVERTISING,
    "自然到店": CustomerSource.WALK_IN,
    "到店": CustomerSource.WALK_IN,
    "合作伙伴": CustomerSource.PARTNER,
    "导入": CustomerSource.IMPORT,
    "其他": CustomerSource.OTHER,
}
MARITAL_LABELS = {
    "未婚": MaritalStatus.SINGLE,
    "已婚": MaritalStatus.MARRIED,
    "其他": MaritalStatus.OTHER,
}
STATUS_LABELS = {
    "待付款": OrderStatus.PENDING,
    "已付款": OrderStatus.PAID,
    "已发货": OrderStatus.SHIPPED,
    "已完成": OrderStatus.COMPLETED,
    "已取消": OrderStatus.CANCELLED,
    "已退款": OrderStatus.REFUNDED,
}

CHOICE_PARSERS = {
    "gender": _choice_parser(GENDER_LABELS, Gender),
    "kind": _choice_parser(KIND_LABELS, CustomerKind),
    "category": _choice_parser(CATEGORY_LABELS, CustomerCategory),
    "level": _choice_parser(LEVEL_LABELS, CustomerLevel),
    "source": _choice_parser(SOURCE_LABELS, CustomerSource),
    "marital_status": _choice_parser(MARITAL_LABELS, MaritalStatus),
    "status": _choice_parser(STATUS_LABELS, OrderStatus),
}


def _first_label(aliases: dict[str, str], value: str) -> str:
    """The Chinese word an export writes for a code (男 for male), so files read naturally."""
    for label, code in aliases.items():
        if code == value and not label.isascii():
            return label
    return value


EXPORT_LABELS = {
    "gender": lambda v: _first_label(GENDER_LABELS, v) if v else "",
    "kind": lambda v: _first_label(KIND_LABELS, v),
    "category": lambda v: _first_label(CATEGORY_LABELS, v),
    "source": lambda v: _first_label(SOURCE_LABELS, v),
    "marital_status": lambda v: _first_label(MARITAL_LABELS, v) if v else "",
    "status": lambda v: _first_label(STATUS_LABELS, v),
}


def status_label(language: str | None = None):
    """What an order export writes for a status code, in the export's language (``language``,
    default the active one, taken when called, as the rows may stream after the request):
    the Chinese word (已完成) in Chinese, the English label (Completed) otherwise. Imports
    read both, as well as the codes."""
    language = language or translation.get_language() or ""
    if language.startswith("zh"):
        return EXPORT_LABELS["status"]
    with translation.override("en"):
        english = {value: str(label) for value, label in OrderStatus.choices}
    return lambda value: english.get(value, value)
