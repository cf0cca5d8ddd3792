"""`guanxi demo`: migrate, load a demo company (once), and start the web app."""

import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from tqdm import tqdm

from guanxi.demo.company import PASSWORD, USERS, load_demo
from guanxi.scoring.models import RunStatus, RunTrigger, ScoringRun
from guanxi.scoring.services import STEPS, ScoringBusy, run_scoring


def vacuum_customers() -> None:
    """On PostgreSQL, VACUUM (ANALYZE) the customer table after a load: the generator's bulk
    UPDATEs (owners, pools, follow-up dates, return dates) leave ~3.6 dead row versions per
    customer, which autovacuum reaches only later; until then every list and search reads
    through them (a pinyin search at 1,000,000 customers: 9 ms, 5 ms after the vacuum)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return  # VACUUM runs outside a transaction only (a test's, say)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) customers_customer")


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
            vacuum_customers()
        self._score()
        self._leads(options["seed"], reset=options["reset"])
        logins = ", ".join(u[0] for u in USERS)
        self.stdout.write(f"Demo logins: {logins} (password: {PASSWORD})")
        self.stdout.write(
            "  manager sees every customer; rep1 (华东) and rep2 (华南) see their own."
        )
        if not options["no_serve"]:
            # The task queue worker alongside the web app: nightly scoring and "Recompute now".
            worker = subprocess.Popen([sys.executable, "-m", "guanxi", "worker"])  # noqa: S603
            try:
                call_command("serve", host=options["host"], port=options["port"], skip_migrate=True)
            finally:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _leads(self, seed: int, *, reset: bool) -> None:
        """About 200 leads (some in the lead pool), a public web form, the look-alike model."""
        from guanxi.demo.leads import load_leads, wipe_leads

        if reset:
            wipe_leads()
        counts = load_leads(seed)
        if counts:
            self.stdout.write("Leads: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + ".")

    def _score(self) -> None:
        """Compute the scores once if there are none, so the demo shows them from the start."""
        if ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).exists():
            return
        started = time.monotonic()
        with tqdm(
            total=len(STEPS), unit="step", file=sys.stderr, disable=not sys.stderr.isatty(),
            desc="scores", leave=False,
        ) as bar:  # fmt: skip
            try:
                run = run_scoring(RunTrigger.DEMO, progress=lambda step: bar.update(1))
            except ScoringBusy:
                self.stdout.write("A scoring run is already in progress: scores follow.")
                return
        self.stdout.write(
            f"Scores computed for {run.customers:,} customers in "
            f"{time.monotonic() - started:.1f} s."
        )
