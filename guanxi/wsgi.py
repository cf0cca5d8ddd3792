"""WSGI entry point (gunicorn guanxi.wsgi; `guanxi serve` loads it too)."""

import gc
import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
application = get_wsgi_application()


def warm() -> None:
    """Load now what each worker's first requests would load, so that none of them waits: the
    URL configuration (every view module and the API's schemas: the first request of a fresh
    worker took ~1 s), every template of both engines, compiled (the first customer list
    ~0.3 s, the first home page ~1.3 s) and both languages' catalogs. No database connection
    is opened. A template that does not load is logged and left to fail on its own page."""
    from django.conf import settings
    from django.template import engines
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    for engine in engines.all():
        for directory in engine.template_dirs:
            for root, _dirs, files in os.walk(directory):
                for file in files:
                    if not file.endswith((".html", ".txt")):
                        continue
                    name = os.path.relpath(os.path.join(root, file), directory)
                    try:
                        engine.get_template(name)
                    except Exception:  # noqa: BLE001 - see the docstring
                        logging.getLogger(__name__).warning("template %s did not load", name)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Customers")


warm()

# Everything loaded so far (Django, the apps, the models, the URL and template machinery, the
# views and templates warm() loaded) lives as long as the process: move it out of the cyclic
# garbage collector's reach, as the gc module's documentation advises for forking servers.
# Otherwise every full collection walks those objects again (~200 ms each, measured on the
# customer list at about one per thousand requests, ~0.2–0.6 ms of CPU a request on average);
# objects made by requests are collected as before (bench/bench_web.py measures the served
# pages).
gc.freeze()
