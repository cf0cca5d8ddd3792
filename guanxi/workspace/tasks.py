"""Work of the home page on the Huey worker: the managers' indicators kept computed (every
REFRESH_MINUTES and after a scoring run), so a lead's home page never waits seconds for them."""

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .home import REFRESH_MINUTES, refresh_indicators


@db_periodic_task(crontab(minute=f"*/{REFRESH_MINUTES}"))
def refresh_indicators_periodically():
    """The figures move with every order: recomputed before they expire (INDICATORS_TTL)."""
    return refresh_indicators()


@db_task()
def refresh_indicators_after_run():
    """The indicators of every lead in use recomputed with the new scores (their tier mix and
    customers at risk come from the run): the next home page shows them at once."""
    return refresh_indicators()


def on_scoring_finished(sender, run, **kwargs):
    """Receiver of guanxi.scoring.signals.scoring_finished (connected in apps.py)."""
    transaction.on_commit(refresh_indicators_after_run)
