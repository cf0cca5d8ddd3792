from django.urls import path

from . import views

app_name = "coding"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/delete/", views.project_delete, name="delete"),
    path("<int:pk>/documents/new/", views.document_create, name="document_create"),
    path("<int:pk>/pull/", views.pull, name="pull"),
    path("<int:pk>/codes/new/", views.code_create, name="code_create"),
    path("<int:pk>/categories/", views.axial, name="axial"),
    path("<int:pk>/categories/new/", views.category_create, name="category_create"),
    path("<int:pk>/relations/new/", views.relation_create, name="relation_create"),
    path("<int:pk>/core/", views.core, name="core"),
    path("<int:pk>/tree/", views.tree, name="tree"),
    path("<int:pk>/export.<str:fmt>", views.export, name="export"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document_delete"),
    path("documents/<int:pk>/code/", views.fragment_create, name="fragment_create"),
    path("fragments/<int:pk>/delete/", views.fragment_delete, name="fragment_delete"),
    path("codes/<int:pk>/edit/", views.code_edit, name="code_edit"),
    path("codes/<int:pk>/delete/", views.code_delete, name="code_delete"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("categories/<int:pk>/properties/", views.property_create, name="property_create"),
    path("properties/<int:pk>/delete/", views.property_delete, name="property_delete"),
    path("relations/<int:pk>/delete/", views.relation_delete, name="relation_delete"),
]
