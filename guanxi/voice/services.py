"""Review sets: import, analysis and deletion — every write here, each audited (guanxi.audit).

An import reads the file with the import pages' own reader (guanxi.dataio.readers: size, row,
column and cell limits, GB18030, zip bombs) and checks every cell with dataio's FileImport
(control characters, line breaks, the export's formula prefix), then writes all the reviews or
none: every bad row is reported with its row number and column. The analysis
(guanxi.analytics.reviews) runs at once for a small set and on the worker (tasks.py) for a
large one, its progress kept on the set.
"""

import contextlib
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.scope import (
    require_change_review_set,
    require_import_reviews,
    review_customers,
)
from guanxi.analytics import reviews as engine
from guanxi.audit.models import AuditEntry
from guanxi.audit.services import record, record_rows
from guanxi.dataio.columns import CellError, match_headers, parse_date, text
from guanxi.dataio.readers import Table
from guanxi.dataio.services.base import FileImport, ImportResult, RowError
from guanxi.validation import Errors, check_number_text, check_text, is_blank

from .models import Review, ReviewResults, ReviewSet, SetLanguage, SetStatus

logger = logging.getLogger(__name__)

# (field, header aliases): Chinese or English, matched as dataio matches its own columns.
REVIEW_COLUMNS: list[tuple[str, tuple[str, ...]]] = [
    ("text", ("评论", "内容", "text", "评论内容", "评价", "评价内容", "review", "comment", "答案")),
    ("rating", ("评分", "rating", "星级", "score", "stars")),
    ("date", ("日期", "date", "评论日期", "评论时间", "review date")),
    ("customer_id", ("客户编号", "customer_id", "customer id", "客户ID")),
    ("source", ("来源", "source", "渠道", "平台")),
    ("external_id", ("评论编号", "review id", "review_id", "external id", "external_id")),
]
MAX_TEXT = 10_000
MAX_SOURCE = 100
MAX_EXTERNAL_ID = 100
# A set of at most this many reviews is analysed during the import's own request (about a
# second); a larger one on the worker, its progress shown on the set's page.
ANALYSE_AT_ONCE = 500
SET_FIELDS = ["name", "source", "language", "file_name", "review_count"]


class ReviewFile(FileImport):
    multiline = frozenset({"text"})

    def __init__(self, table: Table):
        self.table = table
        self.positions, self.unknown = match_headers(table.headers, REVIEW_COLUMNS)


def _column_label(name: str) -> str:
    return {
        "text": _("Review"),
        "rating": _("Rating"),
        "date": _("Date"),
        "customer_id": _("Customer ID"),
        "source": _("Source"),
        "external_id": _("Review ID"),
    }.get(name, name)


def _rating(value) -> int | None:
    raw = text(value)
    if not raw:
        return None
    try:
        raw = check_number_text(raw)
    except ValueError as exc:
        raise CellError(str(exc)) from None
    try:
        number = float(raw)
    except ValueError:
        number = None
    if number is None or not number.is_integer() or not 1 <= number <= 5:
        raise CellError(_("“%(value)s” is not a rating from 1 to 5.") % {"value": raw[:20]})
    return int(number)


def _short(value, limit: int) -> str:
    raw = text(value)
    try:
        check_text(raw, max_length=limit, multiline=False)
    except ValueError as exc:
        raise CellError(str(exc)) from exc
    return raw


def clean_set(data: dict) -> dict:
    """The set's own fields (name, source), checked; ValidationError with every error."""
    errors = Errors()
    name = errors.check(
        "name", check_text, data.get("name"), max_length=100, multiline=False, required=True
    )
    source = errors.check(
        "source", check_text, data.get("source") or "", max_length=MAX_SOURCE, multiline=False
    )
    errors.raise_any()
    return {"name": name.strip(), "source": source.strip()}


