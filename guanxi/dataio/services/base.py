"""What customer and order imports share: the per-row report, reading a cell, the acting user.

Imports check the whole file first, holding no write transaction (other users keep reading and
writing), and then write in one short transaction, all or nothing; with skip_invalid the valid
rows are written and every invalid one reported. A row's errors are all reported at once.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError
from django.utils.translation import gettext as _

from guanxi.validation import clean_text

from ..columns import CellError, column_header
from ..readers import Table

# What a database may answer to one bad row that validation let through: an integrity or data
# error, or a number too large for SQLite's integers.
ROW_WRITE_ERRORS = (DatabaseError, OverflowError)
# Formula-like cells an export wrote as '=... (the OWASP prefix) are read back without the '.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    lines: int = 0  # order lines written, for order imports
    rejected: int = 0  # customer rows or whole orders not imported because of errors
    errors: list[RowError] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)  # skipped rows and why
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = True

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def imported(self) -> int:
        return self.created + self.updated if self.committed else 0

    @property
    def failed(self) -> bool:
        """Nothing was imported because of errors: the command exits non-zero."""
        return bool(self.errors) and self.imported == 0


class RowInvalid(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(errors)
        self.errors = errors


Progress = Callable[[int], None] | None


def is_busy(exc: Exception) -> bool:
    """The database is locked by another writer (SQLite), past the connection's wait."""
    return isinstance(exc, OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def busy_message() -> str:
    return _(
        "The database is busy with another large change; nothing was imported. Try again in a minute."
    )


def validation_errors(row: int, exc: ValidationError, label: Callable[[str], str]):
    if hasattr(exc, "error_dict"):
        return [
            RowError(row, label(name), message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [RowError(row, "", message) for message in exc.messages]


def write_failed(row: int) -> RowError:
    return RowError(
        row, "", _("The database refused this row (a value is out of range or not allowed).")
    )


def rows_with_errors(result: ImportResult) -> set[int]:
    return {e.row for e in result.errors}


class FileImport:
    """A file being imported: its matched columns (``positions``: name → column index)."""

    table: Table
    positions: dict[str, int]
    multiline: frozenset[str] = frozenset()  # columns whose cells may hold line breaks

    def label(self, name: str) -> str:
        """The file's own header of a column, for error reports."""
        return column_header(self.table.headers, self.positions, name)

    def cell(self, cells: list, name: str):
        index = self.positions.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    def value(self, cells: list, name: str):
        """The cell as it came (a number, a date) or, if text, checked text: no control
        characters, no line breaks where the column has none (the sign of an unbalanced quote
        that swallowed the next rows), the export's formula prefix ' taken off."""
        raw = self.cell(cells, name)
        if not isinstance(raw, str):
            return raw
        if ("\n" in raw or "\r" in raw) and name not in self.multiline:
            raise CellError(
                _(
                    'The cell runs over several lines; a quotation mark (") is probably not '
                    "closed and swallowed the rows after it."
                )
            )
        try:
            clean_text(raw)
        except ValueError as exc:
            raise CellError(str(exc)) from exc
        if raw.startswith("'") and raw[1:].startswith(_FORMULA_STARTS):
            raw = raw[1:]
        return raw


def acting_user(username: str | None = None):
    """Who a command-line import or export acts as.

    With a username, that active user. Without one, the first superuser, else the first
    manager whose data scope is "all": the administrator running the command on the server.
    Returns None when there is no such user.
    """
    from guanxi.accounts.models import DataScope, Role

    users = get_user_model().objects.filter(is_active=True)
    if username:
        return users.filter(username=username).first()
    return (
        users.filter(is_superuser=True).order_by("pk").first()
        or users.filter(profile__role=Role.MANAGER, profile__data_scope=DataScope.ALL)
        .order_by("pk")
        .first()
    )


class TooManyOutside(Exception):  # noqa: N818 (ends an import, reported as its one error)
    """A row matched a record outside the importing user's scope past their 查重 budget."""


def spend_outside_check(user) -> None:
    """A row whose answer tells that a value belongs to a record outside the user's scope (a
    customer's mobile or member card, an order's number) is one 查重 of that record: it
    spends the user's budget as the dedicated check does; past it, TooManyOutside."""
    from guanxi.customers.services import spend_duplicate_checks
    from guanxi.services_common import TooManyRequests

    try:
        spend_duplicate_checks(user)
    except TooManyRequests:
        raise TooManyOutside from None


def refused_for_outside(result: "ImportResult") -> "ImportResult":
    """The import's answer past the budget: the whole file refused with one error and no
    row's answer (which rows matched would still tell, as the budget's own message)."""
    from django.conf import settings

    refused = ImportResult(result.kind, rows=result.rows, committed=False)
    refused.errors.append(
        RowError(
            1,
            "",
            _(
                "More rows of this file match records outside your scope than your "
                "duplicate checks allow (%(limit)d a minute); nothing was imported. Ask "
                "your manager to import it."
            )
            % {"limit": settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE},
        )
    )
    return refused
