"""Snapshots after every succeeded scoring run, queued once the run's transaction commits."""

from django.db import transaction

from guanxi.scoring.models import RunStatus


def scoring_run_saved(sender, instance, **kwargs):
    if instance.status != RunStatus.SUCCEEDED:
        return
    from .tasks import snapshots_after_run

    transaction.on_commit(lambda: snapshots_after_run(instance.pk))
