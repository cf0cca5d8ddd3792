"""Periodic work of the dashboards, run by the Huey worker (`guanxi worker`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .data import warm


@db_periodic_task(crontab(minute="*/10"))
def warm_dashboards():
    """Keep the dashboards of the wider scopes (managers, team leads) computed: at a million
    customers a cold aggregation takes seconds, a cached page milliseconds."""
    return warm()
