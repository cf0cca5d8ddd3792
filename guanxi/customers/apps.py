from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    verbose_name = _("Customers")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from guanxi.accounts.models import Department, Profile

        from .models import Tag
        from .queries import forget_tag_menus
        from .views import forget_filter_options

        # The list's filter menus are cached; a change to what they offer drops them.
        for model in (get_user_model(), Profile, Department, Tag):
            post_save.connect(forget_filter_options, sender=model, dispatch_uid=f"lists-{model}")
            post_delete.connect(
                forget_filter_options, sender=model, dispatch_uid=f"lists-del-{model}"
            )
        post_save.connect(forget_tag_menus, sender=Tag, dispatch_uid="tag-menus")
        post_delete.connect(forget_tag_menus, sender=Tag, dispatch_uid="tag-menus-del")
