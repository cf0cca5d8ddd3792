from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "guanxi.contracts"
    label = "contracts"
    verbose_name = _("Quotes and contracts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from guanxi.services_common import customers_transferred

        from .services import move_contracts

        # A transfer (客户转移) with "contracts" in `move` hands the active contracts over too.
        customers_transferred.connect(move_contracts, dispatch_uid="contracts-transfer")
