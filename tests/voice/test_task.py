"""A large import is analysed on the worker: the set waits, the task computes and stores the
findings, and the progress is kept on the set as it goes."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.dataio.readers import read_table
from guanxi.voice.models import ReviewResults, SetStatus
from guanxi.voice.services import ANALYSE_AT_ONCE, import_reviews
from guanxi.voice.tasks import analyse_review_set


def big_file(n: int) -> bytes:
    rows = ["评论,评分"]
    for i in range(n):
        if i % 2:
            rows.append("排队太久，门票太贵,1")
        else:
            rows.append("过山车刺激，服务态度好,5")
    return "\n".join(rows).encode()


def test_a_large_set_is_queued_then_the_task_stores_results_with_progress(
    rep1, django_capture_on_commit_callbacks
):
    n = ANALYSE_AT_ONCE + 100
    table = read_table(big_file(n), "big.csv")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        review_set, result = import_reviews(rep1, table, {"name": "大文件"})
    assert result.created == n
    assert review_set.status == SetStatus.PENDING and review_set.progress == 0
    assert len(callbacks) == 1  # the task, queued once the reviews are committed
    assert not ReviewResults.objects.filter(review_set=review_set).exists()

    with CaptureQueriesContext(connection) as queries:
        analyse_review_set.call_local(review_set.pk)

    review_set.refresh_from_db()
    assert review_set.status == SetStatus.DONE and review_set.progress == 100
    progress = [q["sql"] for q in queries.captured_queries if 'SET "progress"' in q["sql"]]
    # segmenting: after 500 and after 600 texts; storing the keywords: after 600 (one batch)
    assert len(progress) >= 3
    results = ReviewResults.objects.get(review_set=review_set)
    assert results.summary["reviews"] == n
    assert results.summary["low_reviews"] == n // 2
    assert {k["keyword"] for k in results.keywords} == {
        "排队",
        "太久",
        "门票",
        "太贵",
        "过山车",
        "刺激",
        "服务态度",
        "好",
    }
    factors = {f["keyword"] for f in results.negative_factors}
    assert {"排队", "太久", "门票", "太贵"} <= factors
    assert "过山车" not in factors
    # every review now carries its keywords for the list's filter
    assert review_set.reviews.filter(keywords__contains=" 排队 ").count() == n // 2
