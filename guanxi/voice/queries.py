"""The reviews behind a keyword, a pair of keywords or a negative factor, and the names of
their customers as far as the reader may see them."""

from django.utils.translation import gettext as _

from guanxi.accounts.scope import customer_names

from .models import Review, ReviewSet

MAX_KEYWORD = 50
RATINGS = ("low", "high", "unrated")


def _keyword(value: str, errors: dict, name: str) -> str:
    value = (value or "").strip().lower()
    if not value:
        return ""
    if len(value) > MAX_KEYWORD or any(ch.isspace() for ch in value):
        errors[name] = _("A keyword is one word of at most %(max)d characters.") % {
            "max": MAX_KEYWORD
        }
        return ""
    return value


def clean_filters(params) -> tuple[dict, dict]:
    """({keyword, also, rating}, {name: message}) from a query string; a bad value is
    dropped with its message (the list then shows every review of the set)."""
    errors: dict[str, str] = {}
    rating = params.get("rating", "") or ""
    if rating and rating not in RATINGS:
        errors["rating"] = _("Choose low, high or unrated.")
        rating = ""
    filters = {
        "keyword": _keyword(params.get("keyword", ""), errors, "keyword"),
        "also": _keyword(params.get("also", ""), errors, "also"),
        "rating": rating,
    }
    return filters, errors


def reviews(review_set: ReviewSet, filters: dict):
    """The set's reviews holding the keyword (and the second one), of the rating group."""
    from guanxi.analytics.reviews import HIGH_RATING, LOW_RATING

    qs = Review.objects.filter(review_set=review_set)
    for name in ("keyword", "also"):
        if filters.get(name):
            qs = qs.filter(keywords__contains=f" {filters[name]} ")
    rating = filters.get("rating")
    if rating == "low":
        qs = qs.filter(rating__lte=LOW_RATING)
    elif rating == "high":
        qs = qs.filter(rating__gte=HIGH_RATING)
    elif rating == "unrated":
        qs = qs.filter(rating__isnull=True)
    return qs.order_by("row", "id")


def with_customer_names(user, rows: list[Review]) -> list[Review]:
    """Each review with `customer_name`: its customer's name if the user may see that
    customer (guanxi.accounts.scope), else empty — never another team's customer."""
    names = customer_names(user, [r.customer_id for r in rows])
    for review in rows:
        review.customer_name = names.get(review.customer_id, "")
    return rows
