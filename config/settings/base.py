"""Settings shared by every environment. Everything that varies comes from config.env."""

from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF

from config.env import BASE_DIR, env
from config.logging import configure_structlog, logging_config

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # relative times ("3 minutes ago"), in every language
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "guardian",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "axes",
    "health_check",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_prometheus",
    "django_structlog",
    "django_countries",  # the list of countries, named in each language
]
LOCAL_APPS = [
    "accounts",
    "approvals",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # request counts and latency
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the browser's language (or the cookie)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.languages.LanguageMiddleware",  # the profile's language; the API's header
    "django_otp.middleware.OTPMiddleware",
    "config.middleware.SecondFactorMiddleware",  # staff pass the second factor first
    "accounts.time_zones.TimeZoneMiddleware",  # times in the user's own zone
    "django_structlog.middlewares.RequestMiddleware",  # request_id on every log line
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.HistoryContextMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out login with 429
]

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
                "accounts.context_processors.roles",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Database: PostgreSQL in production and CI (DATABASE_URL); SQLite for a first local run.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # transaction boundaries live in services
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Local runs share one SQLite file between web, worker and beat: wait for locks,
    # take the write lock up front, and let readers read while a writer writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Which process a connection belongs to, in pg_stat_activity.
    DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = env(
        "DATABASE_APPLICATION_NAME", default="imprimatur"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login outright
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Failed logins (every login form, the admin's included): after AXES_FAILURE_LIMIT wrong
# passwords for one username, that username is locked out for AXES_COOLOFF_MINUTES, whatever
# the password, and so is an address that failed that often; the answer is a 429 page.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "new_password1", "new_password2", "document_number"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: English (the source) and Simplified Chinese. The browser's Accept-Language picks
# one, the switch in the navigation overrides it and is kept on the profile; the API answers
# in the language of Accept-Language. Catalogues live in locale/ (see README, "Languages").
LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", "English"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "imprimatur_language"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
FORMAT_MODULE_PATH = ["config.formats"]  # times with seconds, per language
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")  # links in emails
EMAIL_VERIFICATION_DAYS = env.int("EMAIL_VERIFICATION_DAYS", default=3)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Imprimatur <noreply@imprimatur.local>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Operators told about disabled endpoints and server errors: "Name <a@b>, Other <c@d>".
ADMINS = [
    (address.split("<")[0].strip() or address, address.split("<")[-1].rstrip(">").strip())
    for address in env.list("ADMINS", default=[])
]

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/
# (an embedded broker that works across processes). Never eager mode.
REDIS_URL = env("REDIS_URL", default="")
BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(BASE_DIR / "var" / "broker")))
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if REDIS_URL:
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"  # survives Redis going away
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # Look for new messages every 50 ms, not every second: a local run's webhooks go
        # out about as fast as with Redis.
        "polling_interval": 0.05,
    }
)
if not REDIS_URL:
    for folder in ("queue", "processed"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# Celery's Django fixup closes every database connection before and after each task unless
# this is set, so each task would pay for a new PostgreSQL connection (a backend process
# forked, authenticated and configured: more than the task's own queries). Connections are
# kept instead, as in web processes: config.celery closes those that are broken or older than
# CONN_MAX_AGE around each task. (The fixup still recycles them every this many tasks.)
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage is waited out, however long: workers reconnect by themselves.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 4
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULER = "config.beat:SingleBeatScheduler"  # one beat at a time
# The oversight dashboard's queue depth over time: one sample per desk this often.
# A search's statements are cancelled after this long (PostgreSQL); the page asks for a
# narrower search instead of holding a connection and a core.
SEARCH_TIMEOUT_MS = env.int("SEARCH_TIMEOUT_MS", default=3000)
QUEUE_SAMPLE_SECONDS = env.int("QUEUE_SAMPLE_SECONDS", default=300)
# Oversight rollups (approvals.rollups): each run re-rolls this many closed days, so what
# changes a closed day after midnight (a decision committed late, a post moved) is counted;
# and rolls days of the last HORIZON days never rolled, at most BATCH of them a run.
OVERSIGHT_ROLLUPS = env.bool("OVERSIGHT_ROLLUPS", default=True)
OVERSIGHT_ROLLUP_REROLL_DAYS = env.int("OVERSIGHT_ROLLUP_REROLL_DAYS", default=3)
OVERSIGHT_ROLLUP_HORIZON_DAYS = env.int("OVERSIGHT_ROLLUP_HORIZON_DAYS", default=366)
OVERSIGHT_ROLLUP_BATCH_DAYS = env.int("OVERSIGHT_ROLLUP_BATCH_DAYS", default=7)
OVERSIGHT_ROLLUP_SECONDS = env.float("OVERSIGHT_ROLLUP_SECONDS", default=3600.0)
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {
        "task": "approvals.tasks.sweep_outbox",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=30.0),
    },
    "sweep-notifications": {
        "task": "accounts.notifications.sweep_notifications",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=30.0),
    },
    "record-lapsed-strikes": {"task": "accounts.tasks.record_lapsed_strikes", "schedule": 3600.0},
    "check-queue-alerts": {
        "task": "accounts.tasks.check_queue_alerts",
        "schedule": env.float("QUEUE_ALERT_CHECK_SECONDS", default=300.0),
    },
    "prune-old-records": {"task": "approvals.tasks.prune_old_records", "schedule": 3600.0},
    # The queue's keeping: escalate posts past their deadline, release idle claims, return
    # lapsed reservations to the pool (approvals.tasks).
    "escalate-overdue-posts": {
        "task": "approvals.tasks.escalate_overdue_posts",
        "schedule": env.float("QUEUE_SWEEP_SECONDS", default=60.0),
    },
    "release-idle-claims": {
        "task": "approvals.tasks.release_idle_claims",
        "schedule": env.float("QUEUE_SWEEP_SECONDS", default=60.0),
    },
    "sample-queue-depth": {
        "task": "approvals.tasks.sample_queue_depth",
        "schedule": float(QUEUE_SAMPLE_SECONDS),
    },
    "rollup-oversight": {
        "task": "approvals.tasks.rollup_oversight",
        "schedule": OVERSIGHT_ROLLUP_SECONDS,
    },
}

