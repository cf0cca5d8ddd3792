from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "guanxi.insights"

    def ready(self):
        from guanxi.scoring.signals import scoring_finished

        from .tasks import on_scoring_finished

        scoring_finished.connect(on_scoring_finished, dispatch_uid="insights-warm-after-run")
