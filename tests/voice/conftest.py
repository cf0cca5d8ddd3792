"""Review-mining tests: page and API clients of the other suites, files to import."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import anonymous, api_as  # noqa: F401
from tests.pages.conftest import client_for, htmx  # noqa: F401

PARK_CSV = (
    "评论,评分,日期,来源\n"
    "门票太贵，排队太久,1,2024-05-01,携程\n"
    "排队太久，服务态度差,2,2024-05-02,携程\n"
    "服务态度好，过山车刺激,5,2024-05-03,大众点评\n"
    "过山车刺激，门票太贵,4,2024-05-04,大众点评\n"
    "排队太久,,2024-05-05,携程\n"
)


def csv_upload(body: str, name: str = "reviews.csv", encoding: str = "utf-8"):
    return SimpleUploadedFile(name, body.encode(encoding), content_type="text/csv")


def xlsx_upload(rows: list[list], name: str = "reviews.xlsx"):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def park_set(personas):
    """The five theme-park reviews imported by rep1 (analysed at once: a small set)."""
    from guanxi.dataio.readers import read_table
    from guanxi.voice.services import import_reviews

    table = read_table(PARK_CSV.encode(), "parks.csv")
    review_set, result = import_reviews(
        personas["rep1"], table, {"name": "主题公园点评", "source": "携程"}, file_name="parks.csv"
    )
    assert not result.errors
    return review_set
