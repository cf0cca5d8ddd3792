from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "guanxi.accounts"
    verbose_name = _("Accounts and teams")

    def ready(self):
        from . import signals  # noqa: F401
