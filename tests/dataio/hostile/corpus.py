"""Hostile files for the importer, made on demand (bombs are small packed, huge unpacked).

    python tests/dataio/hostile/corpus.py OUTDIR     # write them out to try by hand

Each entry: (file name, bytes, what must happen): "refused" (nothing imported, a message),
or the number of customers a successful import creates (all or nothing either way).
"""

import io
import random
import sys
import zipfile
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{extra}</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "{extra}</Relationships>"
)
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def inline(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def header_and_row(name: str = "张三") -> str:
    return (
        f'<row r="1">{inline("A1", "姓名")}{inline("B1", "手机")}</row>'
        f'<row r="2">{inline("A2", name)}{inline("B2", "13812345678")}</row>'
    )


def xlsx(sheet: str | bytes, *, shared: str | None = None) -> bytes:
    """A minimal workbook around one sheet's XML (and optionally a sharedStrings part)."""
    buffer = io.BytesIO()
    extra_type = extra_rel = ""
    if shared is not None:
        extra_type = (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        extra_rel = (
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(extra=extra_type))
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(extra=extra_rel))
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return buffer.getvalue()


def sheet(rows: str, *, dimension: str = "", doctype: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return SHEET_HEAD.format(doctype=doctype, dimension=dim) + rows + SHEET_TAIL


def zip_bomb() -> bytes:
    """A sheet of 60 MB of empty rows, packed about 1,000 times."""
    row = b'<row r="3"><c r="A3"/></row>'
    body = sheet(header_and_row()).encode()
    head, tail = body[: -len(SHEET_TAIL)], SHEET_TAIL.encode()
    return xlsx(head + row * (60_000_000 // len(row)) + tail)


def shared_strings_flood(count: int = 1_800_000) -> bytes:
    """A two-cell sheet over 1.8 million distinct two-letter shared strings (32 MB unpacked,
    packed 7.5 times: no zip bomb): openpyxl spent 32 s and 447 MB loading them."""
    letters = [chr(c) for c in range(0x4E00, 0x4E00 + 1342)]
    strings = "".join(f"<si><t>{a}{b}</t></si>" for a in letters for b in letters[: count // 1342])
    return xlsx(
        sheet(
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
            dimension="A1:B1",
        ),
        shared='<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' count="2" uniqueCount="{count}">{strings}</sst>',
    )


def huge_markup(kind: str, size: int = 4_000_000) -> bytes:
    """A sheet whose sizes and packing are honest (ratio ~60, no bomb) with one huge piece of
    markup before its rows: a comment, or a start tag whose attribute holds a '>' every 60
    bytes. Python's expat rescans an unfinished token on each small chunk openpyxl feeds it:
    a 20 MB comment (a 350 KB upload) kept a worker busy for 44 s (a hostile review)."""
    rng = random.Random(size)
    filler = bytearray(b" " * size)
    for i in range(0, size, 60):
        filler[i] = rng.choice(b"abcdefghij>" if kind == "tag" else b"abcdefghij")
    piece = b"<!--" + bytes(filler) + b"-->" if kind == "comment" else b'<x a="' + filler + b'"/>'
    body = sheet(header_and_row()).encode()
    return xlsx(body.replace(b"<sheetData>", piece + b"<sheetData>", 1))


def csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def corpus() -> list[tuple[str, bytes, object]]:
    rng = random.Random(20261130)
    good = "姓名,手机\n张三,13812345678\n李四,13912345678\n"
    return [
        ("zip_bomb.xlsx", zip_bomb(), "refused"),
        ("huge_comment.xlsx", huge_markup("comment"), "refused"),
        ("huge_tag.xlsx", huge_markup("tag"), "refused"),
        (
            "declared_huge.xlsx",  # the 1.6 KB file that cost 134 s: billions of padded cells
            xlsx(
                sheet(
                    header_and_row() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                    dimension="A1:XFD1048576",
                )
            ),
            "refused",
        ),
        (
            "far_cell.xlsx",  # no declared size, one cell far to the right
            xlsx(sheet(header_and_row() + '<row r="3"><c r="XFD3"><v>1</v></c></row>')),
            "refused",
        ),
        (
            "far_row.xlsx",  # a lone row a million rows down: read, not padded
            xlsx(sheet(header_and_row() + f'<row r="1048576">{inline("A1048576", "王五")}</row>')),
            2,
        ),
        ("laughs_sheet.xlsx", xlsx(sheet(header_and_row("&lol9;"), doctype=LAUGHS)), "refused"),
        (
            "laughs_shared.xlsx",
            xlsx(
                sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                shared=LAUGHS.replace("lolz", "sst")
                + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
                ' count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>',
            ),
            "refused",
        ),
        ("shared_strings_flood.xlsx", shared_strings_flood(), "refused"),
        ("garbage.xlsx", rng.randbytes(4096), "refused"),
        ("garbage.csv", rng.randbytes(4096), "refused"),
        ("zip_not_xlsx.xlsx", _plain_zip(), "refused"),
        ("huge_cell.csv", csv("姓名,手机\n" + "长" * 131_072 + ",13812345678\n"), "refused"),
        (
            "huge_cell.xlsx",
            xlsx(sheet(header_and_row("长" * 40_000))),
            "refused",
        ),
        (
            "quote_unclosed.csv",
            csv('姓名,手机\n张三,13812345678\n"李四,13912345678\n王五,13712345678\n'),
            "refused",
        ),
        (
            "quote_swallows_rows.csv",  # the quote closes three rows later: one "name" of 3 rows
            csv(
                '姓名,手机\n"张三,13812345678\n李四,13912345678\n王五",13712345678\n赵六,13612345678\n'
            ),
            "refused",
        ),
        ("gb18030.csv", csv(good, "gb18030"), 2),
        ("utf16.csv", csv(good.replace(",", "\t"), "utf-16"), 2),
        (
            "control_chars.csv",
            csv("姓名,手机\n张\x01三,13812345678\n李四,139\x0012345678\n"),
            "refused",
        ),
        (
            "control_chars_only.csv",
            csv("姓名,手机\n张\x01三,13812345678\n李四\x7f,13912345678\n"),
            "refused",
        ),
        (
            "formulas.csv",  # imported as plain text: exports neutralise them again
            csv(
                '姓名,手机\n"=HYPERLINK(""http://evil.example"",""x"")",13812345678\n@SUM(1),13912345678\n'
            ),
            2,
        ),
        ("empty.csv", b"", "refused"),
        ("empty.xlsx", b"", "refused"),
        ("header_only.csv", csv("姓名,手机\n"), 0),
        (
            "columns_10000.csv",
            csv(",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("x" * 10_000) + "\n"),
            "refused",
        ),
        ("rows_100001.csv", csv("姓名\n" + "某\n" * 100_001), "refused"),
    ]


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-files")
    out.mkdir(parents=True, exist_ok=True)
    for name, data, expected in corpus():
        (out / name).write_bytes(data)
        print(f"{name:28} {len(data):>10,} bytes  expected: {expected}")
