"""Importing customers: checked row by row through the customers service, written in bulk.

Every row is checked by the same service code a page and the API use (clean_customer_data,
new_customer, update_customer). Duplicates are found by normalised mobile, e-mail and
external id, against the database (one query per batch of rows) and against earlier rows of the
same file. Merging only ever touches customers the importing user may change.

A match outside the user's scope is reported only for a row that is otherwise valid, without
its owner or the field that matched, and spends one check of the user's 查重 limit; past it the
whole file is refused (decide, base.spend_outside_check). Rows matching nothing or a customer in
the user's scope do not count (a real import has thousands); those matches name their owner.
"""

import contextlib
import gc

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from guanxi.accounts.scope import can_write, is_manager, visible_customers
from guanxi.accounts.services import profile_of
from guanxi.customers.models import Customer, CustomerKind, CustomerSource, CustomField
from guanxi.customers.services import (
    DuplicateBlocked,
    NewCustomers,
    clean_customer_data,
    new_customer,
    outside_scope_message,
    update_customer,
)

from ..columns import (
    CHOICE_PARSERS,
    CUSTOMER_COLUMNS,
    CellError,
    is_masked,
    match_headers,
    parse_bool,
    parse_date,
    parse_int,
    split_tags,
    text,
)
from ..readers import Table
from .base import (
    ROW_WRITE_ERRORS,
    FileImport,
    ImportResult,
    Progress,
    RowError,
    RowInvalid,
    TooManyOutside,
    is_busy,
    refused_for_outside,
    spend_outside_check,
    validation_errors,
    write_failed,
)

DUPLICATE_MODES = ("merge", "skip")
CUSTOM_PREFIX = "custom:"
KEYS = ("mobile", "email", "external_id")
BATCH = 1000  # rows checked against the database per query


class _Row:
    """A checked row: what to do with it."""

    def __init__(self, number: int, data: dict, tags, owner_name: str):
        self.number, self.data, self.tags, self.owner_name = number, data, tags, owner_name
        self.new: Customer | None = None  # to create
        # What to merge into: a customer's pk, or ("row", n) for the one row n of this file makes
        self.existing: int | tuple[str, int] | None = None


