from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("customers/<int:pk>/reveal/", views.reveal_field, name="reveal"),
    path("customers/<int:pk>/consent/", views.record_consent, name="consent"),
]
