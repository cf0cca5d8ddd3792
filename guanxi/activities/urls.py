from django.urls import path

from . import views

app_name = "activities"
# Marking a task done and the 360 page's forms are added by guanxi.workspace.urls.
urlpatterns = [
    path("tasks/", views.task_inbox, name="inbox"),
]
