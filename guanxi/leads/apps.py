from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "guanxi.leads"
    label = "leads"
    verbose_name = _("Leads")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from guanxi.services_common import (
            customer_erased,
            register_duplicate_source,
            register_personal_data_section,
        )

        from . import privacy
        from .matching import customer_form_matches

        # An erased customer's leads lose their personal data; its subject-access export lists
        # them (privacy.py). The customer 查重 reports matching leads too (matching.py).
        customer_erased.connect(privacy.customer_erased, dispatch_uid="leads-erasure")
        register_personal_data_section("leads", privacy.personal_data)
        register_duplicate_source("leads", customer_form_matches)
