"""Review mining over the API: the sets, an import (multipart upload), a set's findings and
its reviews filtered by keyword. Every signed-in member of staff reads the sets; a review's
customer is named only to whoever may see that customer."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from guanxi.accounts.scope import require_import_reviews, require_see_reviews
from guanxi.api_common import ONE_ERRORS, READ_ERRORS, Id, Limit, Offset, errors, paginate, text
from guanxi.dataio.readers import UnreadableFile, read_table

from . import queries, services
from .forms import MAX_UPLOAD_MB
from .models import ReviewSet

router = Router(tags=["reviews"])


class ReviewSetOut(Schema):
    id: int
    name: str
    source: str
    language: str = Field(description="zh, en or mixed (detected from the texts).")
    status: str = Field(description="pending, running, done or failed.")
    progress: int = Field(description="Per cent of the analysis done.")
    review_count: int
    imported_by: int | None
    imported_at: datetime


class ReviewSetPage(Schema):
    count: int
    items: list[ReviewSetOut]


class KeywordOut(Schema):
    keyword: str
    reviews: int = Field(description="Reviews that mention the keyword.")
    count: int = Field(description="Mentions in all.")


class PairOut(Schema):
    a: str
    b: str
    reviews: int
    support: float
    lift: float
    pmi: float


class FactorOut(Schema):
    keyword: str
    low_reviews: int
    high_reviews: int
    low_count: int
    high_count: int
    log_odds: float
    z: float


class ReviewResultsOut(Schema):
    review_set: ReviewSetOut
    as_of: datetime | None = Field(description="When the findings were computed; null before.")
    reviews: int = 0
    low_reviews: int = 0
    high_reviews: int = 0
    keywords: list[KeywordOut] = []
    pairs: list[PairOut] = Field(
        default=[], description="Keyword pairs by lift (Brin et al. 1997), PMI = log2(lift)."
    )
    negative_factors: list[FactorOut] = Field(
        default=[],
        description="Keywords over-represented in reviews rated <= 2 vs >= 4: log-odds ratio "
        "with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008).",
    )


class ReviewOut(Schema):
    id: int
    row: int
    text: str
    rating: int | None
    date: date | None
    source: str
    external_id: str
    customer_id: int | None = Field(description="Only when the caller may see the customer.")
    customer_name: str | None


class ReviewPage(Schema):
    count: int
    items: list[ReviewOut]


def _set_out(review_set: ReviewSet) -> dict:
    return {
        "id": review_set.pk,
        "name": review_set.name,
        "source": review_set.source,
        "language": review_set.language,
        "status": review_set.status,
        "progress": review_set.progress,
        "review_count": review_set.review_count,
        "imported_by": review_set.imported_by_id,
        "imported_at": review_set.imported_at,
    }


def _set(request, set_id: int) -> ReviewSet:
    require_see_reviews(request.user)
    return get_object_or_404(ReviewSet, pk=set_id)


@router.get("/review-sets", response={200: ReviewSetPage, **READ_ERRORS})
def list_review_sets(request, limit: Limit = 25, offset: Offset = 0):
    """Every review set, newest first (every signed-in member of staff)."""
    require_see_reviews(request.user)
    return paginate(ReviewSet.objects.all(), limit, offset, _set_out)


@router.post("/review-sets", response={201: ReviewSetOut, **errors(400, 401, 403, 422)})
def import_review_set(
    request,
    file: File[UploadedFile],
    name: Form[str],
    source: Form[str | None] = None,
):
    """Import reviews from a CSV or XLSX file (multipart/form-data: `file`, `name`, `source`).

    Columns, Chinese or English: 评论/内容/text (required), 评分/rating (1–5), 日期/date,
    客户编号/customer_id (a customer the caller may change), 来源/source, 评论编号/review
    id. All or nothing: 422 lists every bad row as {"row N": ["column: message"]}. A small set
    is analysed at once (status done), a large one on the worker (poll GET
    /review-sets/{set_id} for its progress). Not for the read-only role (403).
    """
    if file.size > MAX_UPLOAD_MB * 1024 * 1024:
        raise ValidationError(
            {"file": [_("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_MB}]}
        )
    require_import_reviews(request.user)
    try:
        table = read_table(file.read(), file.name or "")
    except UnreadableFile as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    review_set, result = services.import_reviews(
        request.user, table, {"name": name, "source": source or ""}, file_name=file.name or ""
    )
    if review_set is None:
        raise services.validation_error(result)
    return Status(201, _set_out(review_set))


@router.get("/review-sets/{set_id}", response={200: ReviewResultsOut, **ONE_ERRORS})
def get_review_set(request, set_id: Id):
    """A set with its findings: keyword frequency, co-occurring pairs, negative factors."""
    review_set = _set(request, set_id)
    results = getattr(review_set, "results", None)
    body = {"review_set": _set_out(review_set), "as_of": None}
    if results is not None:
        body.update(
            as_of=results.as_of,
            reviews=results.summary.get("reviews", 0),
            low_reviews=results.summary.get("low_reviews", 0),
            high_reviews=results.summary.get("high_reviews", 0),
            keywords=results.keywords,
            pairs=results.pairs,
            negative_factors=results.negative_factors,
        )
    return body


@router.get("/review-sets/{set_id}/reviews", response={200: ReviewPage, **ONE_ERRORS})
def list_reviews(
    request,
    set_id: Id,
    keyword: text(50) = "",
    also: text(50) = "",
    rating: text(10) = "",
    limit: Limit = 25,
    offset: Offset = 0,
):
    """The set's reviews in file order, those mentioning `keyword` (and `also`) only when
    given; `rating` low (1–2), high (4–5) or unrated. A review's customer is named only when the caller may see that customer."""
    review_set = _set(request, set_id)
    filters, problems = queries.clean_filters({"keyword": keyword, "also": also, "rating": rating})
    if problems:
        raise ValidationError({k: [v] for k, v in problems.items()})
    page = paginate(queries.reviews(review_set, filters), limit, offset)
    rows = queries.with_customer_names(request.user, page["items"])
    page["items"] = [
        {
            "id": r.pk,
            "row": r.row,
            "text": r.text,
            "rating": r.rating,
            "date": r.date,
            "source": r.source,
            "external_id": r.external_id,
            "customer_id": r.customer_id if r.customer_name else None,
            "customer_name": r.customer_name or None,
        }
        for r in rows
    ]
    return page
