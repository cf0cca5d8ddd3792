"""The pool rules on the Huey worker (`guanxi worker`): every night (01:30 on Huey's clock)."""

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import run_rules


@db_periodic_task(crontab(hour="1", minute="30"))
def apply_pool_rules():
    """Return due customers to their pools and remind owners (each in their language, else
    the site's)."""
    with translation.override(settings.LANGUAGE_CODE):
        run = run_rules()
    return {"returned": run.returned, "reminded": run.reminded, "assigned": run.assigned}
