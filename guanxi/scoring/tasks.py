"""Scoring on the task queue (`guanxi worker`): nightly, and on demand from the page.

The task bodies are plain functions (``nightly_check``, ``run_queued``) so any Huey instance can
carry them (tests run them on SqliteHuey and RedisHuey); the decorated tasks below register them
on the site's queue (settings.HUEY: SQLite by default, Redis with REDIS_URL).
"""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

logger = logging.getLogger(__name__)


def nightly_check(now=None):
    """Hourly: start the nightly run when the local hour is AnalysisSettings.nightly_hour and
    no scheduled run started today yet. Returns the run, or None."""
    from .models import AnalysisSettings, RunStatus, RunTrigger, ScoringRun
    from .services import ScoringBusy, run_scoring

    now = timezone.localtime(now)
    if now.hour != AnalysisSettings.current().nightly_hour:
        return None
    today = now.date()
    done = ScoringRun.objects.filter(
        trigger=RunTrigger.SCHEDULE,
        as_of=today,
        status__in=[RunStatus.RUNNING, RunStatus.SUCCEEDED],
    )
    if done.exists():
        return None
    try:
        return run_scoring(RunTrigger.SCHEDULE, as_of=today)
    except ScoringBusy:
        logger.warning("nightly scoring skipped: another run is in progress")
        return None


def run_queued(run_id: int):
    """Carry out a run queued by request_scoring (the page's "Recompute now")."""
    from .models import RunStatus, ScoringRun
    from .services import ScoringBusy, run_scoring

    run = ScoringRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).first()
    if run is None:
        return None
    try:
        return run_scoring(run.trigger, user=run.requested_by, run=run).pk
    except ScoringBusy:
        return None


@db_periodic_task(crontab(minute="0"))
def nightly_scoring():
    run = nightly_check()
    return run.pk if run is not None else None


@db_task()
def score_on_demand(run_id: int):
    return run_queued(run_id)
