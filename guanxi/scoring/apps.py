from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "guanxi.scoring"
    verbose_name = _("Customer scores")

    def ready(self):
        from guanxi.customers.retention import lost_changed

        from .signals import follow_lost_reason

        lost_changed.connect(follow_lost_reason, dispatch_uid="scoring-lost-reason")
