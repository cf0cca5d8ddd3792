from django.urls import path

from . import team_views as views

app_name = "team"
urlpatterns = [
    path("", views.team_home, name="home"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/password/", views.user_password, name="user_password"),
    path("departments/new/", views.department_form, name="department_create"),
    path("departments/<int:pk>/", views.department_form, name="department_edit"),
]
