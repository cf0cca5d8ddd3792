from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "guanxi.activities"
    verbose_name = _("Activities")

    def ready(self):
        from guanxi.services_common import customers_transferred

        from .signals import customers_transferred as move_tasks

        customers_transferred.connect(move_tasks, dispatch_uid="activities-move-tasks")
