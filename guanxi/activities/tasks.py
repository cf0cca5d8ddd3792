"""Periodic work on activities, run by the Huey worker (`guanxi worker`)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import generate_personal_reminders


@db_periodic_task(crontab(hour="6", minute="0"))
def daily_personal_reminders():
    return generate_personal_reminders(timezone.localdate())
