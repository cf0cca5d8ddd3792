"""A customer's rights reach the reviews: erasure unlinks its reviews and removes their text
(audited), the set's stored results are analysed again without it; the subject-access export
lists the customer's reviews."""

from guanxi.audit.models import AuditEntry
from guanxi.dataio.readers import read_table
from guanxi.privacy.services import erase_customer, export_personal_data
from guanxi.voice.models import Review, ReviewResults, SetStatus
from guanxi.voice.services import import_reviews

from .conftest import PARK_CSV


def _load(user, customer):
    secret = "".join(
        f"王秘密电话13912345678排队太久,{rating},2024-06-0{day},携程,{customer.pk},R{day}\n"
        for day, rating in ((1, 1), (2, 2), (3, 1))
    )
    park = "".join(f"{row},,\n" for row in PARK_CSV.splitlines()[1:])
    body = "评论,评分,日期,来源,客户编号,评论编号\n" + park + secret
    review_set, result = import_reviews(
        user, read_table(body.encode(), "r.csv"), {"name": "点评"}, file_name="r.csv"
    )
    assert not result.errors, result.errors
    return review_set


def test_erasure_unlinks_the_reviews_removes_their_text_and_reanalyses(
    personas, customer_of, django_capture_on_commit_callbacks
):
    customer = customer_of("rep1", name="王秘密")
    other = customer_of("rep1", name="李四")
    review_set = _load(personas["rep1"], customer)
    before = ReviewResults.objects.get(review_set=review_set)
    # the customer's texts are in the stored results ("电话" is only in them)
    assert "电话" in [k["keyword"] for k in before.keywords]
    assert Review.objects.filter(customer=customer).count() == 3

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        erase_customer(personas["manager"], customer)
        # until the analysis runs again, no result built on the old texts is kept
        assert not ReviewResults.objects.filter(review_set=review_set).exists()
    assert callbacks

    assert not Review.objects.filter(customer=customer).exists()
    erased = Review.objects.filter(review_set=review_set, rating__in=[1, 2], source="携程")
    erased = erased.filter(date__month=6)
    assert erased.count() == 3
    for review in erased:
        assert review.customer_id is None and review.text == "—"
        assert review.keywords == "" and review.external_id == ""
    assert sorted(r.rating for r in erased) == [1, 1, 2]  # the figures stay
    review_set.refresh_from_db()
    assert review_set.status == SetStatus.DONE
    after = ReviewResults.objects.get(review_set=review_set)
    stored = str([after.keywords, after.pairs, after.negative_factors, after.summary])
    assert "电话" not in stored and "13912345678" not in stored and "秘密" not in stored
    assert after.summary["reviews"] == 8
    entries = AuditEntry.objects.filter(model="review", action="erase", actor=personas["manager"])
    assert entries.count() == 3 and set(entries.values_list("customer_id", flat=True)) == {
        customer.pk
    }
    trail = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert "13912345678" not in trail
    assert AuditEntry.objects.filter(model="reviewresults", action="delete").exists()
    assert export_personal_data(other)["reviews"] == []


def test_the_export_lists_the_customers_reviews(personas, customer_of):
    customer = customer_of("rep1", name="王秘密")
    _load(personas["rep1"], customer)
    reviews = export_personal_data(customer)["reviews"]
    assert len(reviews) == 3
    assert reviews[0]["text"] == "王秘密电话13912345678排队太久"
    assert reviews[0]["rating"] == 1 and reviews[0]["external_id"] == "R1"
    assert reviews[0]["review_set"] == "点评" and reviews[0]["date"] == "2024-06-01"
