from django.urls import path

from . import views

app_name = "pool"

urlpatterns = [
    path("", views.pool_index, name="index"),
    path("<int:pk>/", views.pool_index, name="pool"),
    path("customers/<int:pk>/claim/", views.claim, name="claim"),
    path("customers/<int:pk>/release/", views.release, name="release"),
    path("customers/<int:pk>/lock/", views.lock, name="lock"),
    path("settings/", views.pool_settings, name="settings"),
    path("settings/new/", views.pool_edit, name="create"),
    path("settings/<int:pk>/", views.pool_edit, name="edit"),
    path("settings/run/", views.run_now, name="run"),
    path("transfer/", views.transfer, name="transfer"),
]
