"""Hội Số settings: one module, every value from the environment with a safe development default.

Production (HOISO_ENV=production) refuses to start without its secrets.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HOISO_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


HOISO_ENV = env_str("HOISO_ENV", "development")
PRODUCTION = HOISO_ENV == "production"


def secret(name: str, dev_default: str) -> str:
    """A value required in production (secrets, public address), a development default elsewhere."""
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when HOISO_ENV=production")
    return dev_default


SECRET_KEY = secret("SECRET_KEY", "dev-insecure-hoiso-secret-key-change-me-0123456789")
# Old keys still accepted when verifying signatures (member cards' QR codes are signed): rotate
# SECRET_KEY by moving the old value here instead of invalidating every printed card.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "axes",
    "hoiso.core",
    "hoiso.org",
    "hoiso.accounts",
    "hoiso.members",
    "hoiso.documents",
    "hoiso.meetings",
    "hoiso.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "hoiso.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hoiso" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "hoiso.core.context_processors.shell",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids
        # "database is locked" on read-then-write transactions.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Indexes with INCLUDE columns (members' statistics indexes) are PostgreSQL covering indexes;
# SQLite builds them on their key columns alone, which is what we want there: no warning on
# every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "hoiso.accounts.backends.UsernameOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: per account and per source address, each counted on its own.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_USERNAME_CALLABLE = "hoiso.accounts.backends.axes_username"
AXES_LOCKOUT_CALLABLE = "hoiso.accounts.views.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0) or None

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded files (archive documents, meeting files, member photos) are private: no URL serves
# MEDIA_ROOT; every file goes out through a view that checks access and writes the audit row.
# Never publish this folder with the web server (docs/operations.md).
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# --- realtime and tasks ---------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
# The channel layer's Redis connections, against two redis-py >= 8 defaults: no read timeout
# (the layer waits for messages with a 5 s blocking pop, which a 5 s socket_timeout cuts:
# idle sockets were closed), and more than 100 connections per pool (a room whose 500 sockets
# join or leave at once needs one each; 10,000 is Redis's own maxclients).
REDIS_LAYER_POOL = {"socket_timeout": None, "max_connections": 10_000}
CHANNEL_LAYERS = (
    {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, **REDIS_LAYER_POOL}]},
        }
    }
    if REDIS_URL
    else {"default": {"BACKEND": "hoiso.meetings.layers.InMemoryChannelLayer"}}
)
# Shared by every process when REDIS_URL is set (cached scopes must be invalidated everywhere).
CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15)
# Documents: pages OCR'd at once per document (0: one per core), minutes after which a document
# left in a running state by a stopped worker is queued again (hoiso/documents/tasks.py).
DOCUMENTS_OCR_JOBS = env_int("DOCUMENTS_OCR_JOBS", 0)
DOCUMENTS_STUCK_MINUTES = env_int("DOCUMENTS_STUCK_MINUTES", 30)
# Meetings' video (Jitsi Meet with JWT auth, hoiso/meetings/video.py): the server's address, the
# app id and the shared secret of its token auth. JITSI_URL or JITSI_SECRET empty: video is off.
JITSI_URL = env_str("JITSI_URL", "").rstrip("/")
JITSI_APP_ID = env_str("JITSI_APP_ID", "hoiso")
JITSI_SECRET = env_str("JITSI_SECRET", "")
JITSI_TOKEN_MINUTES = env_int("JITSI_TOKEN_MINUTES", 240)
# Notifications (hoiso/notifications, docs/notifications.md): the channels on, in order — "inapp"
# (always), "email", or dotted paths of Channel adapters (Zalo, SMS). Mail goes through
# EMAIL_BACKEND (development: printed to the console; production: SMTP at EMAIL_HOST).
NOTIFICATION_CHANNELS = env_list("NOTIFICATION_CHANNELS", ["inapp", "email"])
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Hội Số <no-reply@localhost>")
# Meeting reminders (hoiso/meetings/reminders.py): hours before the start; hours before an
# opinion form's deadline for "due soon".
MEETINGS_REMIND_HOURS = [int(h) for h in env_list("MEETINGS_REMIND_HOURS", ["24", "1"])]
OPINIONS_REMIND_HOURS = env_int("OPINIONS_REMIND_HOURS", 24)

# --- security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
FIELD_ENCRYPTION_KEY = secret("FIELD_ENCRYPTION_KEY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- domain ---------------------------------------------------------------------------------
# Size of a page in lists; lists use keyset pagination, never OFFSET at depth.
PAGE_SIZE = env_int("PAGE_SIZE", 50)
# Scheme and host printed in QR codes (member cards): the address the public reaches us at.
# Required in production: a wrong host would be printed on every card.
PUBLIC_BASE_URL = secret("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# A member counts as digitally active with at least this many indicators answered "yes"
# (feeds the 90% target of the 2030 programme).
DIGITAL_ACTIVE_MIN = env_int("DIGITAL_ACTIVE_MIN", 3)
