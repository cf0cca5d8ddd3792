from django.urls import path

from . import views

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="list"),
    path("pool/", views.lead_pool, name="pool"),
    path("new/", views.lead_create, name="create"),
    path("duplicates/", views.duplicate_check, name="duplicates"),
    path("import/", views.lead_import, name="import"),
    path("forms/", views.form_list, name="forms"),
    path("forms/<int:pk>/", views.form_edit, name="form_edit"),
    path("model/", views.model_page, name="model"),
    path("model/retrain/", views.model_retrain, name="retrain"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/edit/", views.lead_edit, name="edit"),
    path("<int:pk>/status/", views.lead_status, name="status"),
    path("<int:pk>/claim/", views.lead_claim, name="claim"),
    path("<int:pk>/release/", views.lead_release, name="release"),
    path("<int:pk>/assign/", views.lead_assign, name="assign"),
    path("<int:pk>/convert/", views.lead_convert, name="convert"),
    path("<int:pk>/erase/", views.lead_erase, name="erase"),
]

# /l/ (the public lead forms, no login; included from guanxi/urls.py)
public_patterns = (
    [
        path("thanks/", views.public_thanks, name="thanks"),
        path("<str:slug>/", views.public_form, name="form"),
    ],
    "lead_public",
)
