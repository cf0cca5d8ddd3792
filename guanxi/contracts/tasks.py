"""Daily work of payment collection on the Huey worker (`guanxi worker`)."""

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .collections import send_reminders
from .services import expire_quotes


@db_periodic_task(crontab(hour="6", minute="10"))
def collection_reminders():
    """Every morning: unpaid instalments past their due date become overdue; the contract's
    owner gets a task reminder_days() before a due date and when an instalment becomes
    overdue (once each); quotes past their validity expire. Each task in its owner's
    language (guanxi.accounts.preferences), else the site's."""
    with translation.override(settings.LANGUAGE_CODE):
        expired = expire_quotes()
        return {**send_reminders(), "quotes_expired": expired}
