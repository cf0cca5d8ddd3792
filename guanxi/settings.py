"""Guanxi settings: one module, configured by environment variables.

Every variable is read through a small typed helper that fails loudly on a bad value,
so a typo in production surfaces at start-up, not as a strange behaviour later.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DATA_DIR = Path(env_str("GUANXI_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("GUANXI_DEBUG", False)
SECRET_KEY = env_str("GUANXI_SECRET_KEY")
if not SECRET_KEY:
    # A self-hosted first run must work with no configuration: generate a key once and keep it
    # in the data directory (never in the repository, never in a log).
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env_list("GUANXI_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("GUANXI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # its vendored Swagger UI files instead of a CDN for the API docs
    "axes",
    "csp",
    "huey.contrib.djhuey",
    "guanxi.accounts",
    "guanxi.customers",
    "guanxi.activities",
    "guanxi.sales",
    "guanxi.privacy",
    "guanxi.scoring",
    "guanxi.segments",
    "guanxi.service",
    "guanxi.surveys",
    "guanxi.pool",
    "guanxi.contracts",
    "guanxi.pipeline",
    "guanxi.audit",
    "guanxi.dataio",
    "guanxi.demo",
    "guanxi.workspace",
    "guanxi.insights",
    "guanxi.voice",
    "guanxi.coding",
    "guanxi.leads",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "guanxi.accounts.middleware.StoredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "guanxi.accounts.middleware.NotAllowedPageMiddleware",  # a 405 as a page, not empty
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "guanxi.accounts.middleware.NoStoreForSignedInMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a lock-out into the 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guanxi.urls"
WSGI_APPLICATION = "guanxi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # Only the hot loops of busy pages (the customer list's rows): guanxi/fast_templates.py
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "guanxi.fast_templates.environment"},
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql") and env_bool(
        "GUANXI_PG_PREPARED_STATEMENTS", True
    ):
        # Parameters bound by the server, and a statement run a fifth time on a connection
        # prepared there (psycopg's prepare_threshold): PostgreSQL then parses and plans it once
        # per connection instead of on every request. Planning cost more than executing on the
        # busy pages at 1,000,000 customers (0.34 ms against 0.15 ms for the list's queries,
        # 0.94 against 0.22 for the 360 page's). Turn off behind a pooler in transaction mode.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "guanxi.sqlite3",
            "OPTIONS": {
                # WAL lets the web app read while an import or the task worker writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Tests in a file, not in shared-cache memory: there, concurrent writers fail with
            # "table is locked" instead of waiting, so concurrency tests could not run.
            "TEST": {"NAME": DATA_DIR / "test.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username + address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "guanxi.accounts.backends.LockoutBackend",
    "guanxi.accounts.backends.ProfileBackend",  # ModelBackend, with the profile in one query
]
# Wrong passwords: after GUANXI_LOGIN_FAILURE_LIMIT failures for one username from one address
# (login page, token endpoint and admin alike), that pair is locked out for
# GUANXI_LOGIN_LOCKOUT_MINUTES. Keyed on the pair so an attacker cannot lock a user out from
# everywhere; a success resets the count.
AXES_FAILURE_LIMIT = env_int("GUANXI_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("GUANXI_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "guanxi.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_CLIENT_STR_CALLABLE = "guanxi.accounts.backends.client_str"  # no username or IP in logs
AXES_IPWARE_PROXY_COUNT = env_int("GUANXI_PROXY_COUNT", 0) or None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the home dashboard (issue 9)
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: zh-hans and en are both complete; the browser's Accept-Language
# picks the default, the language switcher overrides it.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_thirdparty"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("GUANXI_TIME_ZONE", "Asia/Shanghai")
# 查重 per field, e.g. "mobile=block,email=warn,name=off" (defaults: guanxi/customers/services.py).
GUANXI_DUPLICATE_POLICY = dict(
    item.split("=", 1) for item in env_list("GUANXI_DUPLICATE_POLICY") if "=" in item
)
# 查重 answers name the owner of any team's customer: a rep may check this many a minute, no
# more (a sweep of number ranges gets 429).
GUANXI_DUPLICATE_CHECKS_PER_MINUTE = env_int("GUANXI_DUPLICATE_CHECKS_PER_MINUTE", 30)
# Entries a public lead form (/l/<slug>/) takes from one IP address an hour
GUANXI_LEAD_FORM_PER_HOUR = env_int("GUANXI_LEAD_FORM_PER_HOUR", 20)
GUANXI_COLLECTION_REMINDER_DAYS = env_int("GUANXI_COLLECTION_REMINDER_DAYS", 3)
# The seller (乙方) on printed orders, quotes and contracts: its name (else the top department's),
# address and telephone (left out when empty). guanxi.sales.services.company_name / _details.
COMPANY_NAME = env_str("GUANXI_COMPANY_NAME")
COMPANY_ADDRESS = env_str("GUANXI_COMPANY_ADDRESS")
COMPANY_PHONE = env_str("GUANXI_COMPANY_PHONE")
# Hours a complaint case of each priority has before the worker escalates it, e.g.
# "urgent=2,high=12" (the others keep guanxi/service/sla.py's defaults).
GUANXI_CASE_SLA_HOURS = {}
for _item in env_list("GUANXI_CASE_SLA_HOURS"):
    _priority, _sep, _hours = _item.partition("=")
    if _priority.strip() not in ("urgent", "high", "normal", "low") or not _hours.isdigit():
        raise ImproperlyConfigured(
            f"GUANXI_CASE_SLA_HOURS takes priority=hours pairs (urgent, high, normal, low), "
            f"got {_item!r}"
        )
    GUANXI_CASE_SLA_HOURS[_priority.strip()] = int(_hours)
# Django's own zh_Hans DATE_INPUT_FORMATS contain "%n", which is not a strptime directive;
# our format modules replace them with formats Chinese users type (tested).
FORMAT_MODULE_PATH = ["guanxi.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the finders: one process serves everything with no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = DATA_DIR / "media"

SESSION_ENGINE = "guanxi.accounts.sessions"  # Django's database sessions, read faster
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less hx-headers attribute
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Behind HTTPS (GUANXI_HTTPS=true): cookies only over HTTPS, and HSTS. A TLS-terminating proxy
# in front sets X-Forwarded-Proto (GUANXI_PROXY_SSL_HEADER=true trusts it); GUANXI_SSL_REDIRECT
# sends plain-HTTP requests to HTTPS when nothing in front does.
HTTPS = env_bool("GUANXI_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("GUANXI_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GUANXI_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("GUANXI_HSTS_PRELOAD", False)
# Preloading is the operator's deliberate, hard-to-undo choice (GUANXI_HSTS_PRELOAD=true), not a
# default worth a warning on every `check --deploy`.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_SSL_REDIRECT = env_bool("GUANXI_SSL_REDIRECT", False)
if env_bool("GUANXI_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): no inline script or style anywhere, everything from our
# own origin; Swagger UI's icons are data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

PHONENUMBER_DEFAULT_REGION = env_str("GUANXI_PHONE_REGION", "CN")
DEFAULT_CURRENCY = "CNY"

REDIS_URL = env_str("REDIS_URL")
HUEY_IMMEDIATE = env_bool("GUANXI_TASKS_IMMEDIATE", False)
if REDIS_URL:
    # One cache for every server process: rate limits (查重 checks a minute) hold across them.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "guanxi",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    # Without Redis, one cache on disk that every process of the install shares: the
    # dashboards and home figures the worker precomputes after a scoring run reach the web
    # server's workers, and a change one web worker records (customers changing hands, the
    # tag menu) is seen by the others. A per-process memory cache would keep each to itself.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            # the dashboards of every scope in use in both languages, with their query rows
            "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_FREQUENCY": 4},
        }
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "guanxi",
        "filename": str(DATA_DIR / "tasks.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }

API_TOKEN_TTL_DAYS = env_int("GUANXI_API_TOKEN_TTL_DAYS", 30)
# Live tokens per user: a new one beyond this evicts the oldest.
API_TOKEN_MAX_PER_USER = env_int("GUANXI_API_TOKEN_MAX_PER_USER", 5)
# A token's last use is written at most this often, so reads do not write (and, on SQLite, wait
# for a long import's write lock) on every request.
API_TOKEN_LAST_USED_PRECISION_SECONDS = 60


def _no_traceback_below_500(record) -> bool:
    """A 4xx is the client's doing: one line ("Forbidden: /path"), not a traceback (Django logs
    each 403 PermissionDenied and 400 SuspiciousOperation with exc_info); the line names the
    path only, never the query string or the body, so no personal data."""
    if 400 <= getattr(record, "status_code", 500) < 500:
        record.exc_info = record.exc_text = record.stack_info = None
    return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_4xx_traceback": {"()": lambda: _no_traceback_below_500}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_4xx_traceback"]}},
    "root": {"handlers": ["console"], "level": env_str("GUANXI_LOG_LEVEL", "WARNING")},
}
