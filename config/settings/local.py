"""A developer's machine: `make run`. Defaults that are only safe locally live here."""

from config.env import env
from config.logging import logging_config
from config.settings.base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-only-not-a-secret")
# The demo receiver runs on loopback over plain http.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=True)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=True)
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", default="INFO"))
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
