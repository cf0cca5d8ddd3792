from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "guanxi.surveys"
    verbose_name = _("Surveys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from guanxi.services_common import customer_erased, register_personal_data_section

        from . import privacy

        # An erased customer's links stop working and its written answers go; its
        # subject-access export lists its invitations and answers (privacy.py).
        customer_erased.connect(privacy.customer_erased, dispatch_uid="surveys-erasure")
        register_personal_data_section("survey_invitations", privacy.invitations_of)
        register_personal_data_section("survey_answers", privacy.answers_of)
