"""Reading CSV and XLSX files into rows, whatever encoding and spreadsheet program made them,
and refusing, before any real work, files made to exhaust the server.

Excel on a Chinese Windows saves CSV in GB18030 (GBK); Excel elsewhere and most tools write
UTF-8, sometimes with a byte-order mark; Excel's "Unicode text" is UTF-16 with a BOM. We try
UTF-16 (BOM only), then UTF-8 (BOM or not), then GB18030: a GB18030 file is almost never valid
UTF-8, while the reverse is not true.

Limits (the same for the page and the command; split a bigger file):
- at most MAX_ROWS data rows and MAX_COLUMNS columns;
- at most MAX_CELL characters in a cell (Excel's own limit);
- XLSX: checked in the zip directory before anything is decompressed — at most
  MAX_UNCOMPRESSED bytes unpacked in all, no member packed more than MAX_RATIO times (a
  decompression bomb is refused in milliseconds), a declared sheet size within the row and
  column limits, and a shared-string table (sharedStrings.xml) no bigger than MAX_SHARED_BYTES
  and with no more strings than the workbook's sheets have room to use (see _check_shared);
  no piece of markup longer than MAX_TOKEN in any XML part (see _check_tokens);
  the sheet is then read row by row (openpyxl read-only, XML through defusedxml:
  no entity expansion) without padding the gaps, so a lone cell at XFD1048576 costs nothing.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

ENCODINGS = ("utf-8-sig", "gb18030")
MAX_ROWS = 100_000
MAX_COLUMNS = 500
MAX_CELL = 32_767
# What a real file of MAX_ROWS customers unpacks to, measured: 100,000 rows of 14 columns
# (name, mobile, e-mail, company, address, notes, WeChat id ... in Chinese) are a 92 MB sheet
# when every string is inline (openpyxl, WPS), or a ~45 MB sheet plus ~30 MB of shared strings
# when Excel saves it (about 8 distinct strings a row, ~40 bytes each). The caps leave that
# file twice the room; a bigger workbook is split anyway (MAX_ROWS).
MAX_UNCOMPRESSED = 160 * 1024 * 1024
MAX_SHARED_BYTES = 64 * 1024 * 1024
# openpyxl loads every shared string before the first row (~18 µs each): 1.8 million two-letter
# strings cost 32 s for a two-cell sheet. A string a sheet can use takes a cell of at least
# `<c t="s"><v>0</v></c>` (20 bytes), so a workbook cannot need more strings than its sheets'
# unpacked size / _CELL_BYTES (plus some slack for strings left over by editing).
_CELL_BYTES = 16
_SHARED_SLACK = 10_000
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
MAX_RATIO = 200  # real sheets pack 5-50 times; a bomb packs about 1,000 times
_RATIO_FROM = 1024 * 1024  # small members (styles, an empty sheet) may pack tighter


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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" in data[:8192]:
        raise UnreadableFile(_("This is not a text file (it contains binary data)."))
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(_("The file is neither UTF-8 nor GB18030 text."))


def _blank(cells) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def _too_many_rows() -> UnreadableFile:
    return UnreadableFile(
        _("The file has more than %(max)s rows; split it into smaller files.")
        % {"max": f"{MAX_ROWS:,}"}
    )


def _too_many_columns(row: int) -> UnreadableFile:
    return UnreadableFile(
        _("Row %(row)d has more than %(max)d columns; this is not a customer or order list.")
        % {"row": row, "max": MAX_COLUMNS}
    )


def _too_long(row: int, column: int) -> UnreadableFile:
    return UnreadableFile(
        _("Row %(row)d, column %(column)d: a cell holds more than %(max)s characters.")
        % {"row": row, "column": column, "max": f"{MAX_CELL:,}"}
    )


class _Collector:
    """Headers and non-blank rows, with the row and column limits enforced as they come."""

    def __init__(self):
        self.headers: list[str] | None = None
        self.rows: list[tuple[int, list]] = []

    def add(self, number: int, cells: list) -> None:
        if len(cells) > MAX_COLUMNS and not _blank(cells[MAX_COLUMNS:]):
            raise _too_many_columns(number)
        cells = cells[:MAX_COLUMNS]
        if _blank(cells):
            return
        if self.headers is None:
            self.headers = ["" if c is None else str(c).strip() for c in cells]
            return
        if len(self.rows) >= MAX_ROWS:
            raise _too_many_rows()
        self.rows.append((number, cells))

    def table(self) -> Table:
        if self.headers is None:
            raise UnreadableFile(_("The file is empty."))
        return Table(self.headers, self.rows)


def read_csv(data: bytes) -> Table:
    text = decode(data)
    if "\x00" in text:
        raise UnreadableFile(_("This is not a text file (it contains binary data)."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # A cell may be as long as in Excel, no longer: a longer one is an error, not a 500.
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    collector = _Collector()
    start = 1  # the line a record starts on: the row number a spreadsheet shows
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise UnreadableFile(
                    _("Row %(row)d: a cell holds more than %(max)s characters.")
                    % {"row": start, "max": f"{MAX_CELL:,}"}
                ) from exc
            raise UnreadableFile(
                _(
                    'Row %(row)d: a quotation mark (") is not closed or stray; '
                    "the file cannot be read past it."
                )
                % {"row": start}
            ) from exc
        collector.add(start, cells)
        start = reader.line_num + 1
    return collector.table()


def _check_zip(data: bytes) -> zipfile.ZipFile:
    """The workbook's zip, if its directory promises nothing a bomb would; else UnreadableFile."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        if total > MAX_UNCOMPRESSED or (
            member.file_size > _RATIO_FROM and member.file_size / packed > MAX_RATIO
        ):
            raise UnreadableFile(
                _(
                    "The workbook unpacks to far more data than a spreadsheet holds "
                    "(a “zip bomb”); it was not opened."
                )
            )
    _check_shared(archive, {m.filename: m for m in members})
    _check_tokens(archive, members)
    return archive


