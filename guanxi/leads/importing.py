"""Importing leads from CSV or XLSX (guanxi.dataio's readers, header aliases and choice
parsers): the whole file is checked before anything is written, errors are reported by row,
and the leads are entered in one transaction (all or nothing)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.dataio.columns import (
    CHOICE_PARSERS,
    CellError,
    column_header,
    match_headers,
    text,
)
from guanxi.dataio.readers import UnreadableFile, read_table

from . import services

LEAD_COLUMNS: list[tuple[str, tuple[str, ...]]] = [
    ("name", ("姓名", "name", "联系人", "客户姓名")),
    ("company", ("公司", "company", "公司名称", "单位", "工作单位")),
    ("title", ("职位", "title", "职务", "position")),
    ("mobile", ("手机", "mobile", "手机号", "手机号码")),
    ("email", ("邮箱", "email", "e-mail", "电子邮箱")),
    ("wechat", ("微信", "wechat", "微信号")),
    ("province", ("省", "province", "省份")),
    ("city", ("市", "city", "城市")),
    ("source", ("来源", "source", "线索来源")),
    ("category", ("客户类别", "category")),
    ("kind", ("类型", "kind")),
    ("interest", ("意向", "interest", "需求")),
    ("notes", ("备注", "notes", "note")),
]
MAX_LEADS = 10_000


class ImportErrors(Exception):  # noqa: N818
    """The file was not imported: [(row, message)] (row 0: the file as a whole)."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__(problems)

    def __str__(self) -> str:
        # in the language active when shown, as the import page says it ("Row 3: 手机: …",
        # "第 3 行：手机：…"); the file as a whole without a row
        return "; ".join(
            _("%(label)s: %(error)s") % {"label": _("Row %(n)s") % {"n": row}, "error": message}
            if row
            else message
            for row, message in self.problems[:5]
        )


def _named(column: str, message) -> str:
    """A cell's problem named by its column as the file has it (手机：…), as the customer
    import does; a problem of the row as a whole (column "") alone."""
    if not column:
        return str(message)
    return _("%(label)s: %(error)s") % {"label": column, "error": message}


def parse_file(data: bytes, name: str) -> list[tuple[int, dict]]:
    """[(row number, lead fields)] of every row, or ImportErrors with every problem."""
    try:
        table = read_table(data, name)
    except UnreadableFile as exc:
        raise ImportErrors([(0, str(exc))]) from exc
    positions, _unknown = match_headers(table.headers, LEAD_COLUMNS)
    if "name" not in positions:
        raise ImportErrors([(1, _("The file needs a name column (姓名 or name)."))])
    if not table.rows:
        raise ImportErrors([(0, _("The file holds no rows."))])
    if len(table.rows) > MAX_LEADS:
        raise ImportErrors([(0, _("At most %(max)d leads a file.") % {"max": MAX_LEADS})])
    parsed, problems = [], []
    for number, cells in table.rows:
        row = {}
        for field, index in positions.items():
            value = cells[index] if index < len(cells) else ""
            try:
                row[field] = (
                    CHOICE_PARSERS[field](value) or "" if field in CHOICE_PARSERS else text(value)
                )
            except CellError as exc:
                problems.append(
                    (number, _named(column_header(table.headers, positions, field), exc))
                )
        for field in ("source", "category", "kind"):
            if not row.get(field):
                row.pop(field, None)
        row.setdefault("source", "import")
        try:
            row.update(services.clean_lead_data(row))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                column = column_header(table.headers, positions, field)
                problems += [(number, _named(column, m)) for m in messages]
        parsed.append((number, row))
    if problems:
        raise ImportErrors(problems)
    return parsed


def import_leads(actor, data: bytes, name: str, *, to_pool: bool = False) -> int:
    """Check the whole file, then enter every lead (owned by the actor, or in the pool), in
    one transaction. Returns how many."""
    rows = parse_file(data, name)
    with transaction.atomic():
        for _number, fields in rows:
            services.create_lead(actor, fields, owner=None if to_pool else actor)
    return len(rows)
