"""`guanxi serve`: migrate and serve the web app from one process.

Django's development server with the autoreloader off, static files from whitenoise. Enough
for a small shop on its own machine; for more users run gunicorn (see the README).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Apply migrations and start the web app (use gunicorn in production)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--skip-migrate", action="store_true", help=argparse_hidden())

    def handle(self, *args, **options):
        if not options["skip_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        host, port = options["host"], options["port"]
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"Guanxi is running at http://{shown}:{port}/  (Ctrl+C to stop)")
        call_command("runserver", f"{shown}:{port}", use_reloader=False, use_threading=True)


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS
