from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("tasks/", views.task_inbox, name="inbox"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path(
        "customers/<int:customer_pk>/interactions/new/",
        views.interaction_create,
        name="interaction_create",
    ),
    path("customers/<int:customer_pk>/notes/new/", views.note_create, name="note_create"),
    path("customers/<int:customer_pk>/tasks/new/", views.task_create, name="task_create"),
]