if REDIS_URL:  # shared by every process: API throttling counts across gunicorn workers
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

# Webhooks (Standard Webhooks). The retry schedule follows the first, immediate attempt.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=15.0)
WEBHOOK_RETRY_SCHEDULE = env.list(
    "WEBHOOK_RETRY_SCHEDULE",
    cast=float,
    default=[5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600],
)
# Retries due within this many seconds wait in the broker; later ones wait in the database
# until the sweeper finds them (a broker should not hold hours-long countdowns).
WEBHOOK_BROKER_RETRY_MAX_SECONDS = env.float("WEBHOOK_BROKER_RETRY_MAX_SECONDS", default=60.0)
WEBHOOK_DISABLE_AFTER = timedelta(hours=env.float("WEBHOOK_DISABLE_AFTER_HOURS", default=72))
WEBHOOK_SECRET_OVERLAP = timedelta(hours=env.float("WEBHOOK_SECRET_OVERLAP_HOURS", default=24))
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
# Retention (approvals.retention, hourly): what is forgotten after how many days; never the
# audit trail.
IDEMPOTENCY_RETENTION_DAYS = env.float("IDEMPOTENCY_RETENTION_DAYS", default=7)
ATTEMPT_RETENTION_DAYS = env.float("ATTEMPT_RETENTION_DAYS", default=30)
EVENT_BODY_RETENTION_DAYS = env.float("EVENT_BODY_RETENTION_DAYS", default=90)
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=5000)
# /healthz: a heartbeat older than this, or a due webhook waiting longer, is unhealthy.
HEALTH_HEARTBEAT_MAX_AGE_SECONDS = env.float(
    "HEALTH_HEARTBEAT_MAX_AGE_SECONDS", default=3 * env.float("OUTBOX_SWEEP_SECONDS", default=30)
)
HEALTH_MAX_DELIVERY_LAG_SECONDS = env.float("HEALTH_MAX_DELIVERY_LAG_SECONDS", default=300)
OUTBOX_SWEEP_GRACE = timedelta(seconds=env.float("OUTBOX_SWEEP_GRACE_SECONDS", default=10))
# A worker leases up to this many due deliveries at once and sends them concurrently.
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=200)
WEBHOOK_SEND_CONCURRENCY = env.int("WEBHOOK_SEND_CONCURRENCY", default=32)
# Circuit breaker: after this many failures in a row an endpoint gets nothing until a probe
# (one delivery) succeeds; probes wait FIRST_PROBE seconds, doubling up to MAX_PROBE.
WEBHOOK_CIRCUIT_FAILURES = env.int("WEBHOOK_CIRCUIT_FAILURES", default=5)
WEBHOOK_CIRCUIT_FIRST_PROBE_SECONDS = env.float("WEBHOOK_CIRCUIT_FIRST_PROBE_SECONDS", default=5)
WEBHOOK_CIRCUIT_MAX_PROBE_SECONDS = env.float("WEBHOOK_CIRCUIT_MAX_PROBE_SECONDS", default=600)

