from django.urls import path

from . import views

app_name = "pipeline"

urlpatterns = [
    path("", views.board, name="board"),
    path("list/", views.opportunity_list, name="list"),
    path("new/", views.create, name="create"),
    path("reports/", views.report, name="reports"),
    path("stages/", views.stage_settings, name="stages"),
    path("stages/<int:pk>/", views.stage_update, name="stage_update"),
    path("targets/", views.targets, name="targets"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
    path("questions/<int:pk>/answer/", views.answer, name="answer"),
    path("objections/<int:pk>/", views.objection_update, name="objection_update"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/win/", views.win, name="win"),
    path("<int:pk>/lose/", views.lose, name="lose"),
    path("<int:pk>/spin/", views.spin, name="spin"),
    path("<int:pk>/questions/", views.question, name="question"),
    path("<int:pk>/objections/", views.objection, name="objection"),
    path("<int:pk>/plan/", views.plan, name="plan"),
]
