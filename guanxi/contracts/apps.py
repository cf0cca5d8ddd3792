from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "guanxi.contracts"
    label = "contracts"
    verbose_name = _("Quotes and contracts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from guanxi.pipeline.reports import register_collections_provider
        from guanxi.pipeline.services import register_deal_provider
        from guanxi.services_common import customers_transferred

        from .queries import accepted_deal, accepted_deals, collected_by_month
        from .services import move_contracts

        # The pipeline's forecast shows the collections received against the targets.
        register_collections_provider(collected_by_month)
        # An opportunity is won at the amount of its accepted contracts, not its estimate; the
        # board and the list show that amount for an open one.
        register_deal_provider(accepted_deal, accepted_deals)
        # A transfer (客户转移) with "contracts" in `move` hands the active contracts over too.
        customers_transferred.connect(move_contracts, dispatch_uid="contracts-transfer")
        # The board's column totals (cached until an opportunity changes) add up a long
        # column's accepted contracts too (pipeline.queries.contracted_in): a contract's change
        # is theirs as well. Connected here, since the pipeline app must not know this one.
        from django.db.models.signals import post_delete, post_save

        from guanxi.pipeline.signals import opportunity_changed

        from .models import Contract

        post_save.connect(opportunity_changed, sender=Contract, dispatch_uid="contracts-board")
        post_delete.connect(opportunity_changed, sender=Contract, dispatch_uid="contracts-board-d")
