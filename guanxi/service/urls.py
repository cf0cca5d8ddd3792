from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("silent/", views.implicit_list, name="implicit"),
    path("charts/", views.case_stats, name="stats"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/assign/", views.case_assign, name="assign"),
    path("<int:pk>/start/", views.case_start, name="start"),
    path("<int:pk>/escalate/", views.case_escalate, name="escalate"),
    path("<int:pk>/resolve/", views.case_resolve, name="resolve"),
    path("<int:pk>/close/", views.case_close, name="close"),
    path("<int:pk>/follow-up/", views.case_follow_up, name="follow_up"),
]
