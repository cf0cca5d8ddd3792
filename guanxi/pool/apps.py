from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoolConfig(AppConfig):
    name = "guanxi.pool"
    label = "pool"
    verbose_name = _("Public pool")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from guanxi.activities.models import Interaction
        from guanxi.customers.models import Customer
        from guanxi.services_common import customers_transferred

        from .signals import customer_added, customers_changed_owner, follow_up_recorded

        # A follow-up by the owner restarts the return clock; a change of owner (a transfer, a
        # claim, an assignment) starts it again: both recompute that customer's return_due.
        post_save.connect(follow_up_recorded, sender=Interaction, dispatch_uid="pool-follow-up")
        post_save.connect(customer_added, sender=Customer, dispatch_uid="pool-new-customer")
        customers_transferred.connect(customers_changed_owner, dispatch_uid="pool-owner")
