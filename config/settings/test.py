"""pytest: fast hashing, in-memory mail and cache; the database comes from DATABASE_URL."""

from config.env import env
from config.logging import logging_config
from config.settings.base import *  # noqa: F403

SECRET_KEY = env("SECRET_KEY", default="test-only-not-a-secret")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if not env.bool("SHARED_CACHE", default=False):  # chaos runs share Redis, as production does
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic before tests
# Live-server threads must not keep connections; a benchmark's worker may (CONN_MAX_AGE=60).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)  # noqa: F405
WEBHOOK_ALLOW_HTTP = True  # tests run receivers on loopback
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", default="INFO"))
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
# No second reviews unless a test asks for them (tests/approvals/test_second_review.py): the
# sample depends on post ids, and other tests count audit entries.
SECOND_REVIEW_SHARE = env.float("SECOND_REVIEW_SHARE", default=0.0)
# Browser pages left open by one test must not poll the live server while the next test's
# database is flushed: the navigation's counts poll only when a test asks (a test sets it).
LIVE_POLL_SECONDS = env.int("LIVE_POLL_SECONDS", default=3600)
