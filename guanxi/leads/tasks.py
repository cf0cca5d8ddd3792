"""Work of the leads on the Huey worker (`guanxi worker`)."""

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import lookalike


@db_periodic_task(crontab(hour="3", minute="30"))
def retrain_lookalike_nightly():
    """Every night at 03:30 (after the customer scoring): train the look-alike model on the
    latest scores and rescore the open leads."""
    with translation.override(settings.LANGUAGE_CODE):
        return lookalike.train(None).version


@db_task()
def retrain_lookalike(actor_id: int | None = None):
    """ "Retrain now" from the model page, on the worker."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    with translation.override(settings.LANGUAGE_CODE):
        return lookalike.train(actor).version
