"""Settings shared by every environment.

Configuration comes from the environment (12-factor) through one `env` reader.
With nothing set, Footwork runs on SQLite with Celery's filesystem broker so a
newcomer's first `make run` needs no services; DATABASE_URL and REDIS_URL switch
to PostgreSQL and Redis, which are the production and CI stack.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")  # production.py insists on a real one
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "import_export",
    "config.apps.AxesConfig",  # django-axes, with a translatable name
    "accounts",
    "activity",
    "planning",
    "reports",
]

MIDDLEWARE = [
    # First: probes by address over plain HTTP reach the health check (config/middleware.py).
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: compressed already
    # Pages gzipped: the log page is 21 kB, 4 kB gzipped, on a phone's mobile data. Django
    # pads each response with random bytes against BREACH, and masks the CSRF token.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.BackToTheFormAfterLoginMiddleware",
    "config.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy in every environment, so the browser tests prove the pages work
# under it: scripts and styles only from our own static files, nothing inline (no inline
# <script>, on*= handlers or style= attributes; tests/test_security_headers.py greps the
# templates). img-src allows data: because Bootstrap's CSS draws its select arrows,
# check marks and navbar icon as data: SVGs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "activity.context_processors.notifications",
                "activity.context_processors.sign_off_queue",
            ],
            # Tags for the project's own templates (the top bar), outside any app.
            "libraries": {"navigation": "config.templatetags.navigation"},
        },
    },
]

# Per-process memory on purpose: the only cached things are rendered template fragments
# (the daily-log page's blank visit), which must die with the process when new code is
# deployed. Shared state (Celery, locks, sent-records) lives in Redis and PostgreSQL.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'footwork.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and Celery worker share the file: wait for locks instead of failing, and
    # take the write lock at the start of a transaction, not half-way (no "locked" errors).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that hangs fails a request within seconds instead of holding a worker.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connect_timeout=env.int("DJANGO_DB_CONNECT_TIMEOUT", default=3),
        options=(
            f"-c statement_timeout={env.int('DJANGO_DB_STATEMENT_TIMEOUT_MS', default=30000)}"
            # Pages read a few thousand rows: starting parallel workers (about 2 ms) costs
            # more than it saves. A year's roll-up still gets them.
            " -c parallel_setup_cost=10000"
            # Compiling a query (JIT) cost a year's on-time scan a third of its time, and
            # PostgreSQL reaches for it on any read above a cost of 100,000.
            " -c jit=off"
        ),
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: 5 failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"

# The interface language until a user picks the other one with the switch on every page.
LANGUAGE_CODE = env("DJANGO_LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our corrections to Django's date input formats (config/formats/zh_Hans: 2026年12月1日).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env("DJANGO_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded staff import files wait here until confirmed (a day at most): the worker
# reads them too, so web and worker share this folder (a volume in docker-compose.yml).
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")

# Staff imports with more rows than this are checked and written by a Celery task.
STAFF_IMPORT_ASYNC_ROWS = env.int("STAFF_IMPORT_ASYNC_ROWS", default=2000)
# Confirmed target imports setting more targets than this (quarters, months and weeks
# included) are saved by a Celery task: ~10 s of saving, well inside gunicorn's timeout.
TARGET_IMPORT_ASYNC_CELLS = env.int("TARGET_IMPORT_ASYNC_CELLS", default=40_000)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="footwork@localhost")
# Where people open Footwork: e-mails are read outside it, so their links are absolute.
SITE_URL = env("DJANGO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Celery -----------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
QUEUE_DIR = VAR_DIR / "celery-queue"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_RESULT_EXPIRES = 24 * 60 * 60
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
    # Sending a task subscribes to its result: with Redis down that retried 20 times a
    # second apart, holding the web request. Fail fast instead (see the fault tests).
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "retry_policy": {
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 0.5,
        },
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
else:
    # Zero-setup default: kombu's filesystem transport (worker + beat on one machine).
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(QUEUE_DIR / "out"),
        "data_folder_out": str(QUEUE_DIR / "out"),
        "processed_folder": str(QUEUE_DIR / "processed"),
        "store_processed": False,
        # Exchange bindings; kombu's default is ./control, i.e. wherever a command runs.
        "control_folder": str(QUEUE_DIR / "control"),
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A whole branch's target import (~700,000 targets) saves in 0.5-4 minutes.
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The web app enqueues after commit; with the broker down it must fail fast (and log),
# not hang the request: the data is saved and the dispatcher catches up later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Every periodic task of the product, in one place. Times are Asia/Shanghai.
CELERY_BEAT_SCHEDULE = {
    # Reminders fire at each branch's configured times (default 18:00 / 20:00 / 09:00);
    # the dispatcher checks every five minutes and catches up what a downtime missed.
    "dispatch-reminders": {
        "task": "activity.dispatch_reminders",
        "schedule": crontab(minute="*/5"),
    },
    # After each week closes (Monday), snapshot every branch's last week; every night,
    # roll up again the weeks whose logs changed since (Friday's signed off on Monday).
    "rollup-closed-weeks": {
        "task": "reports.rollup_closed_weeks",
        "schedule": crontab(minute=0, hour=1),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
