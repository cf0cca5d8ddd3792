"""Hostile files through the import page and the command: never a 5xx, always a clear message,
never half-written, and bombs refused at once. The corpus is tests/dataio/hostile/corpus.py."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.audit.models import AuditEntry
from guanxi.cli import main as guanxi
from guanxi.customers.models import Customer
from guanxi.dataio.readers import UnreadableFile, read_table

from .hostile.corpus import corpus, sheet, xlsx, zip_bomb

CORPUS = corpus()
# With "import the valid rows", a file whose bad rows are rejected one by one keeps its good ones.
VALID_ROWS_KEPT = {"quote_swallows_rows.csv": 1}
IDS = [name for name, _data, _expected in CORPUS]


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    """`guanxi ...` closes every connection when it ends; keep the test's (PostgreSQL)."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def counts():
    return Customer.objects.count(), AuditEntry.objects.count()


@pytest.mark.parametrize(("name", "data", "expected"), CORPUS, ids=IDS)
@pytest.mark.parametrize("skip_invalid", [False, True], ids=["all-or-nothing", "skip-invalid"])
def test_hostile_file_through_the_page(client, rep1, name, data, expected, skip_invalid):
    client.force_login(rep1)
    before = counts()
    form = {"kind": "customers", "file": SimpleUploadedFile(name, data)}
    if skip_invalid:
        form["skip_invalid"] = "on"

    # when
    started = time.perf_counter()
    response = client.post("/data/import/", form)
    took = time.perf_counter() - started

    # then no server error, and either all of it or none of it
    assert response.status_code < 500
    assert took < 30
    if skip_invalid and name in VALID_ROWS_KEPT:
        expected = VALID_ROWS_KEPT[name]
        assert response.context["result"].errors
    if expected == "refused":
        assert response.status_code == 422
        assert counts() == before
        messages = _messages(response)
        assert messages, "the user is told why"
        assert all(len(m) > 4 for m in messages)
    else:
        assert response.status_code == 200
        assert response.context["result"].created == expected
        assert counts() == (before[0] + expected, before[1] + expected)


@pytest.mark.parametrize(("name", "data", "expected"), CORPUS, ids=IDS)
def test_hostile_file_through_the_command(manager, tmp_path, capsys, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    before = counts()

    # when
    status = guanxi(["import", "customers", str(path)])

    # then a message and an exit status, never a traceback
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if expected == "refused":
        assert status != 0
        assert counts() == before
        assert err.strip() or out.strip()
    else:
        assert status == 0
        assert counts() == (before[0] + expected, before[1] + expected)
        assert f"Imported {expected} new customers" in out


def _messages(response) -> list[str]:
    if "result" in response.context:
        return [e.message for e in response.context["result"].errors]
    form = response.context["form"]
    return [str(m) for messages in form.errors.values() for m in messages]


def test_a_zip_bomb_is_refused_in_under_a_second():
    data = zip_bomb()  # 60 MB of sheet XML in about 60 KB
    import openpyxl  # noqa: F401 - the library's first import is not the file's cost

    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="zip bomb|压缩炸弹"):
        read_table(data, "bomb.xlsx")
    assert time.perf_counter() - started < 1


def test_the_134_second_file_is_refused_at_once():
    name, data, _expected = next(c for c in CORPUS if c[0] == "declared_huge.xlsx")
    assert len(data) < 2000
    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="100,000"):
        read_table(data, name)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("name", ["huge_comment.xlsx", "huge_tag.xlsx"])
def test_one_huge_piece_of_markup_is_refused_in_under_a_second(name):
    data = next(c[1] for c in CORPUS if c[0] == name)
    assert len(data) < 200_000  # 4 MB of XML packed about 60 times: no zip bomb
    import openpyxl  # noqa: F401 - the library's first import is not the file's cost

    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="markup|标记"):
        read_table(data, name)
    assert time.perf_counter() - started < 1


def test_a_real_workbook_passes_the_markup_check():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名", "手机", "备注"])
    for i in range(2000):
        book.active.append([f"客户{i}", f"1381234{i:04d}", "长" * 30_000 if i == 7 else "x"])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), "real.xlsx")  # a 30,000-character cell is text
    assert len(table.rows) == 2000 and len(table.rows[7][1][2]) == 30_000


def test_rows_swallowed_by_a_quote_are_named(client, rep1):
    client.force_login(rep1)
    name, data, _expected = next(c for c in CORPUS if c[0] == "quote_swallows_rows.csv")
    response = client.post(
        "/data/import/", {"kind": "customers", "file": SimpleUploadedFile(name, data)}
    )
    errors = response.context["result"].errors
    assert [(e.row, e.column) for e in errors] == [(2, "姓名")]
    assert "quotation mark" in errors[0].message or "引号" in errors[0].message


def test_control_characters_are_named_by_row_and_column(client, rep1):
    client.force_login(rep1)
    name, data, _expected = next(c for c in CORPUS if c[0] == "control_chars_only.csv")
    response = client.post(
        "/data/import/",
        {"kind": "customers", "file": SimpleUploadedFile(name, data)},
    )
    errors = response.context["result"].errors
    assert [(e.row, e.column) for e in errors] == [(2, "姓名"), (3, "姓名")]
    assert "U+0001" in errors[0].message and "U+007F" in errors[1].message


def shared_string_workbook(rows: int) -> bytes:
    """A workbook as Excel saves it: every cell a distinct shared string."""
    cells = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>{2 * r - 2}</v></c>'
        f'<c r="B{r}" t="s"><v>{2 * r - 1}</v></c></row>'
        for r in range(1, rows + 2)
    )
    strings = "<si><t>姓名</t></si><si><t>手机</t></si>" + "".join(
        f"<si><t>客户{r}</t></si><si><t>138{r:08d}</t></si>" for r in range(1, rows + 1)
    )
    return xlsx(
        sheet(cells),
        shared='<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{strings}</sst>",
    )


def test_a_flood_of_shared_strings_is_refused_in_under_a_second():
    name, data, _expected = next(c for c in CORPUS if c[0] == "shared_strings_flood.xlsx")
    assert len(data) < 5_000_000  # 1.8 million strings, 40 MB unpacked, packed 8 times
    import openpyxl  # noqa: F401 - the library's first import is not the file's cost

    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="shared-string|共享字符串"):
        read_table(data, name)
    assert time.perf_counter() - started < 1


def test_a_shared_string_table_over_the_cap_is_refused(monkeypatch):
    from guanxi.dataio import readers

    monkeypatch.setattr(readers, "MAX_SHARED_BYTES", 1000)
    with pytest.raises(UnreadableFile, match="shared-string|共享字符串"):
        read_table(shared_string_workbook(100), "big.xlsx")


def test_a_workbook_whose_cells_use_its_shared_strings_is_read():
    table = read_table(shared_string_workbook(30_000), "real.xlsx")  # 60,002 strings
    assert table.headers == ["姓名", "手机"]
    assert len(table.rows) == 30_000
    assert table.rows[-1] == (30_001, ["客户30000", "13800030000"])
