from django.urls import path

from . import views

quote_patterns = (
    [
        path("", views.quote_list, name="list"),
        path("new/", views.quote_create, name="create"),
        path("<int:pk>/", views.quote_detail, name="detail"),
        path("<int:pk>/edit/", views.quote_edit, name="edit"),
        path("<int:pk>/print/", views.quote_print, name="print"),
        path("<int:pk>/action/", views.quote_action, name="action"),
    ],
    "quotes",
)

contract_patterns = (
    [
        path("", views.contract_list, name="list"),
        path("collections/", views.collection_list, name="collections"),
        path("<int:pk>/", views.contract_detail, name="detail"),
        path("<int:pk>/edit/", views.contract_edit, name="edit"),
        path("<int:pk>/print/", views.contract_print, name="print"),
        path("<int:pk>/action/", views.contract_action, name="action"),
        path("<int:pk>/order/", views.contract_order, name="order"),
        path("<int:pk>/plan/", views.contract_plan, name="plan"),
        path("<int:pk>/payments/", views.payment_record, name="payment_record"),
        path("payments/<int:pk>/confirm/", views.payment_confirm, name="payment_confirm"),
        path("payments/<int:pk>/void/", views.payment_void, name="payment_void"),
    ],
    "contracts",
)
