"""HTTPS settings by environment variable: `guanxi manage check --deploy` is clean with them,
and without them it names exactly what is missing."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def check_deploy(tmp_path, **variables) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GUANXI_")
        and key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser tests
    }
    env.update(
        PYTHONPATH=str(ROOT),
        GUANXI_DATA_DIR=str(tmp_path),
        GUANXI_SECRET_KEY=secrets.token_urlsafe(50),
        **variables,
    )
    return subprocess.run(
        [sys.executable, "-m", "guanxi", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_https_variables(tmp_path):
    result = check_deploy(
        tmp_path,
        GUANXI_HTTPS="true",
        GUANXI_SSL_REDIRECT="true",
        GUANXI_PROXY_SSL_HEADER="true",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_check_deploy_names_what_is_missing_without_them(tmp_path):
    result = check_deploy(tmp_path)

    assert result.returncode != 0
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in result.stderr


def test_https_sets_secure_cookies_and_hsts(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GUANXI_DATA_DIR": str(tmp_path)}
    env.update(GUANXI_HTTPS="true", DJANGO_SETTINGS_MODULE="guanxi.settings")
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_SSL_REDIRECT, getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True", "31536000", "False", "None"]


def test_without_redis_every_process_shares_one_cache(tmp_path):
    """The worker precomputes dashboards and home figures and a web worker records customers
    changing hands: without REDIS_URL the other processes must see it (a cache in each
    process's memory kept it to itself, and dashboards stayed cold on the web)."""
    env = {
        **os.environ,
        "GUANXI_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "guanxi.settings",
    }
    env.pop("REDIS_URL", None)
    program = (
        "import django, sys; django.setup();"
        "from django.core.cache import cache;"
        "cache.set('shared-probe', 41) if sys.argv[1] == 'set' else print(cache.get('shared-probe'))"
    )
    for step in ("set", "get"):
        out = subprocess.run(
            [sys.executable, "-c", program, step],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    assert out.strip() == "41"


def test_case_service_levels_come_from_the_environment(tmp_path):
    env = {
        **os.environ,
        "GUANXI_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "guanxi.settings",
        "GUANXI_CASE_SLA_HOURS": "urgent=2,low=200",
    }
    program = (
        "import django; django.setup();"
        "from guanxi.service.sla import sla_hours;"
        "print(sla_hours('urgent'), sla_hours('high'), sla_hours('low'))"
    )
    out = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["2", "24", "200"]
    env["GUANXI_CASE_SLA_HOURS"] = "urgent=soon"
    bad = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "GUANXI_CASE_SLA_HOURS takes priority=hours" in bad.stderr
