from django.urls import path

from . import views

app_name = "segments"

urlpatterns = [
    path("", views.segment_list, name="list"),
    path("new/", views.segment_create, name="create"),
    path("<int:pk>/", views.segment_detail, name="detail"),
    path("<int:pk>/edit/", views.segment_edit, name="edit"),
    path("<int:pk>/delete/", views.segment_delete, name="delete"),
    path("<int:pk>/snapshot/", views.segment_snapshot, name="snapshot"),
    path("<int:pk>/export.<str:fmt>", views.segment_export, name="export"),
    path("customers/<int:pk>/", views.customer_history, name="customer_history"),
]

# /analytics/settings/ (included from guanxi/urls.py under its own namespace)
settings_patterns = (
    [path("", views.analysis_settings, name="edit")],
    "analysis_settings",
)
