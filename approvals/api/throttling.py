import logging

from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per API key (rate: API_RATE_PER_KEY), counted in the shared cache (Redis).

    If the cache cannot be reached, requests are let through and the outage logged: a Redis
    outage must not turn a platform's submissions into errors."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if request.auth is None:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache backend is down: degrade, do not fail
            log.warning("API throttling skipped, the cache is unreachable: %s", error)
            return True
