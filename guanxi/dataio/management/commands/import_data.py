"""`guanxi import customers|orders FILE`: import a CSV or XLSX file, all or nothing."""

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError
from tqdm import tqdm

from guanxi.dataio.readers import UnreadableFile, read_table
from guanxi.dataio.services import (
    DUPLICATE_MODES,
    ImportResult,
    acting_user,
    busy_message,
    import_customers,
    import_orders,
    is_busy,
)


def format_report(result: ImportResult) -> list[str]:
    """The per-row error report and the summary, as printed by the command."""
    lines = []
    if result.ignored_columns:
        lines.append("Ignored columns: " + ", ".join(result.ignored_columns))
    for error in result.errors:
        column = f" [{error.column}]" if error.column else ""
        lines.append(f"row {error.row}{column}: {error.message}")
    for note in result.notes:
        lines.append(f"row {note.row}: {note.message}")
    unit = "orders" if result.kind == "orders" else "customers"
    if result.committed:
        summary = (
            f"Imported {result.created} new {unit}"
            + (f" ({result.lines} lines)" if result.kind == "orders" else "")
            + (f", updated {result.updated}" if result.kind == "customers" else "")
            + f", skipped {result.skipped} duplicates"
            + f", rejected {result.rejected} invalid"
            + f" ({result.rows} rows read)."
        )
    else:
        summary = (
            f"Nothing imported: {result.invalid_rows} rows have errors"
            f" ({result.rows} rows read). Fix them, or use --skip-invalid"
            " to import the valid rows only."
        )
    lines.append(summary)
    return lines


class Command(BaseCommand):
    # Data commands need no system checks; skipping them keeps a quick import quick.
    requires_system_checks: list[str] = []
    help = (
        "Import customers or orders from a CSV (UTF-8 or GB18030) or XLSX file. A file with any "
        "invalid row imports nothing unless --skip-invalid. Without --user, acts as the first "
        "superuser (or manager with scope 'all')."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["customers", "orders"])
        parser.add_argument("file")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and report the invalid ones",
        )
        parser.add_argument(
            "--on-duplicate",
            choices=DUPLICATE_MODES,
            default="skip",
            help="what to do with a customer that already exists (default: skip)",
        )
        parser.add_argument("--user", help="import as this user (their data scope applies)")

    def handle(self, *args, **options):
        user = acting_user(options["user"])
        if user is None:
            raise CommandError(
                f"No user {options['user']!r}."
                if options["user"]
                else "No superuser or manager with scope 'all' exists; pass --user."
            )
        path = Path(options["file"])
        try:
            table = read_table(path.read_bytes(), path.name)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        except UnreadableFile as exc:
            raise CommandError(str(exc)) from exc
        bar = tqdm(
            total=len(table.rows),
            unit="row",
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
            desc=f"import {options['kind']}",
        )
        try:
            with bar:
                if options["kind"] == "customers":
                    result = import_customers(
                        user,
                        table,
                        on_duplicate=options["on_duplicate"],
                        skip_invalid=options["skip_invalid"],
                        progress=bar.update,
                    )
                else:
                    result = import_orders(
                        user, table, skip_invalid=options["skip_invalid"], progress=bar.update
                    )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            raise CommandError(busy_message()) from exc
        for line in format_report(result):
            self.stdout.write(line)
        if result.failed:
            raise CommandError("nothing was imported because of errors", returncode=1)
