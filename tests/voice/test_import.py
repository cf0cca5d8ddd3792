"""Importing reviews: headers in either language, every bad row reported with its row and
column, nothing written unless the whole file is good, customers matched within the scope."""

import pytest

from guanxi.audit.models import AuditEntry
from guanxi.dataio.readers import read_table
from guanxi.voice.models import Review, ReviewResults, ReviewSet, SetStatus
from guanxi.voice.services import import_reviews

from .conftest import PARK_CSV


def load(user, body: str, name="r.csv", encoding="utf-8"):
    table = read_table(body.encode(encoding), name)
    return import_reviews(user, table, {"name": "测试", "source": ""}, file_name=name)


def test_a_chinese_file_is_imported_and_analysed_at_once(rep1):
    review_set, result = load(rep1, PARK_CSV)
    assert result.created == 5 and not result.errors
    assert review_set.status == SetStatus.DONE and review_set.progress == 100
    assert review_set.language == "zh" and review_set.review_count == 5
    reviews = list(review_set.reviews.all())
    assert [r.rating for r in reviews] == [1, 2, 5, 4, None]
    assert reviews[0].source == "携程" and str(reviews[0].date) == "2024-05-01"
    assert reviews[0].row == 2  # the spreadsheet's own row number
    assert reviews[0].keywords == " 太久 太贵 排队 门票 "
    results = ReviewResults.objects.get(review_set=review_set)
    assert results.keywords[0] == {"keyword": "太久", "reviews": 3, "count": 3}
    assert (results.pairs[0]["a"], results.pairs[0]["b"]) == ("刺激", "过山车")


def test_english_headers_gb18030_and_xlsx_are_read(rep1):
    body = "text,rating,date,source\n门票太贵,1,2024/5/1,Ctrip\n"
    review_set, result = load(rep1, body, encoding="gb18030")
    assert not result.errors
    assert review_set.reviews.get().text == "门票太贵"

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["内容", "评分"])
    book.active.append(["The queue was long", 2])
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), "r.xlsx")
    review_set, result = import_reviews(rep1, table, {"name": "英文"})
    assert review_set.language == "en"
    assert review_set.reviews.get().rating == 2


def test_every_bad_row_is_reported_and_nothing_is_written(rep1, customer_of):
    other_team = customer_of("rep2", name="华南客户")
    body = (
        "评论,评分,日期,客户编号\n"
        "很好,5,2024-05-01,\n"  # row 2: good
        "太贵,6,2024-05-01,\n"  # row 3: rating out of range
        "  ,3,2024-13-01,\n"  # row 4: empty review and a bad date
        f"一般,3,,{other_team.pk}\n"  # row 5: another team's customer
        "坏\x01字符,2,,\n"  # row 6: a control character
    )
    sets, reviews, audit = (
        ReviewSet.objects.count(),
        Review.objects.count(),
        AuditEntry.objects.count(),
    )
    review_set, result = load(rep1, body)
    assert review_set is None and not result.committed
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(3, "评分"), (4, "评论"), (4, "日期"), (5, "客户编号"), (6, "评论")}
    assert result.invalid_rows == 4
    assert "U+0001" in next(e.message for e in result.errors if e.row == 6)
    assert (ReviewSet.objects.count(), Review.objects.count()) == (sets, reviews)
    assert AuditEntry.objects.count() == audit


def test_a_file_without_a_review_column_is_refused(rep1):
    review_set, result = load(rep1, "评分,日期\n5,2024-05-01\n")
    assert review_set is None
    assert "评论" in result.errors[0].message


def test_the_export_formula_prefix_is_taken_off_and_nothing_runs(rep1):
    review_set, _result = load(rep1, "评论,评分\n'=HYPERLINK(1),3\n")
    assert review_set.reviews.get().text == "=HYPERLINK(1)"


def test_a_customer_in_scope_is_linked(rep1, customer_of):
    own = customer_of("rep1", name="张三")
    review_set, result = load(rep1, f"评论,评分,客户编号\n门票太贵,1,{own.pk}\n")
    assert review_set.reviews.get().customer_id == own.pk


def test_the_read_only_role_may_not_import(personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        load(personas["viewer"], PARK_CSV)


def test_the_import_and_its_reviews_are_audited(rep1, customer_of):
    own = customer_of("rep1", name="张三")
    review_set, _result = load(rep1, f"评论,评分,客户编号\n门票太贵,1,{own.pk}\n排队太久,2,\n")
    created = AuditEntry.objects.get(model="reviewset", object_id=str(review_set.pk))
    assert created.actor == rep1 and created.action == "create"
    assert created.changes["name"] == [None, "测试"]
    entries = AuditEntry.objects.filter(model="review").order_by("object_id")
    assert entries.count() == 2
    linked = entries.get(object_id=str(review_set.reviews.get(customer=own).pk))
    assert linked.customer_id == own.pk  # on the customer's own trail
    assert AuditEntry.objects.filter(model="reviewresults").count() == 1


def test_deleting_a_set_is_audited_and_only_for_its_importer_or_a_manager(rep1, rep2, manager):
    from django.core.exceptions import PermissionDenied

    from guanxi.voice.services import delete_review_set

    review_set, _result = load(rep1, PARK_CSV)
    with pytest.raises(PermissionDenied):
        delete_review_set(rep2, review_set)
    delete_review_set(manager, review_set)
    assert not ReviewSet.objects.filter(pk=review_set.pk).exists()
    assert not Review.objects.filter(review_set_id=review_set.pk).exists()
    entry = AuditEntry.objects.get(model="reviewset", action="delete")
    assert entry.actor == manager
    assert AuditEntry.objects.filter(model="review", action="delete").count() == 5
