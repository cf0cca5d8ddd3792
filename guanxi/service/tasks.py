"""Work of the service cases on the Huey worker (`guanxi worker`)."""

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import escalate_overdue


@db_periodic_task(crontab(minute="*/5"))
def escalate_overdue_cases():
    """Every five minutes: open cases past their service level go up to the assignee's
    manager (or the department lead), who gets a task in their language (else the site's)."""
    with translation.override(settings.LANGUAGE_CODE):
        return escalate_overdue()
