from django.urls import path

from . import views

app_name = "voice"

urlpatterns = [
    path("", views.set_list, name="list"),
    path("import/", views.import_page, name="import"),
    path("<int:pk>/", views.set_detail, name="detail"),
    path("<int:pk>/progress/", views.set_progress, name="progress"),
    path("<int:pk>/reviews/", views.review_list, name="reviews"),
    path("<int:pk>/analyse/", views.analyse_again, name="analyse"),
    path("<int:pk>/delete/", views.delete_set, name="delete"),
]
