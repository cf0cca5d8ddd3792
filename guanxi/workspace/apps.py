from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "guanxi.workspace"

    def ready(self):
        from guanxi.scoring.signals import scoring_finished

        from .tasks import on_scoring_finished

        scoring_finished.connect(on_scoring_finished, dispatch_uid="home-indicators-after-run")
