"""`guanxi serve`: migrate, then serve the web app with gunicorn (static files by whitenoise).

One command for a shop's own machine and for production alike: gunicorn's threaded workers run
the WSGI app in-process (no second configuration file); put a TLS-terminating proxy in front
for HTTPS (see GUANXI_HTTPS in the README).
"""

import argparse
import os

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections
from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    return int(os.environ.get("GUANXI_WORKERS") or min(2 * (os.cpu_count() or 1) + 1, 8))


class Command(BaseCommand):
    help = "Apply migrations and serve the web app with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("GUANXI_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("GUANXI_PORT", 8000)))
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="worker processes (default GUANXI_WORKERS or 2 × CPUs + 1, at most 8)",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
        parser.add_argument("--timeout", type=int, default=120, help="worker timeout in seconds")
        parser.add_argument("--skip-migrate", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if not options["skip_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        host, port = options["host"], options["port"]
        shown = f"[{host}]" if ":" in host else host
        workers = options["workers"] or default_workers()
        self.stdout.write(
            f"Guanxi is running at http://{shown}:{port}/  ({workers} workers; Ctrl+C to stop)"
        )
        self.stdout.flush()
        # No connection may cross the fork into the workers.
        connections.close_all()
        GuanxiServer(
            {
                "bind": f"{shown}:{port}",
                "workers": workers,
                "threads": options["threads"],
                "worker_class": "gthread",
                "timeout": options["timeout"],
                "graceful_timeout": 10,
                "accesslog": os.environ.get("GUANXI_ACCESS_LOG") or None,
                "errorlog": "-",
                "loglevel": "warning",
                "forwarded_allow_ips": os.environ.get("GUANXI_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            }
        ).run()


class GuanxiServer(BaseApplication):
    """gunicorn running Guanxi's WSGI app from this process's settings."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        from guanxi.wsgi import application

        return application
