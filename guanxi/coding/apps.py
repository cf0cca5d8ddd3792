from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodingConfig(AppConfig):
    name = "guanxi.coding"
    label = "coding"
    verbose_name = _("Qualitative coding")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from guanxi.services_common import customer_erased, register_personal_data_section

        from . import privacy

        # The copies of an erased customer's complaints, reviews and notes lose their text
        # (privacy.py); its subject-access export lists them.
        customer_erased.connect(privacy.customer_erased, dispatch_uid="coding-erasure")
        register_personal_data_section("coding_documents", privacy.personal_data)
