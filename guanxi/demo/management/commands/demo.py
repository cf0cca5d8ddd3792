"""`guanxi demo`: migrate, load a demo company (once), and start the web app."""

import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from tqdm import tqdm

from guanxi.demo.company import PASSWORD, USERS, load_demo


class Command(BaseCommand):
    help = (
        "Create the database, the demo logins (password 'demo') and a demo tea-shop company "
        "with two years of history, then start the web app. Running it again does not "
        "duplicate anything; --reset wipes the customer data first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=2000, help="customers (default 2000)")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--reset", action="store_true", help="delete customer data first")
        parser.add_argument("--no-serve", action="store_true", help="load the data and stop")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options):
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        started = time.monotonic()
        with tqdm(
            total=options["size"],
            unit="customer",
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
            desc="demo company",
        ) as bar:
            counts = load_demo(
                options["size"], options["seed"], reset=options["reset"], progress=bar.update
            )
        if counts is None:
            self.stdout.write("The database already has customers: demo data left as it is.")
        else:
            summary = ", ".join(f"{v:,} {k}" for k, v in counts.items())
            self.stdout.write(
                f"Demo company loaded in {time.monotonic() - started:.1f} s: {summary}."
            )
        logins = ", ".join(u[0] for u in USERS)
        self.stdout.write(f"Demo logins: {logins} (password: {PASSWORD})")
        self.stdout.write(
            "  manager sees every customer; rep1 (华东) and rep2 (华南) see their own."
        )
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"], skip_migrate=True)
