from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "guanxi.demo"
    verbose_name = _("Demo company")
