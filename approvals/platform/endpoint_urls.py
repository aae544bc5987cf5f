"""Webhook endpoint URLs: https in production, and never an address inside our own network
unless a setting allows it (tests and `make run` allow loopback). Checked when an endpoint is
made or changed; the transport checks again at every delivery (approvals.platform.transport),
because the platform controls its DNS."""

from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from approvals.platform.transport import resolve_checked


def validate_endpoint_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError as error:
        raise ValidationError({"url": _("Enter an http(s) URL with a host name.")}) from error
    if parts.scheme not in ("https", "http") or not hostname:
        raise ValidationError({"url": _("Enter an http(s) URL with a host name.")})
    if parts.scheme == "http" and not settings.WEBHOOK_ALLOW_HTTP:
        raise ValidationError({"url": _("Webhook endpoints must use https.")})
    if parts.username or parts.password:
        raise ValidationError({"url": _("Leave credentials out of the URL.")})
    try:
        resolve_checked(hostname, port)
    except requests.ConnectionError as error:
        raise ValidationError({"url": str(error)}) from error
