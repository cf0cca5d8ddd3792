"""WSGI entry point (gunicorn guanxi.wsgi; `guanxi serve` loads it too)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, the models, the URL and template machinery)
# lives as long as the process: move it out of the cyclic garbage collector's reach, as the
# gc module's documentation advises for forking servers. Otherwise every full collection walks
# those objects again (~200 ms each, measured on the customer list at about one per thousand
# requests, ~0.2–0.6 ms of CPU a request on average); objects made by requests are collected
# as before (bench/bench_web.py measures the served pages).
gc.freeze()
