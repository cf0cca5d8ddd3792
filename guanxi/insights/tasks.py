"""Work of the dashboards on the Huey worker (`guanxi worker`): keeping them computed."""

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .data import WARM_MINUTES, users_in_use, warm


@db_periodic_task(crontab(minute=f"*/{WARM_MINUTES}"))
def warm_dashboards():
    """Keep the dashboards of the wider scopes (managers, team leads) computed: at a million
    customers a cold aggregation takes seconds, a cached page milliseconds. Every WARM_MINUTES,
    within the CACHE_SECONDS they are kept, so theirs never expire (the pages say so)."""
    return warm()


@db_task()
def warm_after_run(run_id: int):
    """Every dashboard of a run that just succeeded, for every scope in use (the whole company,
    each team, each rep): the first visitor after the run finds it computed."""
    from guanxi.scoring.models import ScoringRun

    run = ScoringRun.objects.filter(pk=run_id).first()
    return warm(users_in_use(), run=run) if run is not None else 0


def on_scoring_finished(sender, run, **kwargs):
    """Receiver of guanxi.scoring.signals.scoring_finished (connected in apps.py)."""
    transaction.on_commit(lambda: warm_after_run(run.pk))