def read_reviews(user, table: Table) -> tuple[list[Review], ImportResult]:
    """The file's reviews, unsaved, and the report: every bad cell as a RowError."""
    result = ImportResult(kind="reviews", rows=len(table.rows))
    found = ReviewFile(table)
    result.ignored_columns = found.unknown
    if "text" not in found.positions:
        result.errors.append(
            RowError(
                1,
                "",
                _("The file has no review column: name one 评论, 内容 or text."),
            )
        )
        return [], result
    wanted_ids = set()
    for _number, cells in table.rows:
        raw = text(found.cell(cells, "customer_id"))
        if raw.isdigit() and len(raw) < 12:
            wanted_ids.add(int(raw))
    known = set(review_customers(user).filter(pk__in=wanted_ids).values_list("pk", flat=True))
    reviews = []
    for number, cells in table.rows:
        errors: list[RowError] = []
        values = {}

        def read(name, parse, number=number, cells=cells, errors=errors, values=values):
            try:
                values[name] = parse(found.value(cells, name))
            except CellError as exc:
                errors.append(RowError(number, found.label(name) or _column_label(name), str(exc)))

        read("text", text)
        read("rating", _rating)
        read("date", parse_date)
        read("source", lambda v: _short(v, MAX_SOURCE))
        read("external_id", lambda v: _short(v, MAX_EXTERNAL_ID))
        read("customer_id", text)
        body = values.get("text")
        if body is not None:
            if is_blank(body):
                errors.append(RowError(number, found.label("text"), _("The review is empty.")))
            elif len(body) > MAX_TEXT:
                errors.append(
                    RowError(
                        number,
                        found.label("text"),
                        _("A review may have at most %(max)d characters (it has %(length)d).")
                        % {"max": MAX_TEXT, "length": len(body)},
                    )
                )
        customer = values.get("customer_id") or ""
        customer_pk = None
        if customer:
            if customer.isdigit() and len(customer) < 12 and int(customer) in known:
                customer_pk = int(customer)
            else:
                errors.append(
                    RowError(
                        number,
                        found.label("customer_id"),
                        _("No customer with the id “%(value)s” that you may change.")
                        % {"value": customer[:20]},
                    )
                )
        if errors:
            result.errors.extend(errors)
            continue
        reviews.append(
            Review(
                customer_id=customer_pk,
                rating=values["rating"],
                text=body,
                date=values["date"],
                source=values["source"],
                external_id=values["external_id"],
                row=number,
            )
        )
    if not table.rows:
        result.errors.append(RowError(1, "", _("The file has no reviews.")))
    return reviews, result


def _language(reviews: list[Review]) -> str:
    chinese = sum(1 for r in reviews if engine.has_chinese(r.text))
    if chinese == len(reviews):
        return SetLanguage.ZH
    return SetLanguage.EN if chinese == 0 else SetLanguage.MIXED


def import_reviews(user, table: Table, data: dict, *, file_name: str = ""):
    """A new review set from the file, all or nothing: (the set or None, the report). With
    any bad row nothing is written and the report lists every one. A small set is analysed at
    once, a large one queued for the worker (after the commit)."""
    require_import_reviews(user)
    fields = clean_set(data)
    reviews, result = read_reviews(user, table)
    if result.errors:
        result.committed = False
        result.rejected = result.invalid_rows
        return None, result
    with transaction.atomic():
        review_set = ReviewSet.objects.create(
            **fields,
            language=_language(reviews),
            imported_by=user,
            file_name=(file_name or "")[:255],
            review_count=len(reviews),
        )
        for review in reviews:
            review.review_set = review_set
        Review.objects.bulk_create(reviews, batch_size=1000)
        if any(r.pk is None for r in reviews):  # a database that returns no ids (none today)
            reviews = list(review_set.reviews.order_by("pk"))
        record(user, AuditEntry.Action.CREATE, review_set, fields=SET_FIELDS)
        record_rows(
            user,
            AuditEntry.Action.CREATE,
            "review",
            (
                (
                    r.pk,
                    r.customer_id,
                    {"review_set": [None, review_set.pk], "rating": [None, r.rating]},
                )
                for r in reviews
            ),
        )
    result.created = len(reviews)
    _analyse_or_schedule(user, review_set)
    review_set.refresh_from_db()
    return review_set, result


