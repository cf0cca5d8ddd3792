from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "guanxi.voice"
    verbose_name = _("Voice of the customer")
    default_auto_field = "django.db.models.BigAutoField"
