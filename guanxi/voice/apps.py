from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "guanxi.voice"
    verbose_name = _("Voice of the customer")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from guanxi.services_common import customer_erased, register_personal_data_section

        from . import privacy

        # An erased customer's reviews are unlinked and lose their text, the sets' results
        # are analysed again; its subject-access export lists them (privacy.py).
        customer_erased.connect(privacy.customer_erased, dispatch_uid="voice-erasure")
        register_personal_data_section("reviews", privacy.personal_data)
