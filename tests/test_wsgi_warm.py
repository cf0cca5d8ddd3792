"""A served worker starts warm: importing guanxi.wsgi loads the URL configuration (every view
and the API's schemas), compiles every template of both engines and reads both catalogs, then
freezes all of it out of the garbage collector's way. The first requests of a fresh worker
took ~1 s (the URL configuration), ~0.3 s (the customer list's templates) and ~1.3 s (the
home page's), which a load test saw as p95 and a user as a slow page after every restart.
Run in a fresh interpreter: the test process has loaded much of this already."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import gc, json, sys
import guanxi.wsgi
from django.db import connections
from django.template import engines
django_cache = engines["django"].engine.template_loaders[0].get_template_cache
print(json.dumps({
    "views": sorted(m for m in ("guanxi.customers.views", "guanxi.workspace.views",
                                "guanxi.customers.api") if m in sys.modules),
    "django_templates": sorted(k for k in ("workspace/detail.html", "base.html",
                                          "customers/list.html") if k in django_cache),
    "jinja_templates": len(engines["jinja2"].env.cache),
    "frozen": gc.get_freeze_count(),
    "connected": any(c.connection is not None for c in connections.all(initialized_only=True)),
}))
"""


def test_importing_the_wsgi_app_loads_views_and_templates_without_a_connection(tmp_path):
    env = {
        **os.environ,
        "GUANXI_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "guanxi.settings",
    }
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    state = json.loads(out.stdout.strip().splitlines()[-1])
    assert state["views"] == [
        "guanxi.customers.api",
        "guanxi.customers.views",
        "guanxi.workspace.views",
    ]
    assert state["django_templates"] == [
        "base.html",
        "customers/list.html",
        "workspace/detail.html",
    ]
    jinja_files = list((ROOT / "guanxi").glob("*/jinja2/**/*.html"))
    assert state["jinja_templates"] == len(jinja_files) > 0
    assert state["frozen"] > 10_000
    assert not state["connected"]  # nothing opened before gunicorn forks its workers
