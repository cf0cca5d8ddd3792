from django.urls import path

from . import views

app_name = "scoring"
urlpatterns = [
    path("", views.runs, name="runs"),
    path("status/", views.status, name="status"),
    path("recompute/", views.recompute, name="recompute"),
]
