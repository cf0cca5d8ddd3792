from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/edit/", views.survey_edit, name="edit"),
    path("<int:pk>/questions/new/", views.question_add, name="question_add"),
    path(
        "<int:pk>/questions/<int:question_pk>/delete/",
        views.question_delete,
        name="question_delete",
    ),
    path("<int:pk>/open/", views.survey_open, name="open"),
    path("<int:pk>/close/", views.survey_close, name="close"),
    path("<int:pk>/invite/", views.survey_invite, name="invite"),
    path("<int:pk>/results/", views.survey_results, name="results"),
    path("<int:pk>/results.xlsx", views.survey_results_xlsx, name="results_xlsx"),
    path("invitations/<int:pk>/link/", views.invitation_link, name="invitation_link"),
]

# /s/ (the customers' answer page, no login; included from guanxi/urls.py)
public_patterns = (
    [
        path("thanks/", views.public_thanks, name="thanks"),
        path("<str:token>/", views.public_answer, name="answer"),
    ],
    "respond",
)
