"""The customers:, activities: and sales: URL namespaces, each its domain's pages plus the
views composed here (the 360 page's, and the lists' bulk actions).

Names and paths are those the domain apps always had (customers:detail, activities:task_done,
...); only the views that compose several domains live here, so the domain apps need not
import them.
"""

from django.urls import path

from guanxi.activities import urls as activities_urls
from guanxi.customers import urls as customers_urls
from guanxi.sales import urls as sales_urls

from . import lists, scores, views

customers = (
    [
        *customers_urls.urlpatterns,
        path("<int:pk>/", views.customer_detail, name="detail"),
        path("bulk/", lists.customer_bulk_action, name="bulk"),
        path("<int:pk>/loyalty-type/", scores.loyalty_type, name="loyalty_type"),
        path("<int:pk>/lost/", scores.mark_lost, name="mark_lost"),
        path("<int:pk>/win-back/", scores.win_back, name="win_back"),
        path("<int:pk>/collaborators/", views.collaborator_share, name="collaborator_share"),
        path(
            "<int:pk>/collaborators/<int:user_id>/remove/",
            views.collaborator_remove,
            name="collaborator_remove",
        ),
    ],
    customers_urls.app_name,
)

activities = (
    [
        *activities_urls.urlpatterns,
        path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
        path("tasks/bulk/", lists.task_bulk_action, name="task_bulk"),
        *(
            path(
                f"customers/<int:customer_pk>/{kind}s/new/",
                views.timeline_entry_create,
                {"kind": kind},
                name=f"{kind}_create",
            )
            for kind in views.TIMELINE_FORMS
        ),
    ],
    activities_urls.app_name,
)

sales = (
    [
        *sales_urls.urlpatterns,
        path("orders/bulk/", lists.order_bulk_action, name="order_bulk"),
        path("products/bulk/", lists.product_bulk_action, name="product_bulk"),
    ],
    sales_urls.app_name,
)
