from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "guanxi.segments"
    verbose_name = _("Segments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from guanxi.scoring.models import ScoringRun

        from .signals import scoring_run_saved

        # After every succeeded scoring run the segments are measured again (snapshot); the
        # hourly task catches a run this signal missed (a status set with QuerySet.update).
        post_save.connect(scoring_run_saved, sender=ScoringRun, dispatch_uid="segments-after-run")
