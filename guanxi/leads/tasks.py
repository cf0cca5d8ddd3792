"""Work of the leads on the Huey worker (`guanxi worker`)."""

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import lookalike


@db_periodic_task(crontab(hour="3", minute="30"))
def retrain_lookalike_nightly():
    """Every night at 03:30 (after the customer scoring): train the look-alike model on the
    latest scores and rescore the open leads."""
    with translation.override(settings.LANGUAGE_CODE):
        return lookalike.train(None).version
