from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "guanxi.service"
    label = "service"
    verbose_name = _("Service cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from guanxi.services_common import customer_erased, register_personal_data_section

        from .signals import customer_erased as erase_cases
        from .signals import personal_data

        # An erased customer's cases lose their free text (signals.py); its subject-access
        # export lists them.
        customer_erased.connect(erase_cases, dispatch_uid="service-erasure")
        register_personal_data_section("cases", personal_data)
