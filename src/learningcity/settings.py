"""Settings for the Learning City Platform.

Everything a deployment changes comes from the environment through the small typed helpers below; a bad
value fails at start-up rather than at the first request. SQLite is the embedded default, `DATABASE_URL`
switches to PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env(name: str, default: str = "") -> str:
    """A string setting; `NAME_FILE` (a path) wins over `NAME`, for secrets mounted as files."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = env(name, default).lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def envint(name: str, default: str) -> int:
    value = env(name, default)
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


DEV_SECRET_KEY = "insecure-dev-key-change-me"  # noqa: S105 - refused below when DEBUG is off
DEBUG = envbool("DEBUG", "false")
SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
# wsgi.py and asgi.py refuse to serve with DEBUG off and this default key (tests and commands may use it).

ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Where the embedded database, uploaded evidence and generated files live; never under the web root.
DATA_DIR = Path(env("DATA_DIR", str(PROJECT_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "learningcity.territory",
    "learningcity.accounts",
    "learningcity.frameworks",
    "learningcity.recognition",
    "learningcity.analytics",
    "learningcity.api",
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
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "learningcity.urls"
WSGI_APPLICATION = "learningcity.wsgi.application"
ASGI_APPLICATION = "learningcity.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "learningcity.accounts.context_processors.platform",
            ],
        },
    },
]

SQLITE_PATH = DATA_DIR / "learningcity.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(env("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    # WAL + IMMEDIATE transactions + a busy timeout keep the worker and the web process from tripping
    # over each other's writes (STACK-NOTES.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Each process keeps its own. It holds only rendered fragments keyed by what they show (a campaign's figures
# with their build time and target), for ten minutes at most: a process that misses renders them again.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 2000}}
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes): lock an account+address pair after repeated failures.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", "15") / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(8 * 3600))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
# Serve straight from the apps' static folders too, so a server started before collectstatic still works.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    # Evidence files: outside the web root, served only through a view that checks the reader's scope.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "private"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "private"
# No view serves this prefix: evidence is private and goes through a view that checks the reader's scope.
# (Django's test server needs a string here.)
MEDIA_URL = "/_no-public-media/"

# Public figures withhold any count under this, so that nobody can be singled out.
PUBLIC_MIN_COUNT = envint("PUBLIC_MIN_COUNT", "10")

# Uploads: each form's limit per file, and the cap past which no upload is kept at all (learningcity.uploads).
# Uploaded evidence: at most this many bytes per file, of these types (checked by content, not name).
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024))
# The web upload limit of an import file (the command line has none).
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", str(100 * 1024 * 1024))
BOUNDARY_MAX_BYTES = envint("BOUNDARY_MAX_BYTES", str(20 * 1024 * 1024))  # a GeoJSON file of boundaries
POPULATION_MAX_BYTES = 5 * 1024 * 1024  # a workbook of population figures
FRAMEWORK_MAX_BYTES = 1024 * 1024  # a framework's YAML file
UPLOAD_MAX_BYTES = max(
    EVIDENCE_MAX_BYTES, IMPORT_MAX_BYTES, BOUNDARY_MAX_BYTES, POPULATION_MAX_BYTES, FRAMEWORK_MAX_BYTES
)
FILE_UPLOAD_HANDLERS = [
    "learningcity.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", str(5 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Key for the keyed hash of ID card numbers: the hash lets us match a person without storing the number.
ID_NUMBER_PEPPER = env("ID_NUMBER_PEPPER", SECRET_KEY)

# "intake" holds only the application of received submissions (recognition.services.intake), so that a worker
# of its own (`learningcity worker --queue intake`) is never held up behind a long rebuild.
TASK_QUEUES = ["default", "intake"]
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": TASK_QUEUES,
    }
}

NINJA_PAGINATION_MAX_LIMIT = 500

# The demo city is running: pages show a "demo data" banner.
DEMO_MODE = envbool("DEMO_MODE", "false")
# Absolute address of this site, for links that leave it (the QR code on a certificate).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
