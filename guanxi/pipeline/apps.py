from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "guanxi.pipeline"
    label = "pipeline"
    verbose_name = _("Pipeline")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from guanxi.services_common import (
            customer_erased,
            customers_transferred,
            lead_converted,
            register_personal_data_section,
        )

        from .signals import customer_erased as erase_notes
        from .signals import customers_transferred as move_opportunities
        from .signals import lead_converted as open_from_lead
        from .signals import personal_data

        # Hand-offs from the leads and pool apps, which must not import this one.
        lead_converted.connect(open_from_lead, dispatch_uid="pipeline-lead-converted")
        customers_transferred.connect(move_opportunities, dispatch_uid="pipeline-transferred")
        # An erased customer's notes and objections lose their text; its export lists them.
        customer_erased.connect(erase_notes, dispatch_uid="pipeline-erasure")
        register_personal_data_section("opportunities", personal_data)

        from django.db.models.signals import post_delete, post_save

        from .models import Opportunity
        from .signals import opportunity_changed

        # The board's column totals are cached until an opportunity changes.
        post_save.connect(opportunity_changed, sender=Opportunity, dispatch_uid="pipeline-gen")
        post_delete.connect(opportunity_changed, sender=Opportunity, dispatch_uid="pipeline-gen-d")