class _CustomerImport(FileImport):
    multiline = frozenset({"street", "delivery_address", "health_notes"})

    def __init__(self, user, table: Table, on_duplicate: str):
        self.user = user
        self.table = table
        self.on_duplicate = on_duplicate
        custom = {}
        self.has_custom_fields = False
        for definition in CustomField.objects.all():
            self.has_custom_fields = True
            custom[definition.key] = CUSTOM_PREFIX + definition.key
            custom[definition.label] = CUSTOM_PREFIX + definition.key
        self.positions, self.unknown = match_headers(table.headers, CUSTOMER_COLUMNS, custom)
        self.seen: dict[tuple[str, str], int] = {}  # (key, value) → first row in this file
        self.manager = is_manager(user)
        self.owners: dict[str, object] = {}

    # Checking -----------------------------------------------------------------------------

    def parse(self, number: int, cells: list) -> tuple[dict, list[str] | None, str]:
        """Cells → (customer fields that were given, tags or None, owner username); all the
        row's errors at once: those of the cells, then those of the customers service."""
        data: dict = {}
        custom: dict = {}
        tags, owner, errors = None, "", []
        for name in self.positions:
            try:
                raw = self.value(cells, name)
                value = text(raw)
                if not value or is_masked(value):
                    continue  # empty or masked cells never overwrite anything
                if name == "tags":
                    tags = split_tags(value)
                elif name == "owner":
                    owner = value
                elif name.startswith(CUSTOM_PREFIX):
                    custom[name[len(CUSTOM_PREFIX) :]] = value
                elif name in CHOICE_PARSERS:
                    data[name] = CHOICE_PARSERS[name](value)
                elif name == "birthday":
                    data[name] = parse_date(raw)
                elif name == "points":
                    data[name] = parse_int(raw)
                elif name in {"do_not_contact", "is_minor"}:
                    data[name] = parse_bool(raw)
                else:
                    data[name] = value
            except CellError as exc:
                errors.append(RowError(number, self.label(name), str(exc)))
        if custom:
            data["custom_fields"] = custom
        failed = {e.column for e in errors}
        try:
            cleaned = clean_customer_data(data)
        except ValidationError as exc:
            errors.extend(
                e for e in validation_errors(number, exc, self.label) if e.column not in failed
            )
            cleaned = data
        if errors:
            raise RowInvalid(errors)
        return cleaned, tags, owner

    def owner_for(self, number: int, username: str):
        if not username or username == self.user.get_username():
            return self.user
        if not self.manager:
            raise RowInvalid(
                [
                    RowError(
                        number,
                        self.label("owner"),
                        _("Only a manager may import customers for someone else."),
                    )
                ]
            )
        if username not in self.owners:
            self.owners[username] = (
                get_user_model().objects.filter(username=username, is_active=True).first()
            )
        owner = self.owners[username]
        if owner is None:
            raise RowInvalid(
                [RowError(number, self.label("owner"), _("No user “%(u)s”.") % {"u": username})]
            )
        return owner

    def lookup(self, rows: list[_Row]) -> dict[tuple[str, str], list[int]]:
        """(key, value) → pks of live customers having it, for a batch of rows: one query."""
        wanted = {name: {r.data[name] for r in rows if r.data.get(name)} for name in KEYS}
        keys = Q()
        for name, values in wanted.items():
            if values:
                keys |= Q(**{f"{name}__in": values})
        found: dict[tuple[str, str], list[int]] = {}
        if not keys:
            return found
        for pk, *values in (
            # a merged duplicate is no match: it takes no writes (scope.scoped)
            Customer.objects.filter(keys, erased_at__isnull=True, merged_into__isnull=True)
            .order_by("pk")
            .values_list("pk", *KEYS)
        ):
            for name, value in zip(KEYS, values, strict=True):
                if value in wanted[name]:
                    found.setdefault((name, value), []).append(pk)
        return found

    def check_batch(self, batch: list[tuple[int, list]], result: ImportResult) -> list[_Row]:
        rows = []
        for number, cells in batch:
            try:
                rows.append(_Row(number, *self.parse(number, list(cells))))
            except RowInvalid as exc:
                result.errors.extend(exc.errors)
                result.rejected += 1
        found = self.lookup(rows)
        matched = {
            pk for r in rows for n in KEYS if r.data.get(n) for pk in found.get((n, r.data[n]), [])
        }
        writable, owners = set(), {}
        if matched:
            writable = set(
                visible_customers(self.user, write=True)
                .filter(pk__in=matched)
                .values_list("pk", flat=True)
            )
            # owners are named only for the matches in the user's scope (scope.py decides)
            for customer in (
                visible_customers(self.user).filter(pk__in=matched).select_related("owner__profile")
            ):
                owners[customer.pk] = (
                    str(profile_of(customer.owner)) if customer.owner else _("the public pool")
                )
        ready = []
        for row in rows:
            try:
                if self.decide(row, found, writable, owners, result):
                    ready.append(row)
            except RowInvalid as exc:
                result.errors.extend(exc.errors)
                result.rejected += 1
        return ready

    def decide(self, row: _Row, found, writable, owners, result: ImportResult) -> bool:
        """Create, merge or skip the row; False when skipped.

        `owners` names the owners of the matches in the user's scope. A row matching a customer
        outside it is first checked as a new customer (its own errors, if any, are all it
        reports), then skipped or refused with one neutral message: no owner, no field, the
        same whichever value matched, so a file of bare numbers is no free 查重.
        """
        number, data = row.number, row.data
        existing = sorted({pk for n in KEYS if data.get(n) for pk in found.get((n, data[n]), [])})
        earlier = [self.seen.get((n, data[n])) for n in KEYS if data.get(n)]
        earlier = min((r for r in earlier if r), default=None)
        for name in KEYS:
            if data.get(name):
                self.seen.setdefault((name, data[name]), number)
        if any(pk not in owners for pk in existing):
            self.prepare(row)  # RowInvalid with the row's own errors, as if nothing matched
            # each such answer is a 查重 of another team's records: it spends the user's
            # budget, as the dedicated check does (a file of valid rows swept 60 member cards)
            spend_outside_check(self.user)
            if self.on_duplicate == "skip":
                result.skipped += 1
                note = _(
                    "Skipped: already registered to a customer outside your scope; "
                    "ask your manager."
                )
                result.notes.append(RowError(number, "", note))
                return False
            raise RowInvalid([RowError(number, "", outside_scope_message())])
        if len(existing) > 1:
            raise RowInvalid(
                [
                    RowError(
                        number,
                        "",
                        _(
                            "The mobile, e-mail and external id match %(n)d different customers; "
                            "fix the row or merge those customers first."
                        )
                        % {"n": len(existing)},
                    )
                ]
            )
        if not existing and not earlier:
            row.new = self.prepare(row)
            row.data = None  # the customer holds it now; tens of thousands of rows add up
            return True
        if earlier:
            why = _("same customer as row %(row)d") % {"row": earlier}
        else:
            why = _("already exists (owner: %(owner)s)") % {"owner": owners[existing[0]]}
        if self.on_duplicate == "skip":
            result.skipped += 1
            result.notes.append(RowError(number, "", _("Skipped: %(why)s.") % {"why": why}))
            return False
        if earlier and not existing:
            # Into the customer an earlier row creates: merged once that one is written.
            row.existing = ("row", earlier)
            return True
        if existing[0] not in writable:
            raise RowInvalid(
                [
                    RowError(
                        number,
                        "",
                        _(
                            "This customer already exists and belongs to %(owner)s; "
                            "you may not change it. Ask them or a manager."
                        )
                        % {"owner": owners[existing[0]]},
                    )
                ]
            )
        row.existing = existing[0]
        return True

    def prepare(self, row: _Row) -> Customer:
        data = dict(row.data)
        if not data.get("name"):
            raise RowInvalid(
                [RowError(row.number, self.label("name"), _("A customer needs a name."))]
            )
        data.setdefault("source", CustomerSource.IMPORT)
        if data.get("uscc"):
            data.setdefault("kind", CustomerKind.ORGANISATION)
        if self.has_custom_fields:
            data.setdefault("custom_fields", {})  # required custom fields are checked
        owner = self.owner_for(row.number, row.owner_name)
        try:
            return new_customer(data, owner=owner, cleaned=True)
        except ValidationError as exc:
            raise RowInvalid(validation_errors(row.number, exc, self.label)) from exc

    # Writing ------------------------------------------------------------------------------

    def write(self, rows: list[_Row], batch: NewCustomers, result: ImportResult) -> None:
        """Inside the import's transaction: the new customers (made ready beforehand) in bulk,
        then the merges one by one. A row the database still refuses is reported, and the
        others are kept (skip_invalid) or all roll back."""
        new = [r for r in rows if r.new is not None]
        created: dict[int, Customer] = {}
        try:
            with transaction.atomic():
                batch.save()
            created = {r.number: r.new for r in new}
        except ROW_WRITE_ERRORS as exc:
            if is_busy(exc):
                raise  # not this file's fault: the page and command say "busy, try again"
            for row in new:  # find the rows at fault: one savepoint each
                row.new.pk, row.new._state.adding = None, True
                try:
                    with transaction.atomic():
                        NewCustomers(self.user, [row.new], [row.tags]).save()
                    created[row.number] = row.new
                except DuplicateBlocked as blocked:
                    field = blocked.args[0]
                    message = _("Already registered: another customer has this value (查重).")
                    result.errors.append(RowError(row.number, self.label(field), message))
                    result.rejected += 1
                except ROW_WRITE_ERRORS:
                    result.errors.append(write_failed(row.number))
                    result.rejected += 1
        result.created += len(created)
        for row in rows:
            if row.existing is None:
                continue
            try:
                with transaction.atomic():
                    self.merge(row, created)
                result.updated += 1
            except RowInvalid as exc:
                result.errors.extend(exc.errors)
                result.rejected += 1
            except ROW_WRITE_ERRORS:
                result.errors.append(write_failed(row.number))
                result.rejected += 1

    def merge(self, row: _Row, created: dict[int, Customer]) -> None:
        if isinstance(row.existing, tuple):
            customer = created.get(row.existing[1])
            if customer is None:
                raise RowInvalid(
                    [
                        RowError(
                            row.number,
                            "",
                            _("Not imported: row %(row)d, the same customer, was not imported.")
                            % {"row": row.existing[1]},
                        )
                    ]
                )
            customer = Customer.objects.get(pk=customer.pk)
        else:
            customer = Customer.objects.get(pk=row.existing)
        data, tags = dict(row.data), row.tags
        if "custom_fields" in data:
            data["custom_fields"] = {**customer.custom_fields, **data["custom_fields"]}
        if tags is not None:
            tags = sorted(set(customer.tags.values_list("name", flat=True)) | set(tags))
        try:
            update_customer(self.user, customer, data, tags=tags, bulk=True)
        except ValidationError as exc:
            raise RowInvalid(validation_errors(row.number, exc, self.label)) from exc


