"""Segment snapshots on the Huey worker (`guanxi worker`): after every succeeded scoring run
(queued by signals.scoring_run_saved) and, whatever happens, at least daily (the hourly job
also catches a run whose signal was missed)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services


@db_task()
def snapshots_after_run(run_id: int):
    return services.snapshot_after_run(run_id)


@db_periodic_task(crontab(minute="17"))
def hourly_segment_snapshots():
    return services.catch_up()
