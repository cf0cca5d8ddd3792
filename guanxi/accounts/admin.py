from django.contrib import admin

from .models import Department, Profile


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "display_name",
        "department",
        "role",
        "data_scope",
        "can_view_sensitive",
    ]
    list_filter = ["role", "data_scope", "department"]
