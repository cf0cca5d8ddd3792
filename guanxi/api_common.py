"""What every API router shares: safe input types, error bodies (who may read or
write what, 403 vs 404, is decided in guanxi.accounts.scope).

Input types refuse at the boundary what the database would refuse later with a server error:
NUL characters (PostgreSQL cannot store them), lone surrogates (not encodable as UTF-8), ids and
integers beyond the columns' range, dates outside the years a CRM deals with, money with more
digits than the columns hold.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError
from pydantic import AfterValidator, BeforeValidator, ConfigDict

from guanxi.validation import (  # noqa: F401
    EARLIEST_YEAR,
    LATEST_YEAR,
    check_number_text,
    check_year,
    clean_text,
)

MAX_ID = 2**63 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
MAX_OFFSET = 10**9
MAX_PAGE = 100
_clean_text = clean_text
_in_years = check_year


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _not_a_number(message):
    """pydantic reads a number (-1, 0, "1e-308", "20240305") as a Unix timestamp, so
    "ordered_at": -1 was stored as 1969-12-31 past the year check: dates come as text only."""

    def check(value):
        if isinstance(value, int | float | Decimal) or (
            isinstance(value, str) and _NUMBER.fullmatch(value)
        ):
            raise ValueError(message())
        return value

    return BeforeValidator(check)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return value
    value = _in_years(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    # Python allows offsets up to ±24 h, PostgreSQL only up to ±15:59: store UTC.
    return value.astimezone(UTC)


def text(max_length: int, min_length: int = 0):
    """A string of at most `max_length` characters that a database can store."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length), AfterValidator(_clean_text)
    ]


# Numbers come as JSON numbers or strings; a string is read by int() or Decimal(), but one
# with an underscore ("1_000", Python's digit grouping) is refused (validation.check_number_text,
# the rule pages and imports follow too).
_NumberText = BeforeValidator(check_number_text)
Id = Annotated[int, _NumberText, Field(ge=1, le=MAX_ID)]
Int32 = Annotated[int, _NumberText, Field(ge=INT32_MIN, le=INT32_MAX)]
WholeNumber = Annotated[int, _NumberText]  # with its own Field(ge=..., le=...) where used
DecimalNumber = Annotated[Decimal, _NumberText]  # likewise
FloatNumber = Annotated[float, _NumberText]  # likewise
Money = Annotated[Decimal, _NumberText, Field(ge=0, max_digits=14, decimal_places=2)]
SignedMoney = Annotated[Decimal, _NumberText, Field(max_digits=14, decimal_places=2)]
_DayText = _not_a_number(lambda: _("Enter a date as YYYY-MM-DD."))
_MomentText = _not_a_number(lambda: _("Enter a date and time, e.g. 2024-03-05 14:30."))
Day = Annotated[date, _DayText, AfterValidator(_in_years)]
Moment = Annotated[datetime, _MomentText, AfterValidator(_aware)]
Limit = Annotated[
    int,
    _NumberText,
    Field(ge=1, le=INT32_MAX, description=f"Page size; at most {MAX_PAGE} rows are returned."),
]
Offset = Annotated[int, _NumberText, Field(ge=0, le=MAX_OFFSET)]

JsonScalar = (
    Annotated[str, Field(max_length=500), AfterValidator(_clean_text)]
    | bool
    | Int32
    | Annotated[float, _NumberText, Field(allow_inf_nan=False)]
    | None
)


class InSchema(Schema):
    """The base of every request body: a field the operation does not take is a 422 ("This
    field is not accepted here."), never silently ignored (an ignored `owner_id` or
    `assignee_id` would let a client believe it had changed something)."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


def errors(*codes: int) -> dict[int, Any]:
    """The error responses an operation documents, with their bodies."""
    return {code: ValidationErrorOut if code == 422 else ErrorOut for code in codes}


# Every authenticated operation can answer 401 (no or bad token) and 422 (bad parameters).
READ_ERRORS = errors(401, 422)
ONE_ERRORS = errors(401, 404, 422)
WRITE_ERRORS = errors(400, 401, 403, 404, 422)


def paginate(qs, limit: int, offset: int, item=None, *, count=None) -> dict:
    """The body of every API list: {"count": all rows, "items": one page of item(row)}.

    At most MAX_PAGE rows are returned whatever `limit` asks. `count`, when given, replaces the
    exact COUNT(*): a function of the queryset returning (n, exact), e.g.
    customers.queries.capped_count; the body then says "count_exact" too.
    """
    start, end = offset, offset + min(limit, MAX_PAGE)
    if count is None:
        body = {"count": qs.count()}
    else:
        n, exact = count(qs)
        body = {"count": n, "count_exact": exact}
    rows = qs[start:end]
    body["items"] = [item(row) for row in rows] if item else list(rows)
    return body


def forbidden(message: str | None = None) -> HttpError:
    return HttpError(403, message or _("You may not change this record."))


def active_user(user_id: int, field: str):
    """A colleague named by id in the input (owner, assignee, collaborator), or a 422."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError({field: [_("There is no active user with this id.")]})
    return user
