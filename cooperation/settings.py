"""Settings for the cooperation tracker, read from environment variables.

Production is the default: unless DJANGO_DEBUG=1 (which `make run`, `make
test` and the docs set explicitly for development), the site refuses to start
without DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS and turns on the production
security settings, so that ``manage.py check --deploy`` is clean. Development
mode runs on an SQLite file with a fixed insecure key.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")
else:
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "offices",
    "cooperation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django.forms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cooperation.security.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "offices.middleware.SessionRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cooperation.urls"

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
                "cooperation.notifications.context_processors.notifications",
                "cooperation.disasters.context_processors.disaster_banner",
            ],
        },
    },
]

# Field groups carry 必須/任意 beside their labels (templates/forms/field.html).
FORM_RENDERER = "cooperation.home.forms_renderer.SiteFormRenderer"

WSGI_APPLICATION = "cooperation.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default="sqlite:///{}".format(BASE_DIR / "db.sqlite3"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is the embedded default for development, the tests and a small
    # office on one machine; PostgreSQL is for the national site. WAL lets
    # readers and one writer work at once; IMMEDIATE transactions take the
    # write lock when they begin, so concurrent writers queue (up to
    # ``timeout`` seconds) instead of failing with "database is locked" when
    # a read transaction tries to become a write one (issue 11).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )


def cache_config(url: str) -> dict:
    """Django's cache settings from ``DJANGO_CACHE_URL``; every backend here is shared by all processes.

    ``redis://host:6379/0`` (production: Django's RedisCache), ``db://table``
    (the database cache, the default: ``manage.py createcachetable``),
    ``file:///path`` (a folder every worker of one machine shares). The roll-up
    cache relies on that sharing, so a per-process memory cache is not offered.
    """
    scheme, _sep, rest = url.partition("://")
    if scheme in {"redis", "rediss", "unix"}:
        return {"BACKEND": "cooperation.caching.redis.SharedRedisCache", "LOCATION": url}
    if scheme == "file":
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": rest}
    if scheme == "locmem":
        # One process only: the roll-up cache would go stale across workers. For tests that show exactly that.
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": rest}
    if scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": rest or "cooperation_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    raise ImproperlyConfigured(f"DJANGO_CACHE_URL: unknown cache {scheme!r} (redis://, db://table or file:///path).")


# The roll-up cache (cooperation/caching/) can be switched off to measure the computations themselves.
ROLLUP_CACHE = env_bool("DJANGO_ROLLUP_CACHE", True)

CACHES = {
    "default": {
        **cache_config(os.environ.get("DJANGO_CACHE_URL") or "db://cooperation_cache"),
        "KEY_PREFIX": os.environ.get("DJANGO_CACHE_KEY_PREFIX", "coop"),
        "TIMEOUT": 24 * 60 * 60,
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "offices.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cooperation:home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after eight idle hours and when the browser closes; the idle
# clock is pushed forward at most every five minutes (offices.middleware).
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_AGE", str(8 * 60 * 60)))
SESSION_REFRESH_SECONDS = 300
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sessions are kept in the database and read through the shared cache (Redis in production): a page
# reads its session without a query; signing out removes it from both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Failed logins per account (and per client address: see the issue 11 block) before a lock-out.
LOGIN_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("DJANGO_LOGIN_LOCKOUT_MINUTES", "15"))

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Attachments live outside any URL: they are only served by a view that
# checks who may see the activity they belong to.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("DJANGO_PRIVATE_MEDIA_ROOT", BASE_DIR / "private_media"))
ATTACHMENT_MAX_BYTES = int(os.environ.get("DJANGO_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
SURVEY_MAX_BYTES = int(os.environ.get("DJANGO_SURVEY_MAX_BYTES", str(5 * 1024 * 1024)))
# Referrals (docs/privacy.md): free text of a closed referral is redacted this many days after closing
# (manage.py redact_referrals, daily); a step may be dated at most this many days back.
REFERRAL_RETENTION_DAYS = int(os.environ.get("REFERRAL_RETENTION_DAYS", "365"))
REFERRAL_BACKDATE_DAYS = int(os.environ.get("REFERRAL_BACKDATE_DAYS", "30"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if os.environ.get("DJANGO_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["DJANGO_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "noreply@cooperation.invalid")
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "30"))

# Absolute links in mail: the address users reach the site at.
SITE_BASE_URL = os.environ.get("DJANGO_SITE_BASE_URL", "http://127.0.0.1:8000")

# The task queue (django-tasks with its database backend): the queue lives in the site's own database;
# `manage.py db_worker` runs the tasks (README, Deploying). The same backend in tests.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Notifications (issue 12): retention of inbox rows and sent mail, mail retries (seconds between attempts),
# the digest's thresholds.
NOTIFICATIONS_ENABLED = env_bool("DJANGO_NOTIFICATIONS", True)
NOTIFICATIONS_MAIL_ENABLED = env_bool("DJANGO_NOTIFICATIONS_MAIL", True)
NOTIFICATIONS_RETENTION_DAYS = int(os.environ.get("DJANGO_NOTIFICATIONS_RETENTION_DAYS", "365"))
NOTIFICATIONS_MAIL_RETRY_DELAYS = [60, 300, 1800, 7200, 21600]
NOTIFICATIONS_REFERRAL_OPEN_DAYS = int(os.environ.get("DJANGO_NOTIFICATIONS_REFERRAL_OPEN_DAYS", "14"))
NOTIFICATIONS_STALLED_DAYS = 365
NOTIFICATIONS_FOLLOW_UP_LOOKBACK_DAYS = 7

# The read-only API (cooperation/api/): personal tokens or the browser session, a budget per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cooperation.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["cooperation.api.throttling.PerTokenThrottle"],
    "DATE_FORMAT": "iso-8601",
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_THROTTLE_RATE = os.environ.get("DJANGO_API_THROTTLE", "3600/hour")
SPECTACULAR_SETTINGS = {
    "TITLE": "行政相談 連携ダッシュボード API",
    "DESCRIPTION": (
        "Read-only API of the cooperation tracker. Every response is limited to the scope of the token's owner; "
        "an object outside it is a 404. 閲覧専用の API です。トークンの所有者の範囲のみを返します。"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "cooperation.progress.models.Stage",
        "LocalGovernmentKindEnum": "offices.models.Municipality.Kind",
        "SessionKindEnum": "cooperation.sessions.models.Kind",
        # The referrals' status kept its first name when sessions and commissioners brought statuses of their own.
        "StatusEnum": "cooperation.referrals.models.Referral.Status",
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/site_table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    # Opt-in: a closed municipal network often serves other hosts under the same domain.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [
        check
        for check, chosen in (("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS), ("security.W021", SECURE_HSTS_PRELOAD))
        if not chosen
    ]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# --- Security hardening (issue 11) -------------------------------------------------------------------------------
# Survey imports are bounded so that a hostile file is refused within a second
# or two in bounded memory: rows counted while the file streams (the national
# survey has 16,139 rows), the unpacked size of a workbook (the national
# survey unpacks to about 5 MB), problems listed (the rest are counted).
SURVEY_MAX_ROWS = int(os.environ.get("DJANGO_SURVEY_MAX_ROWS", "20000"))
SURVEY_MAX_UNPACKED_BYTES = int(os.environ.get("DJANGO_SURVEY_MAX_UNPACKED_BYTES", str(40 * 1024 * 1024)))
SURVEY_MAX_PROBLEMS = int(os.environ.get("DJANGO_SURVEY_MAX_PROBLEMS", "200"))
# Previews waiting to be applied: at most this many per user, none older than
# this many hours (``manage.py prune_survey_uploads``, run from cron, removes the rest).
SURVEY_KEPT_UPLOADS_PER_USER = int(os.environ.get("DJANGO_SURVEY_KEPT_UPLOADS_PER_USER", "5"))
SURVEY_KEPT_UPLOAD_HOURS = int(os.environ.get("DJANGO_SURVEY_KEPT_UPLOAD_HOURS", "24"))
# Sign-in throttling (offices/throttle.py): besides LOGIN_FAILURE_LIMIT per
# account, failed sign-ins per client address and password-reset requests per
# client address, each within LOGIN_LOCKOUT_MINUTES. The client address is
# REMOTE_ADDR, or the header named here as the reverse proxy sets it
# ("X-Forwarded-For", "X-Real-IP"): set it only when every request comes
# through that proxy.
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
PASSWORD_RESET_ADDRESS_LIMIT = int(os.environ.get("DJANGO_PASSWORD_RESET_ADDRESS_LIMIT", "5"))
CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "").strip()
# No date a user gives may lie before this (cooperation/security/dates.py).
EARLIEST_DATE = datetime.date.fromisoformat(os.environ.get("DJANGO_EARLIEST_DATE", "2015-04-01"))
# Response headers (cooperation.security.middleware), in development as in
# production: everything from the site itself, no inline script or style.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
