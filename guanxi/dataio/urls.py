from django.urls import path, re_path

from . import views

app_name = "dataio"
urlpatterns = [
    path("import/", views.import_page, name="import"),
    re_path(r"^export/(?P<kind>customers|orders)\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
]