# API request bodies: a post's body is text, so 1 MiB is plenty (413 above it).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
# Two-factor (django-otp): every staff account (reviewers, senior reviewers, operators, admin
# users) needs an authenticator app; see accounts/services/two_factor.py.
TWO_FACTOR_REQUIRED_FOR_STAFF = env.bool("TWO_FACTOR_REQUIRED_FOR_STAFF", default=True)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Imprimatur")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # no admin user reads anyone's secret or recovery codes

# /metrics (Prometheus): a scraper shows METRICS_TOKEN as a bearer token, or comes from one of
# METRICS_ALLOWED_NETWORKS (none unless set; loopback in local and test settings). Several
# processes on a host add up their samples through PROMETHEUS_MULTIPROC_DIR (an environment
# variable, set before anything starts).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# No network by default: behind a proxy on the same host every request comes from loopback.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
PROMETHEUS_EXPORT_MIGRATIONS = False

# Forms: a post is at most a few tens of kilobytes; nothing here takes uploads.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("FORM_MAX_BODY_BYTES", default=512 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400  # bulk forms stay far below this
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Content Security Policy (django-csp): scripts and styles only from this site, or inline
# with this response's nonce; no plug-ins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "approvals.api.schema.ImprimaturAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["approvals.api.authentication.PlatformKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["approvals.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env("API_RATE_PER_KEY", default="6000/minute")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["approvals.api.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "approvals.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Imprimatur API",
    "DESCRIPTION": "Submit posts for pre-publication review and follow their decisions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": [
        f"approvals.api.webhooks.{name}"
        for name in (
            "post_cleared",
            "post_approved",
            "post_rejected",
            "post_changes_requested",
            "post_revoked",
            "account_sanctioned",
            "account_reinstated",
            "ping",
        )
    ],
}