def _analyse_or_schedule(user, review_set: ReviewSet) -> None:
    if review_set.review_count > ANALYSE_AT_ONCE:
        schedule(review_set)
        return
    # A failure is logged and shown on the set (status failed, "Analyse again"): the import
    # itself has succeeded and stays.
    with contextlib.suppress(Exception):
        analyse(review_set.pk, actor=user)


def schedule(review_set: ReviewSet) -> None:
    """The analysis on the worker, once the set is committed."""
    from .tasks import analyse_review_set

    set_id = review_set.pk
    transaction.on_commit(lambda: analyse_review_set(set_id))


def _progress(set_id: int, percent: int) -> None:
    ReviewSet.objects.filter(pk=set_id).update(progress=max(0, min(100, percent)))


def analyse(set_id: int, actor=None) -> ReviewResults | None:
    """Analyse a set (the worker's task, or at once for a small set, for `actor`): keywords
    stored on each review for the list's filter, the results stored on the set with their
    as-of time, the progress kept on the set as it goes (segmenting the texts is most of the
    work)."""
    review_set = ReviewSet.objects.filter(pk=set_id).first()
    if review_set is None:
        return None
    ReviewSet.objects.filter(pk=set_id).update(status=SetStatus.RUNNING, progress=0, error="")
    try:
        rows = list(review_set.reviews.order_by("pk").values_list("pk", "text", "rating"))
        tokens: dict = {}
        found = engine.analyze(
            (engine.Review(pk, body, rating) for pk, body, rating in rows),
            tokens=tokens,
            progress=lambda done, total: _progress(set_id, 80 * done // max(total, 1)),
        )
        batch = []
        for done, (pk, _body, _rating) in enumerate(rows, 1):
            words = tokens.get(pk, [])
            batch.append(Review(pk=pk, keywords=f" {' '.join(words)} " if words else ""))
            if len(batch) == 1000 or done == len(rows):
                Review.objects.bulk_update(batch, ["keywords"])
                batch = []
                _progress(set_id, 80 + 20 * done // max(len(rows), 1))
        with transaction.atomic():
            results, created = ReviewResults.objects.update_or_create(
                review_set_id=set_id,
                defaults={
                    "as_of": timezone.now(),
                    "keywords": found["keywords"],
                    "pairs": found["pairs"],
                    "negative_factors": found["negative_factors"],
                    "summary": {
                        k: found[k] for k in ("reviews", "low_reviews", "high_reviews", "params")
                    },
                },
            )
            record(
                actor,
                AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                results,
                changes={
                    "as_of": [None, results.as_of.isoformat()],
                    "keywords": [None, len(found["keywords"])],
                },
            )
            ReviewSet.objects.filter(pk=set_id).update(status=SetStatus.DONE, progress=100)
        return results
    except Exception:
        logger.exception("review set %s: the analysis failed", set_id)
        ReviewSet.objects.filter(pk=set_id).update(
            status=SetStatus.FAILED, error=_("The analysis failed; try again.")[:500]
        )
        raise


def reanalyse(user, review_set: ReviewSet) -> None:
    """Analyse the set again (after a failure, or with a newer engine): its importer or a
    manager."""
    require_change_review_set(user, review_set)
    ReviewSet.objects.filter(pk=review_set.pk).update(status=SetStatus.PENDING, progress=0)
    record(
        user,
        AuditEntry.Action.UPDATE,
        review_set,
        changes={"status": [review_set.status, SetStatus.PENDING]},
    )
    _analyse_or_schedule(user, review_set)


def delete_review_set(user, review_set: ReviewSet) -> None:
    """Delete a set with its reviews and results: its importer or a manager."""
    require_change_review_set(user, review_set)
    with transaction.atomic():
        record(user, AuditEntry.Action.DELETE, review_set, fields=SET_FIELDS)
        review_set.delete()


def validation_error(result: ImportResult) -> ValidationError:
    """The report's errors for the API: {"row N": ["column: message", ...]}."""
    errors: dict[str, list[str]] = {}
    for error in result.errors:
        key = _("row %(row)d") % {"row": error.row}
        errors.setdefault(key, []).append(
            _("%(label)s: %(error)s") % {"label": error.column, "error": error.message}
            if error.column
            else error.message
        )
    return ValidationError(errors)
