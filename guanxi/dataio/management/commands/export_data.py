"""`guanxi export customers|orders FILE`: the records the user may see, as CSV or XLSX."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from guanxi.accounts.scope import visible_customers
from guanxi.dataio.exports import customer_rows, order_rows, write_export
from guanxi.dataio.readers import UnreadableFile, file_format
from guanxi.dataio.services import acting_user
from guanxi.privacy.sensitive import RevealDenied


class Command(BaseCommand):
    # Data commands need no system checks; skipping them keeps a quick import quick.
    requires_system_checks: list[str] = []
    help = (
        "Export the customers (or order lines) visible to a user to CSV (UTF-8 with BOM) or XLSX. "
        "Sensitive fields are masked unless --include-sensitive --purpose '...' is given by a user "
        "allowed to see them, and then only for the customers of the user's own data scope (those "
        "shared with the user stay masked); every revealed value is logged. Without --user, acts "
        "as the first superuser (or manager with scope 'all')."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["customers", "orders"])
        parser.add_argument("file")
        parser.add_argument("--user", help="export as this user (their data scope applies)")
        parser.add_argument("--include-sensitive", action="store_true")
        parser.add_argument("--purpose", default="", help="why sensitive data is exported")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the column headers (default: %(default)s)",
        )

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            self.export(options)

    def export(self, options):
        user = acting_user(options["user"])
        if user is None:
            raise CommandError(
                f"No user {options['user']!r}."
                if options["user"]
                else "No superuser or manager with scope 'all' exists; pass --user."
            )
        try:
            file_format(options["file"])
        except UnreadableFile as exc:
            raise CommandError(str(exc)) from exc
        if options["kind"] == "customers":
            try:
                headers, rows = customer_rows(
                    user,
                    include_sensitive=options["include_sensitive"],
                    purpose=options["purpose"],
                )
            except (RevealDenied, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            total = visible_customers(user).count()
        else:
            headers, rows = order_rows(user)
            total = None
        bar = tqdm(
            rows,
            total=total,
            unit="row",
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
            desc=f"export {options['kind']}",
        )
        count = write_export(options["file"], headers, bar, options["kind"])
        self.stdout.write(f"Exported {count} {options['kind']} rows to {options['file']}.")