def import_customers(
    user,
    table: Table,
    *,
    on_duplicate: str = "skip",
    skip_invalid: bool = False,
    progress: Progress = None,
) -> ImportResult:
    """Import customer rows as `user`: check all, then write all (or, with skip_invalid, all
    the valid rows) in one transaction."""
    if not can_write(user):
        raise PermissionDenied(_("Read-only users cannot import."))
    if on_duplicate not in DUPLICATE_MODES:
        raise ValueError(on_duplicate)
    job = _CustomerImport(user, table, on_duplicate)
    result = ImportResult("customers", rows=len(table.rows), ignored_columns=job.unknown)
    if "name" not in job.positions:
        result.errors.append(RowError(1, "", _("The file has no name column (姓名 or name).")))
        result.committed = False
        return result
    # Tens of thousands of rows stay alive until written: without this the garbage collector
    # walks them all again and again (a fifth of the import's time).
    with _collector_paused():
        return _import(job, table, result, skip_invalid, progress)


@contextlib.contextmanager
def _collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(job, table, result, skip_invalid, progress) -> ImportResult:
    ready: list[_Row] = []
    try:
        for start in range(0, len(table.rows), BATCH):
            rows = table.rows[start : start + BATCH]
            ready.extend(job.check_batch(rows, result))
            if progress:
                progress(len(rows))
    except TooManyOutside:
        return refused_for_outside(result)
    if result.errors and not skip_invalid:
        result.committed = False
        return result
    new = [r for r in ready if r.new is not None]
    batch = NewCustomers(job.user, [r.new for r in new], [r.tags for r in new])
    with transaction.atomic():
        job.write(ready, batch, result)
        if result.errors and not skip_invalid:
            transaction.set_rollback(True)
            result.committed = False
    return result
