"""Managers used to get is_staff, which opened Django's /admin/ but granted nothing there.

Team administration now lives at /team/; /admin/ is for superusers only.
"""

from django.conf import settings
from django.db import migrations


def clear_staff_flag(apps, schema_editor):
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    user_model = apps.get_model(app_label, model_name)
    user_model.objects.filter(is_staff=True, is_superuser=False).update(is_staff=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(clear_staff_flag, migrations.RunPython.noop)]
