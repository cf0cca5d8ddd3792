"""Work of the home page on the Huey worker: the managers' indicators after a scoring run."""

from django.db import transaction
from huey.contrib.djhuey import db_task

from .home import refresh_indicators


@db_task()
def refresh_indicators_after_run():
    """The indicators of every lead in use recomputed with the new scores (their tier mix and
    customers at risk come from the run): the next home page shows them at once."""
    return refresh_indicators()


def on_scoring_finished(sender, run, **kwargs):
    """Receiver of guanxi.scoring.signals.scoring_finished (connected in apps.py)."""
    transaction.on_commit(refresh_indicators_after_run)
