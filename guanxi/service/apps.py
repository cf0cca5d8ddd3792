from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "guanxi.service"
    label = "service"
    verbose_name = _("Service cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from guanxi.services_common import customer_erased

        from .signals import customer_erased as erase_cases

        # An erased customer's cases lose their free text (signals.py).
        customer_erased.connect(erase_cases, dispatch_uid="service-erasure")
