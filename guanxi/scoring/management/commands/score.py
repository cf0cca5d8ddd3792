"""`guanxi score [--as-of YYYY-MM-DD]`: compute every customer's scores now, with a progress bar."""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from guanxi.scoring.compute import ScoringInputError
from guanxi.scoring.models import RunTrigger
from guanxi.scoring.services import STEPS, ScoringBusy, run_scoring


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of {text!r} is not a date (use YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Compute every customer's scores from the orders now (RFM, ABC, lifecycle, loyalty, "
        "CLV, churn risk, quality) and swap them in. The worker does this nightly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="analysis date YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        as_of = _date(options["as_of"]) if options["as_of"] else None
        with tqdm(
            total=len(STEPS), unit="step", file=sys.stderr, desc="scoring", leave=False
        ) as bar:

            def progress(step: str) -> None:
                bar.set_postfix_str(step)
                bar.update(1)

            try:
                run = run_scoring(RunTrigger.COMMAND, as_of=as_of, progress=progress)
            except ScoringBusy as exc:
                raise CommandError(str(exc)) from None
            except ScoringInputError as exc:
                raise CommandError(str(exc)) from None
        seconds = run.summary.get("seconds", "?")
        self.stdout.write(
            f"Scored {run.customers:,} customers from {run.orders:,} orders as of "
            f"{run.as_of.isoformat()} in {seconds} s (run {run.pk})."
        )
