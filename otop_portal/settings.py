"""Settings for the OTOP online-market reporting portal.

There is one settings module. Everything that differs between a laptop, CI and a
production server comes from the environment (see README.md, "Configuration").
"""

import datetime as dt
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from otop_portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. For local work run `make run`, "
            "which sets DEBUG=1, or export SECRET_KEY."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
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
    "import_export",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "districts",
    "products",
    "surveys",
    "reports",
    "plans",
    "jobs",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages are compressed (issue #19: a big district's report page is ~200 KB of HTML,
    # ~20 KB gzipped, on officers' slow mobile links). BREACH: README.md, "Compression".
    "otop_portal.middleware.CompressPagesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "otop_portal.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "otop_portal.middleware.PrivateCacheMiddleware",
    "otop_portal.middleware.DatabaseBusyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes must come last: it locks out a login after repeated failures.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user with their district or province.
    "districts.backends.UserBackend",
]
# Lock out a username from one address after 5 failures for 30 minutes. Locking by the
# pair, not the address alone, keeps one mistyping officer from locking out a whole
# district office behind one NAT address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = 1 if env_bool("BEHIND_PROXY") else 0

# A strict Content-Security-Policy everywhere (not only in production, so that the
# browser tests catch an inline script): no inline script or style, nothing from
# another origin.
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

ROOT_URLCONF = "otop_portal.urls"
# A form posted without its token (an old tab, cookies off) gets a Thai page saying what
# to do, in the portal's layout (the handlers of the other errors are in urls.py).
CSRF_FAILURE_VIEW = "otop_portal.errors.csrf_failure"

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
                "django.template.context_processors.i18n",
            ],
            # The ground floor's filters (dates, money): otop_portal is no installed app.
            "libraries": {
                "portal": "otop_portal.templatetags.portal",
                # Django's i18n, with constant texts translated once (issue #19).
                "portal_i18n": "otop_portal.templatetags.portal_i18n",
            },
            # Django's {% url %}, each URL reversed once per process (issue #19).
            "builtins": ["otop_portal.templatetags.urls"],
        },
    },
]

# Django's form renderer, with plain <input>s drawn without the template engine: the
# report page's 50 line forms spent 60% of its time there (otop_portal/form_renderer.py).
FORM_RENDERER = "otop_portal.form_renderer.PortalFormRenderer"

WSGI_APPLICATION = "otop_portal.wsgi.application"

(BASE_DIR / "var").mkdir(exist_ok=True)
_DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        # PostgreSQL keeps each worker's connection for a minute (checked before reuse):
        # opening one per request forked a server process each time, a few ms of CPU on
        # every request (issue #19). SQLite opens a file, which costs nothing.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if _DATABASE_URL.startswith("sqlite") else 60),
        conn_health_checks=True,
    )
}
# PostgreSQL: the queries of otop_portal.prepared run as prepared statements of each
# connection's session (parsed and planned once). Turn off behind a pooler that shares
# server connections between clients (PgBouncer in transaction mode).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A district office's officers save at once, and several processes (runserver, the
    # task worker) share one file. SQLite has one writer at a time:
    # - every transaction starts as a writer (BEGIN IMMEDIATE), so it waits for the lock
    #   at its start, where waiting works, instead of failing when a reading transaction
    #   tries to become a writer ("database is locked" at once, whatever the timeout);
    # - WAL lets pages be read while someone writes; synchronous=NORMAL is safe with WAL;
    # - a writer waits up to SQLITE_TIMEOUT seconds for the lock. One that still cannot
    #   get it answers the "busy, try again" page (otop_portal.middleware), not a 500.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env_int("SQLITE_TIMEOUT", 20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The planner's cost of a random page read. PostgreSQL's default (4) assumes
    # spinning disks: with it, a district's page hashed all 200,000 products to find the
    # district's 1,277 instead of looking them up by key (30 ms against 2.5 ms,
    # bench/dashboard.py, issue #19). 1.1 is the usual figure for SSDs and for a
    # database that fits in memory, as the registry of a country does (200 MB).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c random_page_cost={env_str('PG_RANDOM_PAGE_COST', '1.1')}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "districts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "login"
# Django's database sessions, read by a query compiled once (otop_portal/sessions.py).
SESSION_ENGINE = "otop_portal.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Thai is the default language; English is available from the language switcher.
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("ไทย")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "otop_portal.staticfiles.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"

# Upload limits: district forms are small, registry snapshots can be country-sized.
DISTRICT_UPLOAD_MAX_BYTES = env_int("DISTRICT_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
REGISTRY_UPLOAD_MAX_BYTES = env_int("REGISTRY_UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
# The uncompressed size a workbook may unpack to; larger is treated as a zip bomb.
WORKBOOK_MAX_UNCOMPRESSED_BYTES = env_int("WORKBOOK_MAX_UNCOMPRESSED_BYTES", 512 * 1024 * 1024)
# What a district's form may hold (otop_portal.uploads.workbook_limits); the registry has
# WORKBOOK_MAX_CELLS (10 million) and the limit above.
DISTRICT_WORKBOOK_MAX_CELLS = env_int("DISTRICT_WORKBOOK_MAX_CELLS", 200_000)
DISTRICT_WORKBOOK_MAX_UNCOMPRESSED_BYTES = env_int(
    "DISTRICT_WORKBOOK_MAX_UNCOMPRESSED_BYTES", 64 * 1024 * 1024
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Refuse an upload over the largest limit while it streams in, instead of writing all
# of it to disk first.
FILE_UPLOAD_HANDLERS = [
    "otop_portal.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "otop-portal@localhost")
# The portal's public address, for links in reminder emails sent from cron.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "")

# Background work goes through Django's tasks API (the django-tasks backport). Small
# jobs and tests run immediately; production sets TASKS_BACKEND to the database
# backend and runs `manage.py db_worker`.
# Jobs of more rows than this run in the task queue; smaller ones run in the request.
JOBS_INLINE_MAX_ROWS = env_int("JOBS_INLINE_MAX_ROWS", 5000)
# A running job whose worker has not written a heartbeat for this long is marked failed
# by `manage.py jobs_reap_stale` (a worker killed mid-job).
JOBS_STALE_AFTER_SECONDS = env_int("JOBS_STALE_AFTER_SECONDS", 300)
# A finished job's files (its upload, its export) are deleted this many days after it
# finished by `manage.py jobs_prune_files` (a country's export is 20 MB); the job's
# record and summary stay.
JOBS_KEEP_FILES_DAYS = env_int("JOBS_KEEP_FILES_DAYS", 30)
# The files districts upload for their forms (provenance) are kept this many days;
# prune_uploads deletes older ones, and those of previews that expired.
UPLOADS_KEEP_FILES_DAYS = env_int("UPLOADS_KEEP_FILES_DAYS", 90)
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
# With DEBUG off the portal is served over HTTPS only: secure cookies, a redirect from
# http, and HSTS. HTTPS=0 turns this off for a plain-http intranet test install.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Submitting a domain to the browsers' HSTS preload list is the domain owner's decision,
# not this application's, so the check that asks for it is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
