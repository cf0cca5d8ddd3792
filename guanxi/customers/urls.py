from django.urls import path

from . import views

app_name = "customers"
# The 360 page (detail) and sharing are added by guanxi.workspace.urls.
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("duplicates/", views.duplicate_check, name="duplicates"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/merges/<int:merge_pk>/undo/", views.merge_undo, name="merge_undo"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
]
