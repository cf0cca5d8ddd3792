"""Reading CSV and XLSX files into rows, whatever encoding and spreadsheet program made them.

Excel on a Chinese Windows saves CSV in GB18030 (GBK); Excel elsewhere and most tools write
UTF-8, sometimes with a byte-order mark. We try UTF-8 (BOM or not) first: a GB18030 file is
almost never valid UTF-8, while the reverse is not true.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

ENCODINGS = ("utf-8-sig", "gb18030")


class UnreadableFile(ValueError):
    pass


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list]]  # (row number as the spreadsheet shows it, cells)


def file_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in {".csv", ".txt"}:
        return "csv"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    raise UnreadableFile(
        _("Unsupported file type “%(suffix)s”: use .csv or .xlsx.") % {"suffix": suffix or name}
    )


def decode(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(_("The file is neither UTF-8 nor GB18030 text."))


def _blank(cells) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def read_csv(data: bytes) -> Table:
    text = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    headers: list[str] | None = None
    rows = []
    for cells in reader:
        if headers is None:
            if _blank(cells):
                continue
            headers = [c.strip() for c in cells]
            continue
        if not _blank(cells):
            rows.append((reader.line_num, cells))
    if headers is None:
        raise UnreadableFile(_("The file is empty."))
    return Table(headers, rows)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        headers: list[str] | None = None
        rows = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(cells)
            if headers is None:
                if _blank(cells):
                    continue
                headers = ["" if c is None else str(c).strip() for c in cells]
                continue
            if not _blank(cells):
                rows.append((number, cells))
    finally:
        workbook.close()
    if headers is None:
        raise UnreadableFile(_("The file is empty."))
    return Table(headers, rows)


def read_table(data: bytes, name: str) -> Table:
    """The first sheet (or the CSV) as headers and numbered rows; blank rows are dropped."""
    return read_xlsx(data) if file_format(name) == "xlsx" else read_csv(data)