# Review and account policy
APPEAL_WINDOW = timedelta(days=env.int("APPEAL_WINDOW_DAYS", default=14))
UNVERIFIED_DAILY_POSTS = env.int("UNVERIFIED_DAILY_POSTS", default=5)  # category "other" only
STRIKE_LIFETIME = timedelta(days=env.int("STRIKE_LIFETIME_DAYS", default=90))
WARNING_LIFETIME = timedelta(days=env.int("WARNING_LIFETIME_DAYS", default=90))
# "strikes:kind[:days]", comma-separated: the sanction proposed when active strikes reach it.
STRIKE_POLICY = env("STRIKE_POLICY", default="1:warning,3:limitation:30,5:suspension")
# Key for the salted hash of identity document numbers (defaults to one derived from SECRET_KEY).
IDENTITY_HASH_KEY = env("IDENTITY_HASH_KEY", default="")
# Key of the audit chain's HMAC (defaults to one derived from SECRET_KEY). Keep it out of the
# database, and keep it: entries written under another key no longer verify.
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default="")
REVIEW_QUEUE_PAGE_SIZE = env.int("REVIEW_QUEUE_PAGE_SIZE", default=25)
# The queue's order (approvals.priority): screening brings a post forward by this many hours
# per point of its score, counting at most this many points.
QUEUE_SCREENING_HOURS_PER_POINT = env.float("QUEUE_SCREENING_HOURS_PER_POINT", default=2.0)
QUEUE_SCREENING_MAX_POINTS = env.float("QUEUE_SCREENING_MAX_POINTS", default=3.0)
# A claim left this long is released back to the queue (the reviewer is told); a resubmission
# waits this long for the reviewer who asked for the changes before anyone may take it.
CLAIM_IDLE_MINUTES = env.float("CLAIM_IDLE_MINUTES", default=60.0)
# Each beat run escalates and releases at most this many posts (the next run goes on).
QUEUE_SWEEP_BATCH = env.int("QUEUE_SWEEP_BATCH", default=200)
# Quality: this share (0 to 1) of decisions (approve, reject, request changes) gets a blind
# second review by another reviewer of the desk, picked by a hash of the post and revision.
SECOND_REVIEW_SHARE = env.float("SECOND_REVIEW_SHARE", default=0.05)
if not 0 <= SECOND_REVIEW_SHARE <= 1:
    raise ValueError("SECOND_REVIEW_SHARE must be between 0 and 1.")
# Embargo: an approval may say "not before" a time at most this many days ahead.
EMBARGO_MAX_DAYS = env.int("EMBARGO_MAX_DAYS", default=30)
# The navigation's live counts (reviewers' waiting posts, the notification bell): pages poll
# every LIVE_POLL_SECONDS; each user's counts are cached for LIVE_COUNT_CACHE_SECONDS.
LIVE_POLL_SECONDS = env.int("LIVE_POLL_SECONDS", default=30)
LIVE_COUNT_CACHE_SECONDS = env.float("LIVE_COUNT_CACHE_SECONDS", default=5.0)
NOTIFICATIONS_PAGE_SIZE = env.int("NOTIFICATIONS_PAGE_SIZE", default=25)
# Screening: a post filed as "other" whose score (the weights of the watched terms and news
# sources it matches, approvals.screening) reaches this goes to review as news.
SCREENING_THRESHOLD = env.float("SCREENING_THRESHOLD", default=1.0)
# Negative-weight terms (an everyday, first-person voice) take off at most this much in all.
SCREENING_MAX_DISCOUNT = env.float("SCREENING_MAX_DISCOUNT", default=0.5)
# Each process re-reads the terms at most this often (the admin's changes apply within it).
SCREENING_CACHE_SECONDS = env.float("SCREENING_CACHE_SECONDS", default=30.0)
# Account-wide takedowns revoke this many posts per transaction (a task works through them).
TAKEDOWN_CHUNK_SIZE = env.int("TAKEDOWN_CHUNK_SIZE", default=200)
# How long a platform's onboarding and connect links stay valid.
PLATFORM_CONNECT_MAX_AGE = timedelta(hours=env.float("PLATFORM_CONNECT_MAX_AGE_HOURS", default=72))

# Row history (django-pghistory, PostgreSQL triggers) of sanctions, strikes, identities,
# signatures, desk assignments, endpoints, keys and account links: every insert, update and
# delete, kept append-only.
# (accounts.history.tracked on the models.)
PGHISTORY_APPEND_ONLY = True

LOG_FORMAT = env("LOG_FORMAT", default="json")  # json, or plain for people to read
LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", default="INFO"))
configure_structlog()
DJANGO_STRUCTLOG_CELERY_ENABLED = True  # request ids travel into the tasks a request queues
# Take the request id from the proxy's X-Request-ID header (only behind a proxy that sets it).
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env.bool("TRUST_UPSTREAM_REQUEST_ID", default=False)

# Errors to Sentry, when a DSN is given (Django and Celery integrations switch on by
# themselves); no personal data is sent.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
