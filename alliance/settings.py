"""Settings for every environment, read from environment variables.

One module, no per-environment files: production is the default and the
Makefile sets the few variables the demo and the tests change. A malformed
variable stops start-up with its name (see alliance/env.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from alliance.env import env_bool, env_db_url, env_fernet_keys, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
if DEBUG:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-not-for-production")
else:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Environment variable DJANGO_SECRET_KEY must be at least 50 characters in production."
        )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Environment variable DJANGO_ALLOWED_HOSTS is required in production.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Keys encrypting fields at rest (bank account numbers; alliance/crypto.py), newest first: new
# values are written with the first, every listed key still reads. Either variable takes one
# key or a comma-separated list; HUB_FIELD_ENCRYPTION_KEYS comes first when both are set.
# Rotate by putting a new key first, running `manage.py rotate_field_encryption`, then dropping
# the old one. Production has its own key; only the demo (DJANGO_DEBUG=true) may derive one
# from DJANGO_SECRET_KEY.
HUB_FIELD_ENCRYPTION_KEYS = list(
    dict.fromkeys(env_fernet_keys("HUB_FIELD_ENCRYPTION_KEYS") + env_fernet_keys("HUB_FIELD_ENCRYPTION_KEY"))
)
if not HUB_FIELD_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "Environment variable HUB_FIELD_ENCRYPTION_KEY (or HUB_FIELD_ENCRYPTION_KEYS, newest first) is required "
        "in production: bank account numbers are never encrypted with a key derived from DJANGO_SECRET_KEY there. "
        "Make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )

INSTALLED_APPS = [
    # Project apps first so their management commands (migrate, flush) wrap Django's.
    "alliance",
    "members",
    "enrollment",
    "sharedservices",
    "billing",
    "outreach",
    "metrics",
    "costofcare",
    "budgets",
    "sustainability",
    "planning",
    "today",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "csp",
]

MIDDLEWARE = [
    # First, so every response (redirects and errors too) carries X-Request-ID and is logged.
    "alliance.observability.RequestIdMiddleware",
    # Before anything reads the body: one upload limit for every path (alliance/uploads.py).
    "alliance.uploads.UploadLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "alliance.middleware.RequireMFAForHubRolesMiddleware",
    # After the second factor: a suspended alliance's members get its suspended page (alliance/suspension.py).
    "alliance.suspension.SuspendedAllianceMiddleware",
]

ROOT_URLCONF = "alliance.urls"
WSGI_APPLICATION = "alliance.wsgi.application"

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
                "alliance.context_processors.navigation",
            ],
            # The one formatter's filters (money, pct, day, ...) in every page, PDF and email.
            "builtins": ["alliance.templatetags.hub_format"],
        },
    },
]

# --- Database ---------------------------------------------------------------
# DATABASE_URL unset: the embedded PostgreSQL under var/ (pgserver).
_database_url = os.environ.get("DATABASE_URL", "").strip()
if not _database_url:
    from alliance.embedded_db import embedded_database_url

    _database_url = embedded_database_url(BASE_DIR)
DATABASES = {"default": env_db_url("DATABASE_URL", _database_url)}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Persistent connections in production (a new connection costs PostgreSQL a process and this app
# its role and scope set-up: measured, 41 -> 50 req/s and PostgreSQL's CPU 30 % -> 18 %), checked
# before each request reuses one, so a database restart costs no request an error. The demo's
# runserver closes them (0) as Django's default does.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME", "test_hub")}
# A database that does not answer costs a request this many seconds before it gets its 503
# (alliance/errors.py), not the operating system's TCP timeout of minutes.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))

# The role web and worker processes act as: neither superuser nor table owner,
# without BYPASSRLS, so row-level security always applies. When the login in
# DATABASE_URL is the owner (demo, tests), each connection does SET ROLE to it;
# migrate and flush switch back to the owner (alliance/db.py).
HUB_DB_APP_ROLE = env_str("HUB_DB_APP_ROLE", "hub_app")

# Behind PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer) a server connection serves many
# clients one transaction at a time: no server-side cursors (they outlive a transaction), no
# prepared statements (Django's default for psycopg, said here), and the role switch is made per
# transaction (alliance/db.py). The tenancy settings are transaction-local either way.
DATABASE_POOLER = env_str("DATABASE_POOLER", "").lower()
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DATABASE_POOLER={DATABASE_POOLER!r}: use pgbouncer, or leave it unset.")
if DATABASE_POOLER == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ----------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", "redis://127.0.0.1:6379/0", ("redis", "rediss", "unix"))
# The demo may run without Redis (tasks run eagerly, cache in memory).
_cache_backend = env_str("HUB_CACHE_BACKEND", "redis")
if _cache_backend not in ("redis", "locmem"):
    raise ImproperlyConfigured(f"Environment variable HUB_CACHE_BACKEND={_cache_backend!r} must be redis or locmem.")
# The cache shares Redis with Celery's queues; its clear() deletes only its own keys, and a Redis
# that is down means no cache rather than an error (alliance/cache.py).
# HUB_CACHE_KEY_PREFIX keeps concurrent test runs on one Redis apart (scripts/hub.py sets it per run).
CACHES = {
    "default": {
        "BACKEND": "alliance.cache.HubRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("HUB_CACHE_KEY_PREFIX", "hub"),
        # Short timeouts: a Redis that is down costs a request a quarter of a second at most, once
        # per interval; the cache then answers as empty (alliance/cache.py). Celery's own
        # connections (broker, results) do not use these.
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
    if _cache_backend == "redis"
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", REDIS_URL, ("redis", "rediss", "unix"))
CELERY_RESULT_BACKEND = env_url("CELERY_RESULT_BACKEND", REDIS_URL, ("redis", "rediss", "unix"))
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "hub")
# A worker that dies mid-task loses nothing (DESIGN.md, "Background work and failure"): a task's
# message is acknowledged only after the task returns, a worker child killed mid-task has its
# message rejected back to the queue, and a worker reserves one message at a time, so a killed
# worker holds back one task, not a prefetched queue. Every task is safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message a worker took and never acknowledged (the whole worker was killed) goes back to the
# queue once it is HUB_TASK_VISIBILITY_TIMEOUT seconds old; every worker sweeps for such messages
# every HUB_TASK_RESTORE_INTERVAL seconds and when it starts. The timeout must outlast the longest
# task, or a task still running is handed to a second worker: tasks stop at a hard time limit
# below it (prefork pool). Measured on billing's scale alliance (140 programs, 8,400 children,
# 1.64 million attendance rows; README, Benchmarks): an invoice batch 0.17 s at most, a year's
# rollup 2.8 s, the data export 106 s, the longest. 600 s leaves that export more than 5x room
# and brings a killed worker's task back within minutes instead of Redis' default hour.
HUB_TASK_VISIBILITY_TIMEOUT = env_int("HUB_TASK_VISIBILITY_TIMEOUT", 600)
HUB_TASK_RESTORE_INTERVAL = env_int("HUB_TASK_RESTORE_INTERVAL", 10)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": HUB_TASK_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": HUB_TASK_RESTORE_INTERVAL,
    "unacked_restore_throttle": 1,
    # A publish fails within seconds when Redis is unreachable instead of hanging a request.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Every broker key (queues, the unacknowledged set a worker sweeps) under this prefix: concurrent
# test runs on one Redis (scripts/hub.py sets one per run) never restore each other's messages.
if _broker_prefix := env_str("HUB_BROKER_KEY_PREFIX", ""):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = _broker_prefix
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A running task keeps running when the worker loses Redis for a moment; its message is still
# unacknowledged there and is acknowledged when the task ends.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_TIME_LIMIT = max(HUB_TASK_VISIBILITY_TIMEOUT - 60, 30)
CELERY_TASK_SOFT_TIME_LIMIT = max(HUB_TASK_VISIBILITY_TIMEOUT - 120, 20)
# Work a request starts is written to the task outbox in the request's transaction
# (alliance/outbox.py) and sent after commit; beat's relay sends what is still unsent (the broker
# was down) every HUB_OUTBOX_RELAY_SECONDS, once a row is HUB_OUTBOX_RELAY_AFTER_SECONDS old.
HUB_OUTBOX_RELAY_SECONDS = env_int("HUB_OUTBOX_RELAY_SECONDS", 10)
HUB_OUTBOX_RELAY_AFTER_SECONDS = env_int("HUB_OUTBOX_RELAY_AFTER_SECONDS", 5)
# A run without progress for HUB_RUN_STALLED_AFTER_SECONDS is stalled (billing/runs.py): shown so
# on its page with a Resume button and recorded as a task failure; checked every
# HUB_STALLED_CHECK_SECONDS. A batch takes seconds at most; five minutes also covers a queue of
# nightly work in front of it.
HUB_RUN_STALLED_AFTER_SECONDS = env_int("HUB_RUN_STALLED_AFTER_SECONDS", 300)
HUB_STALLED_CHECK_SECONDS = env_int("HUB_STALLED_CHECK_SECONDS", 60)
# Celery beat: every scheduled task of every app, here and nowhere else (times in UTC; no
# tasks.py adds entries of its own). Each is a fan-out that queues one task per alliance
# (alliance/celery.py: queue_for_every_alliance). tests/alliance/test_beat_schedule.py
# lists them: an entry added or dropped here changes that list too.
# HUB_ROLLUP_INTERVAL_SECONDS replaces the nightly time by an interval (the production-shape
# test watches beat trigger a rollup within seconds); leave it unset in production.
_rollup_interval = env_int("HUB_ROLLUP_INTERVAL_SECONDS", 0)
CELERY_BEAT_SCHEDULE = {
    # 02:30: the Iron Triangle rollups.
    "metrics-nightly-rollups": {
        "task": "metrics.nightly_rollups",
        "schedule": _rollup_interval if _rollup_interval > 0 else crontab(hour=2, minute=30),
    },
    # Monday 12:00: the weekly digest of flagged members to Hub staff.
    "metrics-weekly-digest": {
        "task": "metrics.weekly_digests",
        "schedule": crontab(day_of_week="mon", hour=12, minute=0),
    },
    # Hourly, a quarter past: offers past their respond-by date lapse (pages already show them
    # as lapsed, so an hour's delay changes nothing a family would notice).
    "enrollment-expire-offers": {
        "task": "enrollment.offers_expire_everywhere",
        "schedule": crontab(minute=15),
    },
    # 05:30: open cover requests whose day has passed close as not filled.
    "sharedservices-lapse-cover-requests": {
        "task": "sharedservices.cover_requests_lapse_everywhere",
        "schedule": crontab(hour=5, minute=30),
    },
    # 07:15: late fees on overdue balances.
    "billing-late-fees-daily": {
        "task": "billing.late_fees_daily",
        "schedule": crontab(hour=7, minute=15),
    },
    # Hourly, five past: each alliance whose morning hour (Alliance.digest_hour, its own time zone)
    # has come queues the Today digest of every member who asked for it, once per business date.
    "today-daily-digests": {
        "task": "today.daily_digests",
        "schedule": crontab(minute=5),
    },
    # Every few seconds: send the outbox's rows that are still unsent (the broker was down when
    # their request committed). Not a fan-out: the outbox is a system table (alliance/outbox.py).
    "alliance-outbox-relay": {
        "task": "alliance.outbox_relay",
        "schedule": HUB_OUTBOX_RELAY_SECONDS,
        # While no worker runs, the relays beat sends pile up: each expires by the next.
        "options": {"expires": HUB_OUTBOX_RELAY_SECONDS},
    },
    # Every minute: invoice runs without progress for too long are marked stalled.
    "billing-stalled-runs": {
        "task": "billing.runs_check_stalled_everywhere",
        "schedule": HUB_STALLED_CHECK_SECONDS,
        "options": {"expires": HUB_STALLED_CHECK_SECONDS},
    },
}
# The rollup reads its finance source on a second database connection while the first writes the
# occupancy snapshots (metrics.rollups.ReadBeside); false reads everything on one connection.
HUB_ROLLUP_READ_BESIDE = env_bool("HUB_ROLLUP_READ_BESIDE", True)

# Where alliance data exports are written (a volume shared by web and worker in production).
HUB_EXPORT_DIR = env_str("HUB_EXPORT_DIR", str(BASE_DIR / "var" / "exports"))

# --- Auth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "alliance.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# allauth's limits, stated so they are visible: 5 failed sign-ins per account
# per 5 minutes locks that account's sign-in for the rest of the window.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Hub"
# Hub roles (hub_admin, hub_staff) must have TOTP before anything else. The
# demo exempts its own seeded accounts (emails ending in .example) so a
# newcomer can click through; never set this in production.
HUB_MFA_EXEMPT_DEMO_USERS = env_bool("HUB_MFA_EXEMPT_DEMO_USERS", False)
if HUB_MFA_EXEMPT_DEMO_USERS and not DEBUG:
    raise ImproperlyConfigured(
        "HUB_MFA_EXEMPT_DEMO_USERS=true lets the demo's accounts in without two-factor sign-in; "
        "it is refused with DJANGO_DEBUG=false (production)."
    )
# API tokens expire this many days after they are created (alliance/tokens.py).
HUB_API_TOKEN_DAYS = env_int("HUB_API_TOKEN_DAYS", 90)
HUB_DEMO_EMAIL_SUFFIX = ".example"
# Whom a suspended alliance's users are told to contact (alliance/suspension.py): the deployment's operators.
HUB_OPERATOR_CONTACT = env_str("HUB_OPERATOR_CONTACT", "the Hub's operators")

EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
# Text messages (outreach/sms.py): the console in the demo and by default; a gateway in production.
HUB_SMS_BACKEND = env_str("HUB_SMS_BACKEND", "outreach.sms.ConsoleBackend")
HUB_SMS_WEBHOOK_URL = env_str("HUB_SMS_WEBHOOK_URL", "")
HUB_SMS_WEBHOOK_TOKEN = env_str("HUB_SMS_WEBHOOK_TOKEN", "")
HUB_SMS_FROM = env_str("HUB_SMS_FROM", "")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Hub <no-reply@hub.localhost>")
# The address the Hub is reached at, for links in emails sent outside a request (the Today digest).
HUB_SITE_URL = env_url("HUB_SITE_URL", "http://127.0.0.1:8000", ("http", "https")).rstrip("/")

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated API call gets 401 with WWW-Authenticate.
        "alliance.tokens.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The API takes JSON; an endpoint that takes a file names its own parser (attendance upload).
    # JSON nested deeper than alliance/jsonbody.py allows is a 400, like any malformed body.
    "DEFAULT_PARSER_CLASSES": ["alliance.jsonbody.HubJSONParser"],
    "EXCEPTION_HANDLER": "alliance.errors.api_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["alliance.filters.TenantFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "alliance.pagination.HubPagination",
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hub API",
    "DESCRIPTION": "Back office of a child-care shared services alliance.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents its error answers too (400/401/403/404), so clients and the
    # schema-driven fuzzing (tests/api/) hold the API to them.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "alliance.schema.document_errors"],
    # One stable, readable enum name per choice set (several models share field
    # names such as status, kind and reason).
    "ENUM_NAME_OVERRIDES": {
        f"{name}Enum": f"{module}.{name}"
        for module, names in {
            "alliance.models": ["Role"],
            "members.models": [
                "ProgramKind",
                "ProgramStatus",
                "Accreditation",
                "InspectionType",
                "InspectionOutcome",
                "AgeGroup",
                "StaffCategory",
                "PayBasis",
                "CostCategory",
                "PricingModel",
                "ImportKind",
                "ImportStatus",
            ],
            "enrollment.models": [
                "Relationship",
                "FundingSource",
                "EndReason",
                "AbsenceReason",
                "AttendanceSource",
                "WaitlistStatus",
                "OfferStatus",
            ],
            "billing.models": [
                "RatePeriod",
                "DiscountKind",
                "EntryKind",
                "ChargeCategory",
                "InvoiceStatus",
                "RunStatus",
                "PaymentMethod",
                "PaymentStatus",
                "NoteKind",
                "LateFeeKind",
                "PayerKind",
                "ClaimStatus",
                "BankAccountType",
            ],
            "sharedservices.models": [
                "Employment",
                "CredentialType",
                "CoverReason",
                "CoverStatus",
                "CycleStatus",
                "CoachingFocus",
                "GoalStatus",
            ],
            "metrics.models": ["HubMoneyKind"],
            "outreach.models": ["SubsidyStatus", "ContactMethod", "CloseReason"],
        }.items()
        for name in names
    },
}

# --- I18N, static -----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
# Dates and numbers by the alliance's locale (Alliance.locale; AllianceMixin activates it for its pages).
FORMAT_MODULE_PATH = ["alliance.formats"]
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("HUB_STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = env_bool("HUB_STATIC_FINDERS", DEBUG)

# --- Security ---------------------------------------------------------------
HUB_HTTPS = env_bool("HUB_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HUB_HTTPS
# Load balancers and container probes call /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HUB_HTTPS
CSRF_COOKIE_SECURE = HUB_HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if HUB_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HUB_HTTPS
SECURE_HSTS_PRELOAD = HUB_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies in front of the web process that append to X-Forwarded-For: every per-address limit
# (allauth's sign-in and reset limits, the public forms') counts the address the outermost
# trusted proxy saw (alliance/clients.py). 0: REMOTE_ADDR. allauth's own setting follows it.
HUB_TRUSTED_PROXY_COUNT = env_int("HUB_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = HUB_TRUSTED_PROXY_COUNT
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache and written to both: a page reads no session row, and a Redis
# that is down means the database answers (alliance/cache.py turns its errors into misses).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 14 * 24 * 3600)
# Hub staff handle families' money: their sessions end after this much inactivity.
HUB_STAFF_SESSION_IDLE_MINUTES = env_int("HUB_STAFF_SESSION_IDLE_MINUTES", 120)
# Uploads (CSV imports) are small; refuse anything bigger early.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("HUB_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
HUB_MAX_UPLOAD_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_HANDLERS = [
    "alliance.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# No inline or third-party script anywhere: every script is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Structured logs: one JSON object per line with request id, alliance and user id
# (alliance/observability.py). HUB_LOG_FORMAT=text for a readable console (the demo).
HUB_LOG_FORMAT = env_str("HUB_LOG_FORMAT", "json")
if HUB_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"Environment variable HUB_LOG_FORMAT={HUB_LOG_FORMAT!r} must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "alliance.observability.LogContextFilter"}},
    "formatters": {
        "json": {"()": "alliance.observability.JsonFormatter"},
        "text": {
            "()": "alliance.observability.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": HUB_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # The request middleware logs every request once; runserver's own line would repeat it.
    "loggers": {"django.server": {"level": "WARNING"}},
}
# The worker and beat log through the same JSON handler instead of Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
