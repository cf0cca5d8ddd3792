"""Work of the dashboards on the Huey worker (`guanxi worker`): keeping them computed."""

from django.core.cache import cache
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


WARM_AFTER_CHANGE = "insights:warm-after-change"
WARM_AFTER_CHANGE_DELAY = 30  # seconds: a burst of transfers (a hand-over) becomes one pass


@db_task()
def warm_after_change():
    """Every scope in use recomputed after customers changed hands (their cached dashboards
    carry the old customer-set generation and are no longer served): the next visitor finds
    them computed instead of waiting seconds."""
    cache.delete(WARM_AFTER_CHANGE)  # a change from now on schedules another pass
    return warm(users_in_use())


def on_customer_set_changed(sender, **kwargs):
    """Receiver of guanxi.services_common.customer_set_changed (connected in apps.py): one
    pass scheduled a little later, whatever the number of changes meanwhile."""
    if cache.add(WARM_AFTER_CHANGE, 1, timeout=15 * 60):
        warm_after_change.schedule(delay=WARM_AFTER_CHANGE_DELAY)


def on_scoring_finished(sender, run, **kwargs):
    """Receiver of guanxi.scoring.signals.scoring_finished (connected in apps.py)."""
    transaction.on_commit(lambda: warm_after_run(run.pk))
