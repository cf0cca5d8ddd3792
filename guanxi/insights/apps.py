from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "guanxi.insights"

    def ready(self):
        from guanxi.scoring.signals import scoring_finished
        from guanxi.services_common import customer_set_changed

        from .tasks import on_customer_set_changed, on_scoring_finished

        scoring_finished.connect(on_scoring_finished, dispatch_uid="insights-warm-after-run")
        customer_set_changed.connect(
            on_customer_set_changed, dispatch_uid="insights-warm-after-change"
        )
