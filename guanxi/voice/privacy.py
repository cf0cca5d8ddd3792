"""A customer's rights reach the reviews (guanxi.privacy sits below this app and cannot know
them): registered in apps.py.

- Erasure (services_common.customer_erased, sent by privacy's erase_customer before it scrubs
  the trail): every review linked to the customer is unlinked and its text removed (a review's
  text may hold the name and phone), with the keywords the analysis took from it and the
  platform's review id (the way back to the original text); the rating, date and source stay
  for the figures. Each review's erasure is audited by the erasing user. The stored results of
  the sets concerned were computed from the old texts (keywords, pairs, negative factors):
  they are deleted at once (audited) and the set marked pending, then analysed again once the
  erasure commits — at once for a small set, on the worker for a large one, as an import.
- Subject-access export: the customer's reviews, as the "reviews" section of
  export_personal_data.
"""

from django.db import transaction

from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry

ERASED_TEXT = "—"


def customer_erased(sender, actor, customer, **kwargs):
    from .models import Review, ReviewResults, ReviewSet, SetStatus
    from .services import _analyse_or_schedule

    found = list(Review.objects.filter(customer_id=customer.pk).only("id", "customer_id"))
    if not found:
        return
    audit.record_many(
        actor,
        AuditEntry.Action.ERASE,
        found,
        changes={
            "customer": [customer.pk, None],
            "text": [None, ERASED_TEXT],
            "external_id": [None, ""],
            "keywords": [None, ""],
        },
    )
    Review.objects.filter(pk__in=[r.pk for r in found]).update(
        customer=None, text=ERASED_TEXT, external_id="", keywords=""
    )
    sets = list(ReviewSet.objects.filter(reviews__in=[r.pk for r in found]).distinct())
    for stale in ReviewResults.objects.filter(review_set__in=sets):
        audit.record(
            actor,
            AuditEntry.Action.DELETE,
            stale,
            changes={"as_of": [stale.as_of.isoformat(), None], "reason": [None, "erasure"]},
        )
        stale.delete()
    for review_set in sets:
        ReviewSet.objects.filter(pk=review_set.pk).update(status=SetStatus.PENDING, progress=0)
        audit.record(
            actor,
            AuditEntry.Action.UPDATE,
            review_set,
            changes={"status": [review_set.status, SetStatus.PENDING]},
        )
        transaction.on_commit(lambda s=review_set: _analyse_or_schedule(actor, s))


def personal_data(customer) -> list[dict]:
    """The reviews linked to the customer, with their set."""
    from .models import Review

    return [
        {
            "review_set": review.review_set.name,
            "source": review.source,
            "date": review.date.isoformat() if review.date else None,
            "rating": review.rating,
            "text": review.text,
            "external_id": review.external_id,
        }
        for review in Review.objects.filter(customer_id=customer.pk)
        .select_related("review_set")
        .order_by("review_set_id", "row", "id")
    ]