# The longest piece of markup (a tag with its attributes, a comment) a workbook's XML may hold.
# Real ones are under a kilobyte; cell text does not count (expat hands it over as it goes).
MAX_TOKEN = 64 * 1024
_FEED = 1024 * 1024


def _check_tokens(archive: zipfile.ZipFile, members: list) -> None:
    """Refuse XML holding one huge piece of markup, before openpyxl parses it.

    Python's expat (2.5 here; 2.6 defers the reparse) rescans an unfinished token on every
    chunk it is fed, and openpyxl feeds small chunks: one 20 MB comment in a 350 KB file of an
    ordinary packing ratio kept a worker busy for 44 s, 40 MB for 270 s (a hostile review;
    growth is quadratic). Here each XML part is fed to expat in 1 MB blocks, so a token costs
    at most a few rescans, and the part is refused as soon as more than MAX_TOKEN bytes are
    pending after the last event expat saw: no real workbook comes near it. A part expat cannot
    parse is one openpyxl could not read either."""
    from xml.parsers import expat

    for member in members:
        if not member.filename.endswith((".xml", ".rels")):
            continue
        parser = expat.ParserCreate()
        fed = 0
        try:
            with archive.open(member) as source:
                while block := source.read(_FEED):
                    parser.Parse(block, False)
                    fed += len(block)
                    if fed - parser.CurrentByteIndex > MAX_TOKEN:
                        raise UnreadableFile(
                            _(
                                "The workbook holds markup no spreadsheet program writes "
                                "(%(part)s); it was not read. Save it again from Excel or WPS, "
                                "or as CSV."
                            )
                            % {"part": member.filename}
                        )
                parser.Parse(b"", True)
        except UnreadableFile:
            raise
        except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc


def _too_many_strings() -> UnreadableFile:
    return UnreadableFile(
        _(
            "The workbook holds far more text than its sheet uses (an oversized shared-string "
            "table); it was not opened. Save the sheet in a new workbook and try again."
        )
    )


def _check_shared(archive: zipfile.ZipFile, members: dict) -> None:
    """Refuse a shared-string table bigger than MAX_SHARED_BYTES or with more strings than the
    worksheets have room for, counted as the table unpacks and stopped at the first excess: a
    hostile table is refused after a few kilobytes, a real one costs a fraction of a second."""
    from defusedxml.ElementTree import fromstring
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS, WORKSHEET_TYPE

    try:
        manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
    except Exception:  # no or a broken manifest: openpyxl refuses the file itself
        return
    shared = manifest.find(SHARED_STRINGS)
    member = shared and members.get(shared.PartName.lstrip("/"))
    if member is None:
        return
    if member.file_size > MAX_SHARED_BYTES:
        raise _too_many_strings()
    cells = sum(
        members[o.PartName.lstrip("/")].file_size
        for o in manifest.Override
        if o.ContentType == WORKSHEET_TYPE and o.PartName.lstrip("/") in members
    )
    room = cells // _CELL_BYTES + _SHARED_SLACK
    count, tail = 0, b""
    try:
        with archive.open(member) as source:
            while chunk := source.read(256 * 1024):
                block = tail + chunk  # a tag cut in two by the chunks is counted once
                count += sum(1 for m in _SI.finditer(block) if m.end() > len(tail))
                if count > room:
                    raise _too_many_strings()
                tail = block[-64:]
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc


def read_xlsx(data: bytes) -> Table:
    _check_zip(data)
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or hostile file
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc
    collector = _Collector()
    try:
        if not workbook.worksheets:
            raise UnreadableFile(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        # The declared size ("A1:XFD1048576") is what made openpyxl pad billions of cells.
        if (sheet.max_row or 0) > MAX_ROWS + 1000:
            raise _too_many_rows()
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise _too_many_columns(1)
        with sheet._get_source() as source:
            parser = WorkSheetParser(
                source,
                sheet._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            # Rows as they are in the file, gaps not filled in.
            for number, parsed in parser.parse():
                width = max((c["column"] for c in parsed), default=0)
                if width > MAX_COLUMNS:
                    raise _too_many_columns(number)
                cells = [None] * width
                for cell in parsed:
                    value = cell["value"]
                    if isinstance(value, str) and len(value) > MAX_CELL:
                        raise _too_long(number, cell["column"])
                    cells[cell["column"] - 1] = value
                collector.add(number, cells)
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged sheet, forbidden XML entities (defusedxml), ...
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc
    finally:
        workbook.close()
    return collector.table()


def read_table(data: bytes, name: str) -> Table:
    """The first sheet (or the CSV) as headers and numbered rows; blank rows are dropped."""
    return read_xlsx(data) if file_format(name) == "xlsx" else read_csv(data)
